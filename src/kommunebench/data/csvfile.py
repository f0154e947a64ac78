"""CSV files for the loader: the UTF-8 check, the header's delimiter and names, and the physical
line of a data row (for messages)."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

from kommunebench.errors import ValidationError

__all__ = ["check_utf8", "sniff_header", "csv_line", "csv_shape_error"]

_CHUNK = 1 << 20


def check_utf8(path: Path) -> None:
    """Stream-decode the file; on the first invalid byte report its line and byte offset."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                # exc.start counts from the start of the decoder's buffer: pending bytes of an
                # incomplete sequence from the previous chunk come first.
                pending = len(exc.object) - len(chunk)
                bad = offset - pending + exc.start
                fh.seek(0)
                line = fh.read(bad).count(b"\n") + 1
                byte = exc.object[exc.start : exc.start + 1]
                raise ValidationError(
                    f"filen er ikke UTF-8-tekst: ugyldig byte 0x{byte.hex()} i linje {line}, "
                    f"byte-position {bad}; gem den som UTF-8",
                    file=path.name,
                    line=line,
                    value=None,
                ) from None
            if final:
                return
            offset += len(chunk)


def _read_header(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return fh.readline().rstrip("\r\n")


def sniff_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter (``,`` or ``;``, whichever the header line uses more) and the header names."""
    header = _read_header(path)
    if not header.strip():
        raise ValidationError(
            "første linje skal være en overskrift med kolonnenavnene, men den er tom", file=path.name, line=1
        )
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = next(csv.reader([header], delimiter=delimiter))
    return delimiter, [n.strip() for n in names]


def _records(path: Path, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
    """(row, line, fields) per data record as DuckDB counts them (blank lines skipped)."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        next(reader, None)
        row = 0
        while True:
            start = reader.line_num + 1
            try:
                rec = next(reader)
            except StopIteration:
                return
            if not rec:
                continue
            row += 1
            yield row, start, rec


def csv_line(path: Path, delimiter: str | None, row: int) -> int | None:
    """The physical line (as an editor shows it) where data row ``row`` starts."""
    try:
        for r, line, _ in _records(path, delimiter or ","):
            if r == row:
                return line
    except (csv.Error, OSError, UnicodeDecodeError):
        return None
    return None


def csv_shape_error(path: Path, delimiter: str, ncols: int, exc: Exception) -> ValidationError:
    try:
        for row, line, rec in _records(path, delimiter):
            if len(rec) != ncols:
                return ValidationError(
                    f"rækken har {len(rec)} felt(er), men overskriften har {ncols} (skilletegn {delimiter!r})",
                    file=path.name,
                    row=row,
                    line=line,
                )
    except csv.Error as err:
        return ValidationError(f"filen er ikke gyldig CSV: {err}", file=path.name)
    first = str(exc).splitlines()[0]
    return ValidationError(f"filen kan ikke læses som CSV: {first}", file=path.name)
