"""``kommunebench load``: validate and load, optionally prepare the newest period's blocks and store
its run in the same process (a thin edge); and how a stored run is printed (``load --kør``,
``run``, ``demo``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kommunebench import pipeline
from kommunebench.benchmark.runs import StoredRun
from kommunebench.cli_common import (
    DbOption,
    console,
    db_path,
    print_list,
    print_load_report,
    print_prepared,
    progress,
    seconds,
)
from kommunebench.errors import ConfigError
from kommunebench.publish import PublicRun, format_number_da

__all__ = ["load", "print_stored", "print_top_bottom"]


def load(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="En snapshot-mappe eller filer som ART=FIL (arter: persons, benefit_weeks, labour_market, joblog, "
            "benefit_codes, costs, commuting_area_map); en fil med navnet ART.csv/.parquet behøver ikke ART=."
        ),
    ],
    db: DbOption = None,
    snapshot: Annotated[str | None, typer.Option(help="Snapshot-id (standard: tidspunkt + fingeraftryk).")] = None,
    forbered: Annotated[
        bool,
        typer.Option(
            "--forbered",
            help="Forbered også den nyeste rullende periode (gemte kvartalsblokke): så samler 'run' dens "
            "summer af dem uden at læse ydelsesugerne igen.",
        ),
    ] = False,
    kør: Annotated[
        bool,
        typer.Option(
            "--kør",
            help="Kør også benchmarken bagefter i samme proces og gem kørslen (som 'run' uden eksport): "
            "den nyeste rullende periode, eller --period.",
        ),
    ] = False,
    period: Annotated[
        str | None, typer.Option(help="Periode for --kør, fx 2023QMAT04 (standard: den nyeste hele).")
    ] = None,
) -> None:
    """Validér og indlæs registerdata i datavarehuset: alt eller intet (revisionslogget)."""
    path = db_path(db)
    if period is not None and not kør:
        raise ConfigError("--period bruges kun sammen med --kør")
    if kør:
        _load_and_run(sources, path, snapshot, period, prepare=forbered)
        return
    with progress("load") as cb:
        rep = pipeline.load_data(pipeline.parse_sources(sources), db=path, snapshot_id=snapshot, progress=cb)
    print_load_report(rep, path)
    if forbered:
        print_prepared(pipeline.prepare_periods(db=path))


def _load_and_run(sources: list[str], path: Path, snapshot: str | None, period: str | None, *, prepare: bool) -> None:
    with progress("load") as cb:
        done = pipeline.load_and_run(
            pipeline.parse_sources(sources), db=path, snapshot_id=snapshot, period=period, prepare=prepare, progress=cb
        )
    print_load_report(done.load, path)
    if prepare:
        print_prepared(done.prepared)
    print_top_bottom(pipeline.publish_run(done.run, threshold=done.config.threshold))
    print_stored(done.run, official=False)
    console.print(f"Eksportér med 'kommunebench show {done.run.record.run_id} --export MAPPE'.")


def print_top_bottom(view: PublicRun) -> None:
    print_list(view.top(10), f"Top 10, {view.period} (bedst i forhold til forventet)")
    print_list(view.bottom(10), f"Bund 10, {view.period}")


def print_stored(stored: StoredRun, *, official: bool) -> None:
    rec = stored.record
    console.print(
        f"[green]Kørsel {rec.run_id}[/] er gemt: periode {rec.period}, scope {rec.scope}, "
        f"data {rec.data_fingerprint[:12]}, resultater {rec.results_sha256[:12]}, {seconds(rec.seconds)}."
    )
    console.print(
        "Besparelsespotentiale i hele landet: "
        f"{format_number_da(stored.lists.potential.national_mio_kr, 'mio')} mio. kr."
    )
    if official:
        console.print(f"Kørsel {rec.run_id} er markeret som den officielle for {rec.period} (scope {rec.scope}).")
