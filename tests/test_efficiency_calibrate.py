"""The two-level calibration of the subsampling interval (``efficiency/calibrate.py``), fast.

(a) The engine: the pseudo world's coverage curves equal a recomputation by ``solve_dea`` on each
    pseudo-sample and each inner subsample (an independent LP path), and the chosen level is the
    smallest grid level that reaches 1 − α.
(b) Through ``compute_efficiency`` with the default options: the calibration runs, records what it
    chose (result, frame, notes), and the published interval is the subsampling interval at that
    level — so a default that skipped the calibration fails here.
"""

from __future__ import annotations

import numpy as np
import pytest

from kommunebench.efficiency import compute_efficiency, dea_data, solve_dea
from kommunebench.efficiency.calibrate import LEVEL_GRID, calibrate_interval
from kommunebench.efficiency.dea import build_problem, scores_of
from kommunebench.efficiency.subsample import subsample_draws, summarise_subsample
from kommunebench.errors import ConfigError


def _small_planted(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The planted design of tests/test_efficiency.py (concave VRS frontier, two outputs), n units."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 10, n)
    angle = rng.uniform(0.15, np.pi / 2 - 0.15, n)
    frontier = (cost**0.6)[:, None] * np.c_[np.cos(angle), np.sin(angle)]
    efficiency = np.exp(-np.abs(rng.normal(0, 0.2, n)))
    return cost[:, None], frontier * efficiency[:, None], efficiency


def test_calibration_curves_equal_dea_on_the_pseudo_samples():
    n, b, m_b, k, reps, alpha, kappa = 40, 20, 9, 2, 12, 0.10, 0.5
    x, y, _ = _small_planted(21, n)
    problem = build_problem(x, y, np.zeros((n, 0)), np.zeros(0), np.arange(n), orientation="output", rts="vrs")
    delta = scores_of(problem, x, y, orientation="output", rts="vrs").phi
    cal = calibrate_interval(
        problem, delta, target="level", alpha=alpha, rate=kappa, inner_size=m_b, pseudo_size=b,
        pseudo_samples=k, inner_replications=reps, rng=np.random.default_rng(5),
    )  # fmt: skip
    rng = np.random.default_rng(5)  # the same draws, in the order the module makes them
    members = [np.sort(rng.choice(n, size=b, replace=False)) for _ in range(k)]
    present = [subsample_draws(b, m_b, reps, rng) for _ in range(k)]
    truth, d_b, diff = [], [], []
    for mem, pres in zip(members, present, strict=True):
        own = solve_dea(x[mem], y[mem], orientation="output").phi
        inner = [solve_dea(x[mem], y[mem], orientation="output", reference=np.flatnonzero(p)).phi for p in pres]
        truth.append(delta[mem])
        d_b.append(own)
        diff.append(np.array(inner).T - own[:, None])
    t, d, dd = np.concatenate(truth), np.concatenate(d_b), np.concatenate(diff)
    ok = np.isfinite(dd).sum(axis=1) >= 10
    t, d, dd = t[ok], d[ok], dd[ok]
    assert cal.pairs == t.size > 0
    f = (m_b / b) ** kappa
    expected = []
    for lam in LEVEL_GRID:
        lo_q, hi_q = np.nanquantile(dd, [(1 - lam) / 2, (1 + lam) / 2], axis=1)
        expected.append(((d - f * hi_q <= t + 1e-9) & (t <= d - f * lo_q + 1e-9)).mean())
    np.testing.assert_allclose(cal.level_coverage, expected, atol=1e-12)
    assert np.all(np.diff(cal.level_coverage) >= 0)  # nested intervals cover at least as often
    reach = [lam for lam, c in zip(LEVEL_GRID, expected, strict=True) if c >= 1 - alpha and lam >= 1 - alpha]
    assert cal.level == (reach[0] if reach else LEVEL_GRID[-1]) >= 1 - alpha
    assert cal.rate == kappa and cal.rates[0] == kappa and cal.rates[-1] == 1.0
    free = calibrate_interval(
        problem, delta, target="level_free", alpha=alpha, rate=kappa, inner_size=m_b, pseudo_size=b,
        pseudo_samples=k, inner_replications=reps, rng=np.random.default_rng(5),
    )  # fmt: skip
    np.testing.assert_array_equal(free.level_coverage, cal.level_coverage)
    reach = [lam for lam, c in zip(LEVEL_GRID, expected, strict=True) if c >= 1 - alpha]
    assert free.level == (reach[0] if reach else LEVEL_GRID[-1])


def test_the_default_bootstrap_records_and_applies_the_calibrated_level():
    seed = 7
    x, y, _ = _small_planted(seed, 40)
    data = dea_data(list(range(40)), x, y)
    res = compute_efficiency(data, bootstrap=60, seed=seed)  # the default: subsampling, level calibrated
    b = res.bootstrap
    assert b is not None and b.method == "subsampling"
    assert b.calibration is not None, "the default bootstrap did not calibrate its interval"
    cal = b.calibration
    assert (cal.target, cal.pseudo_size, cal.inner_size) == ("level", 20, 9)
    assert (cal.pseudo_samples, cal.inner_replications) == (3, 25)  # K = B // 16, B′ at least 25
    assert cal.pairs > 0 and b.level == cal.level and b.rate == cal.rate == 0.5
    reach = np.flatnonzero((cal.level_coverage >= 0.9) & (cal.levels >= 0.9))
    assert b.level == (cal.levels[reach[0]] if reach.size else cal.levels[-1]) >= 0.9
    frame = res.to_frame()
    assert (frame["interval_level"] == b.level).all() and (frame["rate_exponent"] == b.rate).all()
    assert any("kalibreret" in note and f"{100 * b.level:.1f} %" in note for note in res.notes)
    assert "kalibreret" in res.summary()
    delta = 1 / res.scores.score
    at_level = summarise_subsample(delta, 1 / b.replicates, factor=(b.subsample / 40) ** b.rate, alpha=1 - b.level)
    np.testing.assert_allclose(b.lower, at_level["lower"], rtol=1e-12)
    np.testing.assert_allclose(b.upper, at_level["upper"], rtol=1e-12)
    plain = compute_efficiency(data, bootstrap=60, seed=seed, calibration="none").bootstrap
    assert plain is not None and plain.calibration is None and plain.level == 0.9
    np.testing.assert_array_equal(plain.replicates, b.replicates)  # the outer draws come first
    if b.level > 0.9:
        assert (b.upper - b.lower >= plain.upper - plain.lower - 1e-12).all()
        assert (b.upper - b.lower > plain.upper - plain.lower + 1e-12).any()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"calibration": "both"}, "calibration must be one of"),
        ({"calibration": "level", "bootstrap_method": "smoothed"}, "needs bootstrap_method='subsampling'"),
        ({"calibration": "rate", "subsample_exponent": "min_volatility"}, "numeric subsample_exponent"),
        ({"calibration": 1}, "calibration must be one of"),
    ],
)
def test_bad_calibration_options_raise_config_error(kwargs, message):
    data = dea_data([1, 2, 3], [1.0, 1.0, 1.0], [[1.0], [2.0], [2.5]])
    with pytest.raises(ConfigError, match=message):
        compute_efficiency(data, bootstrap=10, **kwargs)
