"""The drivers of a municipality's expected level: the JSON twin and the municipality page's part.

``/api/v1/kommuner/{kommunekode}/drivere`` serves what the municipality page's waterfall and
sentence show (:func:`kommunebench.publish.drivers.drivers_block` per list of the run).
"""

from __future__ import annotations

import builtins
from typing import Any

from fastapi import Depends
from pydantic import BaseModel, ConfigDict

from kommunebench.api.common import RUN_QUERY, municipality_or_404, pick_run, public, stored
from kommunebench.api.twins import ERRORS, Ctx, Pages, get_ctx
from kommunebench.benchmark.drivers import run_drivers
from kommunebench.errors import NotFoundError
from kommunebench.publish.drivers import drivers_block
from kommunebench.report.drivers import drivers_waterfall_json

__all__ = ["pages", "municipality_drivers", "drivers_extra", "DriversResponse"]

pages = Pages()


class DriverGroup(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str
    label: str
    contribution_pp: float


class DriverBlock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    list: str  # the list's name: total or an area
    list_label: str
    available: bool
    national_share: float | None = None
    expected_share: float | None = None
    deviation_pp: float | None = None
    groups: builtins.list[DriverGroup]
    sentence: str
    note: str


class DriversResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kommunekode: int
    run_id: str
    period: str
    lists: list[DriverBlock]


def municipality_drivers(ctx: Ctx, kommunekode: int, run: str | None) -> DriversResponse:
    """Every list's drivers of one municipality in the run (the newest by default)."""
    m = municipality_or_404(kommunekode)
    record = pick_run(ctx, run)
    if record is None:
        raise NotFoundError("der er ingen gemte kørsler endnu: kør 'kommunebench run' (eller 'kommunebench demo')")
    sr = stored(ctx, record)
    view = public(ctx, record)
    drivers = run_drivers(sr.artifacts, sr.lists.total_areas)
    blocks = [DriverBlock(**drivers_block(view, drivers, m.kommunekode, name)) for name in view.lists]
    return DriversResponse(kommunekode=m.kommunekode, run_id=record.run_id, period=record.period, lists=blocks)


def drivers_extra(ctx: Ctx, kommunekode: int, run_id: str | None) -> dict[str, Any]:
    """The municipality page's template values: the blocks and the total list's waterfall."""
    if run_id is None:
        return {"drivers": [], "drivers_figure": None}
    blocks = municipality_drivers(ctx, kommunekode, run_id).lists
    first = blocks[0] if blocks and blocks[0].available else None
    return {"drivers": blocks, "drivers_figure": drivers_waterfall_json(first.model_dump()) if first else None}


@pages.api.get(
    "/kommuner/{kommunekode}/drivere",
    response_model=DriversResponse,
    tags=["data"],
    operation_id="municipality_drivers",
    summary="Hvorfor er kommunens forventede andel som den er: bidrag pr. gruppe af rammevilkår",
    responses=ERRORS,
)
def drivers_json(kommunekode: int, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY) -> DriversResponse:
    """The expected share's deviation from the national share split by covariate group, per list."""
    return municipality_drivers(ctx, kommunekode, run)
