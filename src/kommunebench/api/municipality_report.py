"""The municipality report as a PDF download (the same file as ``kommunebench rapport KOMMUNE``)."""

from __future__ import annotations

from fastapi import Depends
from fastapi.responses import Response

from kommunebench.api.common import RUN_QUERY, municipality_or_404, pick_run
from kommunebench.api.twins import ERRORS, Ctx, Pages, get_ctx
from kommunebench.errors import NotFoundError
from kommunebench.pipeline.municipality_report import municipality_pdf, report_file_name

__all__ = ["pages", "PDF_TYPE"]

pages = Pages()
PDF_TYPE = "application/pdf"
_PDF = {"description": "Kommunerapporten som PDF (2-4 A4-sider)", "content": {PDF_TYPE: {}}}


def _pdf(ctx: Ctx, kommunekode: int, run: str | None) -> Response:
    m = municipality_or_404(kommunekode)
    record = pick_run(ctx, run)
    if record is None:
        raise NotFoundError("der er ingen gemte kørsler endnu: kør 'kommunebench run' (eller 'kommunebench demo')")
    with ctx.wh.read() as con:
        body, rid = municipality_pdf(m.kommunekode, run_id=record.run_id, threshold=ctx.threshold, db=con)
    name = report_file_name(m.kommunekode, rid)
    return Response(body, media_type=PDF_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@pages.api.get(
    "/kommuner/{kommunekode}/rapport.pdf",
    tags=["downloads"],
    operation_id="municipality_report_pdf",
    summary="Kommunerapporten som PDF: nøgletal, forventet niveau, ændring siden sidst, lignende kommuner, joblog",
    response_class=Response,
    responses={200: _PDF, **ERRORS},
)
def report_pdf(kommunekode: int, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY) -> Response:
    return _pdf(ctx, kommunekode, run)


@pages.web.get("/kommuner/{kommunekode}/rapport.pdf", response_class=Response)
def report_pdf_page(kommunekode: int, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY) -> Response:
    return _pdf(ctx, kommunekode, run)
