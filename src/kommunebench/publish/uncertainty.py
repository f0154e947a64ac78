"""The uncertainty columns of the public lists (see :mod:`kommunebench.uncertainty`).

A stored run keeps its uncertainty frame (per area and total × municipality). The public view
adds, to every list, the standard error, the interval, the marginal rank set, the flag and its
Danish wording, and the empirical-Bayes shrunken difference (a labelled alternative view). They
are listed in :data:`UNCERTAINTY_FIELDS`, which the suppression rules include: an interval, a
standard error or a rank set around a suppressed cell would reveal it, so they are empty there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["UNCERTAINTY_FIELDS", "FLAG_WORDS", "with_uncertainty", "rank_sentence"]

UNCERTAINTY_FIELDS = (
    "se_pp",
    "lower_pp",
    "upper_pp",
    "rank_lower",
    "rank_upper",
    "flag",
    "assessment",
    "surely_tau_best",
    "surely_tau_worst",
    "shrunk_pp",
)
FLAG_WORDS = {-1: "bedre end forventet", 0: "ikke til at skelne fra forventet", 1: "dårligere end forventet"}
_SOURCE = (
    "se_pp",
    "lower_pp",
    "upper_pp",
    "rank_lower",
    "rank_upper",
    "flag",
    "surely_tau_best",
    "surely_tau_worst",
    "shrunk_pp",
)


def with_uncertainty(frame: pd.DataFrame, uncertainty: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """``frame`` (one list) with the uncertainty columns of list ``name`` (unchanged without them)."""
    if uncertainty is None or not len(uncertainty) or name not in set(uncertainty["area"]):
        return frame
    u = uncertainty[uncertainty["area"] == name].set_index("kommunekode")
    codes = frame["kommunekode"].astype(int)
    out = frame.copy()
    for col in _SOURCE:
        out[col] = u[col].reindex(codes).to_numpy()
    flags = out["flag"].to_numpy(dtype=float)
    out["assessment"] = [FLAG_WORDS.get(int(f)) if np.isfinite(f) else None for f in flags]
    return out


def rank_sentence(row: dict, level: float = 0.9) -> str | None:
    """The municipality page's sentence, e.g. 'placering mellem 12 og 31 med 90 % sikkerhed; …'."""
    lo, hi, words = row.get("rank_lower"), row.get("rank_upper"), row.get("assessment")
    if lo is None or hi is None or words is None:
        return None
    pct = f"{level * 100:.0f} %"
    where = f"placering {lo}" if lo == hi else f"placering mellem {lo} og {hi}"
    return f"{where} med {pct} sikkerhed; {words}"
