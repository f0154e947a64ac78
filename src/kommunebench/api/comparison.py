"""Published vs own: the page ``/sammenligning``, its JSON twin and the Excel download.

The own run and the published (jobindsats) run of the same period side by side: a rank scatter,
Spearman's rank correlation, and per municipality both ranks and both expected shares
(:mod:`kommunebench.publish.compare`).
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from kommunebench.api.common import public, runs
from kommunebench.api.twins import ERRORS, Ctx, Pages, get_ctx
from kommunebench.pipeline.published import pair_runs
from kommunebench.publish import AREA_LABELS
from kommunebench.publish.compare import Comparison, compare_views
from kommunebench.publish.rounding import round_half_away
from kommunebench.report.comparison import comparison_workbook_bytes

__all__ = ["pages", "ComparisonPage"]

pages = Pages()
RUN = r"^[Rr]\d{4,}$"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class _M(BaseModel):
    model_config = ConfigDict(frozen=True)


class ComparisonList(_M):
    area: str
    label: str
    n: int
    spearman: float | None
    mean_abs_rank_difference: float | None
    max_abs_rank_difference: int | None
    mean_abs_expected_share_difference_pp: float | None


class ComparisonRow(_M):
    area: str
    kommunekode: int
    navn: str
    published_rank: int | None
    own_rank: int | None
    rank_difference: int | None
    published_expected_share: float | None
    own_expected_share: float | None
    expected_share_difference_pp: float | None
    published_diff_pp: float | None
    own_diff_pp: float | None


class ComparisonPage(_M):
    own_run: str
    published_run: str
    own_period: str
    published_period: str
    same_period: bool
    lists: list[ComparisonList]
    rows: list[ComparisonRow]


def _num(value: object, decimals: int | None) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    v = float(value)  # type: ignore[arg-type]
    return int(round(v)) if decimals is None else float(round_half_away(v, decimals))


def _comparison(ctx: Ctx, egen: str | None, offentliggjort: str | None) -> Comparison:
    own, pub = pair_runs(runs(ctx), own=egen, published=offentliggjort)
    return compare_views(public(ctx, own), public(ctx, pub))


def _clean(rec: dict[Any, Any], text: set[str], ints: set[str], decimals: int) -> dict[str, Any]:
    return {str(k): v if k in text else _num(v, None if k in ints else decimals) for k, v in rec.items()}


def _page(comp: Comparison) -> ComparisonPage:
    ints = {"published_rank", "own_rank", "rank_difference", "max_abs_rank_difference", "n", "kommunekode"}
    lists = [
        ComparisonList.model_validate(
            {**_clean(r, {"area"}, ints, 3), "label": AREA_LABELS.get(str(r["area"]), str(r["area"]))}
        )
        for r in comp.summary.to_dict("records")
    ]
    rows = [ComparisonRow.model_validate(_clean(r, {"area", "navn"}, ints, 2)) for r in comp.rows.to_dict("records")]
    return ComparisonPage(
        own_run=comp.own_run,
        published_run=comp.published_run,
        own_period=comp.own_period,
        published_period=comp.published_period,
        same_period=comp.same_period,
        lists=lists,
        rows=rows,
    )


@pages.page(
    "/sammenligning",
    template="sammenligning.html",
    model=ComparisonPage,
    tags=["sider"],
    summary="Offentliggjort liste (jobindsats) mod egen kørsel: placeringer, Spearman, forventede andele",
)
def comparison_page(
    ctx: Ctx = Depends(get_ctx),
    egen: str | None = Query(None, pattern=RUN, description="egen kørsel (standard: samme periode)"),
    offentliggjort: str | None = Query(None, pattern=RUN, description="offentliggjort kørsel (standard: nyeste)"),
) -> ComparisonPage:
    """The published list beside an own run of the same period (see ``docs/published.md``)."""
    return _page(_comparison(ctx, egen, offentliggjort))


@pages.api.get(
    "/sammenligning/xlsx",
    tags=["downloads"],
    operation_id="comparison_xlsx",
    summary="Sammenligningen som Excel",
    response_class=Response,
    responses={200: {"content": {XLSX_TYPE: {}}}, **ERRORS},
)
def comparison_xlsx(
    ctx: Ctx = Depends(get_ctx),
    egen: str | None = Query(None, pattern=RUN),
    offentliggjort: str | None = Query(None, pattern=RUN),
) -> Response:
    comp = _comparison(ctx, egen, offentliggjort)
    name = f"sammenligning_{comp.own_run}_{comp.published_run}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(comparison_workbook_bytes(comp), media_type=XLSX_TYPE, headers=headers)
