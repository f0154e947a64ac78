"""Uncertainty of the differences: the clustered covariance against statsmodels, and the pass."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from kommunebench.model import MunicipalCrossproducts, ols
from kommunebench.uncertainty import cluster_covariance
from kommunebench.uncertainty.intervals import (
    PRIOR_COUNT,
    jackknife_covariance,
    noise_variance,
    residual_crossproducts,
)


def _case(seed: int):
    rng = np.random.default_rng(seed)
    n, n_mun, n_ca = 4000, 24, 9
    mun = rng.integers(0, n_mun, n)
    mun_ca = np.arange(n_mun) % n_ca
    lm_ca = rng.normal(40, 5, size=(n_ca, 2))
    d = (rng.random((n, 3)) < [0.3, 0.5, 0.2]).astype(float)
    lm = lm_ca[mun_ca[mun]]
    x = np.column_stack([np.ones(n), d, lm])
    eff = rng.normal(0, 0.1, n_mun)
    y = np.column_stack([x @ [0.1, 0.2, -0.1, 0.05, 0.002, -0.001] + eff[mun] + rng.normal(0, 0.3, n), rng.random(n)])
    shift = np.array([0, 0, 0, 0, *lm.mean(axis=0)])
    xt = x - shift  # the shifted design (intercept column stays 1)
    xt[:, 0] = 1.0
    xx = np.stack([xt[mun == m].T @ xt[mun == m] for m in range(n_mun)])
    xy = np.stack([xt[mun == m].T @ y[mun == m] for m in range(n_mun)])
    yy = np.stack([y[mun == m].T @ y[mun == m] for m in range(n_mun)])
    xp = MunicipalCrossproducts(
        kommunekoder=np.arange(n_mun),
        mun_ca=mun_ca,
        population=np.bincount(mun, minlength=n_mun).astype(float),
        xx=xx,
        xy=xy,
        yy=yy,
        shift=shift,
        intercept=0,
    )
    return x, y, mun, mun_ca, xp


@pytest.mark.parametrize("level", ["ca", "mun"])
def test_cluster_covariance_equals_statsmodels(level):
    seed = int(np.random.default_rng().integers(1 << 31))
    print("seed", seed)
    x, y, mun, mun_ca, xp = _case(seed)
    terms = [f"x{j}" for j in range(x.shape[1])]
    res = ols(x, y, terms, ["a", "b"])
    groups = mun_ca if level == "ca" else np.arange(len(mun_ca))
    v = cluster_covariance(res.coef, res.cov_unscaled, xp, groups, combo=np.eye(2))
    for a in range(2):
        g = (mun_ca[mun] if level == "ca" else mun).astype(int)
        ref = sm.OLS(y[:, a], x).fit(cov_type="cluster", cov_kwds={"groups": g})
        np.testing.assert_allclose(v[a], ref.cov_params(), rtol=1e-6, atol=1e-12)


def test_residual_crossproducts_equal_the_residuals():
    seed = int(np.random.default_rng().integers(1 << 31))
    print("seed", seed)
    x, y, mun, _, xp = _case(seed)
    res = ols(x, y, [f"x{j}" for j in range(x.shape[1])], ["a", "b"])
    e = y - x @ res.coef
    got = residual_crossproducts(xp, res.coef, np.eye(2))
    want = np.stack([e[mun == m].T @ e[mun == m] for m in range(len(xp.population))])
    np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)


def test_jackknife_covariance_equals_explicit_refits():
    seed = int(np.random.default_rng().integers(1 << 31))
    print("seed", seed)
    x, y, mun, mun_ca, xp = _case(seed)
    terms = [f"x{j}" for j in range(x.shape[1])]
    res = ols(x, y, terms, ["a", "b"])
    v = jackknife_covariance(res.cov_unscaled, xp, mun_ca, combo=np.eye(2))
    g = mun_ca[mun]
    b = np.stack([np.linalg.lstsq(x[g != c], y[g != c], rcond=None)[0] for c in np.unique(mun_ca)])
    dev = b - b.mean(axis=0)
    n_g = b.shape[0]
    want = (n_g - 1) / n_g * np.einsum("gka,gla->akl", dev, dev)
    np.testing.assert_allclose(v, want, rtol=1e-6, atol=1e-14)


def test_noise_variance_trusts_the_model_in_a_small_cell_without_events():
    """Rare outcome, one tiny municipality with nobody on the benefit: its empirical residual
    variance is near zero (the residuals are just the fitted values); the moderated variance
    leans on the national variance function φ·Σ μ̂(1 − μ̂) there and on the municipality's own
    residuals where many are expected on the benefit (computed here from the persons)."""
    seed = int(np.random.default_rng().integers(1 << 31))
    print("seed", seed)
    rng = np.random.default_rng(seed)
    n, n_mun = 30000, 30
    mun = np.concatenate([np.zeros(15, int), rng.integers(1, n_mun, n - 15)])
    d = (rng.random((n, 2)) < [0.4, 0.3]).astype(float)
    x = np.column_stack([np.ones(n), d])
    y = (rng.random(n) < 0.03 + 0.04 * d[:, 0]).astype(float)[:, None]
    y[mun == 0] = 0.0
    xx = np.stack([x[mun == m].T @ x[mun == m] for m in range(n_mun)])
    xy = np.stack([x[mun == m].T @ y[mun == m] for m in range(n_mun)])
    yy = np.stack([y[mun == m].T @ y[mun == m] for m in range(n_mun)])
    pop = np.bincount(mun, minlength=n_mun).astype(float)
    xp = MunicipalCrossproducts(
        kommunekoder=np.arange(n_mun),
        mun_ca=np.arange(n_mun) % 5,
        population=pop,
        xx=xx,
        xy=xy,
        yy=yy,
        shift=np.zeros(3),
        intercept=0,
    )
    res = ols(x, y, ["x0", "x1", "x2"], ["a"])
    mu = x @ res.coef[:, 0]
    e = y[:, 0] - mu
    diff = np.bincount(mun, weights=e, minlength=n_mun)[:, None]
    v_emp = np.array([((e[mun == m] - e[mun == m].mean()) ** 2).sum() for m in range(n_mun)]) * pop / (pop - 1)
    w = np.bincount(mun, weights=mu * (1 - mu), minlength=n_mun)
    expected = np.bincount(mun, weights=mu, minlength=n_mun)
    phi = v_emp.sum() / w.sum()
    weight = PRIOR_COUNT / (expected + PRIOR_COUNT)
    v, got_phi, got_weight = noise_variance(xp, res.coef, np.eye(1), diff)
    np.testing.assert_allclose(got_phi, [phi], rtol=1e-9)
    np.testing.assert_allclose(got_weight[:, 0], weight, rtol=1e-8)
    np.testing.assert_allclose(v[:, 0], (1 - weight) * v_emp + weight * phi * w, rtol=1e-8, atol=1e-12)
    assert got_weight[0, 0] > 0.9 and v[0, 0] > 5 * v_emp[0]  # the empty cell: the model, not ≈ 0
    assert 0.5 < phi < 1.5  # a 0/1 outcome: the binomial variance function fits
    assert got_weight[1:, 0].max() < 0.5  # ≥ 20 expected on the benefit: mostly their own residuals
