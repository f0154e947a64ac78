"""Issue 12: the official run, the change since the previous official run decomposed exactly, "Hele landet".

The real runs are the shared scale-0.01 site's (R0001 = 2023QMAT04, R0002 = 2023QMAT02) and a copy
of it with official marks and a re-run (``official_site``); the server is the real app over HTTP.
"""

from __future__ import annotations

import datetime as dt

import httpx
import numpy as np
import pytest

from kb_server import shared_site
from kommunebench import access, pipeline
from kommunebench.benchmark.change import NATIONAL, run_change
from kommunebench.benchmark.official import default_run, mark_official, period_runs, previous_run, run_statuses
from kommunebench.benchmark.runs import RunRecord
from kommunebench.data import warehouse
from kommunebench.data.reference import TOTAL
from kommunebench.errors import ConfigError
from kommunebench.model.change import decompose_change
from kommunebench.pipeline import RunConfig
from kommunebench.publish.change import change_block
from official_site import ACTOR, official_site


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture(scope="module")
def runs(site):
    return pipeline.open_run("R0002", db=site.db), pipeline.open_run("R0001", db=site.db)


@pytest.mark.parametrize("seed", [int(s) for s in np.random.default_rng().integers(1, 1 << 31, size=3)])
def test_the_parts_sum_exactly_to_the_change_in_the_difference_for_random_inputs(seed):
    print("seed", seed)
    rng = np.random.default_rng(seed)
    n, lists = 98, ["total", "a", "b"]
    t0 = ["Intercept", "age_band[30-39]", "sex[M]", "ledighed"]
    t1 = ["Intercept", "sex[M]", "health_band[2]", "ledighed"]  # a column only one run has
    means = tuple(np.column_stack([np.ones(n), rng.random((n, 3))]) for _ in range(2))
    coefs = (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))
    coefs[1][2, 1] = np.nan  # aliased: counts as 0
    actual = (rng.random((n, 3)) * 10, rng.random((n, 3)) * 10)
    ch = decompose_change(
        kommunekoder=np.arange(n),
        lists=lists,
        terms=(t0, t1),
        means=means,
        coefs=coefs,
        actual=actual,
        labour_market={"ledighed"},
    )
    total = ch.actual + ch.composition + ch.labour_market + ch.model
    np.testing.assert_allclose(total, ch.diff_change, rtol=0, atol=1e-10)
    e1 = means[1] @ np.nan_to_num(coefs[1]) * 100
    np.testing.assert_allclose(ch.diff_new, actual[1] - e1, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ch.actual, actual[1] - actual[0], rtol=0, atol=1e-12)
    assert ch.gap() < 1e-10 and "pct. points" in ch.summary()
    with pytest.raises(ValueError, match="actual shares"):
        decompose_change(
            kommunekoder=np.arange(n - 1),
            lists=lists,
            terms=(t0, t1),
            means=means,
            coefs=coefs,
            actual=actual,
            labour_market=(),
        )


def test_the_change_between_real_runs_sums_exactly_and_matches_the_stored_lists(runs):
    old, new = runs
    ch = run_change(old, new)
    assert ch is not None and ch.kommunekoder[0] == NATIONAL and len(ch.kommunekoder) == 99
    assert TOTAL in ch.lists and ch.gap() < 1e-9
    for run, diff in ((old, ch.diff_old), (new, ch.diff_new)):
        for col, name in enumerate(ch.lists):
            frame = (run.lists.overall if name == TOTAL else run.lists.by_area[name]).set_index("kommunekode")
            stored = frame.loc[ch.kommunekoder[1:], "diff_pp"].to_numpy(float)
            np.testing.assert_allclose(diff[1:, col], stored, rtol=0, atol=1e-9)
    # the national row: fitted on its own period, the national difference is 0 in both runs
    assert np.abs(ch.diff_old[0]).max() < 1e-9 and np.abs(ch.diff_new[0]).max() < 1e-9
    # each part is what it says: the model part is 0 when only the persons changed, and vice versa
    same = run_change(new, new)
    assert same is not None and max(np.abs(v).max() for v in same.parts().values()) < 1e-12
    # 2023QMAT02 and 2023QMAT04 share their population (1 January 2023): composition is exactly 0,
    # while the labour market (quarterly) and the coefficients move
    assert old.record.period[:4] == new.record.period[:4]
    assert np.abs(ch.composition).max() < 1e-12
    assert np.abs(ch.labour_market).max() > 1e-6 and np.abs(ch.model).max() > 1e-6


def test_no_change_of_a_suppressed_cell_is_published(runs):
    old, new = runs
    view = pipeline.publish_run(new, threshold=5, previous=old)
    before = pipeline.publish_run(old, threshold=5)
    assert view.previous is not None and view.previous.run_id == "R0002"
    assert view.changes is not None
    for name in view.lists:
        hidden = view.mask[name] | before.mask[name]
        assert hidden, "the scale-0.01 site has small cells"
        old_rank = {r["kommunekode"]: r["rank"] for r in before.rows(name)}
        for r in view.rows(name):
            if r["kommunekode"] in hidden:
                assert r["rank_change"] is None and r["diff_pp_change"] is None
            else:
                assert r["rank_change"] == old_rank[r["kommunekode"]] - r["rank"]
        rows = view.changes[view.changes["list"] == name]
        shut = rows[rows["kommunekode"].isin(hidden)]
        value_cols = [c for c in rows.columns if c.endswith("_pp") or c.startswith("diff_pp")]
        assert shut[value_cols].isna().all().all() and shut["suppressed"].all()
        assert not rows[~rows["kommunekode"].isin(hidden) & (rows["kommunekode"] != 0)][value_cols].isna().any().any()
        # Hele landet: never ranked, withheld here (its rounding would not cover the small cells)
        assert view.national[name]["withheld"] and view.national[name]["actual_share"] is None
    ranks = [r["rank"] for r in view.rows(TOTAL) if r["rank"] is not None]
    assert ranks == list(range(1, len(ranks) + 1))  # still dense: the national row is not in the list
    block = change_block(view, next(iter(set(view.lists[TOTAL]["kommunekode"]) - view.mask[TOTAL])), TOTAL)
    assert block["available"] and "sammensætningen er 0 pr. konstruktion" in block["note"]
    open_view = pipeline.publish_run(new, threshold=0, previous=old)
    nat = open_view.national[TOTAL]
    assert not nat["withheld"] and nat["actual_share"] == nat["expected_share"]  # own-period fit


def _record(run_id: str, period: str, *, base: str | None = None, scope: str = "2019") -> RunRecord:
    return RunRecord(run_id, dt.datetime(2026, 1, 1), period, scope, base, {}, "f", "v", "m", "s", 1.0)


def test_projections_and_reruns_never_become_the_default_by_being_newest():
    r = [
        _record("R0001", "2022QMAT04"),
        _record("R0002", "2023QMAT04"),
        _record("R0003", "2023QMAT04"),  # re-run
        _record("R0004", "2024QMAT02", base="2023QMAT04"),  # projection
    ]
    kinds = {k: s.kind for k, s in run_statuses(r, set()).items()}
    assert kinds == {"R0001": "kørsel", "R0002": "kørsel", "R0003": "genkørsel", "R0004": "fremskrivning"}
    chosen = default_run(r, set())
    assert chosen is not None and chosen.run_id == "R0002"
    official = default_run(r, {"R0001"})
    assert official is not None and official.run_id == "R0001"  # the official one, not the newer period
    assert [x.run_id for x in period_runs(r, {"R0003"})] == ["R0001", "R0003"]  # one point per period
    prev = previous_run(r, {"R0003"}, r[2])
    assert prev is not None and prev.run_id == "R0001"


def test_a_projection_cannot_be_marked_official(site, tmp_path):
    with pytest.raises(ConfigError, match="fremskrivning"):
        RunConfig.build(period="2023QMAT04", base_period="2023QMAT02", official=True)
    db = tmp_path / "copy.duckdb"
    db.write_bytes(site.db.read_bytes())
    con = warehouse.connect(db)
    try:
        with pytest.raises(ConfigError, match="fremskrivning"):
            mark_official(con, _record("R0001", "2023QMAT04", base="2023QMAT02"), actor="x")
        assert con.execute("SELECT count(*) FROM official_runs").fetchone() == (0,)
    finally:
        con.close()


def test_without_an_official_run_the_page_and_json_say_which_run_is_shown(site):
    data = httpx.get(site.url + "/api/v1/kort", timeout=60).json()
    assert data["run"]["run_id"] == "R0001" and data["run"]["official"] is False
    assert "ikke markeret som officiel" in data["run"]["status_note"]
    assert data["moves"]["previous_run_id"] == "R0002"
    html = httpx.get(site.url + "/", timeout=60).text
    assert 'data-official="0"' in html and "Største bevægelser" in html


def test_the_official_run_is_the_default_over_http_and_every_mark_is_audited(tmp_path_factory, request):
    s = official_site(tmp_path_factory, request)
    get = lambda path: httpx.get(s.url + path, timeout=60).json()  # noqa: E731
    run = get("/api/v1/kort")["run"]
    assert (run["run_id"], run["official"], run["compared_with"]) == ("R0001", True, "R0003")
    listing = get("/api/v1/lister/total")
    assert listing["run"]["run_id"] == "R0001" and listing["national"]["navn"] == "Hele landet"
    kinds = {r["run_id"]: (r["kind"], r["official"]) for r in get("/api/v1/koersler")["runs"]}
    assert kinds == {"R0001": ("kørsel", True), "R0002": ("kørsel", False), "R0003": ("genkørsel", True)}
    history = get("/api/v1/kommuner/101")["history"]
    assert [(h["period"], h["run_id"]) for h in history] == [("2023QMAT02", "R0003"), ("2023QMAT04", "R0001")]
    change = get("/api/v1/kommuner/101/aendring")
    assert change["lists"][0]["previous_run_id"] == "R0003"
    # marking R0002 replaces R0003's mark (kept as history) and the comparison follows it
    result = pipeline.official.publish_official("R0002", db=s.db, actor=ACTOR)
    assert result.changed and result.replaced is not None and result.replaced.run_id == "R0003"
    assert get("/api/v1/kort")["run"]["compared_with"] == "R0002"
    again = pipeline.official.publish_official("R0002", db=s.db, actor=ACTOR)
    assert not again.changed
    pipeline.official.publish_official("R0003", db=s.db, actor=ACTOR)  # back as the other tests expect
    marks = pipeline.official.marks(db=s.db)
    assert [(m.run_id, m.current) for m in marks] == [
        ("R0001", True),
        ("R0003", False),
        ("R0002", False),
        ("R0003", True),
    ]
    con = warehouse.connect(s.db, read_only=True)
    try:
        rows = [r for r in reversed(access.audit_rows(con, limit=50)) if r["action"] in ("run.official", "run.create")]
    finally:
        con.close()
    trail = [(r["action"], r["target"], r["detail"].get("replaces")) for r in rows if r["actor"] == ACTOR]
    assert trail == [
        ("run.official", "R0001", None),
        ("run.official", "R0003", None),  # --officiel: written in the run's own transaction, before its row
        ("run.create", "R0003", None),
        ("run.official", "R0002", "R0003"),
        ("run.official", "R0003", "R0002"),
    ]
