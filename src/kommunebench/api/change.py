"""What changed since the previous run, and why: the JSON twin and the municipality page's part.

``/api/v1/kommuner/{kommunekode}/aendring`` serves what the municipality page's change chart and
table show (:func:`kommunebench.publish.change.change_block` per list); kommunekode ``0`` is the
whole country ("Hele landet"). Published only where both runs publish the cell.
"""

from __future__ import annotations

import builtins
from typing import Any

from fastapi import Depends
from pydantic import BaseModel, ConfigDict

from kommunebench.api.common import RUN_QUERY, municipality_or_404, pick_run, public, run_info
from kommunebench.api.models import RunInfo
from kommunebench.api.twins import ERRORS, Ctx, Pages, get_ctx
from kommunebench.errors import NotFoundError
from kommunebench.publish import AREA_LABELS
from kommunebench.publish.change import NATIONAL_NAME, change_block
from kommunebench.report.change import change_waterfall_json

__all__ = ["pages", "municipality_change", "change_extra", "ChangeResponse"]

pages = Pages()


class ChangePart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    part: str  # actual, composition, labour_market, model
    label: str
    change_pp: float | None


class ChangeBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    list: str
    list_label: str
    available: bool
    previous_run_id: str | None
    previous_period: str | None
    rank: int | None = None
    rank_previous: int | None = None
    rank_change: int | None = None
    diff_pp: float | None = None
    diff_pp_previous: float | None = None
    diff_pp_change: float | None = None
    parts: builtins.list[ChangePart]
    sentence: str
    note: str


class ChangeResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kommunekode: int
    navn: str
    run: RunInfo
    lists: list[ChangeBlock]


def municipality_change(ctx: Ctx, kommunekode: int, run: str | None) -> ChangeResponse:
    """Every list's change of one municipality (0 = the country) in the run (the default run by default)."""
    navn = NATIONAL_NAME if kommunekode == 0 else municipality_or_404(kommunekode).navn
    record = pick_run(ctx, run)
    if record is None:
        raise NotFoundError("der er ingen gemte kørsler endnu: kør 'kommunebench run' (eller 'kommunebench demo')")
    view = public(ctx, record)
    blocks = [ChangeBlock(**change_block(view, kommunekode, name), list_label=AREA_LABELS[name]) for name in view.lists]
    return ChangeResponse(kommunekode=kommunekode, navn=navn, run=run_info(record, ctx), lists=blocks)


def change_extra(ctx: Ctx, kommunekode: int, run_id: str | None) -> dict[str, Any]:
    """The municipality page's template values: the blocks and the total list's chart."""
    if run_id is None:
        return {"change": [], "change_figure": None}
    blocks = municipality_change(ctx, kommunekode, run_id).lists
    first = blocks[0] if blocks and blocks[0].available else None
    return {"change": blocks, "change_figure": change_waterfall_json(first.model_dump()) if first else None}


@pages.api.get(
    "/kommuner/{kommunekode}/aendring",
    response_model=ChangeResponse,
    tags=["data"],
    operation_id="municipality_change",
    summary="Hvad er ændret siden forrige officielle kørsel, og hvorfor (0 = hele landet)",
    responses=ERRORS,
)
def change_json(kommunekode: int, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY) -> ChangeResponse:
    """Rank change and the change in the difference split into actual, composition, labour market and model."""
    return municipality_change(ctx, kommunekode, run)
