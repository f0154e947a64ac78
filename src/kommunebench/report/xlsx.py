"""The one Excel writer: header style, number formats by kind, column widths, freeze panes, autofilter.

Used by the run workbook (:func:`kommunebench.report.write_excel`), the list download
(:func:`kommunebench.report.list_xlsx_bytes`) and the joblog workbook. A table's columns carry a
*kind* (``frame.attrs["kinds"]`` of :func:`kommunebench.publish.display_frame`) that picks the
number format; an empty (suppressed) cell is written as an empty cell that keeps its column's
format, never as text.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kommunebench.publish import format_number_da
from kommunebench.report.common import write_atomic

if TYPE_CHECKING:  # openpyxl is imported where a workbook is made, not at every start
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = [
    "NUMBER_FORMATS",
    "META_SHEET",
    "new_workbook",
    "sheet_title",
    "cell_value",
    "write_table",
    "write_pairs",
    "page_setup",
    "save",
    "to_bytes",
]

META_SHEET = "Om kørslen"
NUMBER_FORMATS = {
    "count": "#,##0",
    "persons": "#,##0",
    "share": "0.00",
    "mio": "#,##0.0",
    "pct1": "0.0",
    "rank": "0",
    "id": "0",
    "count_precise": "#,##0.000",
    "share_precise": "0.000000",
    "mio_precise": "#,##0.000",
}
HEADER_COLOUR = "DDE5F0"
HIGHLIGHT_COLOUR = "F8D7DA"
_INVALID = set("[]:*?/\\")
_MAX_WIDTH = 45


def new_workbook(title: str | None = None) -> Workbook:
    """An empty workbook (no default sheet) with kommunebench as its creator."""
    from openpyxl import Workbook

    wb = Workbook()
    if wb.active is not None:
        wb.remove(wb.active)
    wb.properties.creator = "kommunebench"
    if title:
        wb.properties.title = title
    return wb


def sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, no ``[]:*?/\\``)."""
    title = "".join("_" if ch in _INVALID else ch for ch in name)[:31]
    base, i = title, 2
    while title.lower() in used:
        suffix = f" ({i})"
        title, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(title.lower())
    return title


def cell_value(value: object) -> object:
    """A value as openpyxl writes it: plain Python, ``None`` for an empty cell (NA, NaN, inf)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _style_header(ws: Worksheet, n_columns: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for j in range(1, n_columns + 1):
        head = ws.cell(row=1, column=j)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor=HEADER_COLOUR)
        head.alignment = Alignment(wrap_text=True, vertical="top")


def _width(header: str, values: Iterable[object], kind: str, formatted: bool) -> float:
    """Column width from the content as shown (empty cells count as nothing) and the header."""
    shown = (format_number_da(v, kind) for v in values)
    content = max((len(s) for s in shown), default=0) + (2 if formatted else 0)
    head = len(header) + 2 if len(header) <= 18 else math.ceil(len(header) / 2) + 2
    word = max((len(w) for w in header.split()), default=0) + 3  # a bold word never wraps or is cut
    return min(max(content, head, word, 8), _MAX_WIDTH)


def _header_height(headers: Sequence[str], widths: Sequence[float]) -> float:
    """Points for the header row: every wrapped header shown in full (bold, 15 pt a line), at least 2 lines."""
    lines = [len(textwrap.wrap(h, max(int(w) - 3, 4))) for h, w in zip(headers, widths, strict=True)]
    return 15.0 * max([2, *lines])


def write_table(
    ws: Worksheet,
    frame: pd.DataFrame,
    *,
    kinds: Mapping[str, str] | None = None,
    freeze: str = "A2",
    highlight: Sequence[bool] | None = None,
) -> None:
    """``frame`` with a styled header row, number formats by kind, widths, frozen header and autofilter.

    ``kinds`` (header → kind) defaults to ``frame.attrs["kinds"]``; ``highlight`` marks rows to fill.
    """
    from openpyxl.styles import PatternFill
    from openpyxl.utils import get_column_letter

    highlight_fill = PatternFill("solid", fgColor=HIGHLIGHT_COLOUR)
    kinds = dict(frame.attrs.get("kinds", {}) if kinds is None else kinds)
    headers = [str(c) for c in frame.columns]
    ws.append(headers)
    for i, row in enumerate(frame.itertuples(index=False, name=None)):
        ws.append([cell_value(v) for v in row])
        if highlight is not None and highlight[i]:
            for cell in ws[ws.max_row]:
                cell.fill = highlight_fill
    n_rows = len(frame) + 1
    _style_header(ws, len(headers))
    for j, header in enumerate(headers, start=1):
        kind = kinds.get(header, "text")
        fmt = NUMBER_FORMATS.get(kind)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, max_row=n_rows, min_col=j, max_col=j):
                cell.number_format = fmt
        values = (cell_value(v) for v in frame.iloc[:500, j - 1])
        ws.column_dimensions[get_column_letter(j)].width = _width(header, values, kind, fmt is not None)
    widths = [ws.column_dimensions[get_column_letter(j)].width for j in range(1, len(headers) + 1)]
    ws.row_dimensions[1].height = _header_height(headers, widths)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(headers), 1))}{n_rows}"
    page_setup(ws)


def page_setup(ws: Worksheet, *, title_rows: str = "1:1") -> None:
    """Print-ready: A4 landscape, fit to one page wide, the header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def write_pairs(
    ws: Worksheet,
    rows: Iterable[tuple[str, object]],
    *,
    header: tuple[str, str] = ("Felt", "Værdi"),
    widths: tuple[float, float] = (42, 100),
) -> None:
    """A two-column (label, value) sheet such as "Om kørslen"; long values wrap."""
    from openpyxl.styles import Alignment

    ws.append(list(header))
    for label, value in rows:
        ws.append([label, cell_value(value)])
    _style_header(ws, 2)
    ws.column_dimensions["A"].width = widths[0]
    ws.column_dimensions["B"].width = widths[1]
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    page_setup(ws)


def to_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def save(wb: Workbook, path: Path) -> Path:
    """Save atomically (a temporary file beside ``path``, then moved into place)."""
    return write_atomic(path, to_bytes(wb))
