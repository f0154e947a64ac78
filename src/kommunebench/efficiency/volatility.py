"""A data-driven subsample size: the minimum-volatility rule (Politis, Romano & Wolf 1999, §9.3.2).

The subsampling intervals depend on m. Over a grid of subsample sizes m₁ < … < m_J the rule
computes every unit's interval at each m and, for each mⱼ, the volatility of the interval
endpoints over the neighbours mⱼ₋ₖ … mⱼ₊ₖ (the standard deviation of the lower bounds plus that
of the upper bounds, k = 1), averaged over the units; it takes the m where the intervals are
most stable. Simar & Wilson (2011) use it for DEA. It costs one subsampling run per grid point
(``len(GRID)`` times the fixed-m cost), so it is an option, not the default; the grid is the
exponents γ = 0.40, 0.45, …, 0.85 of m = ⌊n^γ⌉ (duplicates dropped).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from kommunebench.efficiency.subsample import subsample_size

__all__ = ["MIN_VOLATILITY", "GRID", "candidate_sizes", "min_volatility"]

MIN_VOLATILITY = "min_volatility"
GRID = tuple(round(0.40 + 0.05 * i, 2) for i in range(10))


def candidate_sizes(n: int) -> list[int]:
    """The distinct subsample sizes of the grid for n reference units, ascending."""
    return sorted({subsample_size(n, g) for g in GRID})


def min_volatility(
    sizes: list[int], run: Callable[[int], dict[str, np.ndarray]], *, k: int = 1
) -> tuple[int, dict[str, np.ndarray], dict[int, float]]:
    """(chosen m, its summary, mean volatility per m) with ``run(m)`` the subsampling summary at m.

    ``run`` returns at least ``lower`` and ``upper`` per unit. Sizes without k neighbours on both
    sides are not candidates (with fewer than 2k + 1 sizes the middle one is taken).
    """
    results = {m: run(m) for m in sizes}
    if len(sizes) < 2 * k + 1:
        chosen = sizes[len(sizes) // 2]
        return chosen, results[chosen], {}
    lower = np.array([results[m]["lower"] for m in sizes])
    upper = np.array([results[m]["upper"] for m in sizes])
    upper = np.where(np.isfinite(upper), upper, np.nan)
    vol: dict[int, float] = {}
    for j in range(k, len(sizes) - k):
        window = slice(j - k, j + k + 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            per_unit = np.nanstd(lower[window], axis=0) + np.nanstd(upper[window], axis=0)
            vol[sizes[j]] = float(np.nanmean(per_unit)) if np.isfinite(per_unit).any() else np.inf
    chosen = min(vol, key=lambda m: (vol[m], m))
    return chosen, results[chosen], vol
