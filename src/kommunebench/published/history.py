"""Rank over time across the imported periods, with the change since the previous period."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.data.periods import Period

__all__ = ["rank_history"]


def rank_history(lists_by_period: Mapping[str, BenchmarkLists | Mapping[str, pd.DataFrame]]) -> pd.DataFrame:
    """One row per period × list × municipality, periods in time order (per period the lists, or
    a mapping list name → list frame).

    Columns: period, area, kommunekode, navn, rank, diff_pp, previous_period, previous_rank,
    rank_change (previous rank − rank: positive = moved up the list, towards 1; empty for the
    first period).
    """
    rows = []
    for period in sorted(lists_by_period, key=lambda p: Period.parse(p).quarters[-1]):
        bl = lists_by_period[period]
        frames = {"total": bl.overall, **bl.by_area} if isinstance(bl, BenchmarkLists) else bl
        for area, f in frames.items():
            part = f[["kommunekode", "navn", "rank", "diff_pp"]].copy()
            part.insert(0, "area", area)
            part.insert(0, "period", period)
            rows.append(part)
    if not rows:
        cols = ["period", "area", "kommunekode", "navn", "rank", "diff_pp"]
        return pd.DataFrame(columns=[*cols, "previous_period", "previous_rank", "rank_change"])
    out = pd.concat(rows, ignore_index=True)
    g = out.groupby(["area", "kommunekode"], sort=False)
    out["previous_period"] = g["period"].shift(1)
    out["previous_rank"] = g["rank"].shift(1).astype("Int64")
    out["rank_change"] = (out["previous_rank"] - out["rank"]).astype("Int64")
    return out
