"""The Spark engine: the model stage's sufficient statistics computed by pyspark from Parquet.

The same statistics as the embedded DuckDB pass (:mod:`kommunebench.model.accumulate`), from the
Parquet snapshot the warehouse loaded. With its co-bucketed copy (``synth --partitioned``,
:mod:`kommunebench.engines.bucketed`) one task per core runs the DuckDB engine's query over a run
of buckets, no shuffle; otherwise (the flat files or the partitioned copy):

1. Spark SQL: the period's benefit weeks (partition-pruned by ISO year when partitioned) are
   counted per person and area (``count(*) FILTER``), LEFT JOINed to the population year's
   persons aged 16–66, and each person's factor levels become small integer codes — the same
   SQL expressions as the DuckDB query (:meth:`Factor.sql_code`);
2. ``mapInPandas`` (Arrow batches): each partition runs the model's own
   :class:`~kommunebench.model.kernel.Accumulator` and yields one row, its per-municipality
   column sums and Gram matrices as bytes (≈ 98 × 37² × 8 B ≈ 1 MB);
3. the driver adds the partitions' totals. Every entry is an integer below 2⁵³, so the sums are
   exact in float64 in any order: the statistics are bit-identical to the DuckDB engine's.

The population, the labour market and the reference tables still come from the warehouse (small
queries), and the result is checked against it: the persons per municipality Spark counted must
equal the warehouse's, and the benefit-week rows of the files the loaded count, otherwise the
Parquet files are not the loaded data and the run is refused.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from kommunebench.data import schemas, warehouse
from kommunebench.data.periods import Period, format_iso_week
from kommunebench.engines.bucketed import (
    BUCKETS,
    add_rows,
    bucket_count,
    bucket_params,
    bucket_rows,
    bucket_sql,
    bucket_task,
)
from kommunebench.engines.partition import PARTS
from kommunebench.errors import ConfigError, ValidationError, WarehouseError
from kommunebench.model.accumulate import PeriodStats, assemble, period_frame
from kommunebench.model.design import Design
from kommunebench.model.kernel import Accumulator, Layout

__all__ = ["SparkEngine", "spark_session", "PARTS"]

Progress = Callable[[str, int, int], None]
_OUT_SCHEMA = "rows long, bad long, sums binary, g binary"


def spark_session(master: str = "local[2]", *, app: str = "kommunebench") -> Any:
    """A SparkSession (the running one if there is one) with small shuffles and no UI."""
    try:
        from pyspark.sql import SparkSession  # noqa: PLC0415  (optional dependency, loaded on use)
    except ImportError:
        raise ConfigError("Spark-motoren kræver pyspark: pip install 'kommunebench[spark]' (og Java 17)") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")  # list on the driver
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.python.daemon.module", "kommunebench.engines.daemon")  # workers fork with the task loaded
    )
    local = re.fullmatch(r"local\[(\d+|\*)(,\d+)?\]|local", master.strip())
    if local:  # a few shuffle partitions per core (Spark's 200 are for clusters)
        cores = (os.cpu_count() or 2) if local.group(1) in (None, "*") else int(local.group(1))
        builder = builder.config("spark.sql.shuffle.partitions", str(2 * cores))
    try:
        return builder.getOrCreate()
    except Exception as exc:  # the JVM did not start (no java, bad master)
        raise ConfigError(f"Spark kunne ikke starte med master {master!r}: {str(exc).splitlines()[0]}") from exc


def _sources(con: duckdb.DuckDBPyConnection, source: Path | None) -> tuple[str, str, str]:
    """(persons path, benefit_weeks path, layout) — by default the loaded snapshot's files.

    The layout is ``buckets`` when the folder has the co-bucketed copy, else ``parts`` when it
    has the partitioned copy, else ``flat``.
    """
    if source is None:
        loads = {d["kind"]: d for d in warehouse.current_loads(con)}
        missing = [k for k in ("persons", "benefit_weeks") if k not in loads]
        if missing:
            raise WarehouseError(f"datavarehuset har ingen indlæste {', '.join(missing)}: indlæs dem først")
        files = {k: Path(loads[k]["source_file"]) for k in ("persons", "benefit_weeks")}
        if any(loads[k]["file_format"] != "parquet" for k in files):
            raise ConfigError("Spark-motoren læser Parquet: indlæs personer og ydelsesuger fra Parquet-filer")
        folder = files["persons"].parent
    else:
        folder = Path(source)
        files = {k: folder / f"{k}.parquet" for k in ("persons", "benefit_weeks")}
    for layout in (BUCKETS, PARTS):
        parts = {k: folder / layout / k for k in files}
        if all(p.is_dir() for p in parts.values()):
            return str(parts["persons"]), str(parts["benefit_weeks"]), layout
    gone = [str(p) for p in files.values() if not p.exists()]
    if gone:
        raise ConfigError(f"Spark-motoren finder ikke Parquet-filerne: {', '.join(gone)}")
    return str(files["persons"]), str(files["benefit_weeks"]), "flat"


def _spark_sql(design: Design, area_codes: Sequence[Sequence[int]], period: Period, partitioned: bool) -> str:
    counts = ",\n".join(
        f"    count(*) FILTER (WHERE code IN ({', '.join(str(int(c)) for c in codes)})) AS w{a}"
        for a, codes in enumerate(area_codes)
    )
    every = sorted({int(c) for codes in area_codes for c in codes})
    weeks = [period.first_week + dt.timedelta(weeks=i) for i in range(period.n_weeks)]
    week_texts = ", ".join(f"'{format_iso_week(w)}'" for w in weeks)
    years = sorted({int(format_iso_week(w)[:4]) for w in weeks})
    prune = f" AND year IN ({', '.join(map(str, years))})" if partitioned else ""
    factors = ",\n".join(f"  CAST({f.sql_code('p')} AS INT) AS f{j}" for j, f in enumerate(design.factors))
    wcols = ",\n".join(f"  CAST(coalesce(w.w{a}, 0) AS INT) AS w{a}" for a in range(len(area_codes)))
    lo, hi = schemas.BENCHMARK_AGE
    return (
        "WITH w AS (\n  SELECT person_id,\n" + counts + "\n  FROM kb_benefit_weeks\n"
        f"  WHERE week IN ({week_texts}) AND code IN ({', '.join(map(str, every))}){prune}\n"
        "  GROUP BY person_id)\n"
        "SELECT CAST(p.kommunekode AS INT) AS kommunekode,\n" + factors + ",\n" + wcols + "\n"
        "FROM kb_persons p LEFT JOIN w ON w.person_id = p.person_id\n"
        f"WHERE p.year = {int(period.population_year)} AND p.age BETWEEN {int(lo)} AND {int(hi)}"
    )


def _partition_function(layout: Layout, nf: int, gram: bool):
    """The function every partition runs: the model's accumulator over its Arrow batches."""

    def accumulate(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        acc = Accumulator(layout, gram=gram)
        bad = 0
        for b in batches:
            bad += add_rows(acc, [b.iloc[:, i].to_numpy() for i in range(b.shape[1])], nf)
        g = acc.g.tobytes() if acc.g is not None else b""
        yield pd.DataFrame({"rows": [acc.rows], "bad": [bad], "sums": [acc.sums.tobytes()], "g": [g]})

    return accumulate


class SparkEngine:
    """Sufficient statistics by Spark (see the module doc); ``master`` as for ``spark-submit``.

    ``source``: a snapshot folder (``persons.parquet`` and ``benefit_weeks.parquet``, or the
    partitioned ``parts/`` copy); default the folder the warehouse loaded persons from.
    ``session``: an existing SparkSession (tests reuse one); default one for ``master``.
    """

    name = "spark"

    def __init__(self, *, master: str = "local[2]", source: Path | None = None, session: Any = None) -> None:
        if not isinstance(master, str) or not master.strip():
            raise ConfigError("--master skal være en Spark-master, fx local[2], spark://vært:7077 eller yarn")
        self.master = master.strip()
        self.source = Path(source) if source is not None else None
        self._session = session

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = spark_session(self.master)
        return self._session

    def describe(self) -> dict[str, str]:
        return {"name": self.name, "master": self.master}

    def _sql_rows(
        self, con: duckdb.DuckDBPyConnection, paths: tuple[str, str], sql: str, layout: Layout, nf: int, gram: bool
    ) -> list[Any]:
        """Spark SQL (group by person, join) then ``mapInPandas`` with the accumulator."""
        spark = self.session
        spark.read.parquet(paths[0]).createOrReplaceTempView("kb_persons")
        bw = spark.read.parquet(paths[1])
        bw.createOrReplaceTempView("kb_benefit_weeks")
        _check_rows(con, bw.count())
        fn = _partition_function(layout, nf, gram)
        return list(spark.sql(sql).mapInPandas(fn, _OUT_SCHEMA).collect())

    def period_statistics(
        self,
        con: duckdb.DuckDBPyConnection,
        period: Period,
        *,
        design: Design,
        area_codes: Sequence[Sequence[int]],
        commuting_area_of: Mapping[int, int],
        gram: bool = True,
        progress: Progress | None = None,
    ) -> PeriodStats:
        frame = period_frame(con, period, design=design, commuting_area_of=commuting_area_of)
        layout = Layout.build(design, frame.kommunekoder, len(area_codes))
        persons, weeks, mode = _sources(con, self.source)
        label = f"model data {period.label} (Spark {self.master})"
        if progress:
            progress(label, 0, frame.n_total)
        nf = len(design.factors)
        if mode == BUCKETS:  # runs of buckets as tasks, no shuffle (engines/bucketed.py)
            root = Path(persons).parent
            n_buckets = bucket_count(root)
            _check_rows(con, bucket_rows(root, "benefit_weeks"))
            sql, params = bucket_sql(design, area_codes), bucket_params(period)
            task = bucket_task(str(root), sql, params, layout, nf, gram)
            sc = self.session.sparkContext  # one task per core, each over a run of buckets
            rdd = sc.parallelize(range(n_buckets), max(1, min(n_buckets, int(sc.defaultParallelism))))
            rows = [dict(zip(("rows", "bad", "sums", "g"), r, strict=True)) for r in rdd.mapPartitions(task).collect()]
        else:
            sql = _spark_sql(design, area_codes, period, mode == PARTS)
            rows = self._sql_rows(con, (persons, weeks), sql, layout, nf, gram)
        acc = Accumulator(layout, gram=gram, piece_rows=1)
        for r in rows:
            g = np.frombuffer(r["g"]).reshape(layout.n_mun, layout.kg, layout.kg) if gram else None
            acc.merge(np.frombuffer(r["sums"]).reshape(layout.n_mun, layout.ks), g)
            acc.rows += int(r["rows"])
        bad = sum(int(r["bad"]) for r in rows)
        if bad:
            raise ValidationError(
                f"{bad} person(er) i Parquet-filerne for {period.population_year} har en kommune eller en "
                "værdi uden for modellens niveauer",
                file=persons,
            )
        if not np.array_equal(acc.sums[:, 0], _population(con, frame.kommunekoder, period)):
            raise WarehouseError(
                f"personerne i {persons} er ikke de indlæste for {period.population_year}: "
                "indlæs snapshottet igen eller peg Spark på det indlæste"
            )
        if progress:
            progress(label, acc.rows, frame.n_total)
        return assemble(frame, layout, acc.sums, acc.g)


def _population(con: duckdb.DuckDBPyConnection, kommunekoder: np.ndarray, period: Period) -> np.ndarray:
    lo, hi = schemas.BENCHMARK_AGE
    rows = dict(
        con.execute(
            "SELECT kommunekode, count(*) FROM persons WHERE year = ? AND age BETWEEN ? AND ? GROUP BY kommunekode",
            [period.population_year, lo, hi],
        ).fetchall()
    )
    return np.array([float(rows.get(int(k), 0)) for k in kommunekoder])


def _check_rows(con: duckdb.DuckDBPyConnection, n_parquet: int) -> None:
    loads = {d["kind"]: d for d in warehouse.current_loads(con)}
    n_loaded = int(loads["benefit_weeks"]["n_rows"]) if "benefit_weeks" in loads else -1
    if n_parquet != n_loaded:
        raise WarehouseError(
            f"Parquet-filerne har {n_parquet:,} ydelsesuger, datavarehuset indlæste {n_loaded:,}: "
            "det er ikke de indlæste data"
        )
