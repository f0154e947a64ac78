"""Uncertainty through a stored run and the publishing stage: stored, reloaded, suppressed, shown."""

from __future__ import annotations

import numpy as np
import pytest

from kommunebench.benchmark.runs import execute_run, load_run
from kommunebench.data import reference, warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate
from kommunebench.model import DEFAULT_DESIGN, Design, MunicipalCrossproducts, fit_benchmark, floor_tiny_expected
from kommunebench.pipeline import publish_run
from kommunebench.publish import display_frame
from kommunebench.publish.uncertainty import UNCERTAINTY_FIELDS, rank_sentence
from kommunebench.report import funnel_figure
from kommunebench.uncertainty import FRAME_NAMES
from kommunebench.uncertainty.intervals import outcome_combo


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    seed = int(np.random.default_rng().integers(1, 1 << 31))
    print("seed", seed)
    root = tmp_path_factory.mktemp("unc")
    snap = generate(root / "snap", scale=0.005, seed=seed)
    db = root / "wh.duckdb"
    load(db, snap.out_dir)
    con = warehouse.connect(db)
    try:
        run = execute_run(con, period="2023QMAT04")
        back = load_run(con, run.record.run_id)
        small = Design(DEFAULT_DESIGN.factors, ("unemployment_pct", "distance_large_city_km"))
        refits = {
            name: fit_benchmark(
                con,
                "2023QMAT04",
                code_areas=reference.code_areas("2019", warehouse.effective_benefit_codes(con)),
                commuting_area_of=warehouse.municipality_commuting_area(con),
                design=design,
                total=False,
            )
            for name, design in (
                ("uden_arbejdsmarked", Design(DEFAULT_DESIGN.factors, ())),
                ("lille_arbejdsmarked", small),
            )
        }
    finally:
        con.close()
    return run, back, refits


def test_uncertainty_is_stored_with_the_run(stored):
    run, back, _ = stored
    assert set(FRAME_NAMES) <= set(run.artifacts) and set(FRAME_NAMES) <= set(back.artifacts)
    assert run.record.params["uncertainty"]["draws"] == 10_000
    u = back.artifacts["uncertainty"]
    assert set(u["area"]) == {"a_dagpenge", "sygedagpenge", "kontanthjaelp", "total"}
    tot = u[u.area == "total"]
    assert len(tot) == 98 and (tot.se_pp > 0).all()
    assert ((tot.rank_lower <= tot["rank"]) & (tot["rank"] <= tot.rank_upper)).all()
    lists = run.lists.overall.set_index("kommunekode")
    np.testing.assert_allclose(tot.set_index("kommunekode").diff_pp.loc[lists.index], lists.diff_pp, atol=1e-9)
    rob = back.artifacts["robustness"]
    for area, frame in run.lists.by_area.items():
        f = frame.set_index("kommunekode")
        got = u[u.area == area].set_index("kommunekode").diff_pp.loc[f.index]
        np.testing.assert_allclose(got, f.diff_pp, atol=1e-9, err_msg=area)
        official = rob[rob.area == area].set_index("kommunekode").diff_pp_officiel.loc[f.index]
        np.testing.assert_allclose(official, f.diff_pp, atol=1e-9, err_msg=area)


def test_a_tiny_negative_expected_count_is_zero_in_the_lists_and_the_uncertainty():
    """One municipality whose fitted expected count is -0.0006 persons (seen at scale 0.005)."""
    xx = np.zeros((2, 2, 2))
    xx[:, 0, 0] = [9.0, 20.0]  # persons; the design is [1 | x]
    xx[:, 0, 1] = xx[:, 1, 0] = [0.0, 20.0]
    xy = np.zeros((2, 2, 2))
    xy[1, :, :] = [[3.0, 1.0], [3.0, 1.0]]
    xp = MunicipalCrossproducts(
        kommunekoder=np.array([563, 101]),
        mun_ca=np.array([0, 1]),
        population=np.array([9.0, 20.0]),
        xx=xx,
        xy=xy,
        yy=np.zeros((2, 2, 2)),
        shift=np.zeros(2),
        intercept=0,
    )
    # expected counts: 563 (-0.0006, 1.0), 101 (3.0, 1.0)
    coef = np.array([[-0.6e-3 / 9, 1 / 9], [0.15 + 0.6e-3 / 9, 0.05 - 1 / 9]])
    got = xp.differences(coef, outcome_combo(2, True))
    np.testing.assert_allclose(got[0], [0.0, -1.0, -1.0], atol=1e-12)
    np.testing.assert_allclose(got[1], [3.0 - 3.0, 1.0 - 1.0, 0.0], atol=1e-12)
    assert list(floor_tiny_expected(np.array([-0.6e-3, -0.49, -0.5, -2.0, 0.3]))) == [0.0, 0.0, -0.5, -2.0, 0.3]


def test_uncertainty_columns_are_blank_for_suppressed_cells(stored):
    _, back, _ = stored
    pv = publish_run(back, threshold=30)
    n_hidden = 0
    for name in pv.lists:
        f = pv.frame(name)
        hidden = f["suppressed"].to_numpy(dtype=bool)
        n_hidden += int(hidden.sum())
        for col in UNCERTAINTY_FIELDS:
            assert f.loc[hidden, col].isna().all(), (name, col)
            assert f.loc[~hidden, col].notna().all(), (name, col)
        for r in pv.rows(name):
            if r["suppressed"]:
                assert all(r[c] is None for c in UNCERTAINTY_FIELDS)
                assert rank_sentence(r) is None
        pub = f.loc[~hidden]
        # ranks are renumbered over the published rows; the rank sets are restated to match
        assert ((pub.rank_lower >= 1) & (pub.rank_upper <= len(pub))).all(), name
        assert ((pub.rank_lower <= pub["rank"]) & (pub["rank"] <= pub.rank_upper)).all(), name
        shown = display_frame(f, precise=True)
        assert "Standardfejl (pct.-point)" in shown.columns and "Vurdering" in shown.columns
        fig = funnel_figure(pv, name)
        assert fig is not None and len(fig.data[-1].x) == int((~hidden).sum())
    assert n_hidden > 0  # the threshold did suppress something at this scale


def test_municipality_sentence_in_words(stored):
    _, back, _ = stored
    pv = publish_run(back, threshold=0)
    r = pv.rows("total")[0]
    text = rank_sentence(r)
    assert text is not None and "med 90 % sikkerhed" in text
    assert str(r["rank_lower"]) in text and r["assessment"] in text


def test_robustness_specifications_equal_separate_fits(stored):
    """The alternatives solved from the stored cross-products equal fitting those designs anew."""
    run, _, refits = stored
    rob = run.artifacts["robustness"]
    for name, fit in refits.items():
        m = fit.municipal
        for area in fit.areas:
            mm = m[m.area == area].set_index("kommunekode")
            want = 100 * (mm.actual - floor_tiny_expected(mm.expected.to_numpy())) / mm.population
            got = rob[rob.area == area].set_index("kommunekode")[f"diff_pp_{name}"]
            np.testing.assert_allclose(got.loc[want.index], want, atol=1e-8)
    tot = rob[rob.area == "total"]
    assert ((tot.rank_min <= tot.rank_officiel) & (tot.rank_officiel <= tot.rank_max)).all()
    assert {"rank_kommune_fe", "diff_pp_kommune_fe"} <= set(rob.columns)
    summary = run.artifacts["uncertainty_summary"]
    assert (summary.lm_parameters == 9).all() and summary.lm_warning.str.contains("pendlingsområder").all()
