"""Read a jobindsats file in any of its shapes into labelled rows (no validation of the values).

Shapes: the v3 API reply ``{"columns": [...], "rows": [[...], ...]}``; the v2 reply
``[{"Variables": [{"Label": ...}], "Data": [[...], ...]}]``; JSON Lines (one object a line, as the
shared extract); the CSV download (``;``, decimal comma, UTF-8 with or without BOM, or Windows-1252
when Excel saved it again; a ``,`` file is read with decimal point) and the Excel download (first
sheet; title rows above the header are skipped). Every row keeps its 1-based data-row number and,
for CSV/JSON Lines, its line number.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kommunebench.errors import ValidationError
from kommunebench.published.labels import field_of

__all__ = ["RawTable", "read_file", "read_bytes", "unreadable"]


@dataclass(frozen=True)
class RawTable:
    """Labelled rows of one file: ``rows`` are (data row, line or None, label → value)."""

    file: str
    shape: str  # v3 | v2 | jsonl | csv | xlsx
    decimal: str  # comma | point
    labels: tuple[str, ...]
    rows: tuple[tuple[int, int | None, dict[str, Any]], ...]


def unreadable(exc: OSError) -> str:
    """Why a file cannot be read, in Danish."""
    if isinstance(exc, FileNotFoundError):
        return "filen findes ikke"
    if isinstance(exc, IsADirectoryError):
        return "det er en mappe, ikke en fil"
    if isinstance(exc, PermissionError):
        return "ingen adgang til at læse filen"
    return f"kan ikke læse filen (fejlkode {exc.errno})"


def _fail(file: str, rule: str, **kw: Any) -> ValidationError:
    return ValidationError(rule, file=file, **kw)


def _table(file: str, shape: str, decimal: str, labels: list[str], data: list[Any], lines: bool = False) -> RawTable:
    rows = []
    for i, values in enumerate(data, start=1):
        if not isinstance(values, list) or len(values) != len(labels):
            raise _fail(file, f"rækken har ikke {len(labels)} felter som kolonnerne", row=i)
        rows.append((i, i if lines else None, dict(zip(labels, values, strict=True))))
    return RawTable(file, shape, decimal, tuple(labels), tuple(rows))


def _json(file: str, text: str) -> RawTable:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _fail(file, f"ikke gyldig JSON ({exc.msg})", line=exc.lineno, row=exc.lineno) from None
    if isinstance(doc, dict) and "columns" in doc and "rows" in doc:
        return _table(file, "v3", "comma", [str(c) for c in doc["columns"]], list(doc["rows"]))
    if isinstance(doc, list) and doc and isinstance(doc[0], dict) and "Variables" in doc[0]:
        labels = [str(v.get("Label", "")) for v in doc[0]["Variables"]]
        return _table(file, "v2", "comma", labels, [r for part in doc for r in part.get("Data", [])])
    if isinstance(doc, dict) and len(doc) == 1 and "nøgle" in next(iter(doc)):
        raise _fail(file, f"svar med fejl fra jobindsats: {next(iter(doc))}")
    raise _fail(file, 'ukendt JSON-form: forventede v3 {"columns", "rows"} eller v2 [{"Variables", "Data"}]')


def _jsonl(file: str, text: str) -> RawTable:
    rows: list[tuple[int, int | None, dict[str, Any]]] = []
    labels: list[str] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(file, f"ikke gyldig JSON ({exc.msg})", row=len(rows) + 1, line=line_no) from None
        if not isinstance(obj, dict):
            raise _fail(file, "hver linje skal være et JSON-objekt", row=len(rows) + 1, line=line_no)
        labels = labels or list(obj)
        rows.append((len(rows) + 1, line_no, obj))
    return RawTable(file, "jsonl", "comma", tuple(labels), tuple(rows))


def _is_header(cells: list[Any]) -> bool:
    fields = {field_of(str(c)) for c in cells if c not in (None, "")}
    return {"area", "period"} <= fields


def _grid(file: str, shape: str, decimal: str, grid: list[tuple[int, list[Any]]]) -> RawTable:
    start = next((k for k, (_, cells) in enumerate(grid) if _is_header(cells)), None)
    if start is None:
        raise _fail(file, "fandt ingen overskriftsrække med område og periode (fx 'Område;Periode;…')")
    labels = [str(c).strip() if c is not None else "" for c in grid[start][1]]
    rows: list[tuple[int, int | None, dict[str, Any]]] = []
    for line, cells in grid[start + 1 :]:
        if all(c in (None, "") for c in cells):
            continue
        if len(cells) < len(labels) and str(cells[0] or "").lower().startswith(("kilde", "note", "anm")):
            continue  # a footnote line of the download
        cells = list(cells) + [None] * (len(labels) - len(cells))
        if len(cells) > len(labels) and any(c not in (None, "") for c in cells[len(labels) :]):
            raise _fail(file, f"rækken har flere felter end de {len(labels)} kolonner", row=len(rows) + 1, line=line)
        rows.append((len(rows) + 1, line if shape == "csv" else None, dict(zip(labels, cells, strict=False))))
    return RawTable(file, shape, decimal, tuple(labels), tuple(rows))


def _csv(file: str, text: str) -> RawTable:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    grid = [(reader.line_num, row) for row in reader]
    return _grid(file, "csv", "comma" if delimiter == ";" else "point", [(n, list(r)) for n, r in grid])


def _xlsx(file: str, data: bytes) -> RawTable:
    from openpyxl import load_workbook  # imported here, not at every start of the command line

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a broken file
        raise _fail(file, f"kan ikke læses som Excel-fil ({type(exc).__name__})") from None
    ws = wb.worksheets[0]
    grid = [(i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1)]
    wb.close()
    return _grid(file, "xlsx", "comma", grid)


def read_bytes(name: str, data: bytes) -> RawTable:
    """Rows of a file's bytes; the shape is decided by the suffix of ``name`` and the content."""
    suffix = Path(name).suffix.lower()
    if suffix in {".xlsx", ".xlsm"} or data[:2] == b"PK":
        return _xlsx(name, data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if suffix not in {".csv", ".txt"}:
            raise _fail(name, "ikke UTF-8-tekst (jobindsats skriver UTF-8)") from None
        text = data.decode("cp1252", errors="replace")  # a download saved again by Excel ("CSV (semikolon)")
    text = text.lstrip("\ufeff")
    head = text.lstrip()[:1]
    if suffix in {".jsonl", ".ndjson"}:
        return _jsonl(name, text)
    if suffix == ".json" or head in {"{", "["}:
        if head == "{" and _looks_jsonl(text):
            return _jsonl(name, text)
        return _json(name, text)
    return _csv(name, text)


def _looks_jsonl(text: str) -> bool:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return len(lines) > 1 and all(ln.lstrip().startswith("{") and ln.rstrip().endswith("}") for ln in lines[:3])


def read_file(path: str | Path) -> RawTable:
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise _fail(str(p), unreadable(exc)) from None
    return read_bytes(p.name, data)
