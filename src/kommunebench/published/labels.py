"""The jobindsats vocabulary of table Y30R21: column labels, benefit groups, special areas."""

from __future__ import annotations

import unicodedata

__all__ = [
    "TABLE",
    "GROUPS",
    "GROUP_LABELS",
    "FIELDS",
    "NON_MUNICIPAL_AREAS",
    "V3_COLUMNS",
    "field_of",
    "norm",
]

TABLE = "Y30R21"
#: jobindsats' benefit-group label → our area key ("total" = Ydelsesgrupper i alt).
GROUPS = {
    "ydelsesgrupper i alt": "total",
    "a-dagpenge mv.": "a_dagpenge",
    "sygedagpenge mv.": "sygedagpenge",
    "kontanthjælp mv.": "kontanthjaelp",
}
GROUP_LABELS = {
    "total": "Ydelsesgrupper i alt",
    "a_dagpenge": "A-dagpenge mv.",
    "sygedagpenge": "Sygedagpenge mv.",
    "kontanthjaelp": "Kontanthjælp mv.",
}
#: Rows that are not one of the 98 municipalities (kept out of the lists, counted in the report).
NON_MUNICIPAL_AREAS = ("hele landet", "uoplyst område", "uoplyst omraade")

_N = "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse"
_S = "Forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse"
#: The columns as the jobindsats API labels them (v2 and v3), in order.
V3_COLUMNS = (
    "Area",
    "Periode",
    "Ydelsesgrupper",
    f"{_N}: Forventet antal",
    f"{_N}: Faktisk antal",
    f"{_N}: Forskel mellem forventet og faktisk antal",
    f"{_S}: Forventet andel (pct.)",
    f"{_S}: Faktisk andel (pct.)",
    f"{_S}: Forskel mellem forventet og faktisk andel (pct. point)",
    "Placering på benchmarkranglisten",
)
#: Our field names, in the order of :data:`V3_COLUMNS`.
FIELDS = ("area", "period", "group", "expected", "actual", "diff", "expected_share", "actual_share", "diff_pp", "rank")
_KEYS = {"area": "area", "område": "area", "omraade": "area", "_omrade": "area", "_nykom": "area"}
_KEYS.update({"periode": "period", "period": "period", "tid": "period"})
_KEYS.update({"ydelsesgrupper": "group", "ydelsesgruppe": "group", "_ygrp_y30r21": "group"})


def norm(text: object) -> str:
    """NFC, lower case, single spaces (how labels and names are compared)."""
    return " ".join(unicodedata.normalize("NFC", str(text)).strip().lower().split())


def field_of(label: str) -> str | None:
    """Our field for a column label of an API reply or a download (``None`` = not used)."""
    t = norm(label).lstrip("\ufeff")
    if t in _KEYS:
        return _KEYS[t]
    measure = t.rsplit(":", 1)[-1].strip()
    if "placering" in measure or measure == "rang":
        return "rank"
    is_share = "andel" in measure or "pct" in measure
    if "forskel" in measure:
        return "diff_pp" if is_share else "diff"
    if "forventet" in measure:
        return "expected_share" if is_share else "expected"
    if "faktisk" in measure:
        return "actual_share" if is_share else "actual"
    return None
