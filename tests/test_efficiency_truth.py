"""DEA on the synthetic Denmark at scale 0.1 against its planted cost inefficiency (slow).

The synthetic Denmark plants a cost per fuldtidsperson = best practice × exp(|N(0, 0.2)|) per
municipality (``data/synth/costs.py``); the best-practice cost is flat (default) or, with
``cost_frontier="stigende"`` (``KB_EFFICIENCY_DK_FRONTIER=stigende`` here), rises convexly with the
municipality's true løfteevne y* (its planted effects). Either way 1 ÷ that factor
(``truth_costs.parquet``) is each municipality's input-oriented VRS efficiency against the true
frontier at its true outputs. The DEA sees *estimated* outputs (the model stage's løfteevne on a
finite population): on a flat frontier its score can only overstate the truth; on a rising one it
can understate it too (only the DEA on the true outputs is bound to overstate, checked fast).
The model stage's løfteevne of a real run on that population and the loaded ``admin_costs`` go
through ``loefteevne_data`` → ``compute_efficiency`` exactly as a user's would,
for all 98 municipalities (at this scale no cell is empty).

The seed is drawn per run and printed (``KB_EFFICIENCY_DK_SEED`` replays one); the bootstrap has
the default method and settings with 2,000 replications, as in the docs (subsampling with the
interval's level calibrated by a second level of subsampling, ``efficiency/calibrate.py``).
"""

from __future__ import annotations

import json
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
from kommunebench.data.synth import costs as synth_costs
from kommunebench.data.synth import generate
from kommunebench.data.synth.costs import AREAS, BETA, DEFAULT_COST_FRONTIER, FRONTIER_KR
from kommunebench.efficiency import compute_efficiency, dea_data, loefteevne_data
from kommunebench.efficiency.costs import stored_costs
from kommunebench.errors import ConfigError

PERIOD = "2023QMAT04"
REPLICATIONS = 2000


def test_the_truth_is_the_planted_cost_factor_of_the_loaded_costs(tmp_path_factory, request):
    """The truth the slow tests score against: in the shared site's snapshot every municipality's
    cost per fuldtidsperson is its best practice (38,000 kr. the first year, +2 % a year; × exp(Σ
    βₐ(y*ₐ − 1)) on a rising frontier, y*ₐ = 1 ÷ (1 + planted relative effect) its true
    løfteevne) times its planted factor ≥ 1, and ``cost_efficiency`` = 1 ÷ that factor. DEA on the
    true outputs (input-oriented, VRS) may only overstate it."""
    snap = shared_site(tmp_path_factory, request).snapshot
    assert snap is not None
    truth = pq.read_table(snap / "truth_costs.parquet").to_pandas().set_index("kommunekode")
    costs = pq.read_table(snap / "admin_costs.parquet").to_pandas()
    effects = pq.read_table(snap / "truth_effects.parquet").to_pandas()
    frontier = json.loads((snap / "manifest.json").read_text("utf-8"))["cost_frontier"]
    assert frontier == DEFAULT_COST_FRONTIER
    assert len(truth) == 98 and set(costs["kommunekode"]) == set(truth.index)
    assert (truth["excess_factor"] >= 1).all() and truth["excess_factor"].nunique() > 90
    np.testing.assert_allclose(truth["cost_efficiency"], 1 / truth["excess_factor"], rtol=1e-12)
    r = effects[effects["area"].isin(AREAS)].drop_duplicates(["kommunekode", "area"])
    r = r.pivot(index="kommunekode", columns="area", values="relative_effect").loc[truth.index, list(AREAS)]
    y_true = truth[[f"true_loefteevne_{a}" for a in AREAS]].to_numpy()
    np.testing.assert_allclose(y_true, 1 / (1 + r.to_numpy()), rtol=1e-12)
    assert y_true.std(axis=0).min() > 0.02  # the results vary, so the frontier is not flat
    slope = BETA if frontier == "stigende" else np.zeros(3)
    np.testing.assert_allclose(truth["frontier_cost_kr"], FRONTIER_KR * np.exp((y_true - 1) @ slope), rtol=1e-12)
    first = int(costs["year"].min())
    best = truth.loc[costs["kommunekode"], "frontier_cost_kr"].to_numpy() * 1.02 ** (costs["year"] - first)
    factor = costs["admin_cost_kr"] / costs["fuldtidspersoner"] / best
    expected = truth.loc[costs["kommunekode"], "excess_factor"].to_numpy()
    np.testing.assert_allclose(factor, expected, rtol=1e-4)  # the file rounds kr. and fuldtidspersoner
    x = (truth["frontier_cost_kr"] * truth["excess_factor"]).to_numpy()[:, None]
    oracle = compute_efficiency(dea_data(list(truth.index), x, y_true), orientation="input")
    assert (oracle.scores.score >= truth["cost_efficiency"].to_numpy() - 1e-9).all()
    rho = stats.spearmanr(oracle.scores.score, truth["cost_efficiency"]).statistic
    print(f"DEA on the true outputs: Spearman with the planted cost efficiency {rho:.3f}")


def test_the_rising_frontier_is_convex_and_plants_the_input_efficiency():
    """C(y) = 38,000 × exp(β·(y − 1)) is increasing and convex (midpoints), so {x ≥ C(y)} is a
    convex, freely disposable technology; on data x = C(y*)·factor at the true outputs the VRS
    input-oriented DEA score is ≥ 1 ÷ factor for every unit (it may only overstate)."""
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    effects = rng.normal(0, [0.12, 0.077, 0.07], size=(98, 3))  # the planted r's spread per area
    cost = np.array([synth_costs.frontier_cost(r, cost_frontier="stigende") for r in effects])
    y = synth_costs.true_loefteevne(effects)
    up = np.array([synth_costs.frontier_cost(r - 0.01, cost_frontier="stigende") for r in effects])
    assert (up > cost).all()  # a smaller effect r is a higher løfteevne: it costs more
    i, j = rng.integers(0, 98, size=(2, 200))
    mid = 0.5 * (y[i] + y[j])
    c_mid = FRONTIER_KR * np.exp((mid - 1) @ BETA)
    assert (c_mid <= 0.5 * (cost[i] + cost[j]) + 1e-9).all()
    np.testing.assert_allclose(cost, FRONTIER_KR * np.exp((y - 1) @ BETA), rtol=1e-12)
    assert {synth_costs.frontier_cost(r, cost_frontier="flad") for r in effects[:5]} == {FRONTIER_KR}
    factor = np.exp(np.abs(rng.normal(0, synth_costs.SPREAD, 98)))
    res = compute_efficiency(dea_data(list(range(98)), (cost * factor)[:, None], y), orientation="input")
    assert (res.scores.score >= 1 / factor - 1e-9).all()
    with pytest.raises(ConfigError, match="omkostningsfront"):
        synth_costs.check_cost_frontier("krum")


@pytest.fixture(scope="module")
def denmark(tmp_path_factory):
    seed = int(os.environ.get("KB_EFFICIENCY_DK_SEED", np.random.SeedSequence().entropy % 2**31))
    frontier = os.environ.get("KB_EFFICIENCY_DK_FRONTIER", DEFAULT_COST_FRONTIER)
    print(f"\nsynthetic Denmark seed {seed}, cost frontier {frontier} (replay with KB_EFFICIENCY_DK_SEED={seed})")
    root = tmp_path_factory.mktemp("dea-truth")
    snap = generate(root / "snap", scale=0.1, seed=seed, cost_frontier=frontier)
    load(root / "wh.duckdb", snap.out_dir)
    con = warehouse.connect(root / "wh.duckdb")
    try:
        run = execute_run(con, period=PERIOD)
        _, costs = stored_costs(con, 2023)
    finally:
        con.close()
    data = loefteevne_data(run.lists.by_area, variant="med_udgifter", costs=costs)
    truth = pq.read_table(snap.out_dir / "truth_costs.parquet").to_pandas().set_index("kommunekode")
    return seed, data, truth.loc[list(data.units), "cost_efficiency"].to_numpy(), frontier


@pytest.mark.slow
def test_the_input_oriented_score_ranks_the_planted_cost_inefficiency(denmark):
    seed, data, truth, frontier = denmark
    assert data.n == 98
    res = compute_efficiency(data, orientation="input")
    rho = stats.spearmanr(res.scores.score, truth).statistic
    print(f"seed {seed}: Spearman of the input-oriented DEA score (med udgifter, VRS) with the planted truth {rho:.3f}")
    below = res.scores.score < truth - 1e-9  # possible on a rising frontier: the outputs are estimated
    print(f"seed {seed}: DEA score below the truth for {below.mean():.3f} (estimated outputs)")
    assert rho >= 0.7, f"seed {seed}: Spearman {rho:.3f}"
    assert frontier == "stigende" or not below.any(), f"seed {seed}: on a flat frontier DEA may only overstate"


@pytest.mark.slow
def test_bootstrap_intervals_cover_the_planted_cost_efficiency(denmark):
    seed, data, truth, _ = denmark
    started = time.perf_counter()
    res = compute_efficiency(data, orientation="input", bootstrap=REPLICATIONS, seed=seed, n_jobs=2)
    b = res.bootstrap
    assert b is not None
    covered = (b.lower <= truth) & (truth <= b.upper)
    print(
        f"seed {seed}: 90 % intervals cover {covered.mean():.3f} of {data.n} municipalities "
        f"(truth below the interval {(truth < b.lower).mean():.3f}, above {(truth > b.upper).mean():.3f}; "
        f"{b.method}, m {b.subsample}, calibrated level {b.level:.3f}, rate {b.rate:.3f}, B {REPLICATIONS}, "
        f"{time.perf_counter() - started:.0f} s)"
    )
    assert b.calibration is not None and b.calibration.target == "level"  # the default as documented
    assert covered.mean() >= 0.8, f"seed {seed}: 90 % intervals cover {covered.mean():.3f}"
