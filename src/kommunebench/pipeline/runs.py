"""The benchmark pipeline's jobs: run, open, list, publish and export a run."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import duckdb

from kommunebench import settings
from kommunebench.access import audit, cli_actor, record_actor
from kommunebench.benchmark.change import change_frame, run_change
from kommunebench.benchmark.drivers import run_drivers
from kommunebench.benchmark.official import MarkResult, default_run, mark_official, official_marks, previous_run
from kommunebench.benchmark.runs import RunRecord, StoredRun, execute_run, load_run
from kommunebench.benchmark.runs import list_runs as _list_runs
from kommunebench.engines import build_engine
from kommunebench.errors import ConfigError, NotFoundError
from kommunebench.pipeline.config import ExportPaths, RunConfig, Store, using
from kommunebench.publish import PublicRun, public_view
from kommunebench.publish.drivers import drivers_table
from kommunebench.publish.efficiency import PublicEfficiency
from kommunebench.report import write_csv, write_excel, write_html_report
from kommunebench.uncertainty import FRAME_NAMES

__all__ = ["run_benchmark", "open_run", "list_runs", "publish_run", "export_run", "run_folder"]

Progress = Callable[[str, float], None]


def run_benchmark(
    config: RunConfig,
    *,
    db: Store | None = None,
    actor: str | None = None,
    role: str | None = None,
    progress: Progress | None = None,
) -> StoredRun:
    """Fit the model for ``config``, build the lists and store the run with its audit row
    (``config.official``: also mark it official, audited in the same transaction)."""
    who = actor or cli_actor()

    def audited(con: duckdb.DuckDBPyConnection, record: RunRecord) -> object:
        if config.official:
            mark_audited(con, record, actor=who, role=role)
        record_actor(con, "runs", record.run_id, who)
        return audit(
            con,
            actor=who,
            role=role,
            action="run.create",
            target=record.run_id,
            detail={
                "period": record.period,
                "scope": record.scope,
                "base_period": record.base_period,
                "results_sha256": record.results_sha256,
            },
        )

    with using(db, write=True) as con:
        return execute_run(
            con,
            period=config.period,
            scope=config.scope,
            base_period=config.base_period,
            k_similar=config.k_similar,
            n_klynger=config.n_klynger,
            cost_date=config.cost_date,
            progress=progress,
            audit=audited,
            engine=build_engine(config.engine, master=config.master),
        )


def open_run(run_id: str, *, db: Store | None = None) -> StoredRun:
    """A stored run (its lists rebuilt and checked against the stored results)."""
    with using(db) as con:
        return load_run(con, run_id)


def list_runs(*, db: Store | None = None) -> list[RunRecord]:
    with using(db) as con:
        return _list_runs(con)


def latest_run(*, db: Store | None = None) -> StoredRun:
    """The newest stored run (NotFoundError when there is none)."""
    records = list_runs(db=db)
    if not records:
        raise NotFoundError("der er ingen gemte kørsler endnu: 'kommunebench run --period 2023QMAT04'")
    return open_run(records[-1].run_id, db=db)


def mark_audited(
    con: duckdb.DuckDBPyConnection, record: RunRecord, *, actor: str, role: str | None = None
) -> MarkResult:
    """Mark ``record`` official and write its audit row (inside the caller's transaction)."""
    result = mark_official(con, record, actor=actor)
    if not result.changed:  # already official: nothing written
        return result
    mark, replaced = result.mark, result.replaced
    audit(
        con,
        actor=actor,
        role=role,
        action="run.official",
        target=record.run_id,
        detail={
            "period": record.period,
            "scope": record.scope,
            "mark_id": mark.mark_id,
            "replaces": replaced.run_id if replaced else None,
        },
    )
    return result


def previous_for(run: StoredRun, *, db: Store | None = None) -> StoredRun | None:
    """The stored run ``run`` is compared with: the previous official run of its scope (else the
    previous period's first run); ``None`` when there is no earlier period."""
    with using(db) as con:
        marked = {m.run_id for m in official_marks(con, current_only=True)}
        prev = previous_run(_list_runs(con), marked, run.record)
        return load_run(con, prev.run_id) if prev is not None else None


def default_public_run(*, db: Store | None = None) -> StoredRun:
    """The run the public sees by default: the official run of the most recent period that has one,
    else that period's first run (:func:`kommunebench.benchmark.official.default_run`)."""
    with using(db) as con:
        record = default_run(_list_runs(con), {m.run_id for m in official_marks(con, current_only=True)})
        if record is None:
            raise NotFoundError("there are no stored runs yet: 'kommunebench run --period 2023QMAT04'")
        return load_run(con, record.run_id)


def publish_run(
    run: StoredRun,
    *,
    threshold: int | None = None,
    previous: StoredRun | None = None,
    previous_view: PublicRun | None = None,
) -> PublicRun:
    """The public view of a run (threshold: the ``suppress_below`` setting by default).

    A published run (jobindsats figures) is shown as published: nothing more is suppressed.
    ``previous``: the run to compare with (the change columns and the decomposition);
    ``previous_view``: its public view at the same threshold when the caller has it already.
    """
    limit = 0 if run.record.is_published else settings.get_int("suppress_below", threshold)
    before = None
    if previous is not None:
        before = previous_view if previous_view is not None else publish_run(previous, threshold=limit)
    change = run_change(previous, run) if previous is not None else None
    return public_view(
        run.lists,
        threshold=limit,
        record=run.record,
        uncertainty={k: v for k, v in run.artifacts.items() if k in FRAME_NAMES},
        previous=before,
        change=change_frame(change) if change is not None else None,
    )


def run_folder(run: StoredRun) -> Path:
    """The default export folder of a run: ``<home>/runs/<run id>``."""
    return settings.home_dir() / "runs" / run.record.run_id


PROFILES = ("public", "internal")
INCOMPLETE = "UFULDSTAENDIG.txt"
COMPLETE = "eksport.json"


def export_run(
    run: StoredRun,
    out_dir: Path | None = None,
    *,
    threshold: int | None = None,
    profile: str = "public",
    efficiency: PublicEfficiency | None = None,
    previous: StoredRun | None = None,
) -> ExportPaths:
    """Write the run as CSV files, an Excel workbook and the static HTML report.

    ``profile="public"``: exactly the web's figures (rounded as published, small cells suppressed
    at ``threshold``). ``profile="internal"``: unsuppressed, full precision, and every file, sheet
    and page marked "Fortroligt – ikke til offentliggørelse". The folder holds ``UFULDSTAENDIG.txt``
    while the export is written and ``eksport.json`` (profile, files and their SHA-256) once it is
    complete, so a killed export is marked incomplete. ``efficiency``: a public DEA view of this
    run; the workbook and the report then carry its sheet and section.
    """
    if profile not in PROFILES:
        raise ConfigError(f"unknown export profile {profile!r}: choose public or internal")
    internal = profile == "internal"
    view = publish_run(run, threshold=0 if internal else threshold, previous=previous)
    folder = Path(out_dir) if out_dir is not None else run_folder(run)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / COMPLETE).unlink(missing_ok=True)
    (folder / INCOMPLETE).write_text("Eksporten er ikke færdig (eller blev afbrudt); brug ikke filerne.\n")
    rec = run.record
    csvs = write_csv(view, folder / "csv", precise=internal, confidential=internal)
    drivers = drivers_table(view, run_drivers(run.artifacts, run.lists.total_areas))
    xlsx = write_excel(
        view,
        folder / f"benchmark_{rec.run_id}_{rec.period}.xlsx",
        precise=internal,
        confidential=internal,
        efficiency=efficiency,
        drivers=drivers,
    )
    html = write_html_report(
        view, folder / f"rapport_{rec.run_id}_{rec.period}.html", confidential=internal, efficiency=efficiency
    )
    files = [*csvs, Path(xlsx), Path(html)]
    manifest = {
        "run_id": rec.run_id,
        "profile": profile,
        "threshold": view.threshold,
        "files": {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
    }
    (folder / COMPLETE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    (folder / INCOMPLETE).unlink()
    return ExportPaths(folder=folder, csv=csvs[0].parent, excel=Path(xlsx), html=Path(html))


def run_and_export(
    config: RunConfig, *, db: Store | None = None, actor: str | None = None, progress: Progress | None = None
) -> tuple[StoredRun, ExportPaths]:
    """``kommunebench run``: run, store, and export to ``config.out_dir``."""
    run = run_benchmark(config, db=db, actor=actor, progress=progress)
    previous = previous_for(run, db=db)
    return run, export_run(
        run, config.out_dir, threshold=config.threshold, profile=config.export_profile, previous=previous
    )
