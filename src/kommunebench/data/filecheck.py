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
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from kommunebench.errors import ValidationError

__all__ = ["MANIFEST", "check_parquet", "parquet_columns", "check_manifest"]

MANIFEST = "SHA256SUMS"


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


def check_parquet(path: Path) -> None:
    """Refuse a Parquet file whose pages, row counts or statistics do not hold (see the module doc)."""
    try:
        pf = pq.ParquetFile(path, page_checksum_verification=True)
        meta = pf.metadata
        for i in range(meta.num_row_groups):
            table = pf.read_row_group(i)
            rg = meta.row_group(i)
            if rg.num_rows != table.num_rows:
                raise _corrupt(
                    path, f"rækkegruppe {i + 1} har {table.num_rows} rækker, dens metadata siger {rg.num_rows}"
                )
            for j in range(rg.num_columns):
                _check_stats(path, rg.column(j), table.column(j), i)
    except ValidationError:
        raise
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise _corrupt(path, _first(exc)) from None


def _check_stats(path: Path, chunk: pq.ColumnChunkMetaData, values: pa.ChunkedArray, group: int) -> None:
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
