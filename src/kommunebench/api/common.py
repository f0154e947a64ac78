"""What the API's pages share: picking a run, its public view (cached), run info and lookups.

Figures come from the publishing stage's :class:`~kommunebench.publish.PublicRun`; nothing here
rounds or suppresses on its own.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from fastapi import Query

from kommunebench import alerts, pipeline
from kommunebench.api.models import JoblogMonth, Municipality, Option, RunInfo, Suppression
from kommunebench.api.twins import Ctx
from kommunebench.benchmark.official import (
    RunStatus,
    default_run,
    period_runs,
    previous_run,
    published_series,
    run_statuses,
)
from kommunebench.benchmark.runs import RunRecord, StoredRun
from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.errors import NotFoundError, ReferenceDataError
from kommunebench.pipeline import official as official_jobs
from kommunebench.publish import AREA_LABELS, SUPPRESSED_FIELDS, TOTAL, PublicRun, period_text, public_joblog
from kommunebench.publish import suppression_note as _note
from kommunebench.publish.labels import PUBLISHED_FIGURES_NOTE

__all__ = [
    "RUN_QUERY",
    "runs",
    "pick_run",
    "official",
    "status",
    "series",
    "stored",
    "public",
    "run_info",
    "run_options",
    "area_options",
    "municipality_or_404",
    "muni",
    "suppression_info",
    "chronological",
    "joblog_months",
    "native",
]

RUN_QUERY = Query(
    None,
    pattern=r"^[Rr]\d{4,}$",
    description="kørsel (run id, fx R0001); standard: den officielle kørsel af den nyeste periode",
)
NO_JOBLOG = "Jobloggen er ikke tilgængelig i denne installation."


def runs(ctx: Ctx) -> list[RunRecord]:
    return ctx.wh.cached(("runs",), lambda con: pipeline.list_runs(db=con))


def chronological(record: RunRecord) -> tuple[int, int, str]:
    """Sort key: the period's last quarter, then the run id (a re-run of a period comes later)."""
    year, quarter = Period.parse(record.period).quarters[-1]
    return (year, quarter, record.run_id)


def official(ctx: Ctx) -> set[str]:
    """The run ids marked official now (one per period and scope)."""
    return ctx.wh.cached(("official",), lambda con: official_jobs.official_ids(db=con))


def status(ctx: Ctx, record: RunRecord) -> RunStatus:
    return run_statuses(runs(ctx), official(ctx))[record.run_id]


def series(ctx: Ctx, record: RunRecord) -> list[RunRecord]:
    """ "Placering over tid": one run per period of the run's scope (the official one, else the
    first); for a run of published figures the published runs of its table, one per period."""
    if record.is_published:
        return published_series(runs(ctx), table=record.params.get("table"))
    return period_runs(runs(ctx), official(ctx), scope=record.scope)


def pick_run(ctx: Ctx, run: str | None) -> RunRecord | None:
    """The run asked for, or by default the official run of the most recent period that has one
    (:func:`kommunebench.benchmark.official.default_run`: never a projection or re-run by being newest)."""
    records = runs(ctx)
    if run is None:
        return default_run(records, official(ctx))
    for r in records:
        if r.run_id == run.strip().upper():
            return r
    known = ", ".join(r.run_id for r in records[-5:]) or "ingen endnu"
    raise NotFoundError(f"ukendt kørsel {run!r} (nyeste kørsler: {known})")


def stored(ctx: Ctx, record: RunRecord) -> StoredRun:
    def load() -> StoredRun:
        with ctx.wh.read() as con:
            return pipeline.open_run(record.run_id, db=con)

    return ctx.wh.stable(("stored", record.run_id, record.results_sha256), load, size=64)


def public(ctx: Ctx, record: RunRecord) -> PublicRun:
    """The run's public view at the server's threshold, with the change since the previous official
    run of its scope (computed once per run and comparison)."""
    prev = previous_run(runs(ctx), official(ctx), record)
    return ctx.wh.stable(
        ("public", record.run_id, record.results_sha256, ctx.threshold, prev.run_id if prev else None),
        lambda: pipeline.publish_run(
            stored(ctx, record),
            threshold=ctx.threshold,
            previous=stored(ctx, prev) if prev else None,
            previous_view=public(ctx, prev) if prev else None,  # cached: computed once per run
        ),
        size=64,
    )


def run_info(r: RunRecord, ctx: Ctx | None = None) -> RunInfo:
    """The run's record for the outputs; with ``ctx`` also whether it is official and what it is."""
    extra: dict[str, object] = {}
    if ctx is not None:
        st = status(ctx, r)
        chosen = default_run(runs(ctx), official(ctx))
        prev = previous_run(runs(ctx), official(ctx), r)
        extra = {
            "official": st.official,
            "kind": st.kind,
            "status_label": st.label,
            "status_note": st.note(default=chosen is not None and chosen.run_id == r.run_id),
            "compared_with": prev.run_id if prev else None,
        }
    return RunInfo(
        **extra,  # type: ignore[arg-type]
        run_id=r.run_id,
        created_at=r.created_at,
        period=r.period,
        period_text=period_text(r.period),
        scope=r.scope,
        base_period=r.base_period,
        data_fingerprint=r.data_fingerprint,
        results_sha256=r.results_sha256,
        package_version=r.package_version,
        model_version=r.model_version,
        seconds=r.seconds,
        k_similar=int(r.params.get("k_similar", 0)),
        n_klynger=int(r.params.get("n_klynger", 0)),
    )


def run_options(ctx: Ctx) -> list[Option]:
    states = run_statuses(runs(ctx), official(ctx))
    return [
        Option(
            value=r.run_id,
            label=f"{r.period} ({period_text(r.period)}), scope {r.scope} — {r.run_id} ({states[r.run_id].label})",
        )
        for r in sorted(runs(ctx), key=chronological, reverse=True)
    ]


def area_options(view: PublicRun | None) -> list[Option]:
    names = tuple(view.lists) if view else (TOTAL, *reference.scope_areas("2019"))
    return [Option(value=a, label=AREA_LABELS[a]) for a in names]


def municipality_or_404(kommunekode: int) -> reference.Municipality:
    try:
        return reference.municipality(kommunekode)
    except ReferenceDataError:
        raise NotFoundError(f"ukendt kommunekode {kommunekode}: ikke en af de 98 kommuner") from None


def muni(m: reference.Municipality) -> Municipality:
    return Municipality(
        kommunekode=m.kommunekode,
        navn=m.navn,
        regionskode=m.regionskode,
        regionsnavn=m.regionsnavn,
        formelt_navn=m.formelt_navn,
    )


def suppression_info(ctx: Ctx, record: RunRecord | None = None) -> Suppression:
    """The server's suppression rule; a run of published figures is shown as published (nothing
    suppressed further, the note says so)."""
    if record is not None and record.is_published:
        return Suppression(threshold=0, fields=[], note=PUBLISHED_FIGURES_NOTE)
    return Suppression(threshold=ctx.threshold, fields=list(SUPPRESSED_FIELDS), note=_note(ctx.threshold))


def native(row: dict) -> dict:
    return {k: (None if v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v) for k, v in row.items()}


def month_text(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m")  # type: ignore[arg-type]


def criteria_list(row: dict) -> list[str]:
    return [c.strip() for c in str(row.get("criteria") or "").split(",") if c.strip()]


def joblog_months(
    ctx: Ctx, kommunekode: int, *, public: bool = True, as_of: dt.date | None = None
) -> tuple[list[JoblogMonth], str]:
    """A municipality's last 12 published joblog months (suppressed when ``public``)."""
    if not ctx.joblog:
        return [], NO_JOBLOG
    as_of = as_of or dt.date.today()
    try:
        hist = ctx.wh.cached(
            ("joblog_history", kommunekode, as_of),
            lambda con: pipeline.joblog.history(kommunekode, as_of=as_of, months=12, db=con),
        )
    except NotFoundError as exc:
        return [], f"Ingen joblogdata: {exc}"
    out = []
    for r in hist.to_dict("records"):
        r = native(r)
        counts = public_joblog(r, ctx.threshold if public else 0)
        month = r["month"].date() if hasattr(r["month"], "date") else r["month"]
        out.append(
            JoblogMonth(
                **counts,
                month=month_text(month),
                month_label=alerts.month_label_da(month),
                published_on=r.get("published_on"),
                criteria=criteria_list(r),
                eligible=bool(r.get("eligible")),
            )
        )
    note = (
        f"Andele af målgruppen (jobparate kontanthjælpsmodtagere med jobloggen) med grøn (≥ 6 registrerede "
        f"jobsøgninger, vægtet efter rådighed), lysegrøn (1-5) og rød (0) smiley; de seneste 12 måneder, der "
        f"er offentliggjort pr. {as_of.isoformat()} (3 måneders forsinkelse)."
    )
    return out, note
