"""Reference data shipped with the package (see ``refdata/PROVENANCE.md``).

* **kommuner**: the 98 municipalities (kommunekode 101–860, name, region, DAWA visual centre,
  pendlingsområde, and the 16–66 population implied by the published Y30R21 figures).
  Christiansø (411) is not a municipality and is not in the list.
* **pendlingsområder** (commuting areas): groups of municipalities that share a local labour
  market; ours are a documented approximation (nearest regional hub).
* **benefit codes**: DREAM-like weekly codes → *ydelsesområde* (benefit area) per scope
  (``2018``, ``2019``, ``extended``).
* **costs**: dated annual public cost per *fuldtidsperson* (full-time person on benefit) per area.
* **boundaries**: simplified municipality borders for the map (WGS84 GeoJSON).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kommunebench.errors import ReferenceDataError

__all__ = [
    "Municipality",
    "SCOPES",
    "AREA_LABELS",
    "TOTAL",
    "municipalities",
    "municipality",
    "resolve_municipality",
    "suggest_municipality",
    "formal_name",
    "commuting_areas",
    "benefit_codes",
    "scope_areas",
    "code_areas",
    "costs",
    "boundaries",
    "calibration",
    "ATTRIBUTION",
]

SCOPES = ("2018", "2019", "extended")
TOTAL = "total"
AREA_LABELS = {
    "a_dagpenge": "A-dagpenge mv.",
    "sygedagpenge": "Sygedagpenge mv.",
    "kontanthjaelp": "Kontanthjælp mv.",
    "foertidspension_fleksjob": "Førtidspension og fleksjob (udvidet scope)",
    TOTAL: "Ydelsesgrupper i alt",
}
ATTRIBUTION = (
    "Kilde: jobindsats.dk, STAR; Danmarks Statistik (CC BY 4.0); "
    "kommunegrænser: Klimadatastyrelsen / Dataforsyningen (DAGI)"
)


@dataclass(frozen=True, slots=True)
class Municipality:
    kommunekode: int
    navn: str
    regionskode: int
    regionsnavn: str
    center_lon: float
    center_lat: float
    commuting_area: int
    pop_16_66: int

    @property
    def formelt_navn(self) -> str:
        """The official name for formal texts: "Københavns Kommune", "Bornholms Regionskommune"."""
        return formal_name(self.kommunekode)


def _open(name: str):
    return resources.files("kommunebench.data.refdata").joinpath(name).open(encoding="utf-8")


def _rows(name: str) -> list[dict[str, str]]:
    with _open(name) as fh:
        return list(csv.DictReader(fh))


def _norm(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip().casefold()


@cache
def municipalities() -> tuple[Municipality, ...]:
    return tuple(
        Municipality(
            int(r["kommunekode"]),
            r["navn"],
            int(r["regionskode"]),
            r["regionsnavn"],
            float(r["center_lon"]),
            float(r["center_lat"]),
            int(r["commuting_area"]),
            int(r["pop_16_66"]),
        )
        for r in _rows("municipalities.csv")
    )


@cache
def _by_code() -> dict[int, Municipality]:
    return {m.kommunekode: m for m in municipalities()}


@cache
def _formal_names() -> dict[int, str]:
    return {int(r["kommunekode"]): r["formelt_navn"] for r in _rows("formal_names.csv")}


def formal_name(code: int) -> str:
    """The official name of a municipality (``refdata/formal_names.csv``): "Læsø Kommune"."""
    return _formal_names()[municipality(code).kommunekode]


_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "é": "e", "ä": "ae", "ö": "oe", "ü": "ue"})
_LOOSE = (("aa", "a"), ("ae", "a"), ("oe", "o"), ("ue", "u"))


def _fold(s: str) -> str:
    """Case, æøå (``ø`` = ``oe``, ``å`` = ``aa``), "Kommune"/"Regionskommune" and punctuation folded away."""
    text = _norm(s).translate(_FOLD)
    text = re.sub(r"\b(regions)?kommune\b", " ", text)
    return re.sub(r"[^a-z0-9]+", "", text)


def _loose(s: str) -> str:
    """A looser fold for suggestions: ``Kobenhavn`` and ``København`` meet."""
    text = _fold(s)
    for a, b in _LOOSE:
        text = text.replace(a, b)
    return text


@cache
def _aliases() -> dict[str, int]:
    out = {_norm(r["alias"]): int(r["kommunekode"]) for r in _rows("aliases.csv")}
    for m in municipalities():
        out[_norm(m.navn)] = m.kommunekode
        out[_norm(formal_name(m.kommunekode))] = m.kommunekode
    return out


@cache
def _folded() -> dict[str, int]:
    out: dict[str, set[int]] = {}
    for name, code in _aliases().items():
        out.setdefault(_fold(name), set()).add(code)
    return {k: next(iter(v)) for k, v in out.items() if len(v) == 1 and k}


def municipality(code: int) -> Municipality:
    try:
        return _by_code()[int(code)]
    except (KeyError, ValueError):
        raise ReferenceDataError(f"ukendt kommunekode {code!r}: ikke en af de 98 kommuner") from None


def suggest_municipality(text: str, *, n: int = 3) -> tuple[str, ...]:
    """The municipality names closest to ``text`` (æøå/aa/oe folded, aliases included), best first."""
    loose: dict[str, int] = {}
    for name, code in _aliases().items():
        loose.setdefault(_loose(name), code)
    hits = difflib.get_close_matches(_loose(str(text)), list(loose), n=n * 3, cutoff=0.6)
    names: list[str] = []
    for hit in hits:
        navn = municipality(loose[hit]).navn
        if navn not in names:
            names.append(navn)
    return tuple(names[:n])


def _or_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} eller {names[-1]}"


def resolve_municipality(text: str | int) -> int:
    """A kommunekode from a code (``101``, ``"0101"``), any known spelling (``"Århus"``, ``"aarhus"``,
    ``"Koebenhavns Kommune"``); an unknown name raises with suggestions ("mente du København?")."""
    s = str(text).strip()
    if s.isascii() and s.isdigit():
        return municipality(int(s)).kommunekode
    code = _aliases().get(_norm(s))
    if code is None:
        code = _folded().get(_fold(s))
    if code is None:
        tips = suggest_municipality(s)
        hint = f" – mente du {_or_list(tips)}?" if tips else ": hverken en kommunekode eller et kendt kommunenavn"
        raise ReferenceDataError(f"Ukendt kommune {s!r}{hint}")
    return code


@cache
def commuting_areas() -> tuple[dict, ...]:
    return tuple(
        {"commuting_area": int(r["commuting_area"]), "name": r["name"], "hub_kommunekode": int(r["hub_kommunekode"])}
        for r in _rows("commuting_areas.csv")
    )


@cache
def benefit_codes() -> tuple[dict, ...]:
    """Rows ``code, name_da, benefit_group, area_2018, area_2019, area_extended`` (empty = not in scope)."""
    return tuple({**r, "code": int(r["code"])} for r in _rows("benefit_codes.csv"))


def _check_scope(scope: str) -> str:
    scope = str(scope)
    if scope not in SCOPES:
        raise ReferenceDataError(f"unknown scope {scope!r}: choose one of {', '.join(SCOPES)}")
    return scope


def scope_areas(scope: str) -> tuple[str, ...]:
    """The benefit areas of a scope, in the ministry's order (Total is their sum, not listed)."""
    scope = _check_scope(scope)
    present = {r[f"area_{scope}"] for r in benefit_codes() if r[f"area_{scope}"]}
    return tuple(a for a in AREA_LABELS if a in present)


def code_areas(scope: str, rows: tuple[dict, ...] | None = None) -> dict[int, str]:
    """Benefit code → area for the codes inside ``scope`` (codes outside it are left out)."""
    scope = _check_scope(scope)
    return {int(r["code"]): r[f"area_{scope}"] for r in (rows or benefit_codes()) if r[f"area_{scope}"]}


@cache
def _cost_rows() -> tuple[tuple[str, dt.date, float], ...]:
    return tuple(
        (r["area"], dt.date.fromisoformat(r["valid_from"]), float(r["dkk_per_fuldtidsperson"]))
        for r in _rows("costs.csv")
    )


def costs(on: dt.date, rows: tuple[tuple[str, dt.date, float], ...] | None = None) -> dict[str, float]:
    """Annual cost per fuldtidsperson (DKK) per area, as valid on the date ``on``."""
    out: dict[str, tuple[dt.date, float]] = {}
    for area, valid_from, value in rows or _cost_rows():
        if valid_from <= on and (area not in out or valid_from > out[area][0]):
            out[area] = (valid_from, value)
    if not out:
        raise ReferenceDataError(f"no cost per fuldtidsperson is valid on {on.isoformat()}")
    return {a: v for a, (_, v) in out.items()}


@cache
def _boundaries_text() -> str:
    with _open("municipalities.geojson") as fh:
        return fh.read()


def boundaries() -> dict:
    """Simplified municipality borders (WGS84); feature property ``kommunekode``; 411 flagged."""
    return json.loads(_boundaries_text())


@cache
def calibration() -> dict[int, dict[str, float]]:
    """Real municipal levels used to calibrate the synthetic Denmark (not model inputs)."""
    return {
        int(r["kommunekode"]): {k: float(v) for k, v in r.items() if k != "kommunekode"}
        for r in _rows("calibration.csv")
    }
