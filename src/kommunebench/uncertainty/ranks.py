"""Confidence sets for ranks, after Mogstad, Romano, Shaikh & Wilhelm, "Inference for Ranks"
(Review of Economic Studies, 2024).

Rank 1 is the most negative difference (the best). The rank of ``j`` is
``r_j = 1 + #{k ≠ j : θ_k < θ_j}``. A rank set follows from simultaneous confidence intervals
for the pairwise differences ``θ_k − θ_j``: with ``se_jk`` the standard error of
``θ̂_k − θ̂_j`` (from the *joint* covariance of the estimates, which share coefficients),

* ``N⁻_j = #{k : θ̂_k − θ̂_j + c·se_jk < 0}`` (surely better than ``j``) and
  ``N⁺_j = #{k : θ̂_k − θ̂_j − c·se_jk > 0}`` (surely worse) give the rank set
  ``[1 + N⁻_j, n − N⁺_j]``.
* **Marginal** (one municipality at a time): ``c_j`` is the ``1 − α`` quantile of
  ``max_{k≠j} |Z_k − Z_j| / se_jk`` for ``Z ~ N(0, Σ)`` (parametric bootstrap).
* **Simultaneous** (all municipalities at once): one ``c``, the quantile of the max over all
  pairs; then all ``n`` rank sets hold together with probability ≥ ``1 − α``.
* **τ-best / τ-worst**: *surely among the τ best* are the ``j`` whose simultaneous upper rank
  bound is ≤ τ (with probability ≥ 1 − α none of them is outside the true τ best); the
  *candidates* for the τ best (the paper's confidence set, containing all true τ best with
  probability ≥ 1 − α) are those whose lower bound is ≤ τ. τ-worst mirror them.

The paper's stepwise refinement (dropping pairs already decided) is not applied: the sets are
valid, slightly conservative.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommunebench.errors import ConfigError

__all__ = ["RankSets", "rank_sets", "ranks_of"]

_CHUNK = 32


@dataclass(frozen=True, eq=False)
class RankSets:
    """Rank confidence sets for ``n`` units (arrays in the order of the estimates given)."""

    level: float
    draws: int
    seed: int
    tau: int
    rank: np.ndarray
    marginal_lower: np.ndarray
    marginal_upper: np.ndarray
    simultaneous_lower: np.ndarray
    simultaneous_upper: np.ndarray
    crit_marginal: np.ndarray
    crit_simultaneous: float

    @property
    def n(self) -> int:
        return int(self.rank.size)

    @property
    def tau_best(self) -> np.ndarray:
        """Indices surely among the τ best."""
        return np.flatnonzero(self.simultaneous_upper <= self.tau)

    @property
    def tau_worst(self) -> np.ndarray:
        return np.flatnonzero(self.simultaneous_lower >= self.n - self.tau + 1)

    @property
    def tau_best_candidates(self) -> np.ndarray:
        """Indices that may be among the τ best (contains all of them with prob. ≥ level)."""
        return np.flatnonzero(self.simultaneous_lower <= self.tau)

    @property
    def tau_worst_candidates(self) -> np.ndarray:
        return np.flatnonzero(self.simultaneous_upper >= self.n - self.tau + 1)

    def to_frame(self) -> pd.DataFrame:
        best, worst = np.zeros(self.n, bool), np.zeros(self.n, bool)
        best[self.tau_best] = True
        worst[self.tau_worst] = True
        return pd.DataFrame(
            {
                "rank": self.rank,
                "rank_lower": self.marginal_lower,
                "rank_upper": self.marginal_upper,
                "rank_lower_simultaneous": self.simultaneous_lower,
                "rank_upper_simultaneous": self.simultaneous_upper,
                "surely_tau_best": best,
                "surely_tau_worst": worst,
            }
        )

    def summary(self) -> str:
        width = self.marginal_upper - self.marginal_lower + 1
        return (
            f"Rangsæt ({self.level:.0%}, {self.draws:,} træk): median bredde {np.median(width):.0f} pladser "
            f"(marginale), {np.median(self.simultaneous_upper - self.simultaneous_lower + 1):.0f} (simultane); "
            f"sikkert blandt de {self.tau} bedste: {self.tau_best.size}, de {self.tau} dårligste: {self.tau_worst.size}"
        )


def ranks_of(values: np.ndarray) -> np.ndarray:
    """1 = most negative; ties broken by order (as the lists do)."""
    out = np.empty(len(values), dtype=np.int64)
    out[np.argsort(values, kind="stable")] = np.arange(1, len(values) + 1)
    return out


def _root(cov: np.ndarray) -> np.ndarray:
    lam, u = np.linalg.eigh((cov + cov.T) / 2)
    return u * np.sqrt(np.clip(lam, 0.0, None))


def _max_stats(cov: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, n): ``max_{k≠j} |Z_k − Z_j| / se_jk`` for draws ``Z ~ N(0, cov)``."""
    n = cov.shape[0]
    d = np.diag(cov)
    var = d[:, None] + d[None, :] - 2 * cov
    with np.errstate(divide="ignore"):
        inv_se = np.where(var > 0, 1.0 / np.sqrt(np.clip(var, 1e-300, None)), 0.0)
    np.fill_diagonal(inv_se, 0.0)
    inv_se32 = inv_se.astype(np.float32)
    root = _root(cov).astype(np.float32)
    out = np.empty((draws, n), dtype=np.float32)
    buf = np.empty((_CHUNK, n, n), dtype=np.float32)
    for start in range(0, draws, _CHUNK):
        b = min(_CHUNK, draws - start)
        z = rng.standard_normal((b, n), dtype=np.float32) @ root.T
        t = buf[:b]
        np.subtract(z[:, :, None], z[:, None, :], out=t)
        np.abs(t, out=t)
        t *= inv_se32
        t.max(axis=2, out=out[start : start + b])
    return out


def _bounds(est: np.ndarray, se: np.ndarray, crit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = est.size
    delta = est[None, :] - est[:, None]  # [j, k] = θ̂_k − θ̂_j
    c = crit[:, None] * se
    off = ~np.eye(n, dtype=bool)
    below = ((delta + c < 0) & off).sum(axis=1)
    above = ((delta - c > 0) & off).sum(axis=1)
    return 1 + below, n - above


def rank_sets(
    estimates: np.ndarray, cov: np.ndarray, *, level: float = 0.9, draws: int = 10_000, seed: int = 0, tau: int = 10
) -> RankSets:
    """Marginal and simultaneous rank sets of ``estimates`` with joint covariance ``cov``."""
    est = np.asarray(estimates, float)
    cov = np.asarray(cov, float)
    n = est.size
    if cov.shape != (n, n) or n < 2:
        raise ConfigError(f"cov must be {n} × {n} for {n} estimates (at least 2)")
    if not 0.5 <= level < 1 or draws < 100 or not 1 <= tau <= n:
        raise ConfigError(f"bad rank-set options: level {level}, draws {draws}, tau {tau}")
    t = _max_stats(cov, draws, np.random.default_rng(seed))
    crit_m = np.quantile(t, level, axis=0).astype(float)
    crit_s = float(np.quantile(t.max(axis=1), level))
    d = np.diag(cov)
    se = np.sqrt(np.clip(d[:, None] + d[None, :] - 2 * cov, 0.0, None))
    ml, mu = _bounds(est, se, crit_m)
    sl, su = _bounds(est, se, np.full(n, crit_s))
    return RankSets(
        level=level,
        draws=draws,
        seed=seed,
        tau=tau,
        rank=ranks_of(est),
        marginal_lower=ml,
        marginal_upper=mu,
        simultaneous_lower=sl,
        simultaneous_upper=su,
        crit_marginal=crit_m,
        crit_simultaneous=crit_s,
    )
