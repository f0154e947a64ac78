"""Standard errors and intervals for every municipality's difference (actual − expected).

For municipality ``m`` and an outcome (an area, or the total = the sum of the areas) the
difference in fuldtidspersoner is ``D_m = Y_m − X_m'b`` (``X_m``: the municipality's column sums of
the design). Around the target — the municipality's own performance, net of what its
composition and labour market predict — it moves for two reasons:

* **outcome noise**: ``Σ_{i∈m} ε_i``, estimated by the within-municipality residual sum of squares
  ``v_m = N_m/(N_m−1) · Σ_{i∈m} (e_i − ē_m)²`` (heteroskedasticity-robust; the municipality's own
  mean residual — its performance — is taken out), averaged with what the national model
  predicts for its residents, ``φ · Σ_{i∈m} μ̂_i(1 − μ̂_i)``, with more weight on the model the
  fewer residents are expected on the benefit (see :func:`noise_variance`: in a small
  municipality with few or no residents on a benefit the residuals hardly vary, and the
  empirical variance is smallest exactly where the difference is most negative);
* **coefficient uncertainty**: ``X_m'(b − β)``, with the covariance of ``b`` *clustered by
  commuting area* (CR1, as statsmodels' ``cov_type="cluster"``):
  ``V = c · (X'X)⁻¹ (Σ_g s_g s_g') (X'X)⁻¹``, ``s_g = Σ_{i∈g} x_i e_i``,
  ``c = G/(G−1) · (n−1)/(n−k)``. The labour-market columns are constant within a commuting area, so
  they are identified from ``G`` ≈ 26 areas, not from millions of persons; municipal performance
  that varies between areas is in the residuals of whole areas, and the clustered ``V`` carries it.

The two are not independent — a municipality's own persons helped fit ``b``:
``Cov(D_m, D_l) = 1[m=l]·v_m + X_m'VX_l − σ²_m X_l'(X'X)⁻¹X_m − σ²_l X_m'(X'X)⁻¹X_l`` with
``σ²_m = v_m / N_m`` (the last two terms vanish for a fremskrivning, fitted on another period).
The result is the joint covariance of all differences (they share ``b``), used by the rank sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from kommunebench.errors import ConfigError
from kommunebench.model import BenchmarkFit, MunicipalCrossproducts

__all__ = [
    "DifferenceUncertainty",
    "cluster_covariance",
    "difference_uncertainty",
    "noise_variance",
    "FLAG_LABELS",
    "PRIOR_COUNT",
    "TOTAL",
]

TOTAL = "total"
PRIOR_COUNT = 20.0  # expected fuldtidspersoner the national noise-variance model counts as (noise_variance)
FLAG_LABELS = {-1: "bedre end forventet", 0: "ikke til at skelne fra forventet", 1: "dårligere end forventet"}


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class DifferenceUncertainty:
    """Differences in pct. points with standard errors, intervals and flags (arrays read-only).

    Arrays are outcomes × municipalities (``areas`` × ``kommunekoder``); ``cov_pp`` is outcomes ×
    municipalities × municipalities. ``flag``: −1 significantly better (interval below 0, fewer
    on benefit than expected), 0 not distinguishable, +1 significantly worse.
    """

    areas: tuple[str, ...]
    kommunekoder: np.ndarray
    level: float
    cluster: str
    n_clusters: int
    diff_pp: np.ndarray
    se_pp: np.ndarray
    se_noise_pp: np.ndarray
    se_coef_pp: np.ndarray
    cov_pp: np.ndarray
    lower_pp: np.ndarray
    upper_pp: np.ndarray
    flag: np.ndarray
    dispersion: np.ndarray  # per outcome: φ of the national noise-variance model (see noise_variance)
    noise_model_weight: np.ndarray  # outcomes × municipalities: weight of the model in the noise variance

    def area_index(self, area: str) -> int:
        try:
            return self.areas.index(area)
        except ValueError:
            raise KeyError(f"no area {area!r}; areas: {', '.join(self.areas)}") from None

    def to_frame(self) -> pd.DataFrame:
        """One row per area × municipality: diff_pp, se_pp, lower_pp, upper_pp, flag and parts."""
        n_a, n_m = self.diff_pp.shape
        return pd.DataFrame(
            {
                "area": np.repeat(np.array(self.areas, dtype=object), n_m),
                "kommunekode": np.tile(self.kommunekoder, n_a),
                "diff_pp": self.diff_pp.ravel(),
                "se_pp": self.se_pp.ravel(),
                "se_noise_pp": self.se_noise_pp.ravel(),
                "se_coef_pp": self.se_coef_pp.ravel(),
                "lower_pp": self.lower_pp.ravel(),
                "upper_pp": self.upper_pp.ravel(),
                "flag": self.flag.ravel().astype(np.int64),
            }
        )

    def summary(self) -> str:
        rows = [
            f"Usikkerhed på forskellene ({self.level:.0%}-intervaller, klynget på {self.cluster}, G={self.n_clusters})"
        ]
        for a, area in enumerate(self.areas):
            f = self.flag[a]
            rows.append(
                f"  {area:<14} median SE {np.median(self.se_pp[a]):.3f} pp; bedre {int((f < 0).sum())}, "
                f"ikke til at skelne {int((f == 0).sum())}, dårligere {int((f > 0).sum())}"
            )
        return "\n".join(rows)


def outcome_combo(n_areas: int, with_total: bool) -> np.ndarray:
    eye = np.eye(n_areas)
    return np.hstack([eye, np.ones((n_areas, 1))]) if with_total and n_areas > 1 else eye


def scores(xp: MunicipalCrossproducts, coef: np.ndarray, combo: np.ndarray) -> np.ndarray:
    """Per municipality ``Σ_{i∈m} x_i e_i`` for the unshifted design: (n_mun, k, outcomes)."""
    b = xp.shifted(coef @ combo)
    s = xp.xy @ combo - xp.xx @ b
    return s + xp.shift[None, :, None] * s[:, xp.intercept : xp.intercept + 1, :]


def residual_crossproducts(xp: MunicipalCrossproducts, coef: np.ndarray, combo: np.ndarray) -> np.ndarray:
    """Per municipality ``E_m'E_m`` of the residuals of the outcomes: (n_mun, outcomes, outcomes)."""
    b = xp.shifted(coef @ combo)
    xy = xp.xy @ combo
    bxy = np.einsum("ka,mkc->mac", b, xy)
    return combo.T @ xp.yy @ combo - bxy - bxy.transpose(0, 2, 1) + np.einsum("ka,mkl,lc->mac", b, xp.xx, b)


def cluster_covariance(
    coef: np.ndarray, cov_unscaled: np.ndarray, xp: MunicipalCrossproducts, groups: np.ndarray, *, combo: np.ndarray
) -> np.ndarray:
    """CR1 cluster-robust covariance of the coefficients per outcome: (outcomes, k, k).

    ``groups[m]``: the cluster of municipality ``m`` (commuting area, or the municipality itself);
    aliased terms (NaN in ``cov_unscaled``) get NaN.
    """
    kept = ~np.isnan(np.diag(cov_unscaled))
    s = scores(xp, coef, combo)[:, kept, :]
    _, g_idx = np.unique(groups, return_inverse=True)
    n_g = int(g_idx.max()) + 1
    sg = np.zeros((n_g, s.shape[1], s.shape[2]))
    np.add.at(sg, g_idx, s)
    n, k = float(xp.population.sum()), int(kept.sum())
    c = n_g / (n_g - 1) * (n - 1) / (n - k)
    bread = cov_unscaled[np.ix_(kept, kept)]
    meat = np.einsum("gka,gla->akl", sg, sg)
    out = np.full((s.shape[2], len(kept), len(kept)), np.nan)
    out[:, kept[:, None] & kept[None, :]] = (c * bread @ meat @ bread).reshape(s.shape[2], -1)
    return out


def noise_variance(
    xp: MunicipalCrossproducts, coef: np.ndarray, combo: np.ndarray, diff: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome-noise variance ``Var(Σ_{i∈m} ε_i)`` per municipality and outcome, moderated.

    Empirical: ``v_m = N/(N−1) · Σ_{i∈m} (e_i − ē_m)²`` (``N/(N−1)``: the municipality's own mean
    was taken out). For a rare outcome in a small municipality it is a poor estimate, and one that
    moves with the difference itself: with no resident on the benefit the residuals are just the
    fitted values, the variance is near zero and the difference at its most negative — a tiny
    municipality would then be "surely among the best" by luck. Model: the variance the national
    model predicts for the municipality's residents, ``u_m = φ · Σ_{i∈m} μ̂_i(1 − μ̂_i)`` (the
    outcomes are shares of a year, 0–1 per person; ``μ̂`` the fitted values, ``φ`` the national
    dispersion ``Σ_m v_m / Σ_m Σ_{i∈m} μ̂_i(1 − μ̂_i)``); it does not depend on the municipality's
    own outcomes. The two are averaged with weights ``E_m`` and :data:`PRIOR_COUNT`, ``E_m =
    Σ_{i∈m} μ̂_i`` the expected number (fuldtidspersoner) on the benefit — the information in
    ``v_m`` grows with ``E_m`` (an empirical-Bayes "moderated" variance, Smyth 2004): a large
    municipality keeps its own variance, a tiny one gets the model's.
    Returns (variance (n_mun, outcomes), φ (outcomes,), weight of the model (n_mun, outcomes)).
    """
    pop = xp.population
    resid_ss = np.einsum("maa->ma", residual_crossproducts(xp, coef, combo))
    dof = np.where(pop > 1, pop / np.maximum(pop - 1, 1.0), 1.0)[:, None]
    v_emp = np.maximum(resid_ss - diff * diff / pop[:, None], 0.0) * dof
    b = xp.shifted(coef @ combo)
    expected = np.maximum(xp.xx[:, xp.intercept, :] @ b, 0.0)  # E_m = Σ μ̂_i
    w = np.maximum(expected - np.einsum("ka,mkl,la->ma", b, xp.xx, b), 0.0)  # Σ μ̂_i(1 − μ̂_i)
    total_w = w.sum(axis=0)
    phi = np.where(total_w > 0, v_emp.sum(axis=0) / np.where(total_w > 0, total_w, 1.0), 0.0)
    weight = PRIOR_COUNT / (expected + PRIOR_COUNT)
    return (1 - weight) * v_emp + weight * phi[None, :] * w, phi, weight


def jackknife_covariance(
    cov_unscaled: np.ndarray, xp: MunicipalCrossproducts, groups: np.ndarray, *, combo: np.ndarray
) -> np.ndarray:
    """Leave-one-cluster-out jackknife covariance (CR3-like) per outcome: (outcomes, k, k).

    Each cluster's refit is a small solve from the cross-products without it. More honest than
    CR1 when few clusters carry much of the design (the labour-market block, one commuting area
    with a third of the population).
    """
    kept = ~np.isnan(np.diag(cov_unscaled))
    cols = np.flatnonzero(kept)
    _, g_idx = np.unique(groups, return_inverse=True)
    n_g = int(g_idx.max()) + 1
    xx_g = np.zeros((n_g, *xp.xx.shape[1:]))
    xy_g = np.zeros((n_g, xp.xy.shape[1], combo.shape[1]))
    np.add.at(xx_g, g_idx, xp.xx)
    np.add.at(xy_g, g_idx, xp.xy @ combo)
    xx, xy = xx_g.sum(axis=0), xy_g.sum(axis=0)
    scale = np.sqrt(np.diag(xx)[cols])
    b = np.empty((n_g, len(cols), combo.shape[1]))
    for g in range(n_g):
        a = (xx - xx_g[g])[np.ix_(cols, cols)] / np.outer(scale, scale)
        rhs = (xy - xy_g[g])[cols] / scale[:, None]
        b[g] = np.linalg.lstsq(a, rhs, rcond=None)[0] / scale[:, None]
    icpt = int(np.searchsorted(cols, xp.intercept))
    b[:, icpt, :] -= np.einsum("k,gka->ga", xp.shift[cols], b)  # back to the unshifted design
    dev = b - b.mean(axis=0)
    out = np.full((combo.shape[1], len(kept), len(kept)), np.nan)
    v = (n_g - 1) / n_g * np.einsum("gka,gla->akl", dev, dev)
    out[:, kept[:, None] & kept[None, :]] = v.reshape(combo.shape[1], -1)
    return out


def difference_uncertainty(
    fit: BenchmarkFit,
    *,
    level: float = 0.9,
    cluster: str = "commuting_area",
    method: str = "jackknife",
    with_total: bool = True,
) -> DifferenceUncertainty:
    """Uncertainty of every difference of ``fit`` (areas, plus ``total`` when there are several)."""
    if not 0.5 <= level < 1:
        raise ConfigError(f"level must be in [0.5, 1), not {level}")
    if cluster not in ("commuting_area", "municipality"):
        raise ConfigError(f"cluster must be commuting_area or municipality, not {cluster!r}")
    xp, fxp = fit.crossproducts, fit.fit_crossproducts
    if xp is None or fxp is None:
        raise ConfigError("the fit has no per-municipality cross-products (fitted without the Gram matrices)")
    areas = tuple(fit.areas)
    if TOTAL in areas:
        with_total = False
    combo = outcome_combo(len(areas), with_total)
    out_areas = areas + ((TOTAL,) if combo.shape[1] > len(areas) else ())
    coef = np.nan_to_num(fit.model.coef, nan=0.0)
    cov_u = fit.model.ols.cov_unscaled
    groups = fxp.mun_ca if cluster == "commuting_area" else np.arange(len(fxp.kommunekoder))
    if method not in ("jackknife", "cr1"):
        raise ConfigError(f"method must be jackknife or cr1, not {method!r}")
    if method == "cr1":
        v_coef = cluster_covariance(coef, cov_u, fxp, groups, combo=combo)
    else:
        v_coef = jackknife_covariance(cov_u, fxp, groups, combo=combo)
    kept = ~np.isnan(np.diag(cov_u))
    x = fit.x_sums[:, kept]  # unshifted column sums, kommunekoder order
    bread = cov_u[np.ix_(kept, kept)]
    pop = xp.population
    diff = xp.differences(coef, combo)  # as the lists compute it (tiny negative expected → 0)
    v_noise, phi, model_weight = noise_variance(xp, coef, combo, diff)
    h = x @ bread @ x.T  # X_m'(X'X)⁻¹X_l
    projected = fit.projected
    n_out = combo.shape[1]
    n_mun = len(pop)
    cov = np.empty((n_out, n_mun, n_mun))
    coef_var = np.empty((n_out, n_mun))
    for a in range(n_out):
        q = x @ v_coef[a][np.ix_(kept, kept)] @ x.T
        coef_var[a] = np.diag(q)
        c = q + np.diag(v_noise[:, a])
        if not projected:
            s2 = v_noise[:, a] / pop
            c = c - h * s2[None, :] - h * s2[:, None]
        cov[a] = (c + c.T) / 2
    scale = 100.0 / pop
    cov_pp = cov * scale[None, :, None] * scale[None, None, :]
    diff_pp = (diff * scale[:, None]).T
    se = np.sqrt(np.maximum(np.einsum("amm->am", cov_pp), 0.0))
    z = float(special.ndtri(0.5 + level / 2))
    lower, upper = diff_pp - z * se, diff_pp + z * se
    flag = np.where(upper < 0, -1, np.where(lower > 0, 1, 0))
    return DifferenceUncertainty(
        areas=out_areas,
        kommunekoder=np.asarray(fit.kommunekoder, dtype=np.int64),
        level=level,
        cluster=cluster,
        n_clusters=len(np.unique(groups)),
        diff_pp=_ro(diff_pp),
        se_pp=_ro(se),
        se_noise_pp=_ro(np.sqrt(v_noise.T) * scale[None, :]),
        se_coef_pp=_ro(np.sqrt(np.maximum(coef_var, 0.0)) * scale[None, :]),
        cov_pp=_ro(cov_pp),
        lower_pp=_ro(lower),
        upper_pp=_ro(upper),
        flag=flag.astype(np.int8),
        dispersion=_ro(phi),
        noise_model_weight=_ro(model_weight.T),
    )
