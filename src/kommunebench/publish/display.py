"""The ministry's rounding of a list frame, in English (:func:`rounded_frame`) or Danish (:func:`display_frame`).

The list frames of :mod:`kommunebench.benchmark.lists` keep **full precision** and English column
names; the public frames of :mod:`kommunebench.publish.view` are the same with suppressed cells
empty (NaN). Rounded as the ministry publishes:

* counts of fuldtidspersoner to the nearest 10 (half away from zero);
* shares and differences in percentage points with 2 decimals;
* savings potential in mio. kr. with 1 decimal;
* the differences are computed **from the rounded figures** (``Forskel = Faktisk − Forventet`` of
  the rounded columns), exactly as jobindsats publishes Y30R21 (checked on all 392 published rows
  of 2022QMAT04), so the displayed columns always add up; the ranks follow the displayed
  difference first (:mod:`kommunebench.benchmark.ranking`), so it never decreases down a list.

An empty (suppressed) cell stays empty. With ``precise=True`` :func:`display_frame` appends the
unrounded values as columns marked "(uafrundet)".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kommunebench.publish.labels import AREA_LABELS, column_label
from kommunebench.publish.rounding import round_count, round_half_away

__all__ = ["rounded_frame", "display_frame", "label_kinds", "PRECISE_SUFFIX"]

_PRECISE = {
    "count": "count_precise",
    "count_diff": "count_precise",
    "share": "share_precise",
    "pp_diff": "share_precise",
    "mio": "mio_precise",
}
PRECISE_SUFFIX = " (uafrundet)"
_INTEGER = {"count", "count_diff", "persons", "rank", "id"}


def _floats(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _rounded(frame: pd.DataFrame, col: str, kind: str) -> pd.Series:
    cols = set(frame.columns)
    s = frame[col]
    if kind == "count":
        vals = round_count(_floats(s))
    elif kind == "count_diff":
        both = {"actual", "expected"} <= cols
        vals = (
            round_count(_floats(frame["actual"])) - round_count(_floats(frame["expected"]))
            if both
            else round_count(_floats(s))
        )
        vals = np.where(np.isnan(_floats(s)), np.nan, vals)
    elif kind == "share":
        vals = round_half_away(_floats(s), 2)
    elif kind == "pp_diff":
        if {"actual_share", "expected_share"} <= cols:
            vals = np.round(
                round_half_away(_floats(frame["actual_share"]), 2)
                - round_half_away(_floats(frame["expected_share"]), 2),
                2,
            )
            vals = np.where(np.isnan(_floats(s)), np.nan, vals)
        else:
            vals = round_half_away(_floats(s), 2)
    elif kind == "mio":
        vals = round_half_away(_floats(s), 1) + 0.0
    elif kind in {"persons", "rank", "id"}:
        vals = round_half_away(_floats(s), 0)
    else:
        return s.reset_index(drop=True)
    if kind in _INTEGER:
        return _integers(np.asarray(vals, dtype=float))
    return pd.Series(np.asarray(vals, dtype=float))


def _integers(values: np.ndarray) -> pd.Series:
    """Whole numbers as int64, or as nullable Int64 when a cell is empty (suppressed)."""
    if np.isnan(values).any():
        return pd.Series(values).astype("Int64")
    return pd.Series(values.astype("int64"))


def rounded_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The published columns of ``frame`` rounded as published, English names kept.

    Counts, ranks and codes are nullable integers (``Int64``), shares and potentials floats; an
    empty (NaN) cell stays empty. Columns that are not published (unknown to the label
    vocabulary, such as ``regionskode``) are kept unchanged.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("rounded_frame expects a pandas DataFrame")
    out = {}
    for col in frame.columns:
        spec = column_label(str(col))
        out[col] = _rounded(frame, str(col), spec[1]) if spec else frame[col].reset_index(drop=True)
    return pd.DataFrame(out, index=range(len(frame)))


def _shown(values: pd.Series, kind: str) -> pd.Series:
    if kind == "area":
        return values.map(lambda a: AREA_LABELS.get(a, a))
    if kind == "bool":
        return values.map(
            lambda b: (
                ""
                if b is None or b is pd.NA or (isinstance(b, float) and np.isnan(b))
                else ("Ja" if bool(b) else "Nej")
            )
        )
    return values


def display_frame(frame: pd.DataFrame, *, precise: bool = False) -> pd.DataFrame:
    """A list frame with Danish headers and the ministry's rounding (see the module docstring).

    Columns unknown to the label vocabulary are dropped (e.g. ``regionskode``).
    ``frame.attrs["kinds"]`` of the result maps each Danish header to its kind (``count``,
    ``share``, ``mio``, ...), which the exports turn into number formats.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("display_frame expects a pandas DataFrame")
    if not isinstance(precise, bool):
        raise TypeError("precise must be True or False")
    rounded = rounded_frame(frame)
    out: dict[str, object] = {}
    kinds: dict[str, str] = {}
    extra: dict[str, object] = {}
    extra_kinds: dict[str, str] = {}
    for col in frame.columns:
        spec = column_label(str(col))
        if spec is None:
            continue
        label, kind = spec
        out[label] = _shown(rounded[col], kind).to_numpy()
        kinds[label] = "share" if kind == "pp_diff" else ("count" if kind == "count_diff" else kind)
        if precise and kind in _PRECISE:
            extra[label + PRECISE_SUFFIX] = _floats(frame[col])
            extra_kinds[label + PRECISE_SUFFIX] = _PRECISE[kind]
    result = pd.DataFrame({**out, **extra}, index=range(len(frame)))
    for label, kind in kinds.items():
        if kind in {"count", "persons", "rank", "id"}:
            result[label] = _integers(pd.to_numeric(result[label]).to_numpy(dtype=float, na_value=np.nan))
    result.attrs["kinds"] = {**kinds, **extra_kinds}
    return result


def label_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Danish header → kind for a frame made by :func:`display_frame` (for number formats)."""
    return {col: kind for col, kind in frame.attrs.get("kinds", {}).items() if col in frame.columns}
