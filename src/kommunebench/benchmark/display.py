"""Danish display of the benchmark lists: headers, the ministry's rounding, number formats.

The list frames of :mod:`kommunebench.benchmark.lists` keep **full precision** and English column
names. :func:`display_frame` turns any of them into what the ministry publishes:

* counts of fuldtidspersoner rounded to the nearest 10 (half away from zero);
* shares and differences in percentage points with 2 decimals;
* savings potential in mio. kr. with 1 decimal;
* the differences are computed **from the rounded figures** (``Forskel = Faktisk − Forventet`` of
  the rounded columns), exactly as jobindsats publishes Y30R21 (checked on all 392 published rows
  of 2022QMAT04), so the displayed columns always add up. The ranking itself never uses the
  rounded figures.

With ``precise=True`` the unrounded values are appended as columns marked "(uafrundet)".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kommunebench.data.reference import AREA_LABELS

__all__ = [
    "COLUMNS",
    "display_frame",
    "label_kinds",
    "round_half_away",
    "round_count",
    "format_number_da",
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
    # potential, per area (filled in dynamically: potential_<area>_mio_kr)
    "cost_per_fuldtidsperson": ("Omkostning pr. fuldtidsperson (kr.)", "persons"),
}

_PRECISE = {"count": "count_precise", "count_diff": "count_precise", "share": "share_precise",
            "pp_diff": "share_precise", "mio": "mio_precise"}
_PRECISE_SUFFIX = " (uafrundet)"


def round_half_away(values, decimals: int = 0) -> np.ndarray:
    """Round half away from zero (as Excel's ROUND), robust to binary noise (2.675 → 2.68)."""
    x = np.asarray(values, dtype=float)
    scale = 10.0 ** decimals
    scaled = np.round(np.abs(x) * scale, 6)  # strip representation noise before deciding the half
    return np.sign(x) * np.floor(scaled + 0.5) / scale


def round_count(values) -> np.ndarray:
    """Counts as published: to the nearest 10."""
    return round_half_away(np.asarray(values, dtype=float) / 10.0) * 10.0


def _label(col: str) -> tuple[str, str] | None:
    if col in COLUMNS:
        return COLUMNS[col]
    if col.startswith("potential_") and col.endswith("_mio_kr"):
        area = col[len("potential_"):-len("_mio_kr")]
        return (f"Besparelsespotentiale {AREA_LABELS.get(area, area)} (mio. kr.)", "mio")
    if col.startswith("diff_") and col[5:] in AREA_LABELS:
        return (f"Forskel {AREA_LABELS[col[5:]]} (antal)", "count_diff")
    if col.startswith("cost_") and col[5:] in AREA_LABELS:
        return (f"Omkostning pr. fuldtidsperson {AREA_LABELS[col[5:]]} (kr.)", "persons")
    return None


def label_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Danish header → kind for a frame made by :func:`display_frame` (for number formats)."""
    out: dict[str, str] = {}
    for col, kind in frame.attrs.get("kinds", {}).items():
        if col in frame.columns:
            out[col] = kind
    return out


def display_frame(frame: pd.DataFrame, *, precise: bool = False) -> pd.DataFrame:
    """A list frame with Danish headers and the ministry's rounding (see the module docstring).

    Columns unknown to :data:`COLUMNS` are dropped (e.g. ``regionskode``). ``frame.attrs["kinds"]``
    of the result maps each Danish header to its kind (``count``, ``share``, ``mio``, ...), which
    the exports turn into number formats.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("display_frame expects a pandas DataFrame")
    if not isinstance(precise, bool):
        raise TypeError("precise must be True or False")
    out: dict[str, object] = {}
    kinds: dict[str, str] = {}
    extra: dict[str, object] = {}
    extra_kinds: dict[str, str] = {}
    cols = list(frame.columns)
    for col in cols:
        spec = _label(col)
        if spec is None:
            continue
        label, kind = spec
        s = frame[col]
        if kind == "count":
            vals = round_count(s).astype("int64")
        elif kind == "count_diff":
            if {"actual", "expected"} <= set(cols):
                vals = round_count(frame["actual"]) - round_count(frame["expected"])
            else:
                vals = round_count(s)
            vals = vals.astype("int64")
        elif kind == "share":
            vals = round_half_away(s, 2)
        elif kind == "pp_diff":
            if {"actual_share", "expected_share"} <= set(cols):
                vals = np.round(round_half_away(frame["actual_share"], 2)
                                - round_half_away(frame["expected_share"], 2), 2)
            else:
                vals = round_half_away(s, 2)
        elif kind == "mio":
            vals = round_half_away(s, 1)
        elif kind == "persons":
            vals = round_half_away(s, 0).astype("int64")
        elif kind == "area":
            vals = s.map(lambda a: AREA_LABELS.get(a, a))
        elif kind == "bool":
            vals = s.map(lambda b: "Ja" if bool(b) else "Nej")
        else:
            vals = s.to_numpy()
        out[label] = np.asarray(vals) if not isinstance(vals, pd.Series) else vals.to_numpy()
        kinds[label] = "share" if kind == "pp_diff" else ("count" if kind == "count_diff" else kind)
        if precise and kind in _PRECISE:
            extra[label + _PRECISE_SUFFIX] = s.to_numpy(dtype=float)
            extra_kinds[label + _PRECISE_SUFFIX] = _PRECISE[kind]
    result = pd.DataFrame({**out, **extra}, index=range(len(frame)))
    result.attrs["kinds"] = {**kinds, **extra_kinds}
    return result


def format_number_da(value: object, kind: str) -> str:
    """A display value as Danish text: thousands ``.``, decimal ``,`` (``1.620``, ``7,17``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if kind in {"count", "persons"}:
        text = f"{float(value):,.0f}"
    elif kind == "share":
        text = f"{float(value):,.2f}"
    elif kind == "mio":
        text = f"{float(value):,.1f}"
    elif kind in {"count_precise", "mio_precise"}:
        text = f"{float(value):,.2f}"
    elif kind == "share_precise":
        text = f"{float(value):,.6f}"
    elif kind in {"rank", "id"}:
        return str(int(value))
    else:
        return str(value)
    if text in {"-0", "-0.0", "-0.00"}:
        text = text[1:]
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
