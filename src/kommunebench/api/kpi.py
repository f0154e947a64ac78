"""Styring: a municipality's own KPIs (issue 13; ``docs/kpi.md``). Each page has a JSON twin under
``/api/v1``.

* ``/styring`` — the KPI catalogue (public).
* ``/styring/{kode}`` — the Faktaside: municipality-level KPIs beside klynge, similar
  municipalities and the country, and a weekly trend (public; never a department or caseworker).
* ``/styring/{kode}/intern`` — departments, target groups, the case-mix-adjusted comparison and the
  offer types (role ``municipality:<kode>`` of that municipality; any other role 403).
* ``/styring/{kode}/{niveau}/{enhed}`` — one department, target group or caseworker with its
  weekly trend and the units below it (same role).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import Depends, Query
from pydantic import BaseModel

from kommunebench import access, kpi
from kommunebench.api.common import muni, municipality_or_404
from kommunebench.api.models import Municipality
from kommunebench.api.twins import Ctx, Pages, get_ctx, principal
from kommunebench.data import reference
from kommunebench.errors import NotFoundError
from kommunebench.pipeline import kpi as jobs
from kommunebench.publish.kpi import catalogue_rows

__all__ = ["pages"]

pages = Pages()
PERIOD = Query(None, max_length=40, description="uge (2023-W05), interval (2023-W01:2023-W13), kvartal, måned, år")
LEVEL_PATHS = {"afdeling": "afdeling", "maalgruppe": "maalgruppe", "sagsbehandler": "sagsbehandler"}


class CatalogueRow(BaseModel):
    key: str
    name: str
    definition: str
    unit_text: str
    kind: str
    direction: str
    source: str
    levels: list[str]


class Catalogue(BaseModel):
    catalogue: list[CatalogueRow]
    municipalities: list[Municipality]


class OutwardRow(BaseModel):
    kpi: str
    name: str
    decimals: int
    unit_text: str
    kind: str
    direction: str
    kommune: float | None
    klynge: float | None
    lignende: float | None
    land: float | None


class TrendPoint(BaseModel):
    week: str
    kpi: str
    value: float | None


class Link(BaseModel):
    label: str
    href: str


class Faktaside(BaseModel):
    municipality: Municipality
    period: str
    rows: list[OutwardRow]
    klynge: list[int]
    similar: list[int]
    trend: list[TrendPoint]
    intern_url: str


class KpiValue(BaseModel):
    level: str
    unit: str
    kpi: str
    name: str
    unit_text: str
    kind: str
    value: float | None
    suppressed: bool
    decimals: int


class AdjustedRow(BaseModel):
    level: str
    level_name: str
    unit: str
    spells: int
    suppressed: bool
    actual_pct: float | None
    expected_pct: float | None
    diff_pp: float | None
    lo_pp: float | None
    hi_pp: float | None
    odds_ratio: float | None
    or_lo: float | None
    or_hi: float | None


class OfferRow(BaseModel):
    offer_type: str
    name: str
    participants: int
    suppressed: bool
    exit_pct: float | None
    diff_pp: float | None
    lo_pp: float | None
    hi_pp: float | None


class Intern(BaseModel):
    municipality: Municipality
    period: str
    departments: list[Link]
    target_groups: list[Link]
    rows: list[KpiValue]
    adjusted: list[AdjustedRow]
    offers: list[OfferRow]
    offers_note: str


class UnitPage(BaseModel):
    municipality: Municipality
    period: str
    level: str
    level_name: str
    unit: str
    unit_label: str
    rows: list[KpiValue]
    trend: list[TrendPoint]
    children: list[Link]
    breadcrumbs: list[Link]


def _weeks(ctx: Ctx, periode: str | None) -> kpi.Weeks:
    if periode:
        return kpi.parse_weeks(periode)
    return ctx.wh.cached(("kpi_default_weeks",), lambda con: jobs.default_weeks(db=con))


def _trend(ctx: Ctx, kk: int, weeks: kpi.Weeks, level: str, unit: str) -> list[TrendPoint]:
    span = kpi.Weeks(max(weeks.first, weeks.last - dt.timedelta(weeks=12)), weeks.last)
    f = ctx.wh.cached(
        ("kpi_trend", kk, span, level, unit), lambda con: jobs.trend(kk, span, level=level, unit=unit, db=con)
    )
    return [TrendPoint(week=str(r["week"]), kpi=str(r["kpi"]), value=r["value"]) for r in f.to_dict("records")]


@pages.page("/styring", template="styring.html", model=Catalogue, tags=["styring"], summary="Nøgletalskataloget")
def kpi_catalogue(ctx: Ctx = Depends(get_ctx)) -> Catalogue:
    """Every KPI of the management view: Danish name, definition, unit, type, direction, source, levels."""
    munis = [muni(m) for m in reference.municipalities()]
    return Catalogue(catalogue=[CatalogueRow(**r) for r in catalogue_rows()], municipalities=munis)


@pages.page(
    "/styring/{kommunekode}",
    template="styring_faktaside.html",
    model=Faktaside,
    tags=["styring"],
    summary="Faktaside: kommunens nøgletal ved siden af klynge, lignende kommuner og hele landet",
)
def kpi_faktaside(kommunekode: int, ctx: Ctx = Depends(get_ctx), periode: str | None = PERIOD) -> Faktaside:
    """The public Faktaside (municipality level only) with a weekly trend of the last 13 weeks."""
    m = municipality_or_404(kommunekode)
    weeks = _weeks(ctx, periode)
    page = ctx.wh.cached(
        ("kpi_faktaside", m.kommunekode, weeks), lambda con: jobs.faktaside(m.kommunekode, weeks, db=con)
    )
    return Faktaside(
        municipality=muni(m),
        period=weeks.label,
        rows=[OutwardRow(**r) for r in page["rows"]],
        klynge=page["klynge"],
        similar=page["similar"],
        trend=_trend(ctx, m.kommunekode, weeks, "kommune", ""),
        intern_url=f"/styring/{m.kommunekode}/intern?periode={weeks.label}",
    )


def _values(rows: list, level: str, unit: str | None = None) -> list[KpiValue]:
    return [
        KpiValue(**{f: getattr(r, f) for f in KpiValue.model_fields})
        for r in rows
        if r.level == level and (unit is None or r.unit == unit)
    ]


def _link(kk: int, level: str, unit: str, weeks: kpi.Weeks, label: str, **ctx_params: str) -> Link:
    extra = "".join(f"&{k}={quote(v)}" for k, v in ctx_params.items())
    return Link(
        label=label, href=f"/styring/{kk}/{LEVEL_PATHS[level]}/{quote(unit, safe='')}?periode={weeks.label}{extra}"
    )


@pages.page(
    "/styring/{kommunekode}/intern",
    template="styring_intern.html",
    model=Intern,
    tags=["styring"],
    public=False,
    summary="Kommunens nøgletal pr. afdeling og målgruppe, justeret sammenligning og tilbudstyper "
    "(kræver kommunens rolle municipality:<kode>)",
)
def kpi_intern(
    kommunekode: int,
    ctx: Ctx = Depends(get_ctx),
    who: access.Principal | None = Depends(principal),
    periode: str | None = PERIOD,
) -> Intern:
    """Departments, target groups, the case-mix-adjusted exits and the offer-type comparison."""
    m = municipality_or_404(kommunekode)
    access.require_municipality(who, m.kommunekode)
    weeks = _weeks(ctx, periode)
    kk = m.kommunekode
    rows = ctx.wh.cached(("kpi_levels", kk, weeks), lambda con: jobs.levels(kk, weeks, db=con))
    adjusted = ctx.wh.cached(("kpi_adjusted", kk), lambda con: jobs.adjusted(kk, db=con))
    offers = ctx.wh.cached(("kpi_offers", kk), lambda con: jobs.offers(kk, db=con))
    deps = sorted({r.unit for r in rows if r.level == "afdeling"})
    tgs = sorted({r.unit for r in rows if r.level == "maalgruppe"})
    return Intern(
        municipality=muni(m),
        period=weeks.label,
        departments=[_link(kk, "afdeling", d, weeks, d) for d in deps],
        target_groups=[_link(kk, "maalgruppe", t, weeks, kpi.unit_label("maalgruppe", t)) for t in tgs],
        rows=_values(rows, "afdeling") + _values(rows, "maalgruppe"),
        adjusted=[AdjustedRow(**r) for r in adjusted],
        offers=[OfferRow(**r) for r in offers],
        offers_note=kpi.NOT_CAUSAL,
    )


def _children(ctx: Ctx, kk: int, weeks: kpi.Weeks, level: str, unit: str, afdeling: str | None) -> list[Link]:
    u = ctx.wh.cached(("kpi_units", kk, weeks), lambda con: jobs.units(kk, weeks, db=con))
    if level == "afdeling":
        tgs = sorted(set(u[u.department == unit].target_group))
        return [_link(kk, "maalgruppe", t, weeks, kpi.unit_label("maalgruppe", t), afdeling=unit) for t in tgs]
    if level == "maalgruppe":
        sub = u[(u.target_group == unit) & ((u.department == afdeling) if afdeling else True)]
        cws = sorted(set(sub.caseworker))
        params = {"afdeling": afdeling, "maalgruppe": unit} if afdeling else {"maalgruppe": unit}
        return [_link(kk, "sagsbehandler", c, weeks, f"Sagsbehandler {c}", **params) for c in cws]
    return []


@pages.page(
    "/styring/{kommunekode}/{niveau}/{enhed}",
    template="styring_enhed.html",
    model=UnitPage,
    tags=["styring"],
    public=False,
    summary="Én afdeling, målgruppe eller sagsbehandler: nøgletal, ugentlig udvikling og enhederne under "
    "(kræver kommunens rolle municipality:<kode>)",
)
def kpi_unit(
    kommunekode: int,
    niveau: str,
    enhed: str,
    ctx: Ctx = Depends(get_ctx),
    who: access.Principal | None = Depends(principal),
    periode: str | None = PERIOD,
    afdeling: str | None = Query(None, max_length=100, description="afdelingen, der blev valgt ovenfor"),
    maalgruppe: str | None = Query(None, max_length=100, description="målgruppen, der blev valgt ovenfor"),
) -> UnitPage:
    """Drill-down: department → target group → caseworker (the municipality's own token only)."""
    m = municipality_or_404(kommunekode)
    access.require_municipality(who, m.kommunekode)
    if niveau not in LEVEL_PATHS:
        raise NotFoundError(f"ukendt niveau {niveau!r}: brug afdeling, maalgruppe eller sagsbehandler")
    weeks, kk = _weeks(ctx, periode), m.kommunekode
    rows = ctx.wh.cached(("kpi_levels", kk, weeks), lambda con: jobs.levels(kk, weeks, db=con))
    values = _values(rows, niveau, enhed)
    if not values:
        raise NotFoundError(f"{kpi.LEVEL_NAMES[niveau].lower()} {enhed!r} har ingen borgere i {weeks.label}")
    crumbs = [
        Link(label="Faktaside", href=f"/styring/{kk}?periode={weeks.label}"),
        Link(label="Afdelinger og målgrupper", href=f"/styring/{kk}/intern?periode={weeks.label}"),
    ]
    if afdeling and niveau != "afdeling":
        crumbs.append(_link(kk, "afdeling", afdeling, weeks, afdeling))
    if maalgruppe and niveau == "sagsbehandler":
        crumbs.append(
            _link(
                kk,
                "maalgruppe",
                maalgruppe,
                weeks,
                kpi.unit_label("maalgruppe", maalgruppe),
                **({"afdeling": afdeling} if afdeling else {}),
            )
        )
    return UnitPage(
        municipality=muni(m),
        period=weeks.label,
        level=niveau,
        level_name=kpi.LEVEL_NAMES[niveau],
        unit=enhed,
        unit_label=kpi.unit_label(niveau, enhed),
        rows=values,
        trend=_trend(ctx, kk, weeks, niveau, enhed),
        children=_children(ctx, kk, weeks, niveau, enhed, afdeling),
        breadcrumbs=crumbs,
    )
