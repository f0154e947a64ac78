"""Grouping of DEA scores into groups 1..n (1 = best), by a named rule.

Rigsrevisionen's report puts the municipalities into five groups but does not document the rule.
Ours (``rule``):

* ``"frontier_quantiles"`` (default): group 1 = the units on the frontier (score 1: no improvement
  potential, as Ballerup "without expenditure"); the others are split into ``n_groups − 1`` groups
  of as equal size as possible by descending score (group 2 = smallest potential).
* ``"quantiles"``: all units into ``n_groups`` groups of as equal size as possible by descending score.
* ``"bands"``: fixed score thresholds ``bands`` (descending, ``n_groups − 1`` of them): group 1 =
  score ≥ bands[0], group 2 = score ≥ bands[1], …, the last group below bands[-1].

Equal scores always share a group (the better one). Units without a score get group 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kommunebench.efficiency.validate import check_choice, check_int
from kommunebench.errors import ConfigError

__all__ = ["GROUP_RULES", "check_grouping", "assign_groups"]

GROUP_RULES = ("frontier_quantiles", "quantiles", "bands")
_FRONTIER_TOL = 1e-9


def check_grouping(rule: object, n_groups: object, bands: object) -> tuple[str, int, tuple[float, ...]]:
    """Validated (rule, n_groups, bands)."""
    r = check_choice("grouping", rule, GROUP_RULES)
    k = check_int("n_groups", n_groups, minimum=2)
    if r != "bands":
        if bands is not None:
            raise ConfigError("bands are only used with grouping='bands'")
        return r, k, ()
    if bands is None or isinstance(bands, str) or not isinstance(bands, Sequence):
        raise ConfigError(
            f"grouping='bands' needs bands: {k - 1} descending score thresholds, e.g. (1.0, 0.95, 0.9, 0.85)"
        )
    try:
        b = tuple(float(v) for v in bands)
    except (TypeError, ValueError):
        raise ConfigError("bands must be numbers") from None
    if len(b) != k - 1 or any(not np.isfinite(v) for v in b) or any(b[i] <= b[i + 1] for i in range(len(b) - 1)):
        raise ConfigError(f"bands must be {k - 1} finite, strictly descending score thresholds, got {list(b)}")
    return r, k, b


def _ranked_groups(score: np.ndarray, n_groups: int) -> np.ndarray:
    """1..n_groups by descending score, sizes as equal as possible, ties in the better group."""
    n = score.size
    if n == 0:
        return np.zeros(0, dtype=int)
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    first = np.searchsorted(-ranked, -ranked, side="left")  # rank of the first unit with an equal score
    groups = np.empty(n, dtype=int)
    groups[order] = 1 + (first * n_groups) // n
    return groups


def assign_groups(
    score: np.ndarray, *, rule: str = "frontier_quantiles", n_groups: int = 5, bands: Sequence[float] = ()
) -> np.ndarray:
    """Group per unit (see the module docstring); ``score`` ≤ 1 with 1 = efficient, NaN → group 0."""
    s = np.asarray(score, dtype=float)
    out = np.zeros(s.size, dtype=int)
    ok = np.isfinite(s)
    if rule == "bands":
        thresholds = np.asarray(bands, dtype=float)
        out[ok] = 1 + (s[ok, None] < thresholds[None, :] - _FRONTIER_TOL).sum(axis=1)
        return out
    if rule == "quantiles":
        out[ok] = _ranked_groups(np.round(s[ok], 12), n_groups)
        return out
    frontier = ok & (s >= 1.0 - _FRONTIER_TOL)
    out[frontier] = 1
    rest = ok & ~frontier
    out[rest] = 1 + _ranked_groups(np.round(s[rest], 12), n_groups - 1)
    return out
