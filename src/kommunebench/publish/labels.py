"""The one label vocabulary of every output: column headers, kinds, area names and notes.

A column's *kind* drives both the rounding (:mod:`kommunebench.publish.display`) and the number
format (:func:`kommunebench.publish.format.format_number_da`, Excel number formats).
"""

from __future__ import annotations

from kommunebench.data.reference import AREA_LABELS, ATTRIBUTION, TOTAL

__all__ = [
    "AREA_LABELS",
    "ATTRIBUTION",
    "TOTAL",
    "COLUMNS",
    "SHEET_NAMES",
    "PUBLISHED_FIGURES_NOTE",
    "column_label",
    "ROUNDING_NOTE",
    "KLYNGE_METHOD",
    "suppression_note",
    "SUPPRESSED_LABEL",
]

# internal column -> (Danish header, kind). Kinds drive rounding here and number formats in exports.
COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("Placering", "rank"),
    "kommunekode": ("Kommunekode", "id"),
    "navn": ("Kommune", "text"),
    "regionsnavn": ("Region", "text"),
    "area": ("Ydelsesgruppe", "area"),
    "population": ("Befolkning 16-66 år", "persons"),
    "expected": ("Forventet antal", "count"),
    "actual": ("Faktisk antal", "count"),
    "diff": ("Forskel (antal)", "count_diff"),
    "expected_share": ("Forventet andel (pct.)", "share"),
    "actual_share": ("Faktisk andel (pct.)", "share"),
    "diff_pp": ("Forskel (pct.-point)", "pp_diff"),
    "potential_mio_kr": ("Besparelsespotentiale (mio. kr.)", "mio"),
    "potential_incl_extra_mio_kr": ("Besparelsespotentiale inkl. udvidet scope (mio. kr.)", "mio"),
    "result_target_failed": ("Resultatmål ikke opfyldt", "bool"),
    "total_vs_areas_pp": ("Offentliggjort total − sum af ydelsesgrupper (pct.-point)", "share"),
    # change since the previous run (issue 12)
    "rank_change": ("Ændring i placering", "rank"),
    "diff_pp_change": ("Ændring i forskel (pct.-point)", "share"),
    # uncertainty (issue 9)
    "se_pp": ("Standardfejl (pct.-point)", "share"),
    "lower_pp": ("Forskel, nedre grænse 90 % (pct.-point)", "share"),
    "upper_pp": ("Forskel, øvre grænse 90 % (pct.-point)", "share"),
    "rank_lower": ("Placering, bedst mulige (90 %)", "rank"),
    "rank_upper": ("Placering, dårligst mulige (90 %)", "rank"),
    "flag": ("Signifikant (-1 bedre, 1 dårligere)", "rank"),
    "assessment": ("Vurdering", "text"),
    "surely_tau_best": ("Sikkert blandt de 10 bedste (90 %)", "bool"),
    "surely_tau_worst": ("Sikkert blandt de 10 dårligste (90 %)", "bool"),
    "shrunk_pp": ("Krympet forskel, alternativ visning (pct.-point)", "share"),
    # similar municipalities
    "similar_rank": ("Nr.", "rank"),
    "similar_kommunekode": ("Lignende kommunekode", "id"),
    "similar_navn": ("Lignende kommune", "text"),
    "similar_expected_share": ("Lignende kommunes forventede andel (pct.)", "share"),
    "distance_pp": ("Afstand i forventet andel (pct.-point)", "share"),
    "similar_diff_pp": ("Lignende kommunes forskel (pct.-point)", "share"),
    "similar_placering": ("Lignende kommunes placering", "rank"),
    # klynger
    "klynge": ("Klynge", "rank"),
    "klynge_size": ("Antal kommuner i klyngen", "rank"),
    "klynge_lower": ("Klyngens laveste forventede andel (pct.)", "share"),
    "klynge_upper": ("Klyngens højeste forventede andel (pct.)", "share"),
    "klynge_expected_share": ("Klyngens gns. forventede andel (pct.)", "share"),
    "klynge_actual_share": ("Klyngens gns. faktiske andel (pct.)", "share"),
    "klynge_diff_pp": ("Klyngens gns. forskel (pct.-point)", "share"),
    "diff_pp_vs_klynge": ("Forskel til klyngens gns. (pct.-point)", "share"),
    "rank_in_klynge": ("Placering i klyngen", "rank"),
    "suppressed": ("Undertrykt", "bool"),
    # potential, per area (filled in dynamically: potential_<area>_mio_kr)
    "cost_per_fuldtidsperson": ("Omkostning pr. fuldtidsperson (kr.)", "persons"),
}

SHEET_NAMES = {
    "samlet": "Samlet liste",
    "a_dagpenge": "A-dagpenge mv.",
    "sygedagpenge": "Sygedagpenge mv.",
    "kontanthjaelp": "Kontanthjælp mv.",
    "foertidspension_fleksjob": "Førtidspension og fleksjob",
    "lignende_kommuner": "Lignende kommuner",
    "klynger": "Klynger",
    "besparelsespotentiale": "Besparelsespotentiale",
    "skaerpet_tilsyn": "Skærpet tilsyn",
}
SUPPRESSED_LABEL = "Undertrykt"

KLYNGE_METHOD = (
    "Klynger: kommunerne sorteres efter forventet andel og deles i sammenhængende "
    "grupper, der minimerer kvadratafvigelserne inden for grupperne (Fisher/Jenks "
    "'natural breaks', eksakt dynamisk programmering). Klynge 1 = laveste forventede "
    "andel. Klyngegennemsnit er simple gennemsnit over kommunerne."
)
ROUNDING_NOTE = (
    "Antal er afrundet til nærmeste 10, andele og forskelle til 2 decimaler som i "
    "ministeriets lister; forskellene er beregnet af de afrundede tal. Placeringen "
    "følger den viste forskel i procentpoint (laveste = 1), så den viste forskel aldrig "
    "falder ned gennem listen; ved ens vist forskel afgør den uafrundede forskel og ved helt "
    "ens forskel kommunekoden. Kolonner mærket '(uafrundet)' har fuld præcision."
)


#: What a run of published (jobindsats) figures shows instead of the suppression note.
PUBLISHED_FIGURES_NOTE = (
    "Offentliggjorte tal vises, som ministeriet har offentliggjort dem (jobindsats.dk, STAR): intet "
    "undertrykkes yderligere, antal er afrundet til nærmeste 10 og andele til 2 decimaler af ministeriet, "
    "og totalen er den offentliggjorte."
)


def suppression_note(threshold: int) -> str:
    """What is suppressed, in Danish (shown beside every public list)."""
    return (
        f"Celler med færre end {threshold} personer (faktiske fuldtidspersoner eller "
        "befolkning) er undertrykt: faktisk antal og andel, forskel, besparelsespotentiale, "
        "placering og resultatmål vises ikke, og kommunen står sidst i listen. Er en "
        "ydelsesgruppe undertrykt, er kommunens total også undertrykt. Placeringerne er nummereret "
        "blandt de offentliggjorte kommuner, og landstal er summer over dem. "
        "Antal er afrundet til nærmeste 10 og andele til 2 decimaler som i ministeriets lister."
    )


def column_label(col: str) -> tuple[str, str] | None:
    """(Danish header, kind) of an internal column name, or None for columns not published."""
    if col in COLUMNS:
        return COLUMNS[col]
    if col.startswith("potential_") and col.endswith("_mio_kr"):
        area = col[len("potential_") : -len("_mio_kr")]
        return (f"Besparelsespotentiale {AREA_LABELS.get(area, area)} (mio. kr.)", "mio")
    if col.startswith("diff_") and col[5:] in AREA_LABELS:
        return (f"Forskel {AREA_LABELS[col[5:]]} (antal)", "count_diff")
    if col.startswith("cost_") and col[5:] in AREA_LABELS:
        return (f"Omkostning pr. fuldtidsperson {AREA_LABELS[col[5:]]} (kr.)", "persons")
    return None
