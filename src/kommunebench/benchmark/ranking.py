"""The ranking convention of the published lists: rank and displayed difference always agree.

Two facts hold in every one of the 2,352 published Y30R21 rows (24 lists, 2020QMAT02–2022QMAT04):

1. the displayed difference in pct. points equals the displayed actual share minus the displayed
   expected share (each rounded to 2 decimals), and
2. down a list the displayed difference never decreases with the rank.

Ranking by the unrounded difference alone keeps (1) but can break (2): an unrounded +0.176
(9.31 − 9.14 = +0.17 displayed) would rank *after* an unrounded +0.174 displayed as +0.18.
The convention that satisfies both, and reproduces every published rank: rank by the **displayed
difference** (difference of the rounded shares), then, inside a group of equal displayed
differences, by the **unrounded** difference, then by ``tiebreak`` (a published run passes the
published rank), then by kommunekode. The rounding is the ministry's: half away from zero.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["round_half_away", "displayed_difference", "rank_by_difference", "rank_as_published", "spearman"]

_TIE_DECIMALS = 9


def round_half_away(values: ArrayLike, decimals: int = 0) -> NDArray[np.float64]:
    """Round half away from zero (as Excel's ROUND), robust to binary noise (2.675 → 2.68).

    NaN stays NaN (a suppressed cell).
    """
    x = np.asarray(values, dtype=float)
    scale = 10.0**decimals
    scaled = np.round(np.abs(x) * scale, 6)  # strip representation noise before deciding the half
    return np.asarray(np.sign(x) * np.floor(scaled + 0.5) / scale, dtype=float)


def displayed_difference(expected_share: ArrayLike, actual_share: ArrayLike) -> NDArray[np.float64]:
    """The difference as published: rounded actual share − rounded expected share (2 decimals).

    >>> displayed_difference([9.144], [9.31]).tolist()
    [0.17]
    """
    d = round_half_away(actual_share, 2) - round_half_away(expected_share, 2)
    return np.asarray(np.round(d, 2), dtype=float)


def rank_by_difference(diff_pp: ArrayLike, kommunekode: ArrayLike, *, decimals: int = _TIE_DECIMALS) -> np.ndarray:
    """Ranks 1..n: most negative difference first, exact ties by kommunekode.

    ``decimals`` rounds away float noise before comparing (1e-9 pct. points is far below any
    information in the data), so that equal differences tie exactly and the kommunekode decides.

    >>> rank_by_difference([0.2, -0.1, 0.2], [147, 101, 101]).tolist()
    [3, 1, 2]
    """
    d = np.asarray(diff_pp, dtype=float)
    c = np.asarray(kommunekode)
    if d.shape != c.shape or d.ndim != 1:
        raise ValueError("diff_pp and kommunekode must be 1-D arrays of the same length")
    if not np.isfinite(d).all():
        raise ValueError("differences must be finite to be ranked")
    order = np.lexsort((c, np.round(d, decimals)))
    ranks = np.empty(d.size, dtype=int)
    ranks[order] = np.arange(1, d.size + 1)
    return ranks


def rank_as_published(
    expected_share: ArrayLike,
    actual_share: ArrayLike,
    kommunekode: ArrayLike,
    *,
    tiebreak: ArrayLike | None = None,
) -> np.ndarray:
    """Ranks 1..n by displayed difference, then unrounded difference, ``tiebreak``, kommunekode.

    So the displayed difference never decreases with the rank (see the module docstring). Here
    101 (unrounded +0.178, displayed 9.31 − 9.14 = +0.17) ranks before 147 (unrounded +0.176,
    displayed 9.18 − 9.00 = +0.18):

    >>> rank_as_published([9.136, 9.0], [9.314, 9.176], [101, 147]).tolist()
    [1, 2]
    """
    e = np.asarray(expected_share, dtype=float)
    a = np.asarray(actual_share, dtype=float)
    c = np.asarray(kommunekode)
    if not (e.shape == a.shape == c.shape) or e.ndim != 1:
        raise ValueError("shares and kommunekode must be 1-D arrays of the same length")
    if not (np.isfinite(e).all() and np.isfinite(a).all()):
        raise ValueError("shares must be finite to be ranked")
    t = np.zeros(e.size) if tiebreak is None else np.asarray(tiebreak, dtype=float)
    order = np.lexsort((c, t, np.round(a - e, _TIE_DECIMALS), displayed_difference(e, a)))
    ranks = np.empty(e.size, dtype=int)
    ranks[order] = np.arange(1, e.size + 1)
    return ranks


def average_ranks(values: ArrayLike) -> NDArray[np.float64]:
    """Ranks 1..n with ties given their mean rank (``scipy.stats.rankdata``'s ``"average"``)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    first = np.r_[True, xs[1:] != xs[:-1]] if x.size else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(first)
    ends = np.r_[starts[1:], x.size]
    out = np.empty(x.size)
    out[order] = ((starts + 1 + ends) / 2.0)[np.cumsum(first) - 1]
    return out


def spearman(a: ArrayLike, b: ArrayLike) -> float:
    """Spearman's rank correlation: Pearson's r of the average ranks (as ``scipy.stats.spearmanr``).

    Kept here, in NumPy, because importing ``scipy.stats`` costs about a second at every start of
    the command line; ``tests/test_ranking_convention.py`` compares it with SciPy.
    """
    return float(np.corrcoef(average_ranks(a), average_ranks(b))[0, 1])
