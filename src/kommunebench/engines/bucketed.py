"""The co-bucketed Parquet copy of a snapshot, and the Spark task that reads runs of buckets.

``<snapshot>/buckets/persons/bucket=b/data.parquet`` and
``<snapshot>/buckets/benefit_weeks/bucket=b/data.parquet`` (``b = person_id mod B``,
0 ≤ b < B): every person's rows of both kinds sit in the same bucket, so the model stage needs
**no shuffle** — the Spark engine runs one task per core, each over a run of buckets; a task
runs the DuckDB engine's own query (:func:`kommunebench.model.accumulate._main_sql`, embedded
DuckDB, one thread) over its buckets' files, with a quarter's weeks counted once (below), and
feeds the model's own accumulator; the driver adds the tasks' integer statistics (exact).

The layout is made for that query. A period is four whole quarters (a week belongs to the
quarter of its Thursday, :mod:`kommunebench.data.periods`), so the copy keeps the benefit weeks
**per person, quarter and benefit code**: ``(person_id, quarter, code, weeks)`` with ``quarter``
the DATE of the quarter's first day and ``weeks`` the number of the files' rows (about a tenth
of the rows); a period's count of weeks per person and area is then the sum of ``weeks`` over
its four quarters — the same integers as counting the rows. The rows are sorted by quarter, then
person and code, in row groups of :data:`WEEKS_ROW_GROUP` rows, so the quarter filter skips
other quarters' row groups by their min/max statistics without reading them; each file's
footer holds the number of benefit-week rows it stands for (``kb_rows``), which the engine
checks against the loaded count without reading data. Persons are sorted by population year,
then municipality and person, in row groups of :data:`PERSONS_ROW_GROUP` rows, so the
population year's filter skips the other years and the accumulator gets each municipality's
persons in long runs. A copy in the first layout (one row per person and week, sorted by
person) is refused with a message saying how to write it again. The layout works on a cluster
when the executors see the snapshot at the same path (shared file system or mounted object
store). The loader ignores ``buckets``.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kommunebench.data import schemas
from kommunebench.data.periods import Period, parse_iso_week
from kommunebench.errors import ConfigError
from kommunebench.model.accumulate import _main_sql
from kommunebench.model.design import Design
from kommunebench.model.factorread import case_reader
from kommunebench.model.kernel import Accumulator, Layout, factor_codes
from kommunebench.model.threads import pinned_blas

__all__ = [
    "BUCKETS",
    "DEFAULT_BUCKETS",
    "write_bucketed",
    "bucket_count",
    "bucket_rows",
    "bucket_task",
    "bucket_sql",
    "bucket_params",
    "add_rows",
    "WEEKS_ROW_GROUP",
    "PERSONS_ROW_GROUP",
]

BUCKETS = "buckets"
DEFAULT_BUCKETS = 64
KINDS = ("persons", "benefit_weeks")
FILE = "data.parquet"
WEEKS_ROW_GROUP = 8_192  # about half a quarter's rows of a bucket at full scale (64 buckets)
PERSONS_ROW_GROUP = 32_768  # about half a population year's persons of a bucket
BATCH_ROWS = 32_768
ROWS_KEY = "kb_rows"  # footer key: the benefit-week rows a bucket's file stands for


def _lit(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_bucketed(snapshot: Path, *, buckets: int = DEFAULT_BUCKETS) -> Path:
    """Write ``snapshot/buckets`` (``buckets`` buckets per kind) from the flat files; returns it."""
    if not isinstance(buckets, int) or not 1 <= buckets <= 4096:
        raise ConfigError(f"antal spande skal være et heltal 1-4096, ikke {buckets!r}")
    snapshot = Path(snapshot)
    files = {k: snapshot / f"{k}.parquet" for k in KINDS}
    if not all(f.is_file() for f in files.values()):
        raise ConfigError(f"{snapshot} har ikke persons.parquet og benefit_weeks.parquet")
    out = snapshot / BUCKETS
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    bucket = f"CAST(((person_id % {buckets}) + {buckets}) % {buckets} AS INTEGER)"
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            f"CREATE TEMP TABLE kb_p AS SELECT *, {bucket} AS bucket FROM read_parquet({_lit(files['persons'])}) "
            "ORDER BY bucket"
        )
        _weeks_view(con, files["benefit_weeks"])
        con.execute(  # a week's quarter is its Thursday's (data.periods)
            f"CREATE TEMP TABLE kb_w AS SELECT person_id, date_trunc('quarter', week + 3)::DATE AS quarter, code, "
            f"count(*)::SMALLINT AS weeks, {bucket} AS bucket FROM kb_src GROUP BY ALL ORDER BY bucket"
        )
        rows = dict(con.execute("SELECT bucket, sum(weeks)::BIGINT FROM kb_w GROUP BY bucket").fetchall())
        for b in range(buckets):  # one file per bucket and kind, in the order of the module doc
            for kind in KINDS:
                (out / kind / f"bucket={b}").mkdir(parents=True)
            con.execute(
                f"COPY (SELECT * EXCLUDE (bucket) FROM kb_p WHERE bucket = {b} ORDER BY year, kommunekode, person_id) "
                f"TO {_lit(out / 'persons' / f'bucket={b}' / FILE)} "
                f"(FORMAT PARQUET, COMPRESSION zstd, ROW_GROUP_SIZE {PERSONS_ROW_GROUP})"
            )
            con.execute(
                f"COPY (SELECT * EXCLUDE (bucket) FROM kb_w WHERE bucket = {b} ORDER BY quarter, person_id, code) "
                f"TO {_lit(out / 'benefit_weeks' / f'bucket={b}' / FILE)} (FORMAT PARQUET, COMPRESSION zstd, "
                f"ROW_GROUP_SIZE {WEEKS_ROW_GROUP}, KV_METADATA {{{ROWS_KEY}: '{int(rows.get(b, 0))}'}})"
            )
    finally:
        con.close()
    return out


def _weeks_view(con: duckdb.DuckDBPyConnection, weeks: Path) -> None:
    """The view ``kb_src`` of the benefit weeks with ``week`` as its Monday's DATE (the files
    hold ``YYYY-Www`` text; each distinct text is parsed once, as the loader does)."""
    source = f"read_parquet({_lit(weeks)})"
    if pa.types.is_date(pq.read_schema(weeks).field("week").type):
        con.execute(f"CREATE TEMP VIEW kb_src AS SELECT person_id, week, code FROM {source}")
        return
    pairs = []
    for (t,) in con.execute(f"SELECT DISTINCT week FROM {source}").fetchall():
        try:
            pairs.append((t, parse_iso_week(t)))
        except ValueError:
            raise ConfigError(f"{weeks} har ugen {t!r}, som ikke er en ISO-uge ÅÅÅÅ-Www") from None
    con.execute("CREATE TEMP TABLE kb_weekmap (text VARCHAR, monday DATE)")
    con.executemany("INSERT INTO kb_weekmap VALUES (?, ?)", pairs)
    con.execute(
        f"CREATE TEMP VIEW kb_src AS SELECT b.person_id, m.monday AS week, b.code FROM {source} b "
        "JOIN kb_weekmap m ON m.text = b.week"
    )


def _bucket_dirs(root: Path, kind: str) -> dict[int, Path]:
    dirs = {}
    for d in (root / kind).glob("bucket=*"):
        if d.is_dir() and d.name[7:].isdigit():
            dirs[int(d.name[7:])] = d
    return dirs


def bucket_count(root: Path) -> int:
    """The number of buckets of a bucketed copy in this layout (both kinds the same buckets)."""
    p, w = _bucket_dirs(root, "persons"), _bucket_dirs(root, "benefit_weeks")
    if not p or set(w) != set(p) or set(p) != set(range(len(p))):
        raise ConfigError(f"{root} er ikke en spandopdelt kopi (persons/bucket=0..B-1 og benefit_weeks/bucket=…)")
    first = w[0] / FILE
    if not first.is_file() or pq.read_schema(first).names != ["person_id", "quarter", "code", "weeks"]:
        raise ConfigError(
            f"den spandopdelte kopi {root} har et ældre format (en række pr. person og uge): "
            "skriv den igen med kommunebench synth --partitioned"
        )
    return len(p)


def bucket_rows(root: Path, kind: str) -> int:
    """Rows of ``kind`` the bucketed copy stands for, from the Parquet footers (no data read):
    persons' rows; for benefit weeks the files' rows that the quarterly counts add up."""
    total = 0
    for d in _bucket_dirs(root, kind).values():
        for f in d.glob("*.parquet"):
            meta = pq.ParquetFile(f).metadata
            if kind == "persons":
                total += meta.num_rows
            else:
                kv = meta.metadata or {}
                if ROWS_KEY.encode() not in kv:
                    raise ConfigError(f"{f} mangler antallet af ydelsesuger ({ROWS_KEY}): skriv kopien igen")
                total += int(kv[ROWS_KEY.encode()])
    return total


def bucket_sql(design: Design, area_codes: Sequence[Sequence[int]]) -> str:
    """The DuckDB engine's query over the quarterly counts: a row's ``weeks`` count instead of 1,
    the quarter instead of the week filtered (parameters: first and last quarter's DATE, then as
    the DuckDB engine's). Exact: the same integers (see the module doc)."""
    sql = _main_sql(case_reader(design), area_codes, unpacked=True)  # the files' texts are not ENUMs
    out = re.sub(r"sum\(t\.v(\d+)\)", r"sum(t.v\1 * b.weeks)", sql)
    out = out.replace("b.week BETWEEN ? AND ?", "b.quarter BETWEEN ? AND ?")
    if out.count("b.weeks") != sql.count("sum(t.v") or "b.quarter BETWEEN" not in out:
        raise RuntimeError("the DuckDB engine's query changed: update engines.bucketed.bucket_sql")
    return out


def bucket_params(period: Period) -> list[Any]:
    """The parameters of :func:`bucket_sql` for ``period``."""
    (y0, q0), (y1, q1) = period.quarters[0], period.quarters[-1]
    lo, hi = schemas.BENCHMARK_AGE
    return [dt.date(y0, 3 * q0 - 2, 1), dt.date(y1, 3 * q1 - 2, 1), period.population_year, lo, hi]


def add_rows(acc: Accumulator, cols: list[np.ndarray], nf: int) -> int:
    """Add rows ``[kommunekode, factor codes…, weeks per area…]``; returns the rows left out
    (a municipality outside the layout or a level outside the factor's)."""
    layout = acc.layout
    f = factor_codes(cols[1 : 1 + nf])
    ok = (f >= 0).all(axis=1) if len(f) else np.zeros(0, bool)
    mi = layout.rows_of(cols[0])
    ok &= mi >= 0
    w = np.column_stack(cols[1 + nf : 1 + nf + layout.n_areas]) if layout.n_areas else np.zeros((len(f), 0))
    if ok.all():
        acc.add(mi, f, w)
    else:
        acc.add(mi[ok], f[ok], w[ok])
    return int((~ok).sum())


def bucket_task(
    root: str, sql: str, params: Sequence[Any], layout: Layout, nf: int, gram: bool
) -> Callable[[Iterable[int]], Iterator[tuple[int, int, bytes, bytes]]]:
    """The function each Spark task runs over its bucket numbers: ``(rows, bad, sums, g)`` bytes.

    ``sql`` (with ``params``) reads the tables ``persons`` and ``benefit_weeks`` (the DuckDB
    engine's query); here they are views over the task's buckets' files, one query per task.
    """

    def run(numbers: Iterable[int]) -> Iterator[tuple[int, int, bytes, bytes]]:
        acc = Accumulator(layout, gram=gram)
        bad = 0
        mine = [int(b) for b in numbers]
        with pinned_blas(1):  # the task is the unit of parallelism: one BLAS thread, as DuckDB's
            if mine:
                con = duckdb.connect(config={"threads": 1})
                try:
                    for kind in KINDS:
                        files = ", ".join(_lit(Path(root) / kind / f"bucket={b}" / FILE) for b in mine)
                        con.execute(f"CREATE VIEW {kind} AS SELECT * FROM read_parquet([{files}])")
                    for batch in con.sql(sql, params=list(params)).to_arrow_reader(BATCH_ROWS):
                        cols = [np.asarray(c.to_numpy(zero_copy_only=False)) for c in batch.columns]
                        bad += add_rows(acc, cols, nf)
                finally:
                    con.close()
            g = acc.g.tobytes() if acc.g is not None else b""
        yield acc.rows, bad, acc.sums.tobytes(), g

    return run
