"""Helpers for the KPI truth tests: a synthetic warehouse and its planted KPI effects."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate
from kommunebench.data.transactions import transaction
from kommunebench.errors import InsufficientDataError
from kommunebench.kpi import adjust, offer_comparison
from kommunebench.kpi.prepare import build


def synthetic_warehouse(folder: Path, *, scale: float, seed: int) -> tuple[duckdb.DuckDBPyConnection, pd.DataFrame]:
    generate(folder / "snap", scale=scale, seed=seed)
    db = folder / "w.duckdb"
    load(db, folder / "snap")
    con = warehouse.connect(db)
    with transaction(con):
        build(con)
    return con, pd.read_parquet(folder / "snap" / "truth_kpi.parquet")


def _centred(df: pd.DataFrame) -> pd.Series:
    """Planted log odds relative to the spell-weighted mean of the department family (the
    adjustment compares within target groups, and a family's departments share its groups)."""
    fam = df.department.str.split(" ").str[0] + "|" + df.kk.astype(str)
    mean = df.groupby(fam).apply(lambda g: np.average(g.log_odds, weights=g.spells), include_groups=False)
    return df.log_odds - fam.map(mean)


def ranking(con, truth: pd.DataFrame, kommuner: tuple[int, ...], *, min_spells: int = 1) -> dict[str, float]:
    """Spearman of estimated vs planted differences, caseworkers and departments pooled: on the odds
    scale (the planted effects are odds ratios; ``*_pp`` on the pct.-point scale, for the record)."""
    cws, deps = [], []
    for kk in kommuner:
        try:
            a = adjust(con, kk).frame.assign(kk=kk)
        except InsufficientDataError:  # a small municipality at a small scale
            continue
        cws.append(a[a.level == "sagsbehandler"].merge(truth[truth.level == "caseworker"], on="unit"))
        t = truth[(truth.level == "department") & (truth.kommunekode == kk)]
        deps.append(a[a.level == "afdeling"].merge(t, on="unit"))
    cw, dep = pd.concat(cws), pd.concat(deps)
    cw, dep = cw.assign(t=_centred(cw)), dep.assign(t=_centred(dep))
    cfam = cw.department.str.split(" ").str[0] + "|" + cw.kk.astype(str)
    cw = cw[(cw.spells >= min_spells) & (cfam.map(cfam.value_counts()) > 1)]  # alone in a family: nothing to rank
    fam = dep.department.str.split(" ").str[0] + "|" + dep.kk.astype(str)
    dep = dep[fam.map(fam.value_counts()) > 1]
    out = {"caseworkers": float(stats.spearmanr(cw.odds_ratio, cw.t)[0]), "n_caseworkers": len(cw)}
    out["caseworkers_pp"] = float(stats.spearmanr(cw.diff_pp, cw.t)[0])
    out["unadjusted"] = float(stats.spearmanr(cw.actual_pct, cw.t)[0])
    if len(dep) > 2:
        out["departments"] = float(stats.spearmanr(dep.odds_ratio, dep.t)[0])
        out["departments_pp"] = float(stats.spearmanr(dep.diff_pp, dep.t)[0])
        out["n_departments"] = len(dep)
    return out


def offers_ranked(con, truth: pd.DataFrame, kommuner: tuple[int, ...] | None) -> tuple[list[str], list[str]]:
    """(offer types by estimated difference, by planted effect)."""
    est = offer_comparison(con, kommuner).frame.sort_values("diff_pp").offer_type.tolist()
    planted = truth[truth.level == "offer_type"].sort_values("log_odds").unit.tolist()
    return est, planted
