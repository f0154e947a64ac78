"""Uncertainty through a stored run and the publishing stage: stored, reloaded, suppressed, shown."""

from __future__ import annotations

import numpy as np
import pytest

from kommunebench.benchmark.runs import execute_run, load_run
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate
from kommunebench.pipeline import publish_run
from kommunebench.publish import display_frame
from kommunebench.publish.uncertainty import UNCERTAINTY_FIELDS, rank_sentence
from kommunebench.report import funnel_figure
from kommunebench.uncertainty import FRAME_NAMES


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
    finally:
        con.close()
    return run, back


def test_uncertainty_is_stored_with_the_run(stored):
    run, back = stored
    assert set(FRAME_NAMES) <= set(run.artifacts) and set(FRAME_NAMES) <= set(back.artifacts)
    assert run.record.params["uncertainty"]["draws"] == 10_000
    u = back.artifacts["uncertainty"]
    assert set(u["area"]) == {"a_dagpenge", "sygedagpenge", "kontanthjaelp", "total"}
    tot = u[u.area == "total"]
    assert len(tot) == 98 and (tot.se_pp > 0).all()
    assert ((tot.rank_lower <= tot["rank"]) & (tot["rank"] <= tot.rank_upper)).all()
    lists = run.lists.overall.set_index("kommunekode")
    np.testing.assert_allclose(tot.set_index("kommunekode").diff_pp.loc[lists.index], lists.diff_pp, atol=1e-9)


def test_uncertainty_columns_are_blank_for_suppressed_cells(stored):
    _, back = stored
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
        shown = display_frame(f, precise=True)
        assert "Standardfejl (pct.-point)" in shown.columns and "Vurdering" in shown.columns
        fig = funnel_figure(pv, name)
        assert fig is not None and len(fig.data[-1].x) == int((~hidden).sum())
    assert n_hidden > 0  # the threshold did suppress something at this scale


def test_municipality_sentence_in_words(stored):
    _, back = stored
    pv = publish_run(back, threshold=0)
    r = pv.rows("total")[0]
    text = rank_sentence(r)
    assert text is not None and "med 90 % sikkerhed" in text
    assert str(r["rank_lower"]) in text and r["assessment"] in text
