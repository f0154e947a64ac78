"""The method page's content ("Sådan beregnes benchmarket"), as data for the page, its JSON and the report.

Every text is Danish and built from the same sources the figures come from: the model's design
(:mod:`kommunebench.data.schemas`), the ranking and rounding notes and the suppression note
(:mod:`kommunebench.publish.labels`), the shipped cost table with its stated basis
(``data/refdata/costs.csv``) and, when a run is given, its klynger with each klynge's range of
expected shares and its period in words.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from importlib import resources
from typing import Any

from kommunebench.data import schemas
from kommunebench.publish.format import format_number_da, period_text
from kommunebench.publish.labels import AREA_LABELS, KLYNGE_METHOD, ROUNDING_NOTE, TOTAL, suppression_note
from kommunebench.publish.view import PublicRun

__all__ = ["METHOD_TITLE", "method_sections", "period_in_words"]

METHOD_TITLE = "Sådan beregnes benchmarket"


def _bands(bands: Sequence[tuple[str, int, int]], unit: str) -> str:
    return ", ".join(label for label, _, _ in bands) + f" {unit}"


RAMMEVILKAAR = (
    ("Alder", _bands(schemas.AGE_BANDS, "år")),
    ("Køn", "mand, kvinde"),
    ("Herkomst", "dansk, vestlig, ikke-vestlig"),
    ("Uddannelse", "grundskole, gymnasial, erhvervsfaglig, kort videregående, bachelor, lang videregående"),
    ("Familie", "enlig, enlig med børn, par, par med børn, bor hos forældre"),
    ("Helbred", "kontakter til sundhedsvæsenet: " + _bands(schemas.HEALTH_BANDS, "")),
    (
        "Tidligere forsørgelse",
        "uger på offentlig forsørgelse de foregående 3 år: " + _bands(schemas.PRIOR_BENEFIT_BANDS, ""),
    ),
    (
        "Lokalt arbejdsmarked",
        "pendlingsområdets ledighed, beskæftigelsesfrekvens, jobopslag pr. 1.000, erhvervsstruktur "
        "(fem brancheandele; landbrug er referencen) og afstand til større by, gennemsnit af periodens fire kvartaler",
    ),
)


def period_in_words(label: str) -> str:
    """``2023QMAT04 = kalenderåret 2023``; ``2023QMAT02 = 3. kvt. 2022 – 2. kvt. 2023``."""
    return f"{label} = {period_text(label)}"


def _cost_rows() -> list[dict[str, str]]:
    text = resources.files("kommunebench.data").joinpath("refdata", "costs.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _klynger(view: PublicRun) -> list[list[str]]:
    rows = []
    k = view.klynger
    for name in view.lists:
        part = k[k["area"] == name]
        for _, g in part.groupby("klynge", sort=True):
            rows.append(
                [
                    AREA_LABELS.get(name, name),
                    f"Klynge {int(g['klynge'].iloc[0])}",
                    str(len(g)),
                    f"{format_number_da(g['klynge_lower'].iloc[0], 'share')}–"
                    f"{format_number_da(g['klynge_upper'].iloc[0], 'share')}",
                ]
            )
    return rows


def _section(sid: str, title: str, paragraphs: Sequence[str], table: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": sid, "title": title, "paragraphs": list(paragraphs), "table": table}


OFFICIAL_METHOD = (
    "For hver periode og hvert scope kan én kørsel markeres som den officielle (kommunebench publish). "
    "Siderne, API'et og tidsserien viser som standard den officielle kørsel af den nyeste periode, der har en; "
    "er ingen kørsel officiel, vises periodens første kørsel, og siden siger, at den ikke er officiel. "
    "Fremskrivninger (model fra en tidligere periode) og genkørsler bliver aldrig standard, blot fordi de er nyest. "
    "Placering over tid har ét punkt pr. periode. Hele landet vises under hver liste og rangeres ikke."
)
CHANGE_METHOD = (
    "«Ændring i placering» er placeringen i den forrige officielle kørsel af samme scope minus placeringen nu "
    "(+ = bedre placering); begge er de offentliggjorte placeringer.",
    "Ændringen i forskellen (faktisk − forventet andel) deles eksakt i fire bidrag: ændringen i den faktiske "
    "andel; ny sammensætning af borgerne (de gamle koefficienter på de nye gennemsnit af borgernes kendetegn); "
    "det lokale arbejdsmarked (de gamle koefficienter på de nye arbejdsmarkedstal); og modellens nye koefficienter "
    "(forskellen i koefficienter på de nye gennemsnit). En højere forventet andel giver et negativt bidrag. "
    "Bidragene summerer præcist til ændringen før afrunding.",
    "En ændring vises kun, hvis kommunens tal er offentliggjort i begge kørsler.",
)


def method_sections(view: PublicRun | None, periods: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The page's sections in order: id, title, paragraphs and an optional table (head, rows)."""
    threshold = view.threshold if view is not None else 5
    out = [
        _section(
            "forventet",
            "Hvad betyder »forventet«?",
            [
                "Den forventede andel er den andel af kommunens 16-66-årige, der ville være på offentlig forsørgelse "
                "(i fuldtidspersoner), hvis kommunens borgere havde samme sandsynlighed for at være på forsørgelse "
                "som borgere med de samme rammevilkår i hele landet. Den beregnes med én national lineær model pr. "
                "ydelsesgruppe (mindste kvadraters metode på personniveau, uden kommuneeffekter).",
                "Forskellen mellem faktisk og forventet andel er kommunens resultat: negativ = færre på forsørgelse "
                "end forventet. Afvigelsen mellem den forventede andel og landsgennemsnittet kan deles eksakt op på "
                "rammevilkårene (kommunens gennemsnit minus landets, gange modellens koefficient); det vises på hver "
                "kommunes side under »Hvorfor er det forventede niveau som det er?«.",
            ],
        ),
        _section(
            "rammevilkaar",
            "Rammevilkårene i modellen",
            ["Modellen forklarer forsørgelse med disse kendetegn ved borgeren og det lokale arbejdsmarked:"],
            {"head": ["Rammevilkår", "Grupper / variable"], "rows": [list(r) for r in RAMMEVILKAAR]},
        ),
        _section("placering", "Placering og ens placeringer", [ROUNDING_NOTE]),
        _section("officiel", "Den officielle kørsel", [OFFICIAL_METHOD]),
        _section("aendring", "Ændring siden sidst, og hvorfor", list(CHANGE_METHOD)),
        _section(
            "klynger",
            "Klynger",
            [KLYNGE_METHOD, "Hver klynges spænd af forventede andele (pct.) i den viste kørsel:"],
            {"head": ["Liste", "Klynge", "Kommuner", "Forventet andel (pct.)"], "rows": _klynger(view)}
            if view is not None
            else None,
        ),
    ]
    costs = _cost_rows()
    used = ""
    if view is not None:
        used = (
            "I den viste kørsel er brugt: "
            + "; ".join(f"{AREA_LABELS.get(a, a)} {format_number_da(v, 'persons')} kr." for a, v in view.costs.items())
            + "."
        )
    out.append(
        _section(
            "omkostninger",
            "Omkostning pr. fuldtidsperson og besparelsespotentiale",
            [
                "Besparelsespotentialet er (faktisk − forventet) antal fuldtidspersoner gange den årlige kommunale "
                "nettoudgift pr. fuldtidsperson. Tabellen er en antagelse, der følger med kommunebench (dens kilde er "
                "angivet nedenfor); den kan erstattes med egne tal. Et negativt potentiale betyder ingen besparelse "
                "(færre end forventet).",
                used,
            ],
            {
                "head": ["Ydelsesgruppe", "Gælder fra", "Kr. pr. fuldtidsperson", "Kilde / grundlag"],
                "rows": [
                    [
                        AREA_LABELS.get(r["area"], r["area"]),
                        r["valid_from"],
                        format_number_da(float(r["dkk_per_fuldtidsperson"]), "persons"),
                        "Antagelse i kommunebenchs referencedata: " + r["basis"],
                    ]
                    for r in costs
                ],
            },
        )
    )
    out += [
        _section(
            "skaerpet-tilsyn",
            "Skærpet tilsyn",
            [
                "Resultatmålet er ikke opfyldt, når kommunens faktiske andel (ydelsesgrupper i alt: "
                + " + ".join(AREA_LABELS[a] for a in (view.total_areas if view else ()))
                + ") er højere end den forventede. Reglen gælder et kalenderår; for andre perioder er markeringen "
                "vejledende.",
            ],
        ),
        _section(
            "undertrykkelse", "Undertrykkelse af små tal og afrunding", [suppression_note(threshold), ROUNDING_NOTE]
        ),
        _section(
            "perioder",
            "Periodekoder",
            [
                "En periodekode ÅÅÅÅQMATkk betyder de fire kvartaler til og med kk. kvartal i år ÅÅÅÅ (glidende år):",
                *(period_in_words(p) for p in dict.fromkeys(periods)),
            ],
        ),
    ]
    if view is not None and TOTAL in view.lists:
        out[-1]["paragraphs"].append(f"Den viste kørsel: {period_in_words(view.period)}.")
    return out
