"""Incremental periods: stored quarter blocks assemble any QMAT period exactly, without rescanning.

On a copy of the shared session site (scale 0.01): load the benefit weeks up to 2023Q3 only, fit
2023QMAT03, then load the full weeks (one more quarter) and fit 2023QMAT04. The assembled
statistics must be bit-identical to the one-pass DuckDB engine's, and the engine's scan counter
shows that the second period materialised only the new quarter from ``benefit_weeks`` and
reused the persons block and the three shared quarters.
"""

from __future__ import annotations

import shutil

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.data import reference, warehouse
from kommunebench.data.load import load
from kommunebench.data.periods import Period
from kommunebench.model import DEFAULT_DESIGN, DEFAULT_ENGINE, ONE_PASS, IncrementalEngine

SCOPE = "2019"


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


def _args(con) -> dict:
    areas = reference.code_areas(SCOPE, warehouse.effective_benefit_codes(con))
    by_area: dict[str, list[int]] = {}
    for c, a in areas.items():
        by_area.setdefault(a, []).append(int(c))
    return {
        "design": DEFAULT_DESIGN,
        "area_codes": [sorted(by_area[a]) for a in reference.AREA_LABELS if a in by_area],
        "commuting_area_of": warehouse.municipality_commuting_area(con),
    }


def _same(a, b) -> None:
    for name in ("sums", "gram", "mun_gram", "lm"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.design_columns == b.design_columns and a.week_col == b.week_col


def test_a_new_quarter_reuses_the_stored_blocks_and_the_period_is_exact(site, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(site.db, db)
    assert site.snapshot is not None
    weeks = pq.read_table(site.snapshot / "benefit_weeks.parquet")
    early = tmp_path / "early" / "benefit_weeks.parquet"
    early.parent.mkdir()
    pq.write_table(weeks.filter(pc.less(weeks["week"], "2023-W40")), early)  # 2023Q4 starts with 2023-W40
    con = warehouse.connect(db)
    try:
        load(con, {"benefit_weeks": early})
        args = _args(con)
        first = IncrementalEngine()
        p3 = Period.parse("2023QMAT03")
        _same(ONE_PASS.period_statistics(con, p3, **args), first.period_statistics(con, p3, **args))
        assert first.scans == {"week_keys": 1, "benefit_weeks": 4, "persons": 1, "weeks_pass": 1}

        load(con, {"benefit_weeks": site.snapshot / "benefit_weeks.parquet"})  # one more quarter
        second = IncrementalEngine()
        p4 = Period.parse("2023QMAT04")
        _same(ONE_PASS.period_statistics(con, p4, **args), second.period_statistics(con, p4, **args))
        # only 2023Q4 is read from benefit_weeks; the persons block and 2023Q1-Q3 come from the store
        assert second.scans == {"week_keys": 1, "benefit_weeks": 1, "weeks_pass": 1}

        third = IncrementalEngine()
        _same(ONE_PASS.period_statistics(con, p4, **args), third.period_statistics(con, p4, **args))
        assert third.scans == {}  # everything stored: no scan at all
        blocks = dict(con.execute("SELECT kind, count(*) FROM model_blocks GROUP BY kind").fetchall())
        # 4 quarters: 10 pairs; one more quarter: 4 more
        assert blocks == {"quarter_weeks": 5, "persons": 1, "quarter": 5, "pair": 10 + 4}
    finally:
        con.close()
    # the run through the pipeline stores the same results as the DuckDB engine's run R0001
    run = pipeline.run_benchmark(pipeline.RunConfig.build(period="2023QMAT04", engine="incremental"), db=db)
    assert run.record.params["engine"] == {"name": "incremental"}
    assert run.record.results_sha256 == pipeline.open_run("R0001", db=db).record.results_sha256


def test_prepared_at_load_a_new_period_only_assembles_stored_blocks(site, tmp_path):
    """``load --forbered``: after a load with one more quarter, the newest period's blocks are
    stored in the load step (audited), so the model stage for it scans nothing."""
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(site.db, db)
    assert site.snapshot is not None
    weeks = pq.read_table(site.snapshot / "benefit_weeks.parquet")
    early = tmp_path / "early" / "benefit_weeks.parquet"
    early.parent.mkdir()
    pq.write_table(weeks.filter(pc.less(weeks["week"], "2023-W40")), early)
    pipeline.load_data({"benefit_weeks": early}, db=db)
    first = pipeline.prepare_periods(db=db, actor="test:prepare")
    assert first is not None and first.period == "2023QMAT03"  # 2023Q4 is not loaded yet
    pipeline.load_data({"benefit_weeks": site.snapshot / "benefit_weeks.parquet"}, db=db)
    second = pipeline.prepare_periods(db=db, actor="test:prepare")
    assert second is not None and second.period == "2023QMAT04"
    # the load step read only the new quarter and computed only the blocks touching it
    assert second.scans == {"week_keys": 1, "benefit_weeks": 1, "weeks_pass": 1}
    con = warehouse.connect(db)
    try:
        engine = IncrementalEngine()
        args = _args(con)
        p4 = Period.parse("2023QMAT04")
        _same(ONE_PASS.period_statistics(con, p4, **args), engine.period_statistics(con, p4, **args))
        assert engine.scans == {}  # the model stage assembles stored blocks only
        audited = con.execute(
            "SELECT target, actor FROM audit_log WHERE action = 'model.prepare' ORDER BY audit_id"
        ).fetchall()
        assert audited == [("2023QMAT03", "test:prepare"), ("2023QMAT04", "test:prepare")]
    finally:
        con.close()
    # the default engine reuses the stored blocks on its own (read-only, no scan) and says so …
    con = warehouse.connect(db, read_only=True)
    try:
        labels: list[str] = []
        stored = DEFAULT_ENGINE.period_statistics(con, p4, **args, progress=lambda d, i, n: labels.append(d))
        assert labels and all("stored quarters" in d for d in labels)
        _same(ONE_PASS.period_statistics(con, p4, **args), stored)
        # … but not for a period whose blocks are not all stored (2023QMAT02: 2022Q3 has none)
        labels.clear()
        p2 = Period.parse("2023QMAT02")
        _same(
            ONE_PASS.period_statistics(con, p2, **args),
            DEFAULT_ENGINE.period_statistics(con, p2, **args, progress=lambda d, i, n: labels.append(d)),
        )
        assert labels and not any("stored quarters" in d for d in labels)
    finally:
        con.close()
    # back to the early weeks (the content of the first load: its blocks are stored again, exact),
    # 2023QMAT04 is no longer stored: the current weeks have no 2023Q4 (one pass instead)
    pipeline.load_data({"benefit_weeks": early}, db=db)
    con = warehouse.connect(db, read_only=True)
    try:
        for period, reused in (("2023QMAT03", True), ("2023QMAT04", False)):
            labels.clear()
            p = Period.parse(period)
            got = DEFAULT_ENGINE.period_statistics(con, p, **args, progress=lambda d, i, n: labels.append(d))
            assert labels and all(("stored quarters" in d) == reused for d in labels), period
            _same(ONE_PASS.period_statistics(con, p, **args), got)
    finally:
        con.close()
