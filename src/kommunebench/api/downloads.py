"""CSV and Excel downloads of one public list (what the list page shows, filters included).

The files are written by the report stage from the run's public view, so a download is rounded
and suppressed exactly as the page, the API and the static report.
"""

from __future__ import annotations

from fastapi import Depends, Query
from fastapi.responses import Response

from kommunebench.api.common import RUN_QUERY, pick_run, public
from kommunebench.api.models import Area
from kommunebench.api.pages import list_page
from kommunebench.api.twins import ERRORS, Ctx, Pages, get_ctx
from kommunebench.report import list_csv_bytes, list_download_name, list_xlsx_bytes

__all__ = ["pages"]

pages = Pages()
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_CSV = {
    "description": "Listen som CSV (dansk Excel: semikolon, decimalkomma, UTF-8 med BOM)",
    "content": {"text/csv": {}},
}
_XLSX = {"description": "Listen som Excel-ark med et ark 'Om kørslen'", "content": {XLSX_TYPE: {}}}


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@pages.api.get(
    "/lister/{omraade}/csv",
    tags=["downloads"],
    operation_id="list_csv",
    summary="Download en liste som CSV",
    response_class=Response,
    responses={200: _CSV, **ERRORS},
)
def list_csv(
    omraade: Area,
    ctx: Ctx = Depends(get_ctx),
    run: str | None = RUN_QUERY,
    region: int | None = Query(None),
    klynge: int | None = Query(None, ge=1, le=98),
    dialect: str = Query(
        "da", pattern="^(da|plain)$", description="da: dansk Excel (;), plain: komma og decimalpunktum"
    ),
) -> Response:
    page = list_page(omraade, ctx=ctx, run=run, region=region, klynge=klynge)  # validates run, region, klynge
    record = pick_run(ctx, page.run.run_id)
    assert record is not None
    view = public(ctx, record)
    body = list_csv_bytes(view, page.area, region=region, klynge=klynge, dialect=dialect)
    return Response(
        body, media_type="text/csv; charset=utf-8", headers=_attachment(list_download_name(view, page.area, "csv"))
    )


@pages.api.get(
    "/lister/{omraade}/xlsx",
    tags=["downloads"],
    operation_id="list_xlsx",
    summary="Download en liste som Excel",
    response_class=Response,
    responses={200: _XLSX, **ERRORS},
)
def list_xlsx(
    omraade: Area,
    ctx: Ctx = Depends(get_ctx),
    run: str | None = RUN_QUERY,
    region: int | None = Query(None),
    klynge: int | None = Query(None, ge=1, le=98),
) -> Response:
    page = list_page(omraade, ctx=ctx, run=run, region=region, klynge=klynge)
    record = pick_run(ctx, page.run.run_id)
    assert record is not None
    view = public(ctx, record)
    body = list_xlsx_bytes(view, page.area, region=region, klynge=klynge)
    return Response(body, media_type=XLSX_TYPE, headers=_attachment(list_download_name(view, page.area, "xlsx")))
