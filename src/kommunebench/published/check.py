"""The reproduction report (``kommunebench published check``): does the rank rule give the list?

Per table × period × group, the published 2-decimal differences are ranked by the product's rule
(:func:`~kommunebench.benchmark.ranking.rank_as_published`, ties by kommunekode only — the
published rank is *not* used) and compared with the published ranks: exact matches where the
difference is unique, and for each tie group the block of positions it occupies against the
published ranks of its members. Inconsistencies found: identities (``forskel = faktisk −
forventet``), published totals against the sum of the areas, ranks outside their tie block, and
displayed differences that decrease down the published list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kommunebench.benchmark.published_lists import total_vs_areas
from kommunebench.benchmark.ranking import displayed_difference, rank_as_published
from kommunebench.data import reference

__all__ = ["Reproduction", "reproduce", "tie_blocks"]


@dataclass(frozen=True)
class Reproduction:
    """``lists``: one row per table × period × group with the counts; ``blocks``: one row per tie
    group (positions it occupies, published ranks of its members); ``issues``: one row per
    inconsistency (period, group, kommunekode, kind, detail)."""

    lists: pd.DataFrame
    blocks: pd.DataFrame
    issues: pd.DataFrame

    @property
    def all_reproduced(self) -> bool:
        """Every unique difference exactly, every tie group inside its block, in every list."""
        lst = self.lists
        return bool((lst["unique_exact"] == lst["unique"]).all() and (lst["outside_block"] == 0).all())


def tie_blocks(diff_pp: np.ndarray, ranks: np.ndarray) -> list[tuple[float, int, int, np.ndarray]]:
    """(difference, first position, last position, member indices) for each value of ``diff_pp``
    (positions by the rule: everything smaller comes first)."""
    d = np.round(np.asarray(diff_pp, dtype=float), 2)
    out = []
    for v in np.unique(d):
        members = np.flatnonzero(d == v)
        first = int((d < v).sum()) + 1
        out.append((float(v), first, first + len(members) - 1, members))
    return out


def _one(table: str, period: str, group: str, f: pd.DataFrame) -> tuple[dict, list[dict], list[dict]]:
    f = f.sort_values("kommunekode").reset_index(drop=True)
    codes = f["kommunekode"].to_numpy()
    pub = f["published_rank"].to_numpy()
    ours = rank_as_published(f["expected_share"], f["actual_share"], codes)
    shown = displayed_difference(f["expected_share"], f["actual_share"])
    blocks, issues = [], []
    unique = unique_exact = outside = 0
    for v, first, last, members in tie_blocks(shown, pub):
        inside = (pub[members] >= first) & (pub[members] <= last)
        outside += int((~inside).sum())
        if len(members) == 1:
            unique += 1
            unique_exact += int(ours[members[0]] == pub[members[0]])
        else:
            blocks.append(
                {
                    "table": table,
                    "period": period,
                    "group": group,
                    "diff_pp": v,
                    "positions": f"{first}–{last}",
                    "members": len(members),
                    "published_ranks": ",".join(str(int(r)) for r in sorted(pub[members])),
                    "inside": bool(inside.all()),
                }
            )
        for i in members[~inside]:
            issues.append(_issue(period, group, codes[i], "placering uden for sin blok", f"{pub[i]} ∉ {first}–{last}"))
    order = np.argsort(pub)
    drops = np.flatnonzero(np.diff(shown[order]) < -1e-9)
    for i in drops:
        issues.append(_issue(period, group, codes[order][i + 1], "vist forskel falder ned gennem listen", ""))
    row = {
        "table": table,
        "period": period,
        "group": group,
        "n": len(f),
        "unique": unique,
        "unique_exact": unique_exact,
        "tie_groups": len(blocks),
        "in_ties": len(f) - unique,
        "outside_block": outside,
        "exact": int((ours == pub).sum()),
    }
    return row, blocks, issues


def _issue(period: str, group: str, code: Any, kind: str, detail: str) -> dict:
    return {"period": period, "group": group, "kommunekode": int(code), "kind": kind, "detail": detail}


def reproduce(figures: pd.DataFrame, *, table: str = "Y30R21") -> Reproduction:
    """The report for validated published figures (columns of :data:`records.COLUMNS`)."""
    rows, blocks, issues = [], [], []
    for (period, group), f in figures.groupby(["period", "area"], sort=True):
        row, b, i = _one(table, str(period), str(group), f)
        rows.append(row)
        blocks += b
        issues += i
        counts = (f["actual"] - f["expected"] - f["diff"]).abs() > 1e-9
        shares = (np.round(f["actual_share"] - f["expected_share"], 2) - f["diff_pp"]).abs() > 1e-6
        for code in f.loc[counts | shares, "kommunekode"]:
            issues.append(_issue(str(period), str(group), code, "forskel ≠ faktisk − forventet", ""))
    for period, f in figures.groupby("period", sort=True):
        gaps = total_vs_areas(f)
        for _, g in gaps[gaps["share_gap_pp"] > 0].iterrows():
            kind = "total ≠ summen af ydelsesgrupperne" + (" (mere end afrunding)" if g["beyond_rounding"] else "")
            detail = f"{g['share_gap_pp']:.2f} pct.-point".replace(".", ",", 1)
            issues.append(_issue(str(period), reference.TOTAL, g["kommunekode"], kind, detail))
    cols = ["period", "group", "kommunekode", "kind", "detail"]
    return Reproduction(pd.DataFrame(rows), pd.DataFrame(blocks), pd.DataFrame(issues, columns=cols))
