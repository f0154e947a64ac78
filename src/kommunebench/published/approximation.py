"""A *public-data approximation* of the expected shares — clearly not the ministry's model.

The ministry's expected shares come from a person-level model on register data nobody outside
Statistics Denmark has. This approximation regresses the published **actual** total share of the
98 municipalities on public municipal factors (Statistics Denmark: education, immigration, age,
income, density, commuting …), weighted by the population 16–66, and takes the fitted value as an
"expected" share; the difference and rank follow as for any list. It shows how far public
aggregates get — how close to the published expected shares and ranks — and nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommunebench.benchmark.ranking import rank_as_published, spearman
from kommunebench.errors import ValidationError

__all__ = ["LABEL", "Approximation", "approximate", "LOG_FACTORS"]

LABEL = "Tilnærmelse med offentlige data (ikke ministeriets model)"
#: factors entered as logarithms (skewed, multiplicative).
LOG_FACTORS = ("income", "population_density")


@dataclass(frozen=True, eq=False)
class Approximation:
    """``frame``: per municipality the published expected and actual share and rank, the approximated
    expected share, difference and rank; ``coefficients``: factor → coefficient (with the
    factor's year); the closeness statistics."""

    period: str
    label: str
    frame: pd.DataFrame
    coefficients: pd.DataFrame
    r2_weighted: float
    corr_expected: float
    mae_expected_pp: float
    spearman_rank: float
    within_10_ranks: int


def _design(factors: Mapping[str, pd.DataFrame], codes: pd.Index, year: int) -> tuple[pd.DataFrame, dict[str, int]]:
    cols, years = {}, {}
    for name, f in factors.items():
        usable = sorted(y for y in f["year"].unique() if y <= year) or sorted(f["year"].unique())
        y = int(usable[-1])
        s = f[f["year"] == y].groupby("kommunekode")["value"].mean()
        missing = [int(c) for c in codes if c not in s.index]
        if missing:
            raise ValidationError(f"faktoren mangler {len(missing)} kommuner i {y} (første: {missing[0]})", file=name)
        v = s.loc[codes].astype(float)
        cols[name] = np.log(v.clip(lower=1e-9)) if name in LOG_FACTORS else v
        years[name] = y
    return pd.DataFrame(cols, index=codes), years


def approximate(published_total: pd.DataFrame, factors: Mapping[str, pd.DataFrame], *, period: str) -> Approximation:
    """Fit on one period's published total list (kommunekode, navn, population, expected_share,
    actual_share, rank) and the factors (name → ``kommunekode, year, value``; the latest year
    not after the period's is used)."""
    t = published_total.set_index("kommunekode").sort_index()
    x, years = _design(factors, t.index, int(period[:4]))
    a = np.column_stack([np.ones(len(x)), x.to_numpy(dtype=float)])
    w = np.sqrt(t["population"].to_numpy(dtype=float))
    y = t["actual_share"].to_numpy(dtype=float)
    beta, *_ = np.linalg.lstsq(a * w[:, None], y * w, rcond=None)
    fitted = a @ beta
    ww = w**2
    r2 = 1 - float((ww * (y - fitted) ** 2).sum() / (ww * (y - np.average(y, weights=ww)) ** 2).sum())
    out = pd.DataFrame(
        {
            "kommunekode": t.index.to_numpy(),
            "navn": t["navn"].to_numpy(),
            "published_expected_share": t["expected_share"].to_numpy(),
            "actual_share": y,
            "published_rank": t["rank"].to_numpy(),
            "approx_expected_share": fitted,
        }
    )
    out["approx_diff_pp"] = out["actual_share"] - out["approx_expected_share"]
    out["approx_rank"] = rank_as_published(fitted, y, out["kommunekode"].to_numpy())
    coef = pd.DataFrame(
        {
            "factor": ["(konstant)", *x.columns],
            "year": [None, *(years[c] for c in x.columns)],
            "coefficient": beta,
        }
    )
    e = out["published_expected_share"].to_numpy(dtype=float)
    return Approximation(
        period=period,
        label=LABEL,
        frame=out.sort_values("approx_rank").reset_index(drop=True),
        coefficients=coef,
        r2_weighted=r2,
        corr_expected=float(np.corrcoef(fitted, e)[0, 1]),
        mae_expected_pp=float(np.abs(fitted - e).mean()),
        spearman_rank=spearman(out["approx_rank"], out["published_rank"]),
        within_10_ranks=int((np.abs(out["approx_rank"] - out["published_rank"]) <= 10).sum()),
    )
