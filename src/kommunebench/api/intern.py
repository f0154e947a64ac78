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

from kommunebench.api import auth
from kommunebench.api.models import JoblogMonth, Municipality
from kommunebench.api.pages import _muni, _runs, _stored, municipality_or_404, public_run
from kommunebench.api.twins import Ctx, Pages, get_ctx, principal
from kommunebench.data.reference import AREA_LABELS, TOTAL
from kommunebench.errors import NotFoundError

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


@pages.page("/kommuner/{kommunekode}/intern", template="intern.html", model=InternPage, tags=["kommunens egne tal"],
            public=False, summary="Kommunens ikke-offentlige tal: uafrundet og uden undertrykkelse "
                                  "(kræver kommunens rolle municipality:<kode>)")
def intern_page(kommunekode: int, ctx: Ctx = Depends(get_ctx),
                who: auth.Principal | None = Depends(principal)) -> InternPage:
    """The municipality's own unrounded figures in every stored run, and its joblog counts."""
    m = municipality_or_404(kommunekode)
    who = auth.require_municipality(who, m.kommunekode)
    runs = []
    for record in _runs(ctx):
        lists = _stored(ctx, record).lists
        mask = public_run(ctx, record).mask
        rows = []
        for name in (TOTAL, *lists.by_area):
            f = lists.overall if name == TOTAL else lists.by_area[name]
            r = f[f["kommunekode"] == m.kommunekode].iloc[0]
            rows.append(InternRow(area=name, area_label=AREA_LABELS[name], rank=int(r["rank"]),
                                  **{c: float(r[c]) for c in ("population", "expected", "actual", "diff",
                                                              "expected_share", "actual_share", "diff_pp",
                                                              "potential_mio_kr")},
                                  suppressed_in_public=m.kommunekode in mask[name]))
        runs.append(InternRun(run_id=record.run_id, period=record.period, scope=record.scope, rows=rows))
    hook = ctx.extras.get("joblog_history")
    joblog, note = (hook(ctx, m.kommunekode, public=False) if hook
                    else ([], "Jobloggen er ikke tilgængelig i denne installation."))
    return InternPage(municipality=_muni(m), role=who.role, runs=runs, joblog=joblog, joblog_note=note,
                      persons_url=f"/kommuner/{m.kommunekode}/joblog/personer" if hook else None)


@pages.page("/kommuner/{kommunekode}/joblog/personer", template="personer.html", model=JoblogPersons,
            tags=["kommunens egne tal"], public=False,
            summary="Personniveau: kommunens egne borgere i jobloggen en måned (pseudonyme id'er; kræver "
                    "kommunens rolle municipality:<kode>)")
def joblog_persons(kommunekode: int, ctx: Ctx = Depends(get_ctx), who: auth.Principal | None = Depends(principal),
                   maaned: str | None = Query(None, pattern=r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$",
                                              description="måned YYYY-MM (standard: den seneste i data)")
                   ) -> JoblogPersons:
    """The municipality's joblog persons of one month (person-level; its own persons only)."""
    m = municipality_or_404(kommunekode)
    auth.require_municipality(who, m.kommunekode)
    alerts = ctx.extras.get("alerts")
    if alerts is None:
        raise NotFoundError("jobloggen er ikke tilgængelig i denne installation")

    def compute(con):
        months = [r[0] for r in con.execute("SELECT DISTINCT month FROM joblog WHERE kommunekode = ? ORDER BY 1",
                                            [m.kommunekode]).fetchall()]
        if not months:
            raise NotFoundError(f"ingen joblogdata for {m.navn} Kommune")
        month = alerts.parse_month(maaned) if maaned else months[-1]
        if month not in months:
            raise NotFoundError(f"ingen joblogdata for {m.navn} Kommune i {maaned} "
                                f"(data fra {months[0]:%Y-%m} til {months[-1]:%Y-%m})")
        rows = con.execute("SELECT person_id, in_target_group, availability_weight, searches FROM joblog "
                           "WHERE kommunekode = ? AND month = ? ORDER BY person_id", [m.kommunekode, month]).fetchall()
        return months, month, rows
    months, month, rows = ctx.wh.cached(("joblog_persons", m.kommunekode, maaned), compute)
    persons = [JoblogPerson(person_id=int(p), in_target_group=bool(t), availability_weight=float(w), searches=int(s),
                            smiley=alerts.smiley(int(s), float(w)) if t else None) for p, t, w, s in rows]
    return JoblogPersons(municipality=_muni(m), month=f"{month:%Y-%m}", months=[f"{x:%Y-%m}" for x in months],
                         n_target_group=sum(p.in_target_group for p in persons), persons=persons)

