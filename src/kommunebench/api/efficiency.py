"""The DEA cost-efficiency page and its JSON twin: ``/effektivitet`` and ``/api/v1/effektivitet``.

The figures come from :func:`kommunebench.pipeline.efficiency.efficiency_view` (published:
rounded, suppressed municipalities left out and named), computed once per run, cost year and
returns to scale and kept with the warehouse version.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from kommunebench.api.common import RUN_QUERY
from kommunebench.api.twins import Ctx, Pages, get_ctx
from kommunebench.pipeline.efficiency import efficiency_view
from kommunebench.publish.efficiency import PublicEfficiency
from kommunebench.report.efficiency import efficiency_context

__all__ = ["pages", "EfficiencyPage", "EfficiencyRow"]

pages = Pages()


class EfficiencyRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    kommunekode: int
    navn: str
    dea_unit: str | None = Field(None, description="fælles jobcenter, som kommunen indgår i DEA som en del af")
    benchmark_rank: int | None = Field(description="rang i benchmarkingen (samlet liste)")
    diff_pp: float | None
    med_score: float | None = Field(description="DEA-score med udgifter (1 = på fronten)")
    med_group: int | None = Field(description="DEA-gruppe med udgifter (1 = bedst)")
    med_peers: str | None = Field(description="fronten: kommunerne og deres vægte")
    uden_score: float | None
    uden_group: int | None
    cost_per_fuldtidsperson_kr: float | None
    target_cost_per_fuldtidsperson_kr: float | None
    saving_kr: float | None = Field(description="besparelse ved samme resultater, kr. (afrundet til 1.000)")
    potential_pct: float | None
    potential_persons: float | None
    explanation: str


class EfficiencyPage(BaseModel):
    model_config = ConfigDict(frozen=True)
    run_id: str
    period: str
    cost_year: int
    rts: str
    miljoe: bool = Field(description="med miljøvariabel (forventet andel på ydelse i alt, rammevilkår)")
    threshold: int
    totals: dict[str, float]
    suppressed: list[str] = Field(description="kommuner udeladt, fordi en celle er undertrykt")
    excluded: list[str]
    udelad: tuple[str, ...] = Field((), description="de kommuner, forespørgslen bad om at holde uden for fronten")
    municipalities: list[EfficiencyRow]


def _view(
    ctx: Ctx, run: str | None, aar: int | None, rts: str, miljoe: bool = False, udelad: tuple[str, ...] = ()
) -> PublicEfficiency:
    def compute() -> PublicEfficiency:
        with ctx.wh.read() as con:
            return efficiency_view(
                run_id=run, db=con, year=aar, rts=rts, threshold=ctx.threshold, miljoe=miljoe, exclude=udelad
            )

    return ctx.wh.memo(("efficiency", run, aar, rts, ctx.threshold, miljoe, udelad), compute)


def _names(udelad: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x.strip() for x in udelad.split(",") if x.strip()))


def _extra(ctx: Ctx, data: EfficiencyPage) -> dict[str, Any]:
    return efficiency_context(_view(ctx, data.run_id, data.cost_year, data.rts, data.miljoe, data.udelad))


@pages.page(
    "/effektivitet",
    template="effektivitet.html",
    model=EfficiencyPage,
    tags=["sider"],
    summary="DEA-omkostningseffektivitet ved siden af ranglisten, med forklaring pr. kommune",
    html_extra=_extra,
)
def efficiency_page(
    ctx: Ctx = Depends(get_ctx),
    run: str | None = RUN_QUERY,
    aar: int | None = Query(None, ge=2007, le=2100, description="udgiftsår; standard: det nyeste"),
    rts: str = Query("vrs", pattern="^(vrs|crs)$", description="skalaafkast: vrs (standard) eller crs"),
    miljoe: bool = Query(False, description="tilføj miljøvariablen: forventet andel på ydelse i alt (rammevilkår)"),
    udelad: str = Query(
        "", max_length=400, description="kommuner holdt uden for fronten, kommasepareret (fx Ærø,Samsø,Langeland)"
    ),
) -> EfficiencyPage:
    """Benchmark rank beside DEA group and score, national totals and the reason in words."""
    names = _names(udelad)
    view = _view(ctx, run.upper() if run else None, aar, rts, miljoe, names)
    return EfficiencyPage(
        run_id=view.run_id,
        period=view.period,
        cost_year=view.cost_year,
        rts=view.rts,
        miljoe=view.miljoe,
        threshold=view.threshold,
        totals=dict(view.totals),
        suppressed=list(view.suppressed),
        excluded=list(view.excluded),
        udelad=names,
        municipalities=[
            EfficiencyRow.model_validate({k: r.get(k) for k in EfficiencyRow.model_fields}) for r in view.rows
        ],
    )
