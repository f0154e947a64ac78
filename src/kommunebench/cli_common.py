"""What the CLI's commands share: consoles, common options, the progress bar and table printers.

Numbers are formatted by the publishing stage's one Danish formatter; the printers only lay out
what the pipeline returns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kommunebench import settings
from kommunebench.alerts.calendar import parse_date
from kommunebench.data.load import LoadReport
from kommunebench.data.summary import LoadedSummary
from kommunebench.publish import AREA_LABELS, display_frame, format_number_da

__all__ = [
    "console",
    "err_console",
    "DbOption",
    "AsOf",
    "progress",
    "db_path",
    "as_of_date",
    "area_label",
    "pct",
    "count",
    "records",
    "print_load_report",
    "print_summary",
    "print_loads",
    "print_list",
    "new_table",
]

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Warehouse file (env KOMMUNEBENCH_DB; default <home>/warehouse.duckdb).", show_default=False
    ),
]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Evaluate as of this date, YYYY-MM-DD (default today); only months published by then are used.",
        show_default=False,
    ),
]


def db_path(db: Path | None) -> Path:
    return settings.db_path(db)


def as_of_date(text: str | None) -> dt.date:
    return parse_date(text, what="--as-of")


@contextlib.contextmanager
def progress(label: str) -> Iterator[Callable[[str, float], None]]:
    """A Rich progress bar driven by ``callback(step, fraction)``; silent when not a terminal."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=1.0)

        def update(step: str, fraction: float) -> None:
            bar.update(task, completed=max(0.0, min(1.0, fraction)), description=f"{label}: {step}")

        yield update
        bar.update(task, completed=1.0)


def area_label(area: str) -> str:
    return AREA_LABELS.get(area, area)


def pct(value: object) -> str:
    """A share with one decimal (joblog tables)."""
    return format_number_da(value, "pct1")


def count(value: object) -> str:
    return format_number_da(value, "count")


def records(frame: pd.DataFrame) -> list[SimpleNamespace]:
    """The rows of a frame as namespaces (``row.navn``), for printing."""
    return [SimpleNamespace(**{str(k): v for k, v in rec.items()}) for rec in frame.to_dict("records")]


def new_table(title: str, columns: Sequence[str], *, right: Sequence[str] = ()) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="right" if col in right else "left")
    return table


def print_load_report(rep: LoadReport, path: Path) -> None:
    table = new_table(
        f"Indlæsning {rep.snapshot_id} → {path}",
        ("Datatype", "Fil", "Rækker", "Fingeraftryk", "Status"),
        right=("Rækker",),
    )
    for k in rep.kinds:
        table.add_row(k.kind, str(k.file), f"{k.rows:,}", k.fingerprint[:12], k.status)
    console.print(table)
    if rep.already_loaded:
        console.print("[yellow]This snapshot is already loaded; nothing was changed.[/]")
    else:
        console.print(f"[green]Loaded[/] in {rep.seconds:.1f} s.")


def print_summary(s: LoadedSummary, top: int | None = None) -> None:
    cols = ("Kode", "Kommune", "Befolkning 16-66", "Personer på ydelse", *(area_label(a) for a in (*s.areas, "total")))
    table = new_table(
        f"Indlæst: faktiske andele {s.period} (scope {s.scope}), pct. af befolkningen 16-66 år",
        cols,
        right=[c for c in cols if c != "Kommune"],
    )
    rows = s.rows if top is None else s.rows[:top]
    for r in rows:
        table.add_row(
            str(r["kommunekode"]),
            r["navn"],
            f"{r['population']:,}",
            f"{r['persons_on_benefit']:,}",
            *(f"{r[a]:.2f}" for a in (*s.areas, "total")),
        )
    if top is not None and len(s.rows) > top:
        table.add_row("…", f"({len(s.rows) - top} flere kommuner)", "", "", *([""] * (len(s.areas) + 1)))
    table.add_row(
        "",
        "[bold]Hele landet[/]",
        f"{s.population:,}",
        "",
        *(f"[bold]{s.national[a]:.2f}[/]" for a in (*s.areas, "total")),
    )
    console.print(table)


def print_loads(loads: Sequence[dict]) -> None:
    """The current load of each input kind, with who loaded it (the verified actor)."""
    table = new_table(
        "Indlæste data", ("Datatype", "Snapshot", "Rækker", "Indlæst (UTC)", "Indlæst af"), right=("Rækker",)
    )
    for d in loads:
        at = d["loaded_at"].isoformat(timespec="seconds") if d.get("loaded_at") else ""
        table.add_row(d["kind"], str(d["snapshot_id"]), f"{int(d['n_rows']):,}", at, d.get("actor") or "ukendt")
    console.print(table)


_LIST_COLUMNS = (
    "Placering",
    "Kommune",
    "Befolkning 16-66 år",
    "Forventet antal",
    "Faktisk antal",
    "Forskel (antal)",
    "Forventet andel (pct.)",
    "Faktisk andel (pct.)",
    "Forskel (pct.-point)",
    "Besparelsespotentiale (mio. kr.)",
    "Standardfejl (pct.-point)",
    "Forskel, nedre grænse 90 % (pct.-point)",
    "Forskel, øvre grænse 90 % (pct.-point)",
    "Placering, bedst mulige (90 %)",
    "Placering, dårligst mulige (90 %)",
    "Vurdering",
)


def print_list(frame: pd.DataFrame, title: str) -> None:
    """A public list frame as a Rich table (the ministry's rounding; suppressed cells '–')."""
    shown = display_frame(frame)
    kinds: dict[str, Any] = shown.attrs.get("kinds", {})
    cols = [c for c in _LIST_COLUMNS if c in shown.columns]
    table = new_table(title, cols, right=[c for c in cols if c != "Kommune"])
    for row in shown[cols].itertuples(index=False):
        table.add_row(*(format_number_da(v, kinds.get(c, ""), missing="–") for c, v in zip(cols, row, strict=True)))
    console.print(table)
