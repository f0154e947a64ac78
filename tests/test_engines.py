"""The engine seam: Spark (local mode) and the embedded DuckDB pass give the same model.

Both engines run on the shared session site (the synthetic Denmark at scale 0.01, loaded from
its Parquet snapshot, with run R0001 = 2023QMAT04 stored by the DuckDB engine). The sufficient
statistics must be bit-identical (sums of small integers), the coefficients equal to 1e-10
relative, the expected counts equal and the ranks identical. One SparkSession serves the whole
test session (the JVM starts once).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.data import reference, warehouse
from kommunebench.data.periods import Period
from kommunebench.engines import SparkEngine, build_engine, spark_session, write_bucketed, write_partitioned
from kommunebench.engines.bucketed import bucket_count, bucket_params, bucket_rows, bucket_sql, bucket_task
from kommunebench.errors import ConfigError, WarehouseError
from kommunebench.model import DEFAULT_DESIGN, DEFAULT_ENGINE, ONE_PASS, fit_benchmark
from kommunebench.model.kernel import Layout

pytest.importorskip("pyspark")

SCOPE = "2019"


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture(scope="session")
def spark():
    session = spark_session("local[2]", app="kommunebench-tests")
    yield session
    session.stop()


def _inputs(con):
    codes = warehouse.effective_benefit_codes(con)
    return {
        "scope": SCOPE,
        "code_areas": reference.code_areas(SCOPE, codes),
        "commuting_area_of": warehouse.municipality_commuting_area(con),
        "total": False,
    }


def _same_stats(a, b) -> None:
    assert np.array_equal(a.sums, b.sums)
    assert np.array_equal(a.gram, b.gram)
    assert np.array_equal(a.mun_gram, b.mun_gram)


def test_spark_and_duckdb_give_bit_identical_statistics_flat_partitioned_and_bucketed(site, spark, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(site.db, db)
    con = warehouse.connect(db, read_only=True)
    try:
        p = Period.parse("2023QMAT02")  # Q3 2022 - Q2 2023: weeks of two ISO years
        areas = reference.code_areas(SCOPE, warehouse.effective_benefit_codes(con))
        by_area: dict[str, list[int]] = {}
        for c, a in areas.items():
            by_area.setdefault(a, []).append(int(c))
        args = {
            "design": DEFAULT_DESIGN,
            "area_codes": [sorted(by_area[a]) for a in reference.AREA_LABELS if a in by_area],
            "commuting_area_of": warehouse.municipality_commuting_area(con),
        }
        duck = ONE_PASS.period_statistics(con, p, **args)
        _same_stats(duck, SparkEngine(session=spark).period_statistics(con, p, **args))
        # the partitioned copy (year × municipality, pruned by ISO year) gives the same
        assert site.snapshot is not None
        parts = write_partitioned(site.snapshot)
        try:
            assert (parts / "persons" / "year=2023" / "kommunekode=101").is_dir()
            _same_stats(duck, SparkEngine(session=spark).period_statistics(con, p, **args))
        finally:
            shutil.rmtree(parts)
        # the co-bucketed copy (one task per bucket, no shuffle) gives the same; its buckets are
        # written in a copy of the snapshot, which the Spark engine is pointed at
        folder = tmp_path / "bucketed"
        folder.mkdir()
        for kind in ("persons", "benefit_weeks"):
            (folder / f"{kind}.parquet").symlink_to(site.snapshot / f"{kind}.parquet")
        write_bucketed(folder, buckets=5)
        assert (folder / "buckets" / "benefit_weeks" / "bucket=4").is_dir()
        _same_stats(duck, SparkEngine(session=spark, source=folder).period_statistics(con, p, **args))
    finally:
        con.close()


def test_a_spark_run_equals_the_duckdb_run_and_stores_its_engine(site, spark, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(site.db, db)
    duck = pipeline.open_run("R0001", db=db)
    config = pipeline.RunConfig.build(period=duck.record.period, engine="spark", master="local[2]")
    run = pipeline.run_benchmark(config, db=db)  # the running session is reused
    assert run.record.params["engine"] == {"name": "spark", "master": "local[2]"}
    assert duck.record.params["engine"] == {"name": "duckdb"}
    ca, cb = duck.artifacts["coefficients"], run.artifacts["coefficients"]
    assert ca[["area", "term"]].equals(cb[["area", "term"]])
    a, b = ca["coef"].to_numpy(float), cb["coef"].to_numpy(float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(b[~np.isnan(a)], a[~np.isnan(a)], rtol=1e-10, atol=0)
    ma, mb = duck.artifacts["municipal"], run.artifacts["municipal"]
    np.testing.assert_array_equal(mb["expected"].to_numpy(), ma["expected"].to_numpy())
    assert set(duck.lists.by_area) == set(run.lists.by_area)
    for area, frame in duck.lists.by_area.items():
        mine = frame.set_index("kommunekode")["rank"]
        other = run.lists.by_area[area].set_index("kommunekode")["rank"]
        assert other.loc[mine.index].tolist() == mine.tolist(), area
    assert run.record.results_sha256 == duck.record.results_sha256  # every stored frame identical


def test_spark_refuses_parquet_that_is_not_the_loaded_data(site, spark, tmp_path):
    folder = tmp_path / "other"
    folder.mkdir()
    assert site.snapshot is not None
    shutil.copy(site.snapshot / "persons.parquet", folder / "persons.parquet")
    weeks = pq.read_table(site.snapshot / "benefit_weeks.parquet")
    pq.write_table(weeks.slice(0, weeks.num_rows - 1), folder / "benefit_weeks.parquet")
    con = warehouse.connect(site.db, read_only=True)
    try:
        with pytest.raises(WarehouseError, match="ikke de indlæste"):
            fit_benchmark(con, "2023QMAT04", **_inputs(con), engine=SparkEngine(session=spark, source=folder))
        write_bucketed(folder, buckets=2)  # the bucketed copy of the same files: refused too
        with pytest.raises(WarehouseError, match="ikke de indlæste"):
            fit_benchmark(con, "2023QMAT04", **_inputs(con), engine=SparkEngine(session=spark, source=folder))
        # a copy in the first layout (one row per person and week, the week as text) is refused
        old = folder / "buckets" / "benefit_weeks" / "bucket=0" / "data.parquet"
        pq.write_table(weeks.slice(0, 10), old)
        with pytest.raises(ConfigError, match="ældre format.*synth --partitioned"):
            fit_benchmark(con, "2023QMAT04", **_inputs(con), engine=SparkEngine(session=spark, source=folder))
    finally:
        con.close()


def test_engine_options_are_checked_at_the_boundary(tmp_path):
    assert build_engine("duckdb") is DEFAULT_ENGINE
    assert build_engine("spark", master="local[1]").describe() == {"name": "spark", "master": "local[1]"}
    with pytest.raises(ConfigError, match="kun for --engine spark"):
        pipeline.RunConfig.build(period="2023QMAT04", master="local[2]")
    with pytest.raises(ConfigError, match="ukendt motor"):
        build_engine("flink")
    out = subprocess.run(
        [sys.executable, "-m", "kommunebench.cli", "run", "--period", "2023QMAT04", "--master", "yarn"],
        capture_output=True,
        text=True,
        env={**os.environ, "KOMMUNEBENCH_HOME": str(tmp_path)},
    )
    assert out.returncode == 2 and "kun for --engine spark" in out.stderr


def test_the_bucketed_copy_keeps_every_row_also_in_empty_buckets(site, tmp_path):
    """Without Spark: a few persons in many buckets (most empty): every bucket has its files, the
    rows come from the footers (the weeks' from the quarterly counts' key), and the task over all
    buckets counts the period's population."""
    assert site.snapshot is not None
    ids = sorted(set(pq.read_table(site.snapshot / "persons.parquet", columns=["person_id"])[0].to_pylist()))[:40]
    for kind in ("persons", "benefit_weeks"):
        duckdb.execute(
            f"COPY (SELECT * FROM read_parquet('{site.snapshot / f'{kind}.parquet'}') "
            f"WHERE person_id IN ({', '.join(map(str, ids))})) TO '{tmp_path / f'{kind}.parquet'}' (FORMAT PARQUET)"
        )
    n = {k: pq.ParquetFile(tmp_path / f"{k}.parquet").metadata.num_rows for k in ("persons", "benefit_weeks")}
    root = write_bucketed(tmp_path, buckets=64)
    assert bucket_count(root) == 64 and n["benefit_weeks"] > 0
    assert {k: bucket_rows(root, k) for k in n} == n
    p = Period.parse("2023QMAT04")
    people = duckdb.execute(
        f"SELECT kommunekode, count(*) FROM read_parquet('{tmp_path / 'persons.parquet'}') "
        "WHERE year = 2023 AND age BETWEEN 16 AND 66 GROUP BY ALL ORDER BY kommunekode"
    ).fetchall()
    areas = [[111, 112], [701, 702]]
    layout = Layout.build(DEFAULT_DESIGN, np.array([k for k, _ in people]), len(areas))
    task = bucket_task(
        str(root), bucket_sql(DEFAULT_DESIGN, areas), bucket_params(p), layout, len(DEFAULT_DESIGN.factors), True
    )
    rows, bad, sums, _ = next(task(range(64)))
    assert bad == 0 and rows == sum(c for _, c in people) > 0
    assert np.frombuffer(sums).reshape(layout.n_mun, layout.ks)[:, 0].tolist() == [c for _, c in people]
