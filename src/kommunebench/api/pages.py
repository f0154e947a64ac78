"""The benchmark pages and their JSON twins: map, lists, a page per municipality, runs.

Each function here returns a response model; :mod:`kommunebench.api.twins` serves it as JSON
under ``/api/v1`` and as a Danish HTML page. Every figure comes from the publishing stage's
public view of the run (rounded as published, small cells suppressed).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query

from kommunebench.api.change import change_extra
from kommunebench.api.common import (
    RUN_QUERY,
    area_options,
    joblog_months,
    muni,
    municipality_or_404,
    official,
    pick_run,
    public,
    run_info,
    run_options,
    runs,
    series,
    suppression_info,
)
from kommunebench.api.drivers import drivers_extra
from kommunebench.api.models import (
    Area,
    AreaBlock,
    Facts,
    HistoryPoint,
    Klynge,
    ListPage,
    ListRow,
    MapPage,
    MapPoint,
    MoveRow,
    Moves,
    MunicipalityList,
    MunicipalityPage,
    NationalRow,
    Option,
    Potential,
    RunDetail,
    RunsPage,
    SimilarRow,
    Tilsyn,
)
from kommunebench.api.twins import Ctx, Pages, get_ctx
from kommunebench.benchmark.runs import RunRecord
from kommunebench.data import reference
from kommunebench.errors import NotFoundError
from kommunebench.publish import (
    AREA_LABELS,
    ATTRIBUTION,
    TOTAL,
    PublicRun,
    klynge_block,
    potential_block,
    similar_rows,
    tilsyn_block,
)
from kommunebench.publish.change import largest_moves
from kommunebench.publish.jobindsats import total_gap_note
from kommunebench.publish.uncertainty import rank_sentence
from kommunebench.report import funnel_figure_json, map_figure_json

__all__ = ["pages"]

pages = Pages()


def _area(view: PublicRun, area: str) -> str:
    area = str(area)
    if area not in view.lists:
        raise NotFoundError(
            f"ydelsesgruppen {area!r} findes ikke i kørslen (scope {view.record.scope if view.record else ''}); "
            f"vælg en af {', '.join(view.lists)}"
        )
    return area


def _in_total(view: PublicRun, area: str) -> bool:
    return area == TOTAL or area in view.total_areas


def _facts(view: PublicRun) -> Facts:
    f = view.facts
    return Facts(
        n_ranked=f.n_ranked,
        national_potential_mio_kr=round(f.national_potential_mio_kr, 1),
        n_above_expected=f.n_above_expected,
        n_result_target_failed=f.n_result_target_failed,
        tilsyn_applicable=f.tilsyn_applicable,
    )


# ------------------------------------------------------------------------------------ the map


def _map_extra(ctx: Ctx, data: Any) -> dict[str, Any]:
    if data.run is None:
        return {"figure_json": None}
    record = pick_run(ctx, data.run.run_id)
    assert record is not None
    key = ("figure", record.run_id, record.results_sha256, ctx.threshold)
    return {"figure_json": ctx.wh.stable(key, lambda: map_figure_json(public(ctx, record)), size=8)}


@pages.page(
    "/",
    template="kort.html",
    model=MapPage,
    tags=["sider"],
    summary="Danmarkskortet: forskel mellem faktisk og forventet andel pr. kommune",
    html_extra=_map_extra,
    api_path="/kort",
)
def map_page(
    ctx: Ctx = Depends(get_ctx),
    run: str | None = RUN_QUERY,
    omraade: Area = Query(Area.total, description="ydelsesgruppe"),
) -> MapPage:
    """The national map: per municipality the difference (pct. points) of the chosen list."""
    record = pick_run(ctx, run)
    if record is None:
        return MapPage(
            run=None,
            runs=[],
            area=TOTAL,
            area_label=AREA_LABELS[TOTAL],
            areas=area_options(None),
            facts=None,
            municipalities=[],
            suppression=suppression_info(ctx),
            attribution=ATTRIBUTION,
            moves=None,
        )
    view = public(ctx, record)
    area = _area(view, omraade)
    points = [
        MapPoint(
            kommunekode=r["kommunekode"],
            navn=r["navn"],
            rank=r["rank"],
            diff_pp=r["diff_pp"],
            suppressed=r["suppressed"],
            url=f"/kommuner/{r['kommunekode']}",
        )
        for r in sorted(view.rows(area), key=lambda r: r["kommunekode"])
    ]
    return MapPage(
        run=run_info(record, ctx),
        runs=run_options(ctx),
        area=area,
        area_label=AREA_LABELS[area],
        areas=area_options(view),
        facts=_facts(view),
        municipalities=points,
        suppression=suppression_info(ctx, record),
        attribution=ATTRIBUTION,
        moves=_moves(view),
    )


def _moves(view: PublicRun) -> Moves | None:
    """Største bevægelser of the total list since the run it is compared with."""
    if view.previous is None:
        return None
    moves = largest_moves(view)
    return Moves(
        previous_run_id=view.previous.run_id,
        previous_period=view.previous.period,
        up=[MoveRow(**r) for r in moves["up"]],
        down=[MoveRow(**r) for r in moves["down"]],
    )


# ---------------------------------------------------------------------------------- the lists


def _list_query(run_id: str, region: int | None, klynge: int | None) -> str:
    return "&".join(f"{k}={v}" for k, v in (("run", run_id), ("region", region), ("klynge", klynge)) if v is not None)


def _list_extra(ctx: Ctx, data: Any) -> dict[str, Any]:
    record = pick_run(ctx, data.run.run_id)
    assert record is not None
    key = ("funnel", record.run_id, record.results_sha256, ctx.threshold, data.area)
    return {"funnel_json": ctx.wh.stable(key, lambda: funnel_figure_json(public(ctx, record), data.area), size=8)}


@pages.page(
    "/lister/{omraade}",
    template="lister.html",
    model=ListPage,
    tags=["sider"],
    html_extra=_list_extra,
    summary="Den samlede liste eller listen for en ydelsesgruppe",
)
def list_page(
    omraade: Area,
    ctx: Ctx = Depends(get_ctx),
    run: str | None = RUN_QUERY,
    region: int | None = Query(None, description="regionskode (1081-1085)"),
    klynge: int | None = Query(None, ge=1, le=98, description="klynge i denne liste"),
) -> ListPage:
    """A list of all 98 municipalities in rank order (suppressed last), optionally by region or klynge."""
    record = pick_run(ctx, run)
    if record is None:
        raise NotFoundError("der er ingen gemte kørsler endnu: kør 'kommunebench run' (eller 'kommunebench demo')")
    view = public(ctx, record)
    area = _area(view, omraade)
    regions = sorted({(m.regionskode, m.regionsnavn) for m in reference.municipalities()})
    if region is not None and region not in {c for c, _ in regions}:
        raise NotFoundError(f"ukendt regionskode {region}: vælg en af {', '.join(str(c) for c, _ in regions)}")
    all_rows = view.rows(area)
    n_klynger = max((r["klynge"] or 0) for r in all_rows)
    if klynge is not None and klynge > n_klynger:
        raise NotFoundError(f"klynge {klynge} findes ikke i listen (der er {n_klynger} klynger)")
    rows = [
        r
        for r in all_rows
        if (region is None or r["regionskode"] == region) and (klynge is None or r["klynge"] == klynge)
    ]
    query = _list_query(record.run_id, region, klynge)
    return ListPage(
        run=run_info(record, ctx),
        runs=run_options(ctx),
        area=area,
        area_label=AREA_LABELS[area],
        areas=area_options(view),
        in_total=_in_total(view, area),
        region=region,
        klynge=klynge,
        regions=[Option(value=str(c), label=n) for c, n in regions],
        klynger=[Option(value=str(k), label=f"Klynge {k}") for k in range(1, n_klynger + 1)],
        n_total=len(all_rows),
        rows=[ListRow(**r) for r in rows],
        downloads={"csv": f"/api/v1/lister/{area}/csv?{query}", "xlsx": f"/api/v1/lister/{area}/xlsx?{query}"},
        suppression=suppression_info(ctx, record),
        attribution=ATTRIBUTION,
        national=NationalRow(**view.national[area]),
        published_note=total_gap_note(view.lists[area]) if area == TOTAL else None,
    )


# ------------------------------------------------------------------------- one municipality


def _history(ctx: Ctx, kommunekode: int, shown: RunRecord) -> list[HistoryPoint]:
    """One point per period of the shown run's scope (the official run, else the period's first)."""
    marked = official(ctx)
    out = []
    for record in series(ctx, shown):
        view = public(ctx, record)
        rows = {name: view.row(name, kommunekode) for name in view.lists}
        out.append(
            HistoryPoint(
                run_id=record.run_id,
                period=record.period,
                scope=record.scope,
                ranks={n: r["rank"] for n, r in rows.items()},
                diff_pp={n: r["diff_pp"] for n, r in rows.items()},
                official=record.run_id in marked,
            )
        )
    return out


def _blocks(view: PublicRun, kommunekode: int) -> list[AreaBlock]:
    return [
        AreaBlock(
            area=name,
            area_label=AREA_LABELS[name],
            in_total=_in_total(view, name),
            row=ListRow(**view.row(name, kommunekode)),
            similar=[SimilarRow(**s) for s in similar_rows(view, kommunekode, name)],
            klynge=Klynge(**klynge_block(view, kommunekode, name)),
            uncertainty=rank_sentence(view.row(name, kommunekode)),
            n_ranked=int((~view.lists[name]["suppressed"].to_numpy(dtype=bool)).sum()),
        )
        for name in view.lists
    ]


def _municipality_extra(ctx: Ctx, data: Any) -> dict[str, Any]:
    return {
        "history_json": {
            "points": [h.model_dump() for h in data.history],
            "lists": [{"value": b.area, "label": b.area_label} for b in data.areas],
        },
        **drivers_extra(ctx, data.municipality.kommunekode, data.run.run_id if data.run else None),
        **change_extra(ctx, data.municipality.kommunekode, data.run.run_id if data.run else None),
    }


@pages.page(
    "/kommuner/{kommunekode}",
    template="kommune.html",
    model=MunicipalityPage,
    tags=["sider"],
    html_extra=_municipality_extra,
    summary="En kommunes side: placering over tid, forventet og faktisk, lignende kommuner, klynge, "
    "potentiale, skærpet tilsyn og joblog",
)
def municipality_page(kommunekode: int, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY) -> MunicipalityPage:
    """Everything public about one municipality (unknown kommunekode → 404)."""
    m = municipality_or_404(kommunekode)
    record = pick_run(ctx, run)
    joblog, joblog_note = joblog_months(ctx, m.kommunekode, public=True)
    if record is None:
        return MunicipalityPage(
            municipality=muni(m),
            run=None,
            runs=[],
            history=[],
            areas=[],
            potential=None,
            skaerpet_tilsyn=None,
            joblog=joblog,
            joblog_note=joblog_note,
            suppression=suppression_info(ctx),
            attribution=ATTRIBUTION,
        )
    view = public(ctx, record)
    return MunicipalityPage(
        municipality=muni(m),
        run=run_info(record, ctx),
        runs=run_options(ctx),
        history=_history(ctx, m.kommunekode, record),
        areas=_blocks(view, m.kommunekode),
        potential=Potential(**potential_block(view, m.kommunekode)),
        skaerpet_tilsyn=Tilsyn(**tilsyn_block(view, m.kommunekode)),
        joblog=joblog,
        joblog_note=joblog_note,
        suppression=suppression_info(ctx, record),
        attribution=ATTRIBUTION,
    )


# -------------------------------------------------------------------------------- the runs


@pages.page(
    "/koersler",
    template="koersler.html",
    model=RunsPage,
    tags=["sider"],
    summary="Alle gemte kørsler med parametre og fingeraftryk",
)
def runs_page(ctx: Ctx = Depends(get_ctx)) -> RunsPage:
    """Every stored run: period, scope, parameters, data fingerprint, results hash, versions."""
    return RunsPage(runs=[RunDetail(**run_info(r, ctx).model_dump(), params=r.params) for r in reversed(runs(ctx))])


@pages.api.get(
    "/kommuner",
    response_model=MunicipalityList,
    tags=["data"],
    operation_id="municipalities",
    summary="De 98 kommuner (kode, navn, region)",
)
def municipalities() -> MunicipalityList:
    return MunicipalityList(municipalities=[muni(m) for m in reference.municipalities()])
