"""CSV and Excel downloads of one public list (what the list page shows, filters included).

The report stage's ``write_csv``/``write_excel`` write *every* list with the unrounded values
next to the published ones; a public download must not, so this module writes the public rows
(rounded as published, small cells suppressed and flagged) in the report's CSV dialect and number
formats.
"""

from __future__ import annotations

import io

import pandas as pd
from fastapi import Depends, Query
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from kommunebench.api.models import Area
from kommunebench.api.pages import RUN_QUERY, list_page, pages
from kommunebench.api.twins import ERRORS, Ctx, get_ctx
from kommunebench.report import CSV_DIALECTS, NUMBER_FORMATS

__all__ = ["COLUMNS"]

# public row field → (Danish header, number kind)
COLUMNS = {
    "rank": ("Placering", "rank"), "kommunekode": ("Kommunekode", "id"), "navn": ("Kommune", "text"),
    "regionsnavn": ("Region", "text"), "klynge": ("Klynge", "rank"),
    "population": ("Befolkning 16-66 år", "persons"), "expected": ("Forventet antal", "count"),
    "actual": ("Faktisk antal", "count"), "diff": ("Forskel (antal)", "count"),
    "expected_share": ("Forventet andel (pct.)", "share"), "actual_share": ("Faktisk andel (pct.)", "share"),
    "diff_pp": ("Forskel (pct.-point)", "share"),
    "potential_mio_kr": ("Besparelsespotentiale (mio. kr.)", "mio"),
    "result_target_failed": ("Resultatmål ikke opfyldt", "bool"), "suppressed": ("Undertrykt", "bool"),
}
_CSV = {"description": "Listen som CSV (dansk Excel: semikolon, decimalkomma, UTF-8 med BOM)",
        "content": {"text/csv": {}}}
_XLSX = {"description": "Listen som Excel-ark med et ark 'Om kørslen'",
         "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}


def _frame(page) -> pd.DataFrame:
    cols = [c for c in COLUMNS if c != "result_target_failed" or page.area == "total"]
    data = {COLUMNS[c][0]: [getattr(r, c) for r in page.rows] for c in cols}
    for c in ("result_target_failed", "suppressed"):
        if c in cols:
            data[COLUMNS[c][0]] = ["Ja" if v else "Nej" for v in data[COLUMNS[c][0]]]
    frame = pd.DataFrame(data, columns=[COLUMNS[c][0] for c in cols])
    for c in cols:
        if COLUMNS[c][1] in {"count", "persons", "rank", "id"}:
            frame[COLUMNS[c][0]] = frame[COLUMNS[c][0]].astype("Int64")
        elif COLUMNS[c][1] in {"share", "mio"}:
            frame[COLUMNS[c][0]] = frame[COLUMNS[c][0]].astype("Float64")
    frame.attrs["kinds"] = {COLUMNS[c][0]: COLUMNS[c][1] for c in cols}
    return frame


def _name(page, ext: str) -> str:
    return f"benchmark_{page.run.period}_{page.area}_{page.run.run_id}.{ext}"


@pages.api.get("/lister/{omraade}/csv", tags=["downloads"], operation_id="list_csv",
               summary="Download en liste som CSV", response_class=Response,
               responses={200: _CSV, **ERRORS})
def list_csv(omraade: Area, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY,
             region: int | None = Query(None), klynge: int | None = Query(None, ge=1, le=98),
             dialect: str = Query("da", pattern="^(da|plain)$",
                                  description="da: dansk Excel (;), plain: komma og decimalpunktum")) -> Response:
    page = list_page(omraade, ctx=ctx, run=run, region=region, klynge=klynge)
    opts = CSV_DIALECTS[dialect]
    text = _frame(page).to_csv(index=False, sep=opts["sep"], decimal=opts["decimal"],
                               lineterminator=opts["lineterminator"])
    body = text.encode(opts["encoding"])
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{_name(page, "csv")}"'})


@pages.api.get("/lister/{omraade}/xlsx", tags=["downloads"], operation_id="list_xlsx",
               summary="Download en liste som Excel", response_class=Response,
               responses={200: _XLSX, **ERRORS})
def list_xlsx(omraade: Area, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY,
              region: int | None = Query(None), klynge: int | None = Query(None, ge=1, le=98)) -> Response:
    page = list_page(omraade, ctx=ctx, run=run, region=region, klynge=klynge)
    frame = _frame(page)
    wb = Workbook()
    ws = wb.active
    ws.title = page.area_label[:31]
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        ws.append([None if pd.isna(v) else v for v in row])
    fill = PatternFill("solid", fgColor="DDE5F0")
    for j, header in enumerate(frame.columns, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font, cell.fill = Font(bold=True), fill
        fmt = NUMBER_FORMATS.get(frame.attrs["kinds"][header])
        if fmt:
            for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                c.number_format = fmt
        ws.column_dimensions[cell.column_letter].width = max(10, min(40, len(header) + 2))
    ws.freeze_panes = "A2"
    meta = wb.create_sheet("Om kørslen")
    run = page.run
    for label, value in (("Liste", page.area_label), ("Kørsel", run.run_id), ("Periode", f"{run.period} "
                         f"({run.period_text})"), ("Scope", run.scope), ("Data-fingeraftryk", run.data_fingerprint),
                         ("Resultater (SHA-256)", run.results_sha256), ("Model", run.model_version),
                         ("Pakkeversion", run.package_version), ("Filter: region", page.region or "alle"),
                         ("Filter: klynge", page.klynge or "alle"), ("Undertrykkelse", page.suppression.note),
                         ("Kilde", page.attribution)):
        meta.append([label, str(value)])
    meta.column_dimensions["A"].width = 24
    meta.column_dimensions["B"].width = 110
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{_name(page, "xlsx")}"'})
