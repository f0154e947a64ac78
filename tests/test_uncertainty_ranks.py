"""Rank confidence sets (Mogstad, Romano, Shaikh & Wilhelm) checked by simulation."""

from __future__ import annotations

import numpy as np
import pytest

from kommunebench.errors import ConfigError
from kommunebench.uncertainty import rank_sets, ranks_of

N = 98
REPS = 30


def _truth(rng: np.random.Generator):
    theta = rng.normal(0, 0.4, N)
    se = rng.uniform(0.05, 0.5, N)
    load = rng.normal(0, 0.06, (N, 3))  # shared coefficient noise: correlated estimates
    cov = np.diag(se**2) + load @ load.T
    return theta, cov


def test_rank_sets_cover_the_true_ranks_in_simulation():
    seed = int(np.random.default_rng().integers(1 << 31))
    print("seed", seed)
    rng = np.random.default_rng(seed)
    theta, cov = _truth(rng)
    true_rank = ranks_of(theta)
    root = np.linalg.cholesky(cov)
    sim_all, marg, best_ok, worst_ok, cand_ok = 0, 0.0, 0, 0, 0
    for r in range(REPS):
        est = theta + root @ rng.standard_normal(N)
        rs = rank_sets(est, cov, level=0.9, draws=2000, seed=r, tau=10)
        inside_s = (rs.simultaneous_lower <= true_rank) & (true_rank <= rs.simultaneous_upper)
        inside_m = (rs.marginal_lower <= true_rank) & (true_rank <= rs.marginal_upper)
        sim_all += bool(inside_s.all())
        marg += inside_m.mean()
        best_ok += bool((true_rank[rs.tau_best] <= 10).all())
        worst_ok += bool((true_rank[rs.tau_worst] >= N - 9).all())
        cand_ok += bool(set(np.flatnonzero(true_rank <= 10)) <= set(rs.tau_best_candidates))
        assert (rs.marginal_lower >= rs.simultaneous_lower).all() and (rs.marginal_upper <= rs.simultaneous_upper).all()
    print(f"simultaneous {sim_all}/{REPS}, marginal {marg / REPS:.3f}, tau-best {best_ok}, worst {worst_ok}")
    assert sim_all >= 0.85 * REPS
    assert marg / REPS >= 0.85
    assert best_ok >= 0.9 * REPS and worst_ok >= 0.9 * REPS and cand_ok >= 0.85 * REPS


def test_rank_sets_are_informative_when_estimates_are_precise():
    seed = int(np.random.default_rng().integers(1 << 31))
    print("seed", seed)
    rng = np.random.default_rng(seed)
    theta = np.linspace(-2, 2, N)
    rs = rank_sets(theta + rng.normal(0, 0.001, N), np.eye(N) * 1e-6, draws=1000, seed=1)
    assert (rs.marginal_lower == rs.rank).all() and (rs.marginal_upper == rs.rank).all()
    assert rs.tau_best.size == 10 and rs.tau_worst.size == 10


def test_rank_sets_refuse_bad_options():
    with pytest.raises(ConfigError):
        rank_sets(np.zeros(3), np.eye(4))
    with pytest.raises(ConfigError):
        rank_sets(np.zeros(3), np.eye(3), level=0.2)
