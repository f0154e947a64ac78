"""The run workbook: one sheet per public list, Danish headers, number formats, and "Om kørslen".

Each list sheet holds the ministry's display values (counts rounded to 10, shares and differences
to 2 decimals, see :func:`kommunebench.publish.display_frame`) followed by the unrounded values in
columns marked "(uafrundet)"; suppressed cells are empty. The header row is frozen, has an
autofilter, and the columns are sized to their content (:mod:`kommunebench.report.xlsx`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from kommunebench.publish import PublicRun, display_frame
from kommunebench.publish.efficiency import PublicEfficiency
from kommunebench.report import xlsx
from kommunebench.report.common import as_view, file_path
from kommunebench.report.drivers import DRIVERS_SHEET, drivers_kinds
from kommunebench.report.efficiency import SHEET as EFFICIENCY_SHEET
from kommunebench.report.efficiency import efficiency_table
from kommunebench.report.exports import CONFIDENTIAL

__all__ = ["write_excel", "NUMBER_FORMATS", "META_SHEET", "meta_rows"]

META_SHEET = xlsx.META_SHEET
NUMBER_FORMATS = xlsx.NUMBER_FORMATS


def meta_rows(view: PublicRun) -> list[tuple[str, str]]:
    """The "Om kørslen" rows of a view: its run metadata and the suppression note."""
    return [*view.meta_rows, ("Undertrykkelse af små tal", view.suppression_note)]


def write_excel(
    view: object,
    path: str | Path,
    *,
    run_meta: Mapping[str, object] | None = None,
    efficiency: PublicEfficiency | None = None,
    precise: bool = True,
    confidential: bool = False,
    drivers: pd.DataFrame | None = None,
) -> Path:
    """Write every public list of ``view`` to an ``.xlsx`` file and return its path.

    ``view`` is a :class:`~kommunebench.publish.PublicRun` or ``BenchmarkLists`` (published with
    the ``suppress_below`` setting). Sheets, in order: "Samlet liste", one per area
    ("A-dagpenge mv.", ...), "Lignende kommuner", "Klynger", "Besparelsespotentiale", "Skærpet
    tilsyn", "Om kørslen". ``run_meta`` (for ``BenchmarkLists`` only) may hold ``run_id``,
    ``period``, ``scope``, ``data_fingerprint``, ``model``, ``package_version``, ``created`` and
    any further keys (shown as given). With ``efficiency`` (the public DEA view of the same run)
    the sheet "DEA og rangliste" comes before "Om kørslen". ``precise=False`` leaves out the
    unrounded columns; ``confidential=True`` marks every sheet (header, footer and the first
    sheet's name) with "Fortroligt – ikke til offentliggørelse". With ``drivers``
    (:func:`kommunebench.publish.drivers.drivers_table`) the sheet "Forklaring af forventet" too.
    """
    pv = as_view(view, run_meta)
    path = file_path(path, (".xlsx",))
    wb = xlsx.new_workbook(f"kommunebench {pv.period}")
    used: set[str] = set()
    for _, name, frame in pv.list_specs():
        xlsx.write_table(wb.create_sheet(xlsx.sheet_title(name, used)), display_frame(frame, precise=precise))
    if efficiency is not None:
        xlsx.write_table(wb.create_sheet(xlsx.sheet_title(EFFICIENCY_SHEET, used)), efficiency_table(efficiency))
    if drivers is not None and len(drivers):
        xlsx.write_table(wb.create_sheet(xlsx.sheet_title(DRIVERS_SHEET, used)), drivers, kinds=drivers_kinds(drivers))
    xlsx.write_pairs(wb.create_sheet(xlsx.sheet_title(META_SHEET, used)), meta_rows(pv))
    if confidential:
        for ws in wb.worksheets:
            for part in (ws.oddHeader, ws.oddFooter, ws.evenHeader, ws.evenFooter):
                if part is not None:
                    part.center.text = CONFIDENTIAL
            ws.sheet_properties.tabColor = "C00000"
        wb.properties.title = f"{CONFIDENTIAL}: kommunebench {pv.period}"
        wb.properties.keywords = CONFIDENTIAL
    return xlsx.save(wb, path)
