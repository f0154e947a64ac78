"""Small-cell suppression of a run's lists: one rule set for every output.

Every public output (API JSON, dashboard pages, CSV, Excel, the static HTML report) renders the
public tables made here, so a cell hidden in one is hidden in all. Rules (``threshold`` = the
``suppress_below`` setting, default 5 persons):

* **Primary suppression.** A municipality × list cell whose *actual* number of fuldtidspersoner
  (unrounded) or whose population 16–66 is below the threshold is suppressed: its actual count,
  actual share, difference (persons and pct. points), savings potential, **rank** and **badges**
  (skærpet tilsyn's result target) are empty, the row says ``suppressed``, and it is listed after
  the ranked municipalities (by kommunekode), so its position does not show its rank either. The
  expected figures (a model prediction) stay.
* **Secondary suppression across areas and totals.** The total ("Ydelsesgrupper i alt") is the sum
  of the areas, so a municipality with a suppressed area also has its total suppressed (otherwise
  total − the other areas would give the suppressed one back); the per-area differences and
  potentials of the potential sheet follow the same mask.
* **Derived figures.** A similar municipality's difference and rank are empty when that
  municipality is suppressed in the list; a klynge with a suppressed member publishes no mean
  actual share, mean difference or "difference to the klynge mean"; a suppressed member shows no
  rank in the klynge.

Residual risk, documented in docs/api.md: the ranks of the other municipalities are published (as
the ministry publishes them), so the gap in the ranks still points at the position of a
suppressed cell, and national figures (potential, counts above expected) include it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.data.reference import TOTAL
from kommunebench.publish.uncertainty import UNCERTAINTY_FIELDS

__all__ = [
    "SUPPRESSED_FIELDS",
    "small",
    "suppression_mask",
    "public_list",
    "public_similar",
    "public_klynger",
    "public_potential",
    "public_tilsyn",
]

SUPPRESSED_FIELDS = (
    "rank",
    "actual",
    "diff",
    "actual_share",
    "diff_pp",
    "potential_mio_kr",
    "potential_incl_extra_mio_kr",
    "result_target_failed",
) + UNCERTAINTY_FIELDS  # SE, interval, rank set, flag: around a suppressed cell they would reveal it


def small(value: object, threshold: int) -> bool:
    """True when a count of persons is below the publication threshold."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and v < threshold


def suppression_mask(lists: BenchmarkLists, threshold: int) -> dict[str, frozenset[int]]:
    """List name (``total`` or an area) → the kommunekoder whose cell is suppressed."""

    def primary(f: pd.DataFrame) -> set[int]:
        bad = (f["actual"].to_numpy(float) < threshold) | (f["population"].to_numpy(float) < threshold)
        return {int(c) for c in f.loc[bad, "kommunekode"]}

    out = {a: frozenset(primary(f)) for a, f in lists.by_area.items()}
    total = primary(lists.overall)
    for a in lists.total_areas:
        total |= out[a]
    out[TOTAL] = frozenset(total)
    return out


def _blank(frame: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> None:
    for col in columns:
        if col not in frame.columns:
            continue
        if frame[col].dtype == bool:
            frame[col] = frame[col].astype(object)
        elif pd.api.types.is_integer_dtype(frame[col]):
            frame[col] = frame[col].astype(float)
        frame.loc[rows, col] = None if frame[col].dtype == object else np.nan


def public_list(
    frame: pd.DataFrame, hidden: frozenset[int], threshold: int, klynge_of: Mapping[int, int]
) -> pd.DataFrame:
    """One list (rank order) with its suppressed rows blanked and moved last; adds klynge and suppressed."""
    f = frame.copy()
    after = list(f.columns).index("regionsnavn") + 1
    f.insert(after, "klynge", [klynge_of.get(int(c)) for c in f["kommunekode"]])
    f["suppressed"] = f["kommunekode"].isin(hidden).to_numpy()
    _blank(f, f["suppressed"].to_numpy(), list(SUPPRESSED_FIELDS))
    _blank(f, (f["population"].to_numpy(float) < threshold), ["population"])
    f["_order"] = np.where(f["suppressed"], 1, 0)
    f = f.sort_values(["_order", "rank", "kommunekode"], na_position="last", kind="stable")
    return f.drop(columns="_order").reset_index(drop=True)


def public_similar(similar: pd.DataFrame, mask: Mapping[str, frozenset[int]]) -> pd.DataFrame:
    """Similar municipalities: a suppressed neighbour shows no difference and no rank."""
    f = similar.copy()
    hidden = np.array(
        [int(c) in mask.get(a, frozenset()) for c, a in zip(f["similar_kommunekode"], f["area"], strict=True)],
        dtype=bool,
    )
    _blank(f, hidden, ["similar_diff_pp", "similar_placering"])
    return f


def public_klynger(klynger: pd.DataFrame, mask: Mapping[str, frozenset[int]]) -> pd.DataFrame:
    """Klynger: own figures of a suppressed member empty; means of a klynge with one empty too."""
    f = klynger.copy()
    own = np.array(
        [int(c) in mask.get(a, frozenset()) for c, a in zip(f["kommunekode"], f["area"], strict=True)], dtype=bool
    )
    closed = pd.Series(own).groupby([f["area"].to_numpy(), f["klynge"].to_numpy()]).transform("any").to_numpy()
    _blank(f, own, ["actual_share", "diff_pp", "rank_in_klynge"])
    _blank(f, closed, ["klynge_actual_share", "klynge_diff_pp", "diff_pp_vs_klynge"])
    areas = {a: i for i, a in enumerate(dict.fromkeys(f["area"]))}
    f["_area"] = f["area"].map(areas)
    f["_order"] = own.astype(int)  # a suppressed member last in its klynge: its place would show its rank
    f = f.sort_values(["_area", "klynge", "_order"], kind="stable")
    return f.drop(columns=["_area", "_order"]).reset_index(drop=True)


def public_potential(
    potential: pd.DataFrame, mask: Mapping[str, frozenset[int]], areas: tuple[str, ...]
) -> pd.DataFrame:
    """The potential sheet: per-area differences and potentials follow the area's mask, the total the total's."""
    f = potential.copy()
    codes = f["kommunekode"].astype(int)
    for a in areas:
        _blank(f, codes.isin(mask.get(a, frozenset())).to_numpy(), [f"diff_{a}", f"potential_{a}_mio_kr"])
    total = codes.isin(mask.get(TOTAL, frozenset())).to_numpy()
    _blank(f, total, ["potential_mio_kr", "potential_incl_extra_mio_kr"])
    return f


def public_tilsyn(tilsyn: pd.DataFrame, mask: Mapping[str, frozenset[int]]) -> pd.DataFrame:
    """The skærpet tilsyn screen: a suppressed total shows no rank, actual share, difference or badge."""
    f = tilsyn.copy()
    f["suppressed"] = f["kommunekode"].isin(mask.get(TOTAL, frozenset())).to_numpy()
    _blank(f, f["suppressed"].to_numpy(), ["rank", "actual_share", "diff_pp", "result_target_failed"])
    f["_order"] = np.where(f["suppressed"], 1, 0)
    return f.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
