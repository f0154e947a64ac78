"""The lists of a *published* run: the ministry's own figures, taken as published.

A published run (jobindsats Y30R21, imported by :mod:`kommunebench.published`) holds per
municipality × benefit group the published expected and actual counts (rounded to 10), the
2-decimal shares and differences, and the published rank. Its lists are the same
:class:`~kommunebench.benchmark.lists.BenchmarkLists` an own run has, so every view works on it:

* the **total** ("Ydelsesgrupper i alt") is the published one, never recomputed from the areas;
  where it differs from the sum of the areas the overall list's ``total_vs_areas_pp`` says by how
  much (largest gap of the expected share, actual share and difference, pct. points);
* the **rank** follows the ranking convention (:mod:`kommunebench.benchmark.ranking`) on the
  published shares, ties of the published difference broken by the published rank — so where the
  published figures are consistent it *is* the published rank;
* population 16–66 = published actual ÷ actual share × 100 of the total (±1 % for the smallest
  municipalities, counts being rounded to 10); klynger, similar municipalities, potential (dated
  cost table) and the skærpet tilsyn screen are computed as for an own run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
import pandas as pd

from kommunebench.benchmark.klynger import klynger_frame, similar_frame
from kommunebench.benchmark.lists import LIST_COLUMNS, MINISTRY_AREAS, BenchmarkLists, SkaerpetTilsyn, _names
from kommunebench.benchmark.potential import compute_potential, resolve_costs
from kommunebench.benchmark.ranking import rank_as_published
from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.errors import ValidationError

__all__ = ["PUBLISHED_COLUMNS", "build_published_lists", "total_vs_areas"]

PUBLISHED_COLUMNS = (
    "kommunekode",
    "area",
    "expected",
    "actual",
    "diff",
    "expected_share",
    "actual_share",
    "diff_pp",
    "published_rank",
)
_TILSYN = ["rank", "kommunekode", "navn", "regionskode", "regionsnavn", "expected_share", "actual_share", "diff_pp"]


def _population(published: pd.DataFrame) -> pd.Series:
    tot = published[published["area"] == reference.TOTAL].set_index("kommunekode")
    by_actual = tot["actual"] / tot["actual_share"].where(tot["actual_share"] > 0) * 100.0
    by_expected = tot["expected"] / tot["expected_share"].where(tot["expected_share"] > 0) * 100.0
    return by_actual.fillna(by_expected).fillna(1.0)


def total_vs_areas(published: pd.DataFrame) -> pd.DataFrame:
    """Per municipality: the published total against the sum of its three areas (counts, shares).

    Columns: kommunekode, total_/sum_ of expected_share, actual_share and diff_pp, share_gap_pp
    (largest absolute gap of the three, pct. points), count_gap (largest absolute gap of the
    counts, persons), beyond_rounding (share gap > 0.02 pct. points: more than independent
    rounding of the total can explain).
    """
    p = published[published["area"].isin(MINISTRY_AREAS)].groupby("kommunekode")
    s = p[["expected", "actual", "expected_share", "actual_share", "diff_pp"]].sum()
    t = published[published["area"] == reference.TOTAL].set_index("kommunekode").loc[s.index]
    out = pd.DataFrame({"kommunekode": s.index.to_numpy()})
    gaps = []
    for col in ("expected_share", "actual_share", "diff_pp"):
        out[f"total_{col}"] = t[col].to_numpy()
        out[f"sum_{col}"] = np.round(s[col].to_numpy(), 2)
        gaps.append(np.abs(out[f"total_{col}"] - out[f"sum_{col}"]))
    out["share_gap_pp"] = np.round(np.maximum.reduce(gaps), 2)
    ta, sa = t["actual"].to_numpy(dtype=float), s["actual"].to_numpy(dtype=float)
    te, se = t["expected"].to_numpy(dtype=float), s["expected"].to_numpy(dtype=float)
    out["count_gap"] = np.maximum(np.abs(ta - sa), np.abs(te - se))
    out["beyond_rounding"] = out["share_gap_pp"] > 0.02 + 1e-9
    return out


def _frame(published: pd.DataFrame, area: str, names: pd.DataFrame, pop: pd.Series, pot: pd.Series) -> pd.DataFrame:
    f = published[published["area"] == area].merge(names, on="kommunekode").sort_values("kommunekode")
    f = f.reset_index(drop=True)
    f["population"] = f["kommunekode"].map(pop).to_numpy()
    codes = f["kommunekode"].to_numpy()
    f["rank"] = rank_as_published(f["expected_share"], f["actual_share"], codes, tiebreak=f["published_rank"])
    f["potential_mio_kr"] = pot.loc[codes].to_numpy()
    return f[list(LIST_COLUMNS)].sort_values("rank").reset_index(drop=True)


def build_published_lists(
    published: pd.DataFrame,
    *,
    period: str,
    cost_date: dt.date | None = None,
    costs: Mapping[str, float] | None = None,
    k_similar: int = 5,
    n_klynger: int = 5,
) -> BenchmarkLists:
    """Every list of one published period (``published``: :data:`PUBLISHED_COLUMNS`, 98 × 4 rows)."""
    p = period if isinstance(period, Period) else Period.parse(period)
    missing = [c for c in PUBLISHED_COLUMNS if c not in published.columns]
    if missing:
        raise ValidationError(f"de offentliggjorte tal mangler kolonne(r) {', '.join(missing)}", file="published")
    df = published[list(PUBLISHED_COLUMNS)].copy()
    df["area"] = np.asarray(df["area"].astype(str), dtype=object)  # plain strings (fast row access)
    total_areas = tuple(a for a in MINISTRY_AREAS if a in set(df["area"]))
    cost_table, used_date = resolve_costs(total_areas, period=p, cost_date=cost_date, costs=costs)
    names = _names()
    pop = _population(df)
    wide = names[names["kommunekode"].isin(pop.index)].sort_values("kommunekode").reset_index(drop=True)
    for a in total_areas:
        sub = df[df["area"] == a].set_index("kommunekode")
        wide[f"actual_{a}"] = sub.loc[wide["kommunekode"], "actual"].to_numpy()
        wide[f"expected_{a}"] = sub.loc[wide["kommunekode"], "expected"].to_numpy()
    potential = compute_potential(
        wide, areas=total_areas, total_areas=total_areas, costs=cost_table, cost_date=used_date
    )
    pot = potential.frame.set_index("kommunekode")
    by_area = {a: _frame(df, a, names, pop, pot[f"potential_{a}_mio_kr"]) for a in total_areas}
    overall = _frame(df, reference.TOTAL, names, pop, pot["potential_mio_kr"])
    overall["result_target_failed"] = (overall["actual_share"] > overall["expected_share"]).to_numpy()
    gaps = total_vs_areas(df).set_index("kommunekode")
    overall["total_vs_areas_pp"] = gaps.loc[overall["kommunekode"], "share_gap_pp"].to_numpy()
    lists = {reference.TOTAL: overall, **by_area}
    similar = pd.concat([similar_frame(f, k=k_similar) for f in lists.values()], ignore_index=True)
    klynger = pd.concat([klynger_frame(f, n_klynger=n_klynger) for f in lists.values()], ignore_index=True)
    st = overall[[*_TILSYN, "result_target_failed"]].sort_values("rank", ascending=False).reset_index(drop=True)
    tilsyn = SkaerpetTilsyn(
        period=p.label,
        applicable=p.quarter == 4,
        frame=st,
        failed=tuple(int(c) for c in st.loc[st["result_target_failed"], "kommunekode"]),
    )
    return BenchmarkLists(
        period=p.label,
        total_areas=total_areas,
        extra_areas=(),
        overall=overall,
        by_area=MappingProxyType(by_area),
        similar=similar,
        klynger=klynger,
        potential=potential,
        skaerpet_tilsyn=tilsyn,
        k_similar=k_similar,
        n_klynger=n_klynger,
    )
