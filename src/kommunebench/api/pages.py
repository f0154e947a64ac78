"""The benchmark pages and their JSON twins: map, lists, a page per municipality, runs.

Each function here returns a response model; :mod:`kommunebench.api.twins` serves it as JSON
under ``/api/v1`` and as a Danish HTML page. All figures are public: rounded as published and
with small cells suppressed (:mod:`kommunebench.api.suppress`).
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.io as pio
from fastapi import Depends, Query

from kommunebench.api import suppress
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
    Municipality,
    MunicipalityList,
    MunicipalityPage,
    Option,
    Potential,
    RunDetail,
    RunInfo,
    RunsPage,
    SimilarRow,
    Suppression,
    Tilsyn,
)
from kommunebench.api.twins import Ctx, Pages, get_ctx
from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.benchmark.runs import RunRecord, StoredRun, list_runs, load_run
from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.data.reference import AREA_LABELS, ATTRIBUTION, TOTAL
from kommunebench.errors import NotFoundError, ReferenceDataError
from kommunebench.report import map_figure

__all__ = ["pages", "PublicRun", "public_run", "pick_run", "municipality_or_404", "suppression_info",
           "period_text", "run_options"]

pages = Pages()
RUN_QUERY = Query(None, pattern=r"^[Rr]\d{4,}$", description="kørsel (run id, fx R0001); standard: den nyeste")


@dataclass(frozen=True)
class PublicRun:
    """A stored run with its public (rounded, suppressed) rows, computed once per run."""

    record: RunRecord
    lists: BenchmarkLists
    mask: dict[str, frozenset[int]]
    rows: dict[str, list[dict]]  # list name → public rows in rank order

    def frame(self, area: str):
        return self.lists.overall if area == TOTAL else self.lists.by_area[area]


def period_text(period: str) -> str:
    p = Period.parse(period)
    (y0, q0), (y1, q1) = p.quarters[0], p.quarters[-1]
    if y0 == y1 and q0 == 1 and q1 == 4:
        return f"kalenderåret {y0}"
    return f"{q0}. kvt. {y0} – {q1}. kvt. {y1}"


def suppression_info(ctx: Ctx) -> Suppression:
    return Suppression(
        threshold=ctx.threshold, fields=list(suppress.SUPPRESSED_FIELDS),
        note=(f"Celler med færre end {ctx.threshold} personer (faktiske fuldtidspersoner eller "
              "befolkning) er undertrykt: faktisk antal og andel, forskel og besparelsespotentiale "
              "vises ikke. Er en ydelsesgruppe undertrykt, er kommunens total også undertrykt. "
              "Antal er afrundet til nærmeste 10 og andele til 2 decimaler som i ministeriets lister."))


def _runs(ctx: Ctx) -> list[RunRecord]:
    return ctx.wh.cached(("runs",), list_runs)


def _chronological(record: RunRecord) -> tuple:
    """Sort key: the period's last quarter, then the run id (a re-run of a period comes later)."""
    return (*Period.parse(record.period).quarters[-1], record.run_id)


def pick_run(ctx: Ctx, run: str | None) -> RunRecord | None:
    """The run asked for, or by default the run of the most recent period (the newest run of it)."""
    records = _runs(ctx)
    if run is None:
        return max(records, key=_chronological) if records else None
    for r in records:
        if r.run_id == run.strip().upper():
            return r
    known = ", ".join(r.run_id for r in records[-5:]) or "ingen endnu"
    raise NotFoundError(f"ukendt kørsel {run!r} (nyeste kørsler: {known})")


def _stored(ctx: Ctx, record: RunRecord) -> StoredRun:
    def load() -> StoredRun:
        with ctx.wh.read() as con:
            return load_run(con, record.run_id)
    return ctx.wh.stable(("stored", record.run_id, record.results_sha256), load, size=64)


def public_run(ctx: Ctx, record: RunRecord) -> PublicRun:
    def build() -> PublicRun:
        lists = _stored(ctx, record).lists
        mask = suppress.suppression_mask(lists, ctx.threshold)
        rows = {}
        for name in (TOTAL, *lists.by_area):
            frame = lists.overall if name == TOTAL else lists.by_area[name]
            rows[name] = suppress.public_rows(frame, mask[name], ctx.threshold,
                                              klynge_of=suppress.klynge_map(lists, name))
        return PublicRun(record, lists, mask, rows)
    return ctx.wh.stable(("public", record.run_id, record.results_sha256, ctx.threshold), build, size=64)


def run_info(r: RunRecord) -> RunInfo:
    return RunInfo(run_id=r.run_id, created_at=r.created_at, period=r.period, period_text=period_text(r.period),
                   scope=r.scope, base_period=r.base_period, data_fingerprint=r.data_fingerprint,
                   results_sha256=r.results_sha256, package_version=r.package_version,
                   model_version=r.model_version, seconds=r.seconds,
                   k_similar=int(r.params.get("k_similar", 0)), n_klynger=int(r.params.get("n_klynger", 0)))


def run_options(ctx: Ctx) -> list[Option]:
    return [Option(value=r.run_id, label=f"{r.period} ({period_text(r.period)}), scope {r.scope} — {r.run_id}")
            for r in sorted(_runs(ctx), key=_chronological, reverse=True)]


def _area_options(lists: BenchmarkLists | None) -> list[Option]:
    names = (TOTAL, *lists.by_area) if lists else (TOTAL, *reference.scope_areas("2019"))
    return [Option(value=a, label=AREA_LABELS[a]) for a in names]


def _area(pr: PublicRun, area: str) -> str:
    area = str(area)
    if area not in pr.rows:
        raise NotFoundError(f"ydelsesgruppen {area!r} findes ikke i kørsel {pr.record.run_id} "
                            f"(scope {pr.record.scope}); vælg en af {', '.join(pr.rows)}")
    return area


def municipality_or_404(kommunekode: int) -> reference.Municipality:
    try:
        return reference.municipality(kommunekode)
    except ReferenceDataError:
        raise NotFoundError(f"ukendt kommunekode {kommunekode}: ikke en af de 98 kommuner") from None


def _muni(m: reference.Municipality) -> Municipality:
    return Municipality(kommunekode=m.kommunekode, navn=m.navn, regionskode=m.regionskode,
                        regionsnavn=m.regionsnavn)


# ------------------------------------------------------------------------------------ the map

def _map_extra(ctx: Ctx, data: MapPage) -> dict:
    if data.run is None:
        return {"figure_json": None}
    record = pick_run(ctx, data.run.run_id)
    return {"figure_json": ctx.wh.stable(("figure", record.run_id, record.results_sha256, ctx.threshold),
                                         lambda: map_json(public_run(ctx, record), ctx.threshold), size=8)}


def map_json(pr: PublicRun, threshold: int) -> str:
    """The report's map figure (:func:`kommunebench.report.map_figure`: borders, colours, hover,
    area menu) with the public figures: suppressed municipalities move to a grey trace."""
    fig = map_figure(pr.lists)
    base = fig.data[0]
    fig.add_trace(type(base)(
        geojson=base.geojson, featureidkey=base.featureidkey, locations=[], z=[], customdata=[],
        colorscale=[[0, "#c9c9c9"], [1, "#c9c9c9"]], showscale=False, marker=base.marker,
        hovertemplate=("<b>%{customdata[0]}</b><br>Placering: %{customdata[1]}<br>"
                       f"Tal undertrykt (færre end {threshold} personer)<extra></extra>"),
        name="Undertrykt"))
    grey = len(fig.data) - 1

    def da(v: float) -> str:
        return f"{v:.2f}".replace(".", ",").replace("-", "−")

    def trace_args(area: str) -> dict:
        rows = sorted(pr.rows[area], key=lambda r: r["kommunekode"])
        shown = [r for r in rows if not r["suppressed"]]
        hidden = [r for r in rows if r["suppressed"]]
        z = [r["diff_pp"] for r in shown]
        rng = max((abs(v) for v in z), default=1.0) or 1.0
        return {"locations": [[r["kommunekode"] for r in shown], [r["kommunekode"] for r in hidden]],
                "z": [z, [0] * len(hidden)],
                "customdata": [[[r["navn"], r["rank"], da(r["expected_share"]), da(r["actual_share"]),
                                 da(r["diff_pp"])] for r in shown], [[r["navn"], r["rank"]] for r in hidden]],
                "zmin": [-rng, 0], "zmax": [rng, 1]}

    first = trace_args(TOTAL)
    for pos, index in enumerate((0, grey)):
        fig.data[index].update({key: values[pos] for key, values in first.items()})
    buttons = []
    for area in pr.rows:
        args = {**trace_args(area), "name": [AREA_LABELS[area], "Undertrykt"]}
        buttons.append({"label": AREA_LABELS[area], "method": "restyle", "args": [args, [0, grey]]})
    fig.layout.updatemenus[0].buttons = buttons
    fig.update_layout(title=None, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return pio.to_json(fig, validate=False, pretty=False)


@pages.page("/", template="kort.html", model=MapPage, tags=["sider"],
            summary="Danmarkskortet: forskel mellem faktisk og forventet andel pr. kommune",
            html_extra=_map_extra, api_path="/kort")
def map_page(ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY,
             omraade: Area = Query(Area.total, description="ydelsesgruppe")) -> MapPage:
    """The national map: per municipality the difference (pct. points) of the chosen list."""
    record = pick_run(ctx, run)
    if record is None:
        return MapPage(run=None, runs=[], area=TOTAL, area_label=AREA_LABELS[TOTAL], areas=_area_options(None),
                       facts=None, municipalities=[], suppression=suppression_info(ctx), attribution=ATTRIBUTION)
    pr = public_run(ctx, record)
    area = _area(pr, omraade)
    lists = pr.lists
    facts = Facts(n_ranked=len(lists.overall), national_potential_mio_kr=round(lists.potential.national_mio_kr, 1),
                  n_above_expected=lists.potential.n_above_expected,
                  n_result_target_failed=len(lists.skaerpet_tilsyn.failed),
                  tilsyn_applicable=lists.skaerpet_tilsyn.applicable)
    points = [MapPoint(kommunekode=r["kommunekode"], navn=r["navn"], rank=r["rank"], diff_pp=r["diff_pp"],
                       suppressed=r["suppressed"], url=f"/kommuner/{r['kommunekode']}")
              for r in sorted(pr.rows[area], key=lambda r: r["kommunekode"])]
    return MapPage(run=run_info(record), runs=run_options(ctx), area=area, area_label=AREA_LABELS[area],
                   areas=_area_options(lists), facts=facts, municipalities=points,
                   suppression=suppression_info(ctx), attribution=ATTRIBUTION)


# ---------------------------------------------------------------------------------- the lists

@pages.page("/lister/{omraade}", template="lister.html", model=ListPage, tags=["sider"],
            summary="Den samlede liste eller listen for en ydelsesgruppe")
def list_page(omraade: Area, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY,
              region: int | None = Query(None, description="regionskode (1081-1085)"),
              klynge: int | None = Query(None, ge=1, le=98, description="klynge i denne liste")) -> ListPage:
    """A list of all 98 municipalities in rank order, optionally filtered by region or klynge."""
    record = pick_run(ctx, run)
    if record is None:
        raise NotFoundError("der er ingen gemte kørsler endnu: kør 'kommunebench run' (eller 'kommunebench demo')")
    pr = public_run(ctx, record)
    area = _area(pr, omraade)
    regions = sorted({(m.regionskode, m.regionsnavn) for m in reference.municipalities()})
    if region is not None and region not in {c for c, _ in regions}:
        raise NotFoundError(f"ukendt regionskode {region}: vælg en af {', '.join(str(c) for c, _ in regions)}")
    n_klynger = max((r["klynge"] or 0) for r in pr.rows[area])
    if klynge is not None and klynge > n_klynger:
        raise NotFoundError(f"klynge {klynge} findes ikke i listen (der er {n_klynger} klynger)")
    rows = [r for r in pr.rows[area] if (region is None or r["regionskode"] == region)
            and (klynge is None or r["klynge"] == klynge)]
    query = "&".join(f"{k}={v}" for k, v in (("run", record.run_id), ("region", region), ("klynge", klynge))
                     if v is not None)
    return ListPage(
        run=run_info(record), runs=run_options(ctx), area=area, area_label=AREA_LABELS[area],
        areas=_area_options(pr.lists), in_total=area == TOTAL or area in pr.lists.total_areas,
        region=region, klynge=klynge, regions=[Option(value=str(c), label=n) for c, n in regions],
        klynger=[Option(value=str(k), label=f"Klynge {k}") for k in range(1, n_klynger + 1)],
        n_total=len(pr.rows[area]), rows=[ListRow(**r) for r in rows],
        downloads={"csv": f"/api/v1/lister/{area}/csv?{query}", "xlsx": f"/api/v1/lister/{area}/xlsx?{query}"},
        suppression=suppression_info(ctx), attribution=ATTRIBUTION)


# ------------------------------------------------------------------------- one municipality

def _history(ctx: Ctx, kommunekode: int) -> list[HistoryPoint]:
    out = []
    for record in sorted(_runs(ctx), key=_chronological):
        pr = public_run(ctx, record)
        ranks, diffs = {}, {}
        for name, rows in pr.rows.items():
            row = next(r for r in rows if r["kommunekode"] == kommunekode)
            ranks[name], diffs[name] = row["rank"], row["diff_pp"]
        out.append(HistoryPoint(run_id=record.run_id, period=record.period, scope=record.scope,
                                ranks=ranks, diff_pp=diffs))
    return out


def _tilsyn(pr: PublicRun, kommunekode: int) -> Tilsyn:
    st = pr.lists.skaerpet_tilsyn
    failed = kommunekode in st.failed
    if failed:
        note = ("Resultatmålet er ikke opfyldt: kommunens faktiske andel (ydelsesgrupper i alt) er højere end "
                "den forventede; fokusmålene skal derfor vurderes.")
    else:
        note = "Resultatmålet er opfyldt: den faktiske andel er ikke højere end den forventede."
    if not st.applicable:
        note += f" Vejledende: {pr.record.period} er ikke et kalenderår."
    return Tilsyn(applicable=st.applicable, result_target_failed=failed, note=note)


def joblog_months(ctx: Ctx, kommunekode: int, *, public: bool) -> tuple[list, str]:
    """Hook filled in by :mod:`kommunebench.api.joblog` (the joblog smiley history)."""
    hook = ctx.extras.get("joblog_history")
    if hook is None:
        return [], "Jobloggen er ikke tilgængelig i denne installation."
    return hook(ctx, kommunekode, public=public)


def _municipality_extra(ctx: Ctx, data: MunicipalityPage) -> dict:
    return {"history_json": {"points": [h.model_dump() for h in data.history],
                             "lists": [{"value": b.area, "label": b.area_label} for b in data.areas]}}


@pages.page("/kommuner/{kommunekode}", template="kommune.html", model=MunicipalityPage, tags=["sider"],
            html_extra=_municipality_extra,
            summary="En kommunes side: placering over tid, forventet og faktisk, lignende kommuner, klynge, "
                    "potentiale, skærpet tilsyn og joblog")
def municipality_page(kommunekode: int, ctx: Ctx = Depends(get_ctx), run: str | None = RUN_QUERY) -> MunicipalityPage:
    """Everything public about one municipality (unknown kommunekode → 404)."""
    m = municipality_or_404(kommunekode)
    record = pick_run(ctx, run)
    joblog, joblog_note = joblog_months(ctx, m.kommunekode, public=True)
    if record is None:
        return MunicipalityPage(municipality=_muni(m), run=None, runs=[], history=[], areas=[], potential=None,
                                skaerpet_tilsyn=None, joblog=joblog, joblog_note=joblog_note,
                                suppression=suppression_info(ctx), attribution=ATTRIBUTION)
    pr = public_run(ctx, record)
    blocks = []
    for name, rows in pr.rows.items():
        row = next(r for r in rows if r["kommunekode"] == m.kommunekode)
        klynger = suppress.public_klynger(pr.lists, name, pr.mask)
        own = next(k for k in klynger if any(x["kommunekode"] == m.kommunekode for x in k["members"]))
        blocks.append(AreaBlock(area=name, area_label=AREA_LABELS[name],
                                in_total=name == TOTAL or name in pr.lists.total_areas, row=ListRow(**row),
                                similar=[SimilarRow(**s) for s in suppress.public_similar(pr.lists, m.kommunekode,
                                                                                         name, pr.mask)],
                                klynge=Klynge(**own)))
    return MunicipalityPage(
        municipality=_muni(m), run=run_info(record), runs=run_options(ctx), history=_history(ctx, m.kommunekode),
        areas=blocks, potential=Potential(**suppress.public_potential(pr.lists, m.kommunekode, pr.mask)),
        skaerpet_tilsyn=_tilsyn(pr, m.kommunekode), joblog=joblog, joblog_note=joblog_note,
        suppression=suppression_info(ctx), attribution=ATTRIBUTION)


# -------------------------------------------------------------------------------- the runs

@pages.page("/koersler", template="koersler.html", model=RunsPage, tags=["sider"],
            summary="Alle gemte kørsler med parametre og fingeraftryk")
def runs_page(ctx: Ctx = Depends(get_ctx)) -> RunsPage:
    """Every stored run: period, scope, parameters, data fingerprint, results hash, versions."""
    return RunsPage(runs=[RunDetail(**run_info(r).model_dump(), params=r.params) for r in reversed(_runs(ctx))])


@pages.api.get("/kommuner", response_model=MunicipalityList, tags=["data"], operation_id="municipalities",
               summary="De 98 kommuner (kode, navn, region)")
def municipalities() -> MunicipalityList:
    return MunicipalityList(municipalities=[_muni(m) for m in reference.municipalities()])

