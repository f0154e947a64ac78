"""Excel export: one sheet per list, Danish headers, number formats, and an "Om kørslen" sheet.

Each list sheet holds the ministry's display values (counts rounded to 10, shares and differences
to 2 decimals, see :func:`kommunebench.benchmark.display.display_frame`) followed by the unrounded
values in columns marked "(uafrundet)". The header row is frozen, has an autofilter, and the
columns are sized to their content.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kommunebench.benchmark.display import display_frame, format_number_da
from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.report._meta import check_lists, run_meta_rows

__all__ = ["write_excel", "NUMBER_FORMATS", "META_SHEET"]

META_SHEET = "Om kørslen"
NUMBER_FORMATS = {
    "count": "#,##0",
    "persons": "#,##0",
    "share": "0.00",
    "mio": "#,##0.0",
    "rank": "0",
    "id": "0",
    "count_precise": "#,##0.000",
    "share_precise": "0.000000",
    "mio_precise": "#,##0.000",
}
_HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
_INVALID = set('[]:*?/\\')


def _cell(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join("_" if ch in _INVALID else ch for ch in name)[:31]
    base, i = title, 2
    while title.lower() in used:
        suffix = f" ({i})"
        title, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(title.lower())
    return title


def _write_table(ws, frame) -> None:
    kinds = frame.attrs.get("kinds", {})
    headers = list(frame.columns)
    ws.append(headers)
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in row])
    n_rows = len(frame) + 1
    for j, header in enumerate(headers, start=1):
        letter = get_column_letter(j)
        head = ws.cell(row=1, column=j)
        head.font = Font(bold=True)
        head.fill = _HEADER_FILL
        head.alignment = Alignment(wrap_text=True, vertical="top")
        fmt = NUMBER_FORMATS.get(kinds.get(header, ""))
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, max_row=n_rows, min_col=j, max_col=j):
                cell.number_format = fmt
        # width: content (as shown) vs header, which may wrap onto two lines
        kind = kinds.get(header, "text")
        sample = [format_number_da(_cell(v), kind) for v in frame[header].head(500)]
        content = max((len(s) for s in sample), default=0) + (2 if fmt else 0)
        head_width = len(header) + 2 if len(header) <= 18 else math.ceil(len(header) / 2) + 2
        width = max(content, head_width, 8)
        ws.column_dimensions[letter].width = min(width, 45)
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"
    last = get_column_letter(max(len(headers), 1))
    ws.auto_filter.ref = f"A1:{last}{n_rows}"


def write_excel(lists: BenchmarkLists, path: str | Path, *,
                run_meta: Mapping | None = None) -> Path:
    """Write every list of ``lists`` to an ``.xlsx`` file and return its path.

    Sheets, in order: "Samlet liste", one per area ("A-dagpenge mv.", ...), "Lignende kommuner",
    "Klynger", "Besparelsespotentiale", "Skærpet tilsyn", "Om kørslen". ``run_meta`` may hold
    ``run_id``, ``period``, ``scope``, ``data_fingerprint``, ``model``, ``package_version``,
    ``created`` and any further keys (shown as given).
    """
    lists = check_lists(lists)
    meta_rows = run_meta_rows(lists, run_meta)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for _, name, frame in lists.list_specs():
        ws = wb.create_sheet(_sheet_title(name, used))
        _write_table(ws, display_frame(frame, precise=True))
    ws = wb.create_sheet(_sheet_title(META_SHEET, used))
    ws.append(["Felt", "Værdi"])
    for label, text in meta_rows:
        ws.append([label, text])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 100
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    wb.properties.title = f"kommunebench {lists.period}"
    wb.properties.creator = "kommunebench"
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path
