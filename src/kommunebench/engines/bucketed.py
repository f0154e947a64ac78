"""The co-bucketed Parquet copy of a snapshot, and the Spark task that reads runs of buckets.

``<snapshot>/buckets/persons/bucket=b/*.parquet`` and
``<snapshot>/buckets/benefit_weeks/bucket=b/*.parquet`` (``b = person_id mod B``, 0 ≤ b < B,
sorted by person and year/week): every person's rows of both kinds sit in the same bucket, so
the model stage needs **no shuffle** — the Spark engine runs the buckets as tasks (two tasks per
core, each over a run of buckets); a task joins each of its buckets' persons and benefit weeks
locally (embedded DuckDB, one thread, the same SQL as the other Spark mode) and feeds the
model's own accumulator; the driver adds the tasks' integer statistics (exact). The layout works
on a cluster when the executors see the snapshot at the same path (shared file system or
mounted object store). The loader ignores ``buckets``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq

from kommunebench.errors import ConfigError
from kommunebench.model.kernel import Accumulator, Layout, factor_codes

__all__ = ["BUCKETS", "DEFAULT_BUCKETS", "write_bucketed", "bucket_count", "bucket_rows", "bucket_task", "add_rows"]

BUCKETS = "buckets"
DEFAULT_BUCKETS = 64
KINDS = ("persons", "benefit_weeks")


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
    con = duckdb.connect()
    try:
        for kind, order in (("persons", "person_id, year"), ("benefit_weeks", "person_id, week")):
            con.execute(
                f"COPY (SELECT *, CAST(((person_id % {buckets}) + {buckets}) % {buckets} AS INTEGER) AS bucket "
                f"FROM read_parquet({_lit(files[kind])}) ORDER BY bucket, {order}) TO {_lit(out / kind)} "
                "(FORMAT PARQUET, PARTITION_BY (bucket), COMPRESSION zstd)"
            )
    finally:
        con.close()
    for kind in KINDS:  # a bucket without rows (few persons, many buckets) still gets a file
        have = _bucket_dirs(out, kind)
        empty = pq.read_schema(files[kind]).empty_table()
        for b in set(range(buckets)) - set(have):
            (out / kind / f"bucket={b}").mkdir()
            pq.write_table(empty, out / kind / f"bucket={b}" / "empty.parquet")
    return out


def _bucket_dirs(root: Path, kind: str) -> dict[int, Path]:
    dirs = {}
    for d in (root / kind).glob("bucket=*"):
        if d.is_dir() and d.name[7:].isdigit():
            dirs[int(d.name[7:])] = d
    return dirs


def bucket_count(root: Path) -> int:
    """The number of buckets of a bucketed copy (both kinds must have the same ones)."""
    p, w = _bucket_dirs(root, "persons"), _bucket_dirs(root, "benefit_weeks")
    if not p or set(w) != set(p) or set(p) != set(range(len(p))):
        raise ConfigError(f"{root} er ikke en spandopdelt kopi (persons/bucket=0..B-1 og benefit_weeks/bucket=…)")
    return len(p)


def bucket_rows(root: Path, kind: str) -> int:
    """Rows of ``kind`` in the bucketed copy, from the Parquet footers (no data read)."""
    dirs = _bucket_dirs(root, kind).values()
    return sum(pq.ParquetFile(f).metadata.num_rows for d in dirs for f in d.glob("*.parquet"))


def add_rows(acc: Accumulator, cols: list[np.ndarray], nf: int) -> int:
    """Add rows ``[kommunekode, factor codes…, weeks per area…]``; returns the rows left out
    (a municipality outside the layout or a level outside the factor's)."""
    layout = acc.layout
    f = factor_codes(cols[1 : 1 + nf])
    ok = (f >= 0).all(axis=1) if len(f) else np.zeros(0, bool)
    mi = layout.rows_of(cols[0])
    ok &= mi >= 0
    w = np.column_stack(cols[1 + nf : 1 + nf + layout.n_areas]).astype(float)
    acc.add(mi[ok], f[ok], w[ok])
    return int((~ok).sum())


def bucket_task(
    root: str, sql: str, layout: Layout, nf: int, gram: bool
) -> Callable[[Iterable[int]], Iterator[tuple[int, int, bytes, bytes]]]:
    """The function each Spark task runs over its bucket numbers: ``(rows, bad, sums, g)`` bytes.

    ``sql`` reads the views ``kb_persons`` and ``kb_benefit_weeks`` (the other Spark mode's
    query without year pruning); here they are the bucket's own files.
    """

    def run(numbers: Iterable[int]) -> Iterator[tuple[int, int, bytes, bytes]]:
        acc = Accumulator(layout, gram=gram)
        bad = 0
        con = duckdb.connect(config={"threads": 1})
        try:
            for b in numbers:
                for kind, view in (("persons", "kb_persons"), ("benefit_weeks", "kb_benefit_weeks")):
                    files = _lit(str(Path(root) / kind / f"bucket={int(b)}" / "*.parquet"))
                    con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM read_parquet({files})")
                for batch in con.sql(sql).fetch_record_batch(32_768):
                    cols = [np.asarray(c.to_numpy(zero_copy_only=False)) for c in batch.columns]
                    bad += add_rows(acc, cols, nf)
        finally:
            con.close()
        g = acc.g.tobytes() if acc.g is not None else b""
        yield acc.rows, bad, acc.sums.tobytes(), g

    return run
