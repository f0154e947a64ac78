"""The municipality PDF report job: one municipality of a stored run as a 3-page A4 PDF, compared with
the previous run (:func:`kommunebench.pipeline.runs.previous_for`) for the change section."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import pandas as pd

from kommunebench import alerts
from kommunebench.benchmark.drivers import run_drivers
from kommunebench.data import reference
from kommunebench.errors import KommunebenchError, ReferenceDataError
from kommunebench.pipeline import joblog as jobs
from kommunebench.pipeline.config import Store
from kommunebench.pipeline.runs import default_public_run, open_run, previous_for, publish_run
from kommunebench.publish.joblog import public_joblog
from kommunebench.report.common import file_path, write_atomic

__all__ = ["municipality_pdf", "write_municipality_pdf", "report_file_name"]


def _joblog_rows(kommunekode: int, threshold: int, db: Store | None) -> list[dict[str, Any]]:
    try:
        hist = jobs.history(kommunekode, as_of=dt.date.today(), months=12, db=db)
    except KommunebenchError:
        return []
    out = []
    for rec in hist.to_dict("records"):
        row = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items()}
        month = pd.Timestamp(rec["month"]).date()
        counts = public_joblog(row, threshold)
        criteria = ", ".join(c.strip() for c in str(row.get("criteria") or "").split(",") if c.strip())
        out.append({**counts, "month_label": alerts.month_label_da(month), "criteria": criteria or "ingen"})
    return out


def municipality_pdf(
    kommune: int | str, *, run_id: str | None = None, threshold: int | None = None, db: Store | None = None
) -> tuple[bytes, str]:
    """(PDF bytes, run id) of the municipality's report for the run (default: the official run of the
    newest period, as on the dashboard)."""
    try:
        m = reference.municipality(reference.resolve_municipality(kommune))
    except ReferenceDataError as exc:
        raise ReferenceDataError(f"ukendt kommune {kommune!r}: {exc}") from None
    run = open_run(run_id, db=db) if run_id else default_public_run(db=db)
    view = publish_run(run, threshold=threshold, previous=previous_for(run, db=db))
    drivers = run_drivers(run.artifacts, run.lists.total_areas)
    rows = _joblog_rows(m.kommunekode, view.threshold, db)
    # fpdf (and its fontTools) cost about 0.3 s to import: only the PDF report needs them, so they
    # are not loaded at every start of the command line (docs/architecture.md, "Start-up").
    from kommunebench.report.pdf import municipality_pdf_bytes

    return municipality_pdf_bytes(view, drivers, m, rows, run_id=run.record.run_id), run.record.run_id


def report_file_name(kommune: int | str, run_id: str) -> str:
    m = reference.municipality(reference.resolve_municipality(kommune))
    return f"rapport_{m.kommunekode}_{run_id}.pdf"


def write_municipality_pdf(
    kommune: int | str,
    out: str | Path | None = None,
    *,
    run_id: str | None = None,
    threshold: int | None = None,
    db: Store | None = None,
) -> Path:
    """Write the report to ``out`` (default: ``rapport_<kode>_<run>.pdf`` in the working folder)."""
    body, rid = municipality_pdf(kommune, run_id=run_id, threshold=threshold, db=db)
    path = Path(out) if out is not None else Path(report_file_name(kommune, rid))
    return write_atomic(file_path(path, (".pdf",)), body)
