"""How much a rank depends on the model: named alternative specifications and a diagnostic.

Every alternative is solved from the same per-municipality cross-products as the official fit
(no second pass over the persons):

* ``officiel`` — the official specification;
* ``uden_arbejdsmarked`` — without the labour-market block;
* ``lille_arbejdsmarked`` — a small pre-specified block: unemployment and distance to a large city;
* ``kommune_fe`` — person coefficients estimated *within* municipalities (municipality fixed
  effects), so performance correlated with composition does not leak into them; the
  labour-market block and the intercept are then fitted between municipalities (weighted by
  population) on what the persons do not explain;
* ``fremskrivning`` — the model of an earlier base period applied to this period, when the
  pipeline passes that fit.

Per municipality: its rank in each, and the range (min–max) of ranks across specifications.
The diagnostic: the share of the between-commuting-area variance of the differences that the
labour-market block absorbs (differences without the block vs. official, population-weighted
means per commuting area), and a warning when the block's parameters approach the number of
commuting areas (more than a quarter of them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommunebench.model import BenchmarkFit, MunicipalCrossproducts, ols_from_crossproducts
from kommunebench.uncertainty.intervals import outcome_combo
from kommunebench.uncertainty.ranks import ranks_of

__all__ = ["Robustness", "robustness", "SMALL_BLOCK"]

SMALL_BLOCK = ("unemployment_pct", "distance_large_city_km")
WARN_SHARE = 0.25


@dataclass(frozen=True, eq=False)
class Robustness:
    areas: tuple[str, ...]
    kommunekoder: np.ndarray
    specifications: tuple[str, ...]
    diff_pp: np.ndarray  # (specs, outcomes, municipalities)
    rank: np.ndarray  # same shape
    lm_parameters: int
    commuting_areas: int
    absorbed_share: np.ndarray  # (outcomes,)

    @property
    def warning(self) -> str | None:
        if self.lm_parameters > WARN_SHARE * self.commuting_areas:
            return (
                f"Arbejdsmarkedsblokken har {self.lm_parameters} parametre identificeret fra kun "
                f"{self.commuting_areas} pendlingsområder: den kan opsuge kommunernes egen indsats, "
                "hvor den varierer mellem områder."
            )
        return None

    def to_frame(self) -> pd.DataFrame:
        rows = []
        for a, area in enumerate(self.areas):
            r = self.rank[:, a, :]
            for m, k in enumerate(self.kommunekoder):
                row = {
                    "area": area,
                    "kommunekode": int(k),
                    "rank_min": int(r[:, m].min()),
                    "rank_max": int(r[:, m].max()),
                }
                for s, spec in enumerate(self.specifications):
                    row[f"rank_{spec}"] = int(r[s, m])
                    row[f"diff_pp_{spec}"] = float(self.diff_pp[s, a, m])
                rows.append(row)
        return pd.DataFrame(rows)


def _solve(fxp: MunicipalCrossproducts, cols: np.ndarray, combo: np.ndarray) -> np.ndarray:
    """OLS on the columns ``cols`` of the shifted design → unshifted coefficients (k × outcomes)."""
    xx = fxp.xx.sum(axis=0)[np.ix_(cols, cols)]
    xy = (fxp.xy.sum(axis=0) @ combo)[cols]
    yy = combo.T @ fxp.yy.sum(axis=0) @ combo
    names = [f"c{j}" for j in cols]
    res = ols_from_crossproducts(
        xx,
        xy,
        yy,
        int(fxp.population.sum()),
        terms=names,
        outcomes=[f"o{a}" for a in range(combo.shape[1])],
        intercept=0,
    )
    b = np.zeros((fxp.xx.shape[1], combo.shape[1]))
    b[cols] = np.nan_to_num(res.coef, nan=0.0)
    b[0] -= fxp.shift @ b
    return b


def _within(fxp: MunicipalCrossproducts, d_cols: np.ndarray, lm_cols: np.ndarray, combo: np.ndarray) -> np.ndarray:
    """Person coefficients within municipalities, then intercept + LM between them."""
    n = fxp.population
    sx = fxp.xx[:, 0, :]  # column sums of the shifted design
    sy = fxp.xy[:, 0, :] @ combo
    xx_w = (
        fxp.xx[:, d_cols[:, None], d_cols[None, :]] - sx[:, d_cols, None] * sx[:, None, d_cols] / n[:, None, None]
    ).sum(0)
    xy_w = ((fxp.xy[:, d_cols, :] @ combo) - sx[:, d_cols, None] * sy[:, None, :] / n[:, None, None]).sum(0)
    beta = np.linalg.lstsq(xx_w, xy_w, rcond=None)[0]
    resid = sy - sx[:, d_cols] @ beta  # per municipality: what the persons do not explain
    z = np.column_stack([n, sx[:, lm_cols]])  # sums of [1 | LM] per municipality
    w = 1 / n
    gamma = np.linalg.lstsq(z.T @ (z * w[:, None]), z.T @ (resid * w[:, None]), rcond=None)[0]
    b = np.zeros((fxp.xx.shape[1], combo.shape[1]))
    b[d_cols] = beta
    b[0] = gamma[0]
    b[lm_cols] = gamma[1:]
    b[0] -= fxp.shift @ b
    return b


def _diff_pp(xp: MunicipalCrossproducts, b: np.ndarray, combo: np.ndarray) -> np.ndarray:
    """Differences in pct points (outcomes × municipalities) from per-area coefficients ``b``."""
    return (100 * xp.differences(b, combo) / xp.population[:, None]).T


def robustness(fit: BenchmarkFit, *, base_fit: BenchmarkFit | None = None, with_total: bool = True) -> Robustness:
    xp, fxp = fit.crossproducts, fit.fit_crossproducts
    assert xp is not None and fxp is not None
    terms = fit.model.terms
    lm_names = fit.model.design.labour_market
    lm_cols = np.array([terms.index(v) for v in lm_names])
    d_cols = np.array([j for j in range(1, len(terms)) if terms[j] not in lm_names])
    small = np.array([terms.index(v) for v in SMALL_BLOCK if v in lm_names])
    combo = outcome_combo(len(fit.areas), with_total)
    areas = tuple(fit.areas) + (("total",) if combo.shape[1] > len(fit.areas) else ())
    # Every specification is fitted per area (the total's coefficients are their sum, OLS being
    # linear in the outcome), so each area's expected count is floored as the lists floor it.
    per_area = np.eye(len(fit.areas))
    coefs = {
        "officiel": np.nan_to_num(fit.model.coef, nan=0.0),
        "uden_arbejdsmarked": _solve(fxp, np.concatenate([[0], d_cols]), per_area),
        "lille_arbejdsmarked": _solve(fxp, np.concatenate([[0], d_cols, small]), per_area),
        "kommune_fe": _within(fxp, d_cols, lm_cols, per_area),
    }
    diffs = {k: _diff_pp(xp, b, combo) for k, b in coefs.items()}
    if base_fit is not None and base_fit.crossproducts is not None:
        diffs["fremskrivning"] = _diff_pp(xp, np.nan_to_num(base_fit.model.coef, nan=0.0), combo)
    d = np.stack(list(diffs.values()))
    ranks = np.stack([[ranks_of(d[s, a]) for a in range(d.shape[1])] for s in range(d.shape[0])])
    pop, ca = xp.population, xp.mun_ca
    n_ca = int(ca.max()) + 1

    def between(v: np.ndarray) -> float:
        means = np.bincount(ca, weights=v * pop, minlength=n_ca) / np.bincount(ca, weights=pop, minlength=n_ca)
        return float(np.average((means[ca] - np.average(v, weights=pop)) ** 2, weights=pop))

    absorbed = np.array(
        [
            1 - between(diffs["officiel"][a]) / max(between(diffs["uden_arbejdsmarked"][a]), 1e-300)
            for a in range(len(areas))
        ]
    )
    return Robustness(
        areas=areas,
        kommunekoder=np.asarray(fit.kommunekoder, dtype=np.int64),
        specifications=tuple(diffs),
        diff_pp=d,
        rank=ranks,
        lm_parameters=int(len(lm_cols) - sum(v in fit.model.aliased for v in lm_names)),
        commuting_areas=n_ca,
        absorbed_share=absorbed,
    )
