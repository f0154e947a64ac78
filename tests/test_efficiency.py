"""The DEA stage: textbook examples, LP duality, a planted truth, the bootstrap engine, the boundary.

(a) Published examples with known efficiencies (sources in the comments), to 1e-6.
(b) Independent checks: the multiplier (dual) LP, written out here and solved per unit with
    ``scipy.optimize.linprog``, and pyfrontier (its own LPs on PuLP/CBC; test extra) equal the
    envelopment score of ``solve_dea``.
(c) Synthetic data with a planted inefficiency (seed drawn per run and printed; set
    ``KB_EFFICIENCY_SEED`` to replay one).
(d) Bad input raises ``ConfigError`` with a clear message.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import linprog

from kommunebench.benchmark import MINISTRY_AREAS
from kommunebench.data import reference
from kommunebench.efficiency import (
    DEAData,
    assign_groups,
    bootstrap_dea,
    compute_efficiency,
    dea_data,
    loefteevne_data,
    loefteevne_frame,
    solve_dea,
)
from kommunebench.efficiency.dea import build_problem, scores_of
from kommunebench.efficiency.replicate import EngineSettings, replicate_scores
from kommunebench.efficiency.subsample import subsample_distances, subsample_draws
from kommunebench.errors import ConfigError

# --- (a) textbook examples --------------------------------------------------------------------

# Cooper, Seiford & Tone, "Data Envelopment Analysis" (2nd ed., 2007), ch. 3, Example 3.2: six stores
# A–F, two inputs, one output of 1. Published CCR (CRS, input-oriented) θ*: A 0.8571, B 0.6316,
# C, D, E, F 1 — F only weakly efficient (input-1 slack s1⁻ = 2, peer C); A's peers D 0.7143 and
# E 0.2857, B's C 0.1053 and D 0.8947. The exact values follow from the frontier C–D–E: 6/7, 12/19.
CST_X = np.array([[4, 3], [7, 3], [8, 1], [4, 2], [2, 4], [10, 1]], dtype=float)
CST_Y = np.ones((6, 1))
CST_THETA = np.array([6 / 7, 12 / 19, 1, 1, 1, 1])

# Coelli, Rao, O'Donnell & Battese, "An Introduction to Efficiency and Productivity Analysis"
# (2nd ed., 2005), ch. 6, the five-firm CRS example (one output, two inputs; also DEAP 2.1's first
# example): published TE 0.500, 1.000, 0.833, 0.714, 1.000; firm 1's peer is firm 2 (λ 0.5) with
# an x2 slack of 0.5; firm 3's peers 2 and 5 (λ 1.0, 0.5), firm 4's 2 and 5 (λ 0.214, 0.286).
COELLI_CRS_Y = np.array([[1], [2], [3], [1], [2]], dtype=float)
COELLI_CRS_X = np.array([[2, 5], [2, 4], [6, 6], [3, 2], [6, 2]], dtype=float)
COELLI_CRS_TE = np.array([1 / 2, 1, 5 / 6, 5 / 7, 1])

# The same book, the five-firm VRS example (one input, one output; DEAP's second example):
# published CRS TE 0.500, 0.500, 1.000, 0.800, 0.833 and VRS (input) TE 1.000, 0.625, 1.000,
# 0.900, 1.000 (scale efficiency 0.500, 0.800, 1.000, 0.889, 0.833). The book prints no
# output-oriented VRS scores; those are checked against the dual LP below and by hand: the VRS
# frontier runs through (2, 1), (3, 3), (6, 5), so firm 2 (x 4) could reach 11/3 → φ = 11/6 and
# firm 4 (x 5) 13/3 → φ = 13/12.
COELLI_VRS_X = np.array([2, 4, 3, 5, 6], dtype=float)
COELLI_VRS_Y = np.array([1, 2, 3, 4, 5], dtype=float)
COELLI_VRS_CRS_TE = np.array([1 / 2, 1 / 2, 1, 4 / 5, 5 / 6])
COELLI_VRS_VRS_TE = np.array([1, 5 / 8, 1, 9 / 10, 1])
COELLI_VRS_OUT_PHI = np.array([1, 11 / 6, 1, 13 / 12, 1])

TOL = 1e-6


def test_cst_example_crs_scores_peers_and_slack():
    s = solve_dea(CST_X, CST_Y, orientation="input", rts="crs")
    np.testing.assert_allclose(s.score, CST_THETA, atol=TOL)
    np.testing.assert_allclose(np.round(s.score, 4), [0.8571, 0.6316, 1, 1, 1, 1], atol=1e-12)
    lam = s.lambdas  # rows: units, columns: reference units A..F
    np.testing.assert_allclose(lam[0, [3, 4]], [5 / 7, 2 / 7], atol=TOL)
    np.testing.assert_allclose(lam[1, [2, 3]], [2 / 19, 17 / 19], atol=TOL)
    np.testing.assert_allclose(s.input_slack[5], [2, 0], atol=TOL)
    assert s.efficient.tolist() == [False, False, True, True, True, False]


def test_cst_example_output_orientation_is_the_reciprocal_under_crs():
    s = solve_dea(CST_X, CST_Y, orientation="output", rts="crs")
    np.testing.assert_allclose(s.phi, 1 / CST_THETA, atol=TOL)
    np.testing.assert_allclose(s.score, CST_THETA, atol=TOL)


def test_coelli_crs_example():
    s = solve_dea(COELLI_CRS_X, COELLI_CRS_Y, orientation="input", rts="crs")
    np.testing.assert_allclose(s.score, COELLI_CRS_TE, atol=TOL)
    np.testing.assert_allclose(s.input_slack[0], [0, 0.5], atol=TOL)
    np.testing.assert_allclose(s.lambdas[0, 1], 0.5, atol=TOL)
    np.testing.assert_allclose(s.lambdas[2, [1, 4]], [1.0, 0.5], atol=TOL)
    np.testing.assert_allclose(s.lambdas[3, [1, 4]], [3 / 14, 2 / 7], atol=TOL)


def test_coelli_vrs_example_all_four_models():
    crs_in = solve_dea(COELLI_VRS_X, COELLI_VRS_Y, orientation="input", rts="crs")
    vrs_in = solve_dea(COELLI_VRS_X, COELLI_VRS_Y, orientation="input", rts="vrs")
    crs_out = solve_dea(COELLI_VRS_X, COELLI_VRS_Y, orientation="output", rts="crs")
    vrs_out = solve_dea(COELLI_VRS_X, COELLI_VRS_Y, orientation="output", rts="vrs")
    np.testing.assert_allclose(crs_in.score, COELLI_VRS_CRS_TE, atol=TOL)
    np.testing.assert_allclose(vrs_in.score, COELLI_VRS_VRS_TE, atol=TOL)
    np.testing.assert_allclose(crs_in.score / vrs_in.score, [0.5, 0.8, 1, 8 / 9, 5 / 6], atol=TOL)  # scale eff.
    np.testing.assert_allclose(crs_out.phi, 1 / COELLI_VRS_CRS_TE, atol=TOL)
    np.testing.assert_allclose(vrs_out.phi, COELLI_VRS_OUT_PHI, atol=TOL)
    np.testing.assert_allclose(vrs_out.score, 1 / COELLI_VRS_OUT_PHI, atol=TOL)
    for s in (crs_in, vrs_in, crs_out, vrs_out):  # and the dual agrees everywhere
        np.testing.assert_allclose(
            s.score, _multiplier_scores(COELLI_VRS_X, COELLI_VRS_Y, s.orientation, s.rts), atol=TOL
        )


def test_cst_example_vrs_matches_the_dual():
    for orientation in ("input", "output"):
        s = solve_dea(CST_X, CST_Y, orientation=orientation, rts="vrs")
        np.testing.assert_allclose(s.score, _multiplier_scores(CST_X, CST_Y, orientation, "vrs"), atol=TOL)


# --- (b) the multiplier form, independently ----------------------------------------------------


def _multiplier_scores(x, y, orientation, rts, z=None, direction=1.0, reference=None):
    """Scores from the multiplier (dual) LP, one ``linprog`` per unit; NaN where the dual is unbounded.

    Input:  max u·y_o + u0  s.t. v·x_o = 1, u·y_j − v·x_j − t·d(z_j − z_o) + u0 ≤ 0 (j in reference).
    Output: min v·x_o + v0  s.t. u·y_o = 1, v·x_j + t·d(z_j − z_o) − u·y_j + v0 ≥ 0; score = 1/φ.
    """
    x = np.asarray(x, float).reshape(len(x), -1)
    y = np.asarray(y, float).reshape(len(y), -1)
    n, m, s = x.shape[0], x.shape[1], y.shape[1]
    z = np.zeros((n, 0)) if z is None else np.asarray(z, float).reshape(n, -1)
    e = z.shape[1]
    ref = np.arange(n) if reference is None else np.asarray(reference)
    out = np.full(n, np.nan)
    free = (None, None) if rts == "vrs" else (0, 0)
    bounds = [(0, None)] * (m + s + e) + [free]
    for o in range(n):
        env = direction * (z[ref] - z[o])  # rows j
        if orientation == "input":
            c = -np.concatenate([np.zeros(m), y[o], np.zeros(e), [1.0]])
            a_ub = np.hstack([-x[ref], y[ref], -env, np.ones((ref.size, 1))])
            a_eq = np.concatenate([x[o], np.zeros(s + e + 1)])[None, :]
        else:
            c = np.concatenate([x[o], np.zeros(s + e), [1.0]])
            a_ub = -np.hstack([x[ref], -y[ref], env, np.ones((ref.size, 1))])
            a_eq = np.concatenate([np.zeros(m), y[o], np.zeros(e + 1)])[None, :]
        res = linprog(c, A_ub=a_ub, b_ub=np.zeros(ref.size), A_eq=a_eq, b_eq=[1.0], bounds=bounds, method="highs")
        if res.status == 0:
            out[o] = -res.fun if orientation == "input" else 1.0 / res.fun
        else:
            assert res.status == 3, res.message  # unbounded dual ⇔ no feasible comparison
    return out


@pytest.mark.parametrize("orientation", ["input", "output"])
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_envelopment_equals_the_multiplier_form_on_random_data(orientation, rts):
    rng = np.random.default_rng(2024)
    n = 30
    x = rng.uniform(1, 5, (n, 2))
    y = rng.uniform(1, 5, (n, 2)) * x.mean(axis=1, keepdims=True) ** 0.7
    z = rng.uniform(0, 10, n)
    excluded = [3, 11, 17]
    ref = np.setdiff1d(np.arange(n), excluded)
    for env, higher in ((None, None), (z, "worse"), (z, "better")):
        s = solve_dea(
            x, y, orientation=orientation, rts=rts, environment=env, environment_higher_is=higher, reference=ref
        )
        d = 1.0 if higher == "better" else -1.0
        dual = _multiplier_scores(x, y, orientation, rts, z=env, direction=d, reference=ref)
        assert np.array_equal(np.isnan(dual), ~s.feasible)
        np.testing.assert_allclose(s.score[s.feasible], dual[s.feasible], atol=TOL, rtol=0)
        assert (s.score[ref] <= 1 + 1e-9).all()  # reference units never lie outside their own frontier


def test_the_environment_only_compares_with_no_easier_peers():
    # unit 0 is the worst on results but has by far the hardest environment: with it, nobody is as hard
    x = np.ones(4)
    y = np.array([1.0, 2.0, 2.5, 3.0])
    unemployment = np.array([9.0, 3.0, 4.0, 5.0])
    plain = solve_dea(x, y, orientation="output")
    with_env = solve_dea(x, y, orientation="output", environment=unemployment, environment_higher_is="worse")
    assert plain.score[0] == pytest.approx(1 / 3)
    assert with_env.score[0] == pytest.approx(1.0)
    np.testing.assert_allclose(with_env.score[1:], [2 / 3, 2.5 / 3, 1.0], atol=TOL)


@pytest.mark.parametrize(
    ("orientation", "rts"), [("input", "crs"), ("output", "crs"), ("input", "vrs"), ("output", "vrs")]
)
def test_scores_match_pyfrontier(orientation, rts):
    """An independent implementation (pyfrontier: its own LPs on PuLP/CBC; it prints 6 decimals)."""
    envelop = pytest.importorskip("Pyfrontier.frontier_model", reason="pyfrontier (test extra) is not installed")
    x, y, _ = _planted(3)
    x, y = x[:30], y[:30]
    model = envelop.EnvelopDEA(rts.upper(), "in" if orientation == "input" else "out")
    model.fit(x, y)
    theirs = np.array([r.score for r in model.result])
    ours = solve_dea(x, y, orientation=orientation, rts=rts)
    np.testing.assert_allclose(ours.score if orientation == "input" else ours.phi, theirs, atol=1e-6)


# --- (c) a planted inefficiency --------------------------------------------------------------

PLANTED_N = 98  # units, as many as municipalities
PLANTED_B = 300  # bootstrap replications (2,000 in the docs' example; 300 keeps this test ~5 s)


def _planted(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One input (cost), two outputs on a concave VRS frontier, pushed inside by e = exp(−|N(0, 0.2)|)."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 10, PLANTED_N)
    angle = rng.uniform(0.15, np.pi / 2 - 0.15, PLANTED_N)
    frontier = (cost**0.6)[:, None] * np.c_[np.cos(angle), np.sin(angle)]
    efficiency = np.exp(-np.abs(rng.normal(0, 0.2, PLANTED_N)))
    return cost[:, None], frontier * efficiency[:, None], efficiency


@pytest.fixture(scope="module")
def planted():
    seed = int(os.environ.get("KB_EFFICIENCY_SEED", np.random.SeedSequence().entropy % 2**32))
    print(f"\nplanted-inefficiency seed: {seed} (replay with KB_EFFICIENCY_SEED={seed})")
    x, y, truth = _planted(seed)
    scores, boot = bootstrap_dea(x, y, orientation="output", rts="vrs", replications=PLANTED_B, alpha=0.10, seed=seed)
    covered = (boot.lower <= truth) & (truth <= boot.upper)
    print(
        f"Spearman {stats.spearmanr(scores.score, truth).statistic:.3f}; "
        f"90 % interval coverage {covered.mean():.3f} (n={PLANTED_N}, B={PLANTED_B}, {boot.method}, "
        f"m={boot.subsample}, calibrated level {boot.level:.3f})"
    )
    return seed, truth, scores, boot


def test_planted_truth_is_the_output_distance_to_the_true_frontier():
    """The planted efficiency is measured like the estimate: output-oriented, to the DGP's own frontier."""
    x, y, truth = _planted(5)
    frontier_radius = x[:, 0] ** 0.6  # the true output set at input x is the quarter disc of this radius
    np.testing.assert_allclose(np.hypot(y[:, 0], y[:, 1]) / frontier_radius, truth, rtol=1e-12)
    assert ((truth > 0) & (truth <= 1)).all()


def test_planted_inefficiency_is_ranked(planted):
    seed, truth, scores, _ = planted
    rho = stats.spearmanr(scores.score, truth).statistic
    assert rho >= 0.7, f"seed {seed}: Spearman {rho:.3f}"
    assert (scores.score >= truth - 1e-9).all(), f"seed {seed}: DEA may only overstate efficiency"


def test_bootstrap_corrects_the_bias_towards_the_truth(planted):
    seed, truth, scores, boot = planted
    raw = np.abs(scores.score - truth).mean()
    corrected = np.abs(boot.bias_corrected - truth).mean()
    assert corrected < raw, f"seed {seed}: bias-corrected error {corrected:.4f} ≥ DEA error {raw:.4f}"
    naive_lo, naive_hi = np.nanquantile(boot.replicates, [0.05, 0.95], axis=1)  # no rescaling, no correction
    naive = ((naive_lo <= truth) & (truth <= naive_hi)).mean()
    covered = ((boot.lower <= truth) & (truth <= boot.upper)).mean()
    assert covered >= naive + 0.2, f"seed {seed}: coverage {covered:.3f} vs uncorrected {naive:.3f}"


def test_bootstrap_intervals_cover_the_planted_efficiency(planted):
    seed, truth, _, boot = planted
    assert boot.method == "subsampling"
    covered = ((boot.lower <= truth) & (truth <= boot.upper)).mean()
    assert covered >= 0.8, f"seed {seed}: 90 % intervals cover {covered:.3f} of the units"


# --- the bootstrap engine ----------------------------------------------------------------------


@pytest.mark.parametrize(("orientation", "rts"), [("input", "vrs"), ("output", "vrs"), ("output", "crs")])
def test_column_generation_equals_the_full_lp(orientation, rts):
    x, y, _ = _planted(7)
    z = np.random.default_rng(8).uniform(0, 1, (PLANTED_N, 1))
    ref = np.setdiff1d(np.arange(PLANTED_N), [5, 50])
    problem = build_problem(x, y, z, np.array([-1.0]), ref, orientation=orientation, rts=rts)
    s = scores_of(problem, x, y, orientation=orientation, rts=rts)
    factors = np.random.default_rng(9).uniform(0.8, 1.25, (3, ref.size))
    units = np.flatnonzero(s.feasible)
    t = replicate_scores(
        problem, units, factors, s.lambdas[units] > 0, s.duals[units], s.w[units], settings=EngineSettings(stack=40)
    )
    for b in range(factors.shape[0]):  # the same pseudo frontier, solved from scratch with every column
        xs, ys = x[ref], y[ref]
        if orientation == "input":
            xs = xs * factors[b][:, None]
        else:
            ys = ys * factors[b][:, None]
        full = solve_dea(
            np.vstack([x, xs]),
            np.vstack([y, ys]),
            orientation=orientation,
            rts=rts,
            environment=np.vstack([z, z[ref]]),
            environment_higher_is="worse",
            reference=np.arange(PLANTED_N, PLANTED_N + ref.size),
        )
        expected = full.score[units] if orientation == "input" else full.phi[units]
        np.testing.assert_allclose(t[b], expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    ("orientation", "rts"), [("input", "vrs"), ("output", "vrs"), ("input", "crs"), ("output", "crs")]
)
def test_subsample_scores_equal_dea_against_the_subsample(orientation, rts):
    """The m-out-of-n engine (artificial column for infeasible blocks) equals solve_dea with that reference set."""
    x, y, _ = _planted(7)
    ref = np.setdiff1d(np.arange(PLANTED_N), [5, 50])
    problem = build_problem(x, y, np.zeros((PLANTED_N, 0)), np.zeros(0), ref, orientation=orientation, rts=rts)
    s = scores_of(problem, x, y, orientation=orientation, rts=rts)
    present = subsample_draws(ref.size, 10, 4, np.random.default_rng(4))
    reps = subsample_distances(problem, s, present)
    for b in range(present.shape[0]):
        full = solve_dea(x, y, orientation=orientation, rts=rts, reference=ref[present[b]])
        expected = 1 / full.score if orientation == "input" else full.phi
        np.testing.assert_allclose(reps[:, b], expected, rtol=1e-9, atol=1e-9)
        if rts == "vrs":
            assert np.isnan(reps[:, b]).any() and np.array_equal(np.isnan(reps[:, b]), ~full.feasible)


def test_bootstrap_is_reproducible_and_independent_of_n_jobs():
    x, y, _ = _planted(11)
    for method in ("smoothed", "subsampling"):
        _, one = bootstrap_dea(x, y, replications=40, seed=3, method=method)
        _, again = bootstrap_dea(x, y, replications=40, seed=3, method=method)
        _, two = bootstrap_dea(x, y, replications=40, seed=3, n_jobs=2, method=method)
        assert np.array_equal(one.replicates, again.replicates, equal_nan=True)
        np.testing.assert_allclose(one.replicates, two.replicates, rtol=0, atol=1e-12)
        np.testing.assert_allclose(one.lower, two.lower, rtol=0, atol=1e-12)  # the calibration too
        assert one.level == two.level and (method == "smoothed") == (one.calibration is None)
        assert one.seed == 3 and one.method == method
        assert one.bandwidth > 0 if method == "smoothed" else one.subsample == 10


def test_the_subsample_is_at_least_the_dea_rule_of_thumb():
    """m = max(⌊n^γ⌉, p·q, 3(p + q)): a constant input does not count, an environment variable does."""
    rng = np.random.default_rng(8)
    x = rng.uniform(1, 2, (98, 1))
    y3 = rng.uniform(0.5, 1.5, (98, 3))
    env = rng.uniform(0, 1, 98)
    cases = [
        (x, y3[:, :2], {}, 10),  # p = 1, q = 2: 9 < ⌊√98⌉ = 10
        (np.ones((98, 1)), y3, {}, 10),  # constant input (uden udgifter), q = 3: 9
        (x, y3, {}, 12),  # med udgifter: 3·(1 + 3)
        (x, y3, {"environment": env, "environment_higher_is": "better"}, 15),
        (x, y3, {"exponent": 0.8}, 39),  # ⌊98^0.8⌉ above the floor
    ]
    for inputs, outputs, kwargs, m in cases:
        _, boot = bootstrap_dea(inputs, outputs, orientation="input", replications=12, seed=1, **kwargs)
        assert boot.subsample == m, (inputs.shape, outputs.shape, kwargs, boot.subsample)


def test_bootstrap_of_an_all_efficient_sample_is_the_sample():
    x = np.ones(5)
    y = np.array([[1, 4], [2, 3.5], [3, 3], [3.5, 2], [4, 1]])
    scores, boot = bootstrap_dea(x, y, replications=30, seed=1, method="smoothed")
    assert (scores.score == 1).all() and boot.bandwidth == 0
    assert (boot.replicates == 1).all() and (boot.bias == 0).all()


# --- from a benchmark list to a result ---------------------------------------------------------


def _municipal(seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for m in reference.municipalities():
        for a, area in enumerate(MINISTRY_AREAS):
            actual = m.pop_16_66 * (0.02 + 0.005 * a) * rng.uniform(0.7, 1.3)
            rows.append((m.kommunekode, area, m.pop_16_66, actual, actual * rng.uniform(0.8, 1.2)))
    municipal = pd.DataFrame(rows, columns=["kommunekode", "area", "population", "actual", "expected"])
    codes = [m.kommunekode for m in reference.municipalities()]
    costs = pd.DataFrame({"kommunekode": codes, "cost_kr": rng.uniform(30_000, 60_000, len(codes)) * 1_000})
    return municipal, costs


def test_loefteevne_data_from_municipal_and_by_area_frames():
    municipal, costs = _municipal()
    uden = loefteevne_data(municipal)
    first = municipal[municipal["kommunekode"] == 101].set_index("area")
    assert uden.variant == "uden_udgifter" and uden.n == 98 and uden.units[0] == 101
    assert uden.output_names == tuple(f"loefteevne_{a}" for a in MINISTRY_AREAS)
    np.testing.assert_allclose(uden.outputs[0], (first["expected"] / first["actual"])[list(MINISTRY_AREAS)])
    assert uden.inputs.min() == uden.inputs.max() == 1 and uden.constant_inputs == (True,)
    med = loefteevne_data(municipal, variant="med_udgifter", costs=costs)
    persons = first["actual"].sum()
    assert med.inputs[0, 0] == pytest.approx(costs["cost_kr"].iloc[0] / persons)
    assert med.input_volume is not None and med.input_volume[0, 0] == pytest.approx(persons)
    by_area = {a: f.assign(expected_share=f["expected"] / f["population"] * 100) for a, f in municipal.groupby("area")}
    by_area = {a: f.assign(actual_share=f["actual"] / f["population"] * 100) for a, f in by_area.items()}
    shares_only = {a: f.drop(columns=["actual", "expected"]) for a, f in by_area.items()}
    np.testing.assert_allclose(loefteevne_data(shares_only).outputs, uden.outputs)
    np.testing.assert_allclose(loefteevne_data(shares_only).output_counts, uden.output_counts)
    assert list(loefteevne_frame(municipal).columns) == ["kommunekode", "area", "loefteevne", "actual", "expected"]


def test_compute_efficiency_with_the_reports_exclusions():
    municipal, costs = _municipal()
    data = loefteevne_data(municipal, variant="med_udgifter", costs=costs)
    res = compute_efficiency(data, orientation="input", exclude=["Ærø", "Samsø", "langeland"], bootstrap=20, seed=1)
    assert set(res.excluded) == {492, 741, 482}
    f = res.to_frame()
    assert len(f) == 98 and not f.loc[f["unit"].isin([492, 741, 482]), "reference"].any()
    assert f["feasible"].all() and (f.loc[f["reference"], "score"] <= 1 + 1e-9).all()
    for col in ("score", "score_bc", "lower", "upper", "group", "peers", "potential_pct", "potential_persons"):
        assert col in f.columns
    assert f["group"].between(1, 5).all() and (f.loc[f["efficient"], "group"] == 1).all()
    # potentials in units follow the targets
    i = int(np.argmax(f["potential_pct"].to_numpy()))
    saving = (data.inputs[i, 0] - res.scores.input_target[i, 0]) * data.input_volume[i, 0]
    assert f["potential_cost_per_fuldtidsperson_kr"].iloc[i] == pytest.approx(saving)
    target = res.scores.output_target[i]
    persons = data.output_counts[i] * (1 - data.outputs[i] / target)
    assert f["potential_persons"].iloc[i] == pytest.approx(persons.sum(), abs=1e-6)
    assert res.totals()["cost_per_fuldtidsperson_kr"] == pytest.approx(f["potential_cost_per_fuldtidsperson_kr"].sum())
    peers = res.peers()
    assert set(peers.columns) == {"unit", "peer", "peer_label", "weight"} and not peers["peer"].isin([492, 741]).any()
    text = res.summary()
    assert "input-orienteret, VRS" in text and "Ærø" in text and "Bootstrap" in text


def test_output_orientation_reports_phi_and_its_reciprocal():
    municipal, _ = _municipal()
    res = compute_efficiency(loefteevne_data(municipal), bootstrap=20, seed=2)
    f = res.to_frame()
    np.testing.assert_allclose(f["score"], 1 / f["phi"])
    np.testing.assert_allclose(f["phi_bc"], 1 / f["score_bc"])
    assert (f["phi"] >= 1 - 1e-9).all() and "konstant" not in " ".join(f.columns)


def test_grouping_rules():
    s = np.array([1.0, 1.0, 0.95, 0.9, 0.9, 0.8, 0.7, 0.6, 0.5, np.nan])
    assert assign_groups(s).tolist() == [1, 1, 2, 2, 2, 3, 4, 4, 5, 0]
    assert assign_groups(s, rule="quantiles", n_groups=3).tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3, 0]
    bands = assign_groups(s, rule="bands", n_groups=4, bands=(1.0, 0.9, 0.75))
    assert bands.tolist() == [1, 1, 2, 2, 2, 3, 4, 4, 4, 0]


# --- (d) the boundary --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"inputs": [[1.0], [np.nan], [2.0]]}, "inputs must be finite numbers: row 2, column 1"),
        ({"inputs": [[1.0], [-1.0], [2.0]]}, "inputs must be > 0"),
        ({"outputs": [[1.0], [-2.0], [3.0]]}, "outputs must be >= 0: row 2"),
        ({"outputs": [[1.0], [0.0], [3.0]]}, "at least one positive output: row 2"),
        ({"outputs": [[1.0], [2.0]]}, "outputs has 2 rows but there are 3 units"),
        ({"inputs": np.ones((3, 1, 1))}, "2-D array"),
        ({"orientation": "sideways"}, "orientation must be one of 'input', 'output'"),
        ({"rts": "nirs"}, "rts must be one of 'crs', 'vrs'"),
        ({"environment": [1.0, 2.0, np.inf]}, "environment must be finite"),
        ({"environment": [1.0, 2.0, 3.0]}, "'better' or 'worse'"),
        ({"environment": [1.0, 2.0, 3.0], "environment_higher_is": "up"}, "environment_higher_is must be one of"),
        ({"reference": np.zeros(3, dtype=bool)}, "reference set is empty"),
    ],
)
def test_bad_input_raises_config_error(kwargs, message):
    args = {"inputs": [[1.0], [2.0], [3.0]], "outputs": [[1.0], [2.0], [2.5]], **kwargs}
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        solve_dea(args.pop("inputs"), args.pop("outputs"), **args)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"orientation": "in"}, "orientation must be one of"),
        ({"exclude": ["Atlantis"]}, "unknown unit 'Atlantis'"),
        ({"bootstrap": -5}, "bootstrap must be an integer >= 0"),
        ({"bootstrap": 10, "alpha": 1.5}, "alpha must be a number strictly between 0 and 1"),
        ({"bootstrap": 10, "bandwidth": "wide"}, "bandwidth must be one of .silverman., .normal_reference."),
        ({"bootstrap": 10, "interval": "bca"}, "interval must be one of"),
        ({"bootstrap": 10, "n_jobs": 0}, "n_jobs must be an integer >= 1"),
        ({"grouping": "kmeans"}, "grouping must be one of"),
        ({"grouping": "bands", "bands": (0.9, 0.95)}, "strictly descending"),
        ({"seed": -1}, "seed must be a non-negative integer"),
    ],
)
def test_bad_options_raise_config_error(kwargs, message):
    data = dea_data([1, 2, 3], [1.0, 1.0, 1.0], [[1.0], [2.0], [2.5]])
    with pytest.raises(ConfigError, match=message):
        compute_efficiency(data, **kwargs)


def test_bad_benchmark_frames_raise_config_error():
    municipal, costs = _municipal()
    with pytest.raises(ConfigError, match="needs costs"):
        loefteevne_data(municipal, variant="med_udgifter")
    with pytest.raises(ConfigError, match="lacks kommunekode"):
        loefteevne_data(municipal, variant="med_udgifter", costs=costs.iloc[1:])
    broken = municipal.copy()
    broken.loc[0, "actual"] = 0
    with pytest.raises(ConfigError, match="løfteevne needs actual > 0: kommunekode 101"):
        loefteevne_data(broken)
    with pytest.raises(ConfigError, match="variant must be one of"):
        loefteevne_data(municipal, variant="med")
    with pytest.raises(ConfigError, match="actual and expected"):
        loefteevne_data(municipal.drop(columns=["actual"]))
    with pytest.raises(ConfigError, match="data must be DEAData"):
        compute_efficiency(municipal)  # type: ignore[arg-type]
    assert isinstance(loefteevne_data(municipal), DEAData)
