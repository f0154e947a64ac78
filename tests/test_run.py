"""Stored benchmark runs on the synthetic Denmark: planted truth, reproducibility, exports."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.stats import spearmanr

from kommunebench.benchmark.runs import execute_run, list_runs, load_run
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate
from kommunebench.errors import NotFoundError
from kommunebench.report import write_csv, write_excel

PERIOD = "2023QMAT04"


def _warehouse(tmp_path_factory, name, **kw):
    root = tmp_path_factory.mktemp(name)
    seed = int(np.random.default_rng().integers(1, 1 << 31))  # never one tuned seed
    print(name, "seed", seed)
    snap = generate(root / "snap", scale=0.1, seed=seed, **kw)
    db = root / "wh.duckdb"
    load(db, snap.out_dir)
    return db, pq.read_table(snap.out_dir / "truth_effects.parquet").to_pandas()


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return _warehouse(tmp_path_factory, "planted")


@pytest.fixture(scope="module")
def zero(tmp_path_factory):
    return _warehouse(tmp_path_factory, "zero", zero_effects=True)


def _run(db, period=PERIOD, **kw):
    con = warehouse.connect(db)
    try:
        return execute_run(con, period=period, **kw)
    finally:
        con.close()


def test_estimated_differences_recover_the_planted_effects(planted):
    """Realistic effects (the published spread), a random seed, scale 0.1: the official design
    recovers the ranking only partly. The bars come from the harness at this scale and effect
    size (benchmarks/validate_truth.py --scale 0.1 --scenarios independent, seeds 1548004704,
    355765455, 1571670007, 1100497629): Spearman total 0.67-0.80 (mean 0.75, SD over seeds 0.06);
    areas a_dagpenge 0.68-0.72, sygedagpenge 0.62-0.67, kontanthjaelp 0.43-0.71 (mean 0.57, SD
    0.11). Bars ≈ mean - 3 SD: total 0.55, each area 0.25 (kontanthjælp). The former bar 0.9 held for
    one seed with 2-4x too large effects. docs/model.md has the tables."""
    db, truth = planted
    stored = _run(db)
    overall = stored.lists.overall.set_index("kommunekode")
    t = truth[(truth.year == 2023) & (truth.area == "total")].set_index("kommunekode").benchmark_effect_pp
    rho = spearmanr(overall.diff_pp, t.loc[overall.index]).statistic
    print("total", rho)
    assert rho >= 0.55, rho
    for area, frame in stored.lists.by_area.items():  # each area too, less strictly
        ta = truth[(truth.year == 2023) & (truth.area == area)].set_index("kommunekode").benchmark_effect_pp
        rho_a = spearmanr(frame.set_index("kommunekode").diff_pp, ta.loc[frame.kommunekode]).statistic
        print(area, rho_a)
        assert rho_a >= 0.25, area


@pytest.mark.slow
def test_composition_alone_earns_no_rank(zero):
    db, truth = zero
    assert (truth.effect_pp == 0).all()
    overall = _run(db).lists.overall
    rho = spearmanr(overall["rank"], overall.expected_share).statistic
    assert abs(rho) <= 0.2, rho


def test_same_period_fit_balances_nationally(planted):
    db, _ = planted
    municipal = _run(db).artifacts["municipal"]
    sums = municipal.groupby("area")[["actual", "expected"]].sum()
    np.testing.assert_allclose(sums.expected, sums.actual, rtol=1e-9)


def test_runs_are_stored_and_reproducible(planted, tmp_path):
    db, _ = planted
    a, b = _run(db), _run(db)
    assert a.record.run_id != b.record.run_id
    assert a.record.results_sha256 == b.record.results_sha256
    assert a.record.data_fingerprint == b.record.data_fingerprint
    con = warehouse.connect(db, read_only=True)
    try:
        ids = [r.run_id for r in list_runs(con)]
        assert a.record.run_id in ids and b.record.run_id in ids
        back = load_run(con, a.record.run_id)
        assert back.record.params["period"] == PERIOD and back.record.params["scope"] == "2019"
        assert back.record.params["costs_dkk_per_fuldtidsperson"]["kontanthjaelp"] > 0
        assert "coefficients" in back.artifacts and len(back.artifacts["coefficients"]) > 30
        with pytest.raises(NotFoundError, match="R9999"):
            load_run(con, "R9999")
    finally:
        con.close()
    # exports of two runs with the same inputs are byte-identical (CSV) / same cells (Excel)
    files_a = write_csv(a.lists, tmp_path / "a")
    files_b = write_csv(b.lists, tmp_path / "b")
    for fa, fb in zip(sorted(files_a), sorted(files_b), strict=True):
        assert hashlib.sha256(fa.read_bytes()).digest() == hashlib.sha256(fb.read_bytes()).digest(), fa.name
    write_excel(back.lists, tmp_path / "back.xlsx", run_meta=back.record.meta())


def test_base_period_projection_and_scopes(planted):
    db, _ = planted
    projected = _run(db, base_period="2022QMAT04")
    assert projected.record.base_period == "2022QMAT04"
    sums = projected.artifacts["municipal"].groupby("area")[["actual", "expected"]].sum()
    assert not np.allclose(sums.expected, sums.actual, rtol=1e-9)  # projection need not balance
    assert np.allclose(sums.expected, sums.actual, rtol=0.1)
    ext = _run(db, scope="extended")
    assert "foertidspension_fleksjob" in ext.lists.by_area
    s18 = _run(db, scope="2018")
    k18 = s18.artifacts["municipal"].query("area == 'kontanthjaelp'").actual.sum()
    k19 = projected.artifacts["municipal"].query("area == 'kontanthjaelp'").actual.sum()
    assert k18 < k19  # 2018 scope leaves out ressourceforløb and ledighedsydelse


def test_other_quarter_ends(planted):
    db, _ = planted
    stored = _run(db, period="2023QMAT02")
    assert stored.lists.period == "2023QMAT02"
    assert len(stored.lists.overall) == 98
