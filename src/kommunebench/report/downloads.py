"""Downloads of one public list as the list page shows it (filters included): CSV and Excel.

Unlike the run exports (:func:`~kommunebench.report.write_csv`, :func:`~kommunebench.report.write_excel`)
a download holds only the published figures: rounded as published, small cells empty and flagged
in the column "Undertrykt", no unrounded columns. The workbook adds an "Om kørslen" sheet (run,
period, scope, fingerprint, results hash, model, version, filters, suppression, source).

Both end with the never-ranked "Hele landet" row, as the list page's foot (filters or not): the
national population and, unless withheld (:mod:`kommunebench.publish.change`: they could give a
suppressed cell back), the national expected and actual shares and difference; a withheld row is
marked in "Undertrykt".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kommunebench.data import reference
from kommunebench.errors import NotFoundError
from kommunebench.publish import AREA_LABELS, ATTRIBUTION, PublicRun, display_frame, period_text
from kommunebench.report import xlsx
from kommunebench.report.common import as_view
from kommunebench.report.exports import csv_bytes

__all__ = ["download_frame", "list_frame", "list_csv_bytes", "list_xlsx_bytes", "list_download_name", "regions"]

_DROPPED = ("area",)  # the list is named by the file and the sheet


def regions() -> dict[int, str]:
    """regionskode → regionsnavn of the five regions."""
    return dict(sorted({(m.regionskode, m.regionsnavn) for m in reference.municipalities()}))


def list_frame(view: PublicRun, area: str, *, region: int | None = None, klynge: int | None = None) -> pd.DataFrame:
    """The public list ``area`` (``total`` or an area) filtered by regionskode and klynge, in list order.

    NotFoundError for an unknown list, region or a klynge not in the list.
    """
    frame = view.frame(area)
    keep = pd.Series(True, index=frame.index)
    if region is not None:
        known = regions()
        if region not in known:
            raise NotFoundError(f"ukendt regionskode {region}: vælg en af {', '.join(str(c) for c in known)}")
        keep &= frame["regionskode"] == region
    if klynge is not None:
        klynger = sorted({int(k) for k in frame["klynge"].dropna()})
        if klynge not in klynger:
            raise NotFoundError(f"klynge {klynge} findes ikke i listen (der er {len(klynger)} klynger)")
        keep &= frame["klynge"] == klynge
    return frame[keep.to_numpy(dtype=bool)].drop(columns=[c for c in _DROPPED if c in frame]).reset_index(drop=True)


def _with_national(frame: pd.DataFrame, national: Mapping[str, Any] | None) -> pd.DataFrame:
    """The list with the "Hele landet" row last: no rank, no code, withheld shares empty."""
    if national is None:
        return frame
    row: dict[str, object] = {c: np.nan for c in frame.columns}
    row.update(
        navn=national["navn"],
        population=float(national["population"]),
        expected_share=np.nan if national["expected_share"] is None else national["expected_share"],
        actual_share=np.nan if national["actual_share"] is None else national["actual_share"],
        diff_pp=np.nan if national["diff_pp"] is None else national["diff_pp"],
        suppressed=bool(national["withheld"]),
    )
    tail = pd.DataFrame([row], columns=frame.columns).astype({"suppressed": bool})
    return pd.concat([frame, tail], ignore_index=True)


def download_frame(view: PublicRun, area: str, *, region: int | None = None, klynge: int | None = None) -> pd.DataFrame:
    """What a download holds: the filtered public list in Danish, "Hele landet" last."""
    frame = _with_national(list_frame(view, area, region=region, klynge=klynge), view.national.get(area))
    return display_frame(frame)


def list_csv_bytes(
    view: object, area: str, *, region: int | None = None, klynge: int | None = None, dialect: str = "da"
) -> bytes:
    """The filtered public list as CSV (``da``: Danish Excel; ``plain``: comma and decimal point)."""
    pv = as_view(view)
    return csv_bytes(download_frame(pv, area, region=region, klynge=klynge), dialect=dialect)


def _about(pv: PublicRun, area: str, region: int | None, klynge: int | None) -> list[tuple[str, object]]:
    rec = pv.record
    run: list[str]
    if rec is not None:
        run = [rec.run_id, rec.scope, rec.data_fingerprint, rec.results_sha256, rec.model_version, rec.package_version]
    else:  # lists never stored: what the caller gave as run_meta
        meta = dict(pv.meta_rows)
        labels = ("Kørsels-id", "Scope", "Data-fingeraftryk", "results_sha256", "Model", "Pakkeversion (kommunebench)")
        run = [meta.get(k) or "—" for k in labels]
    run_id, scope, fingerprint, results, model, version = run
    return [
        ("Liste", AREA_LABELS.get(area, area)),
        ("Kørsel", run_id),
        ("Periode", f"{pv.period} ({period_text(pv.period)})"),
        ("Scope", scope),
        ("Data-fingeraftryk", fingerprint),
        ("Resultater (SHA-256)", results),
        ("Model", model),
        ("Pakkeversion", version),
        ("Filter: region", regions()[region] if region is not None else "alle"),
        ("Filter: klynge", f"Klynge {klynge}" if klynge is not None else "alle"),
        ("Undertrykkelse", pv.suppression_note),
        ("Kilde", ATTRIBUTION),
    ]


def list_xlsx_bytes(view: object, area: str, *, region: int | None = None, klynge: int | None = None) -> bytes:
    """The filtered public list as a workbook: the list's sheet and "Om kørslen"."""
    pv = as_view(view)
    frame = download_frame(pv, area, region=region, klynge=klynge)
    wb = xlsx.new_workbook(f"kommunebench {pv.period} {AREA_LABELS.get(area, area)}")
    used: set[str] = set()
    xlsx.write_table(wb.create_sheet(xlsx.sheet_title(AREA_LABELS.get(area, area), used)), frame)
    xlsx.write_pairs(
        wb.create_sheet(xlsx.sheet_title(xlsx.META_SHEET, used)), _about(pv, area, region, klynge), widths=(24, 110)
    )
    return xlsx.to_bytes(wb)


def list_download_name(view: object, area: str, ext: str) -> str:
    """``benchmark_<period>_<list>_<run id>.<ext>`` (without the run id for lists never stored)."""
    pv = as_view(view)
    pv.frame(area)  # NotFoundError for a list not in the run
    run = f"_{pv.record.run_id}" if pv.record is not None else ""
    return f"benchmark_{pv.period}_{area}{run}.{ext.lstrip('.')}"
