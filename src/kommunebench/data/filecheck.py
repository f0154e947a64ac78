"""Integrity of input files before they are staged: corrupt Parquet and the SHA-256 manifest.

* **Parquet.** Every page is read once with pyarrow with page checksum verification on (a file
  written with checksums — ``write_page_checksum=True``, as the synthetic Denmark writes them —
  refuses any flipped bit in a data page); each row group's row count must match its metadata,
  and every column chunk's recorded statistics (null count, min, max) must match its values. A
  damaged file is refused as *corrupt*, never reported as a later rule (a duplicate key).
  Duplicated column names are refused under their names in the file.
* **Manifest.** A snapshot folder may hold ``SHA256SUMS`` (``sha256sum`` format: ``<hex>  <file>``).
  When it is there, every file loaded from the folder must be listed and match; a file that is
  not listed or differs is refused.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kommunebench.errors import ValidationError

__all__ = ["MANIFEST", "check_parquet", "parquet_columns", "check_manifest"]

MANIFEST = "SHA256SUMS"
MAX_DISTINCT = 10_000  # distinct texts of a column collected by check_parquet
# Threads decoding row groups ahead (pyarrow releases the GIL) while this thread checks the
# previous ones: one per core beside this thread (one on 2 cores: bw's check 1.2 → 0.9 s wall).
_READERS = max(1, min((os.cpu_count() or 2) - 1, 3))


class RowGroupObserver(Protocol):
    """Sees each row group: ``part`` in a reader thread (any order), ``add`` in file order."""

    def part(self, table: pa.Table) -> Any: ...

    def add(self, part: Any) -> None: ...


def parquet_columns(path: Path) -> list[str]:
    """The column names exactly as the file has them (duplicates kept)."""
    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowException) as exc:
        raise ValidationError(f"filen er ikke en læsbar Parquet-fil: {_first(exc)}", file=path.name) from None


def _first(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]


def _corrupt(path: Path, what: str) -> ValidationError:
    return ValidationError(f"Parquet-filen er beskadiget ({what}); den er ikke indlæst", file=path.name)


def check_parquet(
    path: Path, *, distinct: Collection[str] = (), observe: RowGroupObserver | None = None
) -> dict[str, list[str]]:
    """Refuse a Parquet file whose pages, row counts or statistics do not hold (see the module doc).

    ``distinct``: columns (their names in the file) whose distinct non-missing texts are wanted,
    collected while the pages are read anyway: a text column is read as a dictionary, and each
    row group's used dictionary entries are its distinct values. Returns {column: sorted texts}
    for those that are text and have at most :data:`MAX_DISTINCT` of them; the caller finds the
    others another way. ``observe``: shown each row group (the columns as the file names them,
    the ``distinct`` text columns as dictionaries); its ``add`` runs after the group's checks.
    """
    try:
        pf = pq.ParquetFile(path, page_checksum_verification=True)
        want = {n for n in distinct if _is_text(pf.schema_arrow, n)}
        forced = {n for n in want if not pa.types.is_dictionary(pf.schema_arrow.field(n).type)}
        meta = pf.metadata  # the row groups are read with those text columns as dictionaries
        values: dict[str, set[str]] = {n: set() for n in want}
        for i, (table, part) in enumerate(_row_groups(path, sorted(forced), meta.num_row_groups, observe)):
            rg = meta.row_group(i)
            if rg.num_rows != table.num_rows:
                raise _corrupt(
                    path, f"rækkegruppe {i + 1} har {table.num_rows} rækker, dens metadata siger {rg.num_rows}"
                )
            for j in range(rg.num_columns):
                name, column = table.schema.names[j], table.column(j)
                used = _used_values(column) if name in want else None
                # A column read as a dictionary only here is checked on the values it uses, as the
                # plain texts were (the same minimum and maximum).
                _check_stats(path, rg.column(j), column, i, used if name in forced else None)
                if name in values:
                    texts = _texts(used, len(values[name]))
                    if texts is None:
                        del values[name]
                    else:
                        values[name] |= texts
            if observe is not None:
                observe.add(part)
    except ValidationError:
        raise
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise _corrupt(path, _first(exc)) from None
    return {n: sorted(v) for n, v in values.items()}


def _row_groups(
    path: Path, dictionary: list[str], n: int, observe: RowGroupObserver | None
) -> Iterator[tuple[pa.Table, Any]]:
    """The file's row groups in order, each read (pages checked, and shown to ``observe.part``)
    while the previous ones are checked: a few threads read ahead, each with its own reader. The
    first failure in file order is the one raised."""
    local = threading.local()

    def read(i: int) -> tuple[pa.Table, Any]:
        if not hasattr(local, "pf"):
            local.pf = pq.ParquetFile(path, page_checksum_verification=True, read_dictionary=dictionary or None)
        table = local.pf.read_row_group(i)
        return table, (observe.part(table) if observe is not None else None)

    with ThreadPoolExecutor(max_workers=_READERS) as pool:
        pending: deque[Future[tuple[pa.Table, Any]]] = deque()
        try:
            for i in range(n):
                pending.append(pool.submit(read, i))
                if len(pending) > _READERS:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()


def _is_text(schema: pa.Schema, name: str) -> bool:
    if schema.get_field_index(name) < 0:
        return False
    t = schema.field(name).type
    t = t.value_type if pa.types.is_dictionary(t) else t
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _used_values(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """The dictionary entries a dictionary column uses (nulls kept), or None for another column."""
    if not pa.types.is_dictionary(column.type):
        return None
    return pa.chunked_array(
        [c.dictionary.take(pc.unique(c.indices)) for c in column.chunks], type=column.type.value_type
    )


def _texts(values: pa.ChunkedArray | None, known: int) -> set[str] | None:
    """The non-missing texts; None when there are too many, or they are not valid UTF-8 (DuckDB's
    reader says so)."""
    if values is None or known + len(values) > MAX_DISTINCT:
        return None
    try:
        return {v for v in values.to_pylist() if v is not None}
    except (pa.ArrowException, ValueError):
        return None


def _check_stats(
    path: Path,
    chunk: pq.ColumnChunkMetaData,
    values: pa.ChunkedArray,
    group: int,
    distinct: pa.ChunkedArray | None = None,
) -> None:
    """``distinct``: the column's distinct values (when read as a dictionary), for min and max."""
    st = chunk.statistics
    if st is None:
        return
    name = chunk.path_in_schema
    if st.has_null_count and st.null_count != values.null_count:
        raise _corrupt(
            path, f"kolonne {name!r} i rækkegruppe {group + 1}: antallet af tomme værdier afviger fra statistikken"
        )
    if not st.has_min_max or values.null_count == len(values):
        return
    values = values if distinct is None else distinct
    try:
        mm = pc.min_max(values)
    except pa.ArrowNotImplementedError:
        return
    lo, hi = mm["min"].as_py(), mm["max"].as_py()
    if isinstance(lo, (int, float, str)) and (lo != st.min or hi != st.max):
        raise _corrupt(
            path, f"kolonne {name!r} i rækkegruppe {group + 1}: værdier uden for den registrerede min./maks."
        )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_manifest(folder: Path, files: Iterable[Path]) -> None:
    """Check ``files`` against ``folder/SHA256SUMS`` when the folder has one."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return
    listed: dict[str, str] = {}
    for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.strip().partition(" ")
        name = name.strip().lstrip("*")
        if len(digest) != 64 or not name:
            raise ValidationError("ikke en linje på formen '<sha256>  <fil>'", file=MANIFEST, row=n)
        listed[name] = digest.lower()
    for path in files:
        if path.name not in listed:
            raise ValidationError(f"filen står ikke i {MANIFEST}", file=path.name)
        if _sha256(path) != listed[path.name]:
            raise ValidationError(
                f"filen passer ikke med sin SHA-256 i {MANIFEST} (ændret eller beskadiget)", file=path.name
            )
