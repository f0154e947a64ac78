"""DEA on the synthetic Denmark at scale 0.1 against its planted cost inefficiency (slow).

The synthetic Denmark plants a cost per fuldtidsperson = best practice × exp(|N(0, 0.2)|) per
municipality (``data/synth/costs.py``); the best-practice cost does not depend on the results, so
1 ÷ that factor (``truth_costs.parquet``) is each municipality's input-oriented efficiency against
the true frontier. The model stage's løfteevne of a real run on that population and the loaded
``admin_costs`` go through ``loefteevne_data`` → ``compute_efficiency`` exactly as a user's would,
for all 98 municipalities (at this scale no cell is empty).

The seed is drawn per run and printed (``KB_EFFICIENCY_DK_SEED`` replays one); the bootstrap has
the default method and settings with 2,000 replications, as in the docs.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy import stats

from kb_server import shared_site
from kommunebench.benchmark.runs import execute_run
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate
from kommunebench.data.synth.costs import FRONTIER_KR
from kommunebench.efficiency import compute_efficiency, loefteevne_data
from kommunebench.efficiency.costs import stored_costs

PERIOD = "2023QMAT04"
REPLICATIONS = 2000


def test_the_truth_is_the_planted_cost_factor_of_the_loaded_costs(tmp_path_factory, request):
    """The truth the slow tests score against: in the shared site's snapshot every municipality's
    cost per fuldtidsperson is best practice (38,000 kr. the first year, +2 % a year) × its planted
    factor ≥ 1, and ``cost_efficiency`` = 1 ÷ that factor."""
    snap = shared_site(tmp_path_factory, request).snapshot
    assert snap is not None
    truth = pq.read_table(snap / "truth_costs.parquet").to_pandas().set_index("kommunekode")
    costs = pq.read_table(snap / "admin_costs.parquet").to_pandas()
    assert len(truth) == 98 and set(costs["kommunekode"]) == set(truth.index)
    assert (truth["excess_factor"] >= 1).all() and truth["excess_factor"].nunique() > 90
    np.testing.assert_allclose(truth["cost_efficiency"], 1 / truth["excess_factor"], rtol=1e-12)
    first = int(costs["year"].min())
    best = FRONTIER_KR * 1.02 ** (costs["year"] - first)
    factor = costs["admin_cost_kr"] / costs["fuldtidspersoner"] / best
    expected = truth.loc[costs["kommunekode"], "excess_factor"].to_numpy()
    np.testing.assert_allclose(factor, expected, rtol=1e-4)  # the file rounds kr. and fuldtidspersoner


@pytest.fixture(scope="module")
def denmark(tmp_path_factory):
    seed = int(os.environ.get("KB_EFFICIENCY_DK_SEED", np.random.SeedSequence().entropy % 2**31))
    print(f"\nsynthetic Denmark seed {seed} (replay with KB_EFFICIENCY_DK_SEED={seed})")
    root = tmp_path_factory.mktemp("dea-truth")
    snap = generate(root / "snap", scale=0.1, seed=seed)
    load(root / "wh.duckdb", snap.out_dir)
    con = warehouse.connect(root / "wh.duckdb")
    try:
        run = execute_run(con, period=PERIOD)
        _, costs = stored_costs(con, 2023)
    finally:
        con.close()
    data = loefteevne_data(run.lists.by_area, variant="med_udgifter", costs=costs)
    truth = pq.read_table(snap.out_dir / "truth_costs.parquet").to_pandas().set_index("kommunekode")
    return seed, data, truth.loc[list(data.units), "cost_efficiency"].to_numpy()


@pytest.mark.slow
def test_the_input_oriented_score_ranks_the_planted_cost_inefficiency(denmark):
    seed, data, truth = denmark
    assert data.n == 98
    res = compute_efficiency(data, orientation="input")
    rho = stats.spearmanr(res.scores.score, truth).statistic
    print(f"seed {seed}: Spearman of the input-oriented DEA score (med udgifter, VRS) with the planted truth {rho:.3f}")
    assert rho >= 0.7, f"seed {seed}: Spearman {rho:.3f}"
    assert (res.scores.score >= truth - 1e-9).all(), f"seed {seed}: DEA may only overstate efficiency"


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_planted_cost_efficiency(denmark):
    seed, data, truth = denmark
    started = time.perf_counter()
    res = compute_efficiency(data, orientation="input", bootstrap=REPLICATIONS, seed=seed, n_jobs=2)
    b = res.bootstrap
    assert b is not None
    covered = (b.lower <= truth) & (truth <= b.upper)
    print(
        f"seed {seed}: 90 % intervals cover {covered.mean():.3f} of {data.n} municipalities "
        f"(truth below the interval {(truth < b.lower).mean():.3f}, above {(truth > b.upper).mean():.3f}; "
        f"{b.method}, m {b.subsample}, B {REPLICATIONS}, {time.perf_counter() - started:.0f} s)"
    )
    assert covered.mean() >= 0.8, f"seed {seed}: 90 % intervals cover {covered.mean():.3f}"
