"""The method page "Sådan beregnes benchmarket" (HTML and its JSON twin), linked from every page."""

from __future__ import annotations

from fastapi import Depends
from pydantic import BaseModel, ConfigDict

from kommunebench.api.common import RUN_QUERY, pick_run, public, runs
from kommunebench.api.twins import Ctx, Pages, get_ctx
from kommunebench.publish.method import METHOD_TITLE, method_sections

__all__ = ["pages", "MethodPage"]

pages = Pages()


class MethodTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    head: list[str]
    rows: list[list[str]]


class MethodSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    paragraphs: list[str]
    table: MethodTable | None


class MethodPage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    run_id: str | None
    sections: list[MethodSection]


@pages.page(
    "/metode",
    template="metode.html",
    model=MethodPage,
    tags=["sider"],
    summary="Sådan beregnes benchmarket: forventet, rammevilkår, placering, klynger, omkostninger, "
    "skærpet tilsyn, undertrykkelse og periodekoder",
)
def method_page(ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY) -> MethodPage:
    """The method, with the klynger and costs of the run (the newest by default)."""
    record = pick_run(ctx, run)
    view = public(ctx, record) if record is not None else None
    periods = sorted({r.period for r in runs(ctx)})
    sections = [MethodSection(**s) for s in method_sections(view, periods)]
    return MethodPage(title=METHOD_TITLE, run_id=record.run_id if record else None, sections=sections)
