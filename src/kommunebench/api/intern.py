"""A municipality's non-public views (role ``municipality:<kommunekode>`` of that municipality).

* ``/kommuner/{kode}/intern``: the municipality's own figures unrounded and unsuppressed in every
  stored run, and its joblog months with every count.
* ``/kommuner/{kode}/joblog/personer``: person-level — the municipality's own joblog persons of a
  month (pseudonymous ids, searches, smiley). Person-level data never appear in a public output.

Any other role (also ``analyst``) gets 403, no token 401.
"""

from __future__ import annotations

from fastapi import Depends, Query
from pydantic import BaseModel

from kommunebench import access, pipeline
from kommunebench.alerts.persons import JoblogPersons as Persons
from kommunebench.api.common import joblog_months, muni, municipality_or_404, public, runs, stored
from kommunebench.api.models import JoblogMonth, Municipality
from kommunebench.api.twins import Ctx, Pages, get_ctx, principal
from kommunebench.errors import NotFoundError
from kommunebench.publish import own_figures

__all__ = ["pages"]

pages = Pages()


class InternRow(BaseModel):
    area: str
    area_label: str
    rank: int
    population: float
    expected: float
    actual: float
    diff: float
    expected_share: float
    actual_share: float
    diff_pp: float
    potential_mio_kr: float
    suppressed_in_public: bool


class InternRun(BaseModel):
    run_id: str
    period: str
    scope: str
    rows: list[InternRow]


class InternPage(BaseModel):
    municipality: Municipality
    role: str
    runs: list[InternRun]
    joblog: list[JoblogMonth]
    joblog_note: str
    persons_url: str | None


class JoblogPerson(BaseModel):
    person_id: int
    in_target_group: bool
    availability_weight: float
    searches: int
    smiley: str | None


class JoblogPersons(BaseModel):
    municipality: Municipality
    month: str
    months: list[str]
    n_target_group: int
    persons: list[JoblogPerson]


@pages.page(
    "/kommuner/{kommunekode}/intern",
    template="intern.html",
    model=InternPage,
    tags=["kommunens egne tal"],
    public=False,
    summary="Kommunens ikke-offentlige tal: uafrundet og uden undertrykkelse "
    "(kræver kommunens rolle municipality:<kode>)",
)
def intern_page(
    kommunekode: int, ctx: Ctx = Depends(get_ctx), who: access.Principal | None = Depends(principal)
) -> InternPage:
    """The municipality's own unrounded figures in every stored run, and its joblog counts."""
    m = municipality_or_404(kommunekode)
    who = access.require_municipality(who, m.kommunekode)
    out = [
        InternRun(
            run_id=record.run_id,
            period=record.period,
            scope=record.scope,
            rows=[InternRow(**r) for r in own_figures(stored(ctx, record).lists, public(ctx, record), m.kommunekode)],
        )
        for record in runs(ctx)
    ]
    joblog, note = joblog_months(ctx, m.kommunekode, public=False)
    return InternPage(
        municipality=muni(m),
        role=who.role,
        runs=out,
        joblog=joblog,
        joblog_note=note,
        persons_url=f"/kommuner/{m.kommunekode}/joblog/personer" if ctx.joblog else None,
    )


@pages.page(
    "/kommuner/{kommunekode}/joblog/personer",
    template="personer.html",
    model=JoblogPersons,
    tags=["kommunens egne tal"],
    public=False,
    summary="Personniveau: kommunens egne borgere i jobloggen en måned (pseudonyme id'er; kræver "
    "kommunens rolle municipality:<kode>)",
)
def joblog_persons(
    kommunekode: int,
    ctx: Ctx = Depends(get_ctx),
    who: access.Principal | None = Depends(principal),
    maaned: str | None = Query(
        None, pattern=r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$", description="måned YYYY-MM (standard: den seneste i data)"
    ),
) -> JoblogPersons:
    """The municipality's joblog persons of one month (person-level; its own persons only)."""
    m = municipality_or_404(kommunekode)
    access.require_municipality(who, m.kommunekode)
    if not ctx.joblog:
        raise NotFoundError("jobloggen er ikke tilgængelig i denne installation")
    found: Persons = ctx.wh.cached(
        ("joblog_persons", m.kommunekode, maaned),
        lambda con: pipeline.joblog.persons(m.kommunekode, month=maaned, db=con),
    )
    return JoblogPersons(
        municipality=muni(m),
        month=f"{found.month:%Y-%m}",
        months=[f"{x:%Y-%m}" for x in found.months],
        n_target_group=found.n_target_group,
        persons=[
            JoblogPerson(
                person_id=p.person_id,
                in_target_group=p.in_target_group,
                availability_weight=p.availability_weight,
                searches=p.searches,
                smiley=p.smiley,
            )
            for p in found.persons
        ],
    )
