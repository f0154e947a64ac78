"""Ordinary least squares from cross-products, for several outcomes sharing one design.

Everything here is a pure function of small arrays: ``X'X`` (k × k), ``X'Y`` (k × A), ``Y'Y``
(A × A) and the row count ``n``. The person-level data never need to be in memory at once.

Numerics. With an intercept (the usual case) the intercept is swept out first: the other columns
and the outcomes are centred using the intercept's row of the cross-products
(``C = X'X − s s'/n``), and the centred system is scaled to a correlation matrix before it is
factorised. That keeps the factorisation well conditioned even where the raw labour-market
columns (means of 30–80 that vary little) are nearly parallel to the intercept.

Aliased columns (rank deficiency) are detected the way R's ``lm`` does it, in column order:
a column is *aliased* when it is (numerically) a linear combination of the intercept and the
columns before it that are kept, i.e. when ``1 − R²`` of its regression on them is at most
``tol`` (default 1e-9 on the squared scale, a residual norm below ~3e-5 of the column's centred
norm); a column that is constant or all zero is aliased with the intercept. Aliased columns are
left out of the fit and reported; their coefficient and standard error are ``NaN`` (R's ``NA``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg, special

__all__ = ["OLSResult", "ols_from_crossproducts", "ols", "crossproducts"]

DEFAULT_TOL = 1e-9


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class OLSResult:
    """OLS estimates for outcomes sharing one design (arrays are read-only).

    ``coef``, ``std_err``: k × A (terms × outcomes), ``NaN`` for aliased terms.
    ``cov_unscaled``: (X'X)⁻¹ over the kept terms, k × k with ``NaN`` rows/columns for aliased
    terms; the covariance of outcome ``a``'s coefficients is ``sigma2[a] * cov_unscaled``.
    ``rank`` counts the estimated coefficients (including the intercept); ``df_resid = n − rank``.
    ``r_squared`` is centred (1 − RSS/Σ(y−ȳ)²) when there is an intercept, else uncentred.
    """

    terms: tuple[str, ...]
    outcomes: tuple[str, ...]
    coef: np.ndarray
    std_err: np.ndarray
    cov_unscaled: np.ndarray
    sigma2: np.ndarray
    rss: np.ndarray
    tss: np.ndarray
    r_squared: np.ndarray
    n: int
    rank: int
    df_resid: int
    aliased: tuple[str, ...]
    has_intercept: bool

    @property
    def kept(self) -> np.ndarray:
        """Boolean mask of the estimated (non-aliased) terms."""
        return ~np.isnan(self.coef[:, 0]) if self.coef.size else np.zeros(0, bool)

    @property
    def t_values(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.coef / self.std_err

    @property
    def p_values(self) -> np.ndarray:
        """Two-sided p-values from Student's t with ``df_resid`` degrees of freedom."""
        return 2.0 * special.stdtr(self.df_resid, -np.abs(self.t_values))

    def cov(self, outcome: str | int) -> np.ndarray:
        a = self.outcomes.index(outcome) if isinstance(outcome, str) else int(outcome)
        return self.sigma2[a] * self.cov_unscaled

    def predict_sums(self, x_sums: np.ndarray) -> np.ndarray:
        """``x_sums @ coef`` with aliased coefficients counted as 0 (rows: groups; cols: outcomes)."""
        return np.asarray(x_sums, float) @ np.nan_to_num(self.coef, nan=0.0)


def crossproducts(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """``(X'X, X'Y, Y'Y, n)`` of in-memory arrays (``y`` may be 1-d for a single outcome)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if y.ndim == 1:
        y = y[:, None]
    return x.T @ x, x.T @ y, y.T @ y, x.shape[0]


def ols(
    x: np.ndarray,
    y: np.ndarray,
    terms: Sequence[str],
    outcomes: Sequence[str],
    *,
    intercept: int | None = 0,
    tol: float = DEFAULT_TOL,
) -> OLSResult:
    """OLS of in-memory arrays; see :func:`ols_from_crossproducts`."""
    xtx, xty, yty, n = crossproducts(x, y)
    return ols_from_crossproducts(xtx, xty, yty, n, terms=terms, outcomes=outcomes, intercept=intercept, tol=tol)


def _aliased_scan(r: np.ndarray, candidates: list[int], tol: float) -> list[int]:
    """Indices of ``candidates`` kept by a column-order Cholesky of the correlation matrix ``r``."""
    kept: list[int] = []
    chol = np.zeros((len(candidates), len(candidates)))
    for j in candidates:
        m = len(kept)
        if m:
            v = linalg.solve_triangular(chol[:m, :m], r[kept, j], lower=True, check_finite=False)
            resid = r[j, j] - float(v @ v)
        else:
            v, resid = np.zeros(0), r[j, j]
        if resid > tol:
            chol[m, :m] = v
            chol[m, m] = np.sqrt(resid)
            kept.append(j)
    return kept


def ols_from_crossproducts(
    xtx: np.ndarray,
    xty: np.ndarray,
    yty: np.ndarray,
    n: int,
    *,
    terms: Sequence[str],
    outcomes: Sequence[str],
    intercept: int | None = 0,
    tol: float = DEFAULT_TOL,
    shift: np.ndarray | None = None,
) -> OLSResult:
    """OLS coefficients, classical standard errors and R² for every outcome at once.

    ``intercept`` is the index of the all-ones column (its ``X'X`` diagonal must equal ``n``), or
    ``None`` for a model without one. ``tol`` is the aliasing tolerance (see the module doc).

    ``shift`` (length k, needs an intercept): the cross-products given are those of the shifted
    columns ``X − 1·shift'`` (e.g. labour-market values minus their mean, which keeps the sums of
    squares free of cancellation); the result is reported for the unshifted ``X`` — only the
    intercept and its covariances change.
    """
    xtx = np.asarray(xtx, float)
    xty = np.asarray(xty, float)
    yty = np.asarray(yty, float)
    if xty.ndim == 1:
        xty = xty[:, None]
    yty = np.atleast_2d(yty)
    k, n_out = xty.shape
    terms, outcomes = tuple(terms), tuple(outcomes)
    if xtx.shape != (k, k) or yty.shape != (n_out, n_out) or len(terms) != k or len(outcomes) != n_out:
        raise ValueError("cross-product shapes do not match the terms and outcomes")
    n = int(n)
    if intercept is not None and not np.isclose(xtx[intercept, intercept], n, rtol=1e-12, atol=0):
        raise ValueError(f"column {intercept} ({terms[intercept]}) is not an all-ones intercept")

    if intercept is not None:
        others = [j for j in range(k) if j != intercept]
        s = xtx[intercept, others]
        sy = xty[intercept]
        c = xtx[np.ix_(others, others)] - np.outer(s, s) / n
        cxy = xty[others] - np.outer(s, sy) / n
        tss = np.diag(yty) - sy * sy / n
        raw = np.diag(xtx)[others]
        if shift is not None:  # the constant-column test is relative to the unshifted column
            sh = np.asarray(shift, float)[others]
            raw = raw + 2 * sh * s + n * sh * sh
    else:
        others = list(range(k))
        c, cxy, tss, raw = xtx, xty, np.diag(yty).copy(), np.diag(xtx)
        # s and sy (the intercept's cross-products) exist only with an intercept

    d = np.diag(c).copy()
    # A constant (or all-zero) column has no centred variation: aliased with the intercept.
    candidates = [i for i in range(len(others)) if raw[i] > 0 and d[i] > tol * raw[i]]
    scale = np.sqrt(np.where(d > 0, d, 1.0))
    r = c / np.outer(scale, scale)
    kept = _aliased_scan(r, candidates, tol)

    kk = np.array(kept, dtype=int)
    sc = scale[kk]
    if kk.size:
        factor = linalg.cho_factor(r[np.ix_(kk, kk)], lower=True, check_finite=False)
        b_s = linalg.cho_solve(factor, cxy[kk] / sc[:, None], check_finite=False)
        inv_s = linalg.cho_solve(factor, np.eye(kk.size), check_finite=False)
        b = b_s / sc[:, None]
        cinv = inv_s / np.outer(sc, sc)
        cinv = (cinv + cinv.T) / 2
        rss = tss - np.einsum("ka,ka->a", b, cxy[kk])
    else:
        b = np.zeros((0, n_out))
        cinv = np.zeros((0, 0))
        rss = tss.copy()

    rank = kk.size + (intercept is not None)
    df_resid = n - rank
    if df_resid <= 0:
        raise ValueError(f"no residual degrees of freedom: n={n}, rank={rank}")
    sigma2 = rss / df_resid

    coef = np.full((k, n_out), np.nan)
    cov_u = np.full((k, k), np.nan)
    idx = np.array(others, dtype=int)[kk]
    coef[idx] = b
    cov_u[np.ix_(idx, idx)] = cinv
    if intercept is not None:
        xbar = s[kk] / n
        coef[intercept] = sy / n - xbar @ b
        cross = -cinv @ xbar
        cov_u[intercept, intercept] = 1.0 / n + xbar @ cinv @ xbar
        cov_u[intercept, idx] = cross
        cov_u[idx, intercept] = cross
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1.0 - rss / tss

    if shift is not None:
        if intercept is None:
            raise ValueError("shift needs an intercept")
        t = np.eye(k)
        t[intercept] -= np.where(np.isnan(coef[:, 0]), 0.0, np.asarray(shift, float))
        t[intercept, intercept] = 1.0
        coef[intercept] = t[intercept] @ np.nan_to_num(coef, nan=0.0)
        cov_full = np.nan_to_num(cov_u, nan=0.0)
        row = t[intercept] @ cov_full
        cov_u[intercept, idx] = row[idx]
        cov_u[idx, intercept] = row[idx]
        cov_u[intercept, intercept] = row @ t[intercept]
    with np.errstate(invalid="ignore"):
        std_err = np.sqrt(np.outer(np.diag(cov_u), sigma2))
    kept_terms = set(idx.tolist()) | ({intercept} if intercept is not None else set())
    aliased = tuple(terms[j] for j in range(k) if j not in kept_terms)
    return OLSResult(
        terms=terms,
        outcomes=outcomes,
        coef=_frozen(coef),
        std_err=_frozen(std_err),
        cov_unscaled=_frozen(cov_u),
        sigma2=_frozen(sigma2),
        rss=_frozen(rss),
        tss=_frozen(tss),
        r_squared=_frozen(r2),
        n=n,
        rank=int(rank),
        df_resid=int(df_resid),
        aliased=aliased,
        has_intercept=intercept is not None,
    )
