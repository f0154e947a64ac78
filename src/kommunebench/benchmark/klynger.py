"""Rammevilkår: similar municipalities and klynger (clusters) on the expected share.

The expected share is the share of the 16–66-year-olds a municipality would have on public support
given its citizens and its local labour market, i.e. a one-number summary of its *rammevilkår*.

**Similar municipalities** (public rule): per area, the ``k`` municipalities whose expected share
is closest to the municipality's own (absolute difference, ties by kommunekode; the municipality
itself is not its own neighbour).

**Klynger** (seed 000; method is our choice): per area, the municipalities sorted by expected share
are cut into ``n`` *contiguous* groups by the **optimal one-dimensional partition that minimises the
within-group sum of squares** (Fisher's exact "natural breaks", computed by dynamic programming in
O(k·m²) with m = 98). The result is deterministic and unique up to exact ties of the cost, which
are resolved towards the earliest break. Breaks are only placed between *different* values, so
municipalities with identical expected shares always share a klynge. Klynge 1 has the lowest
expected shares. Klynge averages are plain means over the member municipalities (each municipality
counts once, as in the ranking), not population-weighted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kommunebench.errors import ConfigError

__all__ = ["natural_breaks", "similar_frame", "klynger_frame"]

_TIE_DECIMALS = 9  # differences below 1e-9 pct. points are float noise, not information


def natural_breaks(values, n_groups: int) -> np.ndarray:
    """Group labels 1..n_groups (1 = lowest values) of the optimal contiguous partition.

    Minimises the total within-group sum of squared deviations from the group means (Fisher/Jenks
    natural breaks, exact dynamic programme). Groups never split equal values.

    >>> natural_breaks([1.0, 1.1, 5.0, 5.2, 9.0], 3).tolist()
    [1, 1, 2, 2, 3]
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.isfinite(x).all():
        raise ConfigError("natural_breaks needs a non-empty 1-D array of finite numbers")
    if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)):
        raise ConfigError(f"the number of klynger must be an integer, got {n_groups!r}")
    order = np.argsort(x, kind="stable")
    xs = x[order]
    n = xs.size
    # cut positions i (a group starts at i) are allowed only between different values
    allowed = np.ones(n + 1, dtype=bool)
    allowed[1:n] = xs[1:] > xs[:-1]
    n_distinct = int(allowed[1:n].sum()) + 1
    if not 1 <= n_groups <= n_distinct:
        raise ConfigError(
            f"the number of klynger must be between 1 and {n_distinct} (the number of distinct values), got {n_groups}"
        )
    s1 = np.concatenate([[0.0], np.cumsum(xs)])
    s2 = np.concatenate([[0.0], np.cumsum(xs * xs)])

    def sse(i: np.ndarray | int, j: int):  # within-SS of xs[i:j]
        m = j - i
        return np.maximum(s2[j] - s2[i] - (s1[j] - s1[i]) ** 2 / m, 0.0)

    inf = np.inf
    cost = np.full((n_groups + 1, n + 1), inf)
    back = np.zeros((n_groups + 1, n + 1), dtype=int)
    cost[0, 0] = 0.0
    for g in range(1, n_groups + 1):
        for j in range(g, n + 1):
            if j < n and not allowed[j]:
                continue  # a group may not end between equal values
            i = np.arange(g - 1, j)
            ok = allowed[i] & np.isfinite(cost[g - 1, i])
            if not ok.any():
                continue
            total = np.where(ok, cost[g - 1, i] + sse(i, j), inf)
            best = int(np.argmin(total))  # first minimum: earliest break on exact ties
            cost[g, j] = total[best]
            back[g, j] = i[best]
    labels_sorted = np.empty(n, dtype=int)
    j = n
    for g in range(n_groups, 0, -1):
        i = back[g, j]
        labels_sorted[i:j] = g
        j = i
    labels = np.empty(n, dtype=int)
    labels[order] = labels_sorted
    return labels


def similar_frame(area_frame: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """The ``k`` municipalities with the closest expected share, for one area's list frame.

    Columns: kommunekode, navn, area, expected_share, similar_rank (1..k), similar_kommunekode,
    similar_navn, similar_expected_share, distance_pp, similar_diff_pp, similar_placering.
    """
    f = area_frame.sort_values("kommunekode").reset_index(drop=True)
    n = len(f)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n - 1:
        raise ConfigError(f"k_similar must be an integer between 1 and {n - 1}, got {k!r}")
    e = f["expected_share"].to_numpy(dtype=float)
    codes = f["kommunekode"].to_numpy()
    dist = np.round(np.abs(e[:, None] - e[None, :]), _TIE_DECIMALS)
    np.fill_diagonal(dist, np.inf)
    navn, area = f["navn"].to_numpy(dtype=object), f["area"].to_numpy(dtype=object)  # row access without pandas
    diff, rank = f["diff_pp"].to_numpy(), f["rank"].to_numpy()
    rows = []
    for i in range(n):
        order = np.lexsort((codes, dist[i]))[:k]
        for r, j in enumerate(order, start=1):
            pair = (codes[j], navn[j], e[j], abs(e[j] - e[i]), diff[j], rank[j])
            rows.append((codes[i], navn[i], area[i], e[i], r, *pair))
    return pd.DataFrame(
        rows,
        columns=[
            "kommunekode",
            "navn",
            "area",
            "expected_share",
            "similar_rank",
            "similar_kommunekode",
            "similar_navn",
            "similar_expected_share",
            "distance_pp",
            "similar_diff_pp",
            "similar_placering",
        ],
    )


def klynger_frame(area_frame: pd.DataFrame, *, n_klynger: int) -> pd.DataFrame:
    """Klynge of each municipality for one area's list frame, with the klynge's averages.

    Columns: kommunekode, navn, regionskode, regionsnavn, area, klynge, klynge_size, klynge_lower,
    klynge_upper, expected_share, actual_share, diff_pp, klynge_expected_share,
    klynge_actual_share, klynge_diff_pp, diff_pp_vs_klynge, rank_in_klynge. Sorted by klynge and
    rank within it (in the order of the list's rank, so as published; without a rank column by the
    unrounded difference, ties by kommunekode).
    """
    f = area_frame.sort_values("kommunekode").reset_index(drop=True)
    labels = natural_breaks(f["expected_share"].to_numpy(dtype=float), n_klynger)
    out = f[
        ["kommunekode", "navn", "regionskode", "regionsnavn", "area", "expected_share", "actual_share", "diff_pp"]
    ].copy()
    out.insert(5, "klynge", labels)
    g = out.groupby("klynge")
    out.insert(6, "klynge_size", g["kommunekode"].transform("size").astype(int))
    out.insert(7, "klynge_lower", g["expected_share"].transform("min"))
    out.insert(8, "klynge_upper", g["expected_share"].transform("max"))
    out["klynge_expected_share"] = g["expected_share"].transform("mean")
    out["klynge_actual_share"] = g["actual_share"].transform("mean")
    out["klynge_diff_pp"] = g["diff_pp"].transform("mean")
    out["diff_pp_vs_klynge"] = out["diff_pp"] - out["klynge_diff_pp"]
    out["_key"] = f["rank"].to_numpy() if "rank" in f.columns else np.round(f["diff_pp"].to_numpy(float), 9)
    out = out.sort_values(["klynge", "_key", "kommunekode"]).drop(columns="_key")
    out["rank_in_klynge"] = out.groupby("klynge").cumcount() + 1
    return out.reset_index(drop=True)
