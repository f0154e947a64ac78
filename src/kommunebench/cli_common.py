"""What the CLI's commands share: consoles, common options, the progress bar and table printers.

Numbers are formatted by the publishing stage's one Danish formatter; the printers only lay out
what the pipeline returns.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import pandas as pd
import typer
import typer.core
import typer.rich_utils
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kommunebench import settings
from kommunebench.alerts.calendar import parse_date
from kommunebench.data import reference
from kommunebench.data.load import LoadReport
from kommunebench.data.summary import LoadedSummary
from kommunebench.errors import KommunebenchError, ValidationError
from kommunebench.pipeline.data import PreparedPeriod
from kommunebench.publish import AREA_LABELS, display_frame, format_number_da
from kommunebench.publish.change import national_display

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
    "share",
    "decimal",
    "seconds",
    "narrow",
    "records",
    "print_load_report",
    "print_summary",
    "print_loads",
    "print_list",
    "new_table",
    "keep_columns",
    "print_left_out",
    "error_text",
]

# A pipe gets 160 columns unless COLUMNS says otherwise (COLUMNS=80 shows what an 80-column terminal sees).
console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
err_console = Console(stderr=True)
#: The longest municipality name: the "Kommune" column is never narrower, never wrapped or cut.
NAME_WIDTH = max(len(m.navn) for m in reference.municipalities())
#: Below this width the tables leave out their secondary columns (named in a note under the table).
NARROW = 120


def narrow() -> bool:
    return console.width < NARROW


#: click's fixed words in a usage line
_USAGE_WORDS = {"[OPTIONS]": "[TILVALG]", "COMMAND [ARGS]...": "KOMMANDO [ARGUMENTER]..."}


def _danish_typer() -> None:
    """Typer's own words in the help screens in Danish (its panels, defaults and the --help option)."""
    ru = typer.rich_utils
    ru.ARGUMENTS_PANEL_TITLE, ru.OPTIONS_PANEL_TITLE, ru.COMMANDS_PANEL_TITLE = "Argumenter", "Tilvalg", "Kommandoer"
    ru.DEFAULT_STRING, ru.ENVVAR_STRING, ru.REQUIRED_LONG_STRING = "[standard: {}]", "[miljøvariabel: {}]", "[påkrævet]"
    ru.ERRORS_PANEL_TITLE, ru.ABORTED_TEXT = "Fejl", "Afbrudt."
    ru.RICH_HELP = "Prøv [blue]'{command_path} {help_option}'[/] for hjælp."
    for cls in (typer.core.TyperCommand, typer.core.TyperGroup):
        original = cls.get_help_option
        if getattr(original, "_danish", False):
            continue

        def get_help_option(self: Any, ctx: Any, _original: Any = original) -> Any:
            opt = _original(self, ctx)
            if opt is not None:
                opt.help = "Vis denne hjælp og afslut."
            return opt

        get_help_option._danish = True  # type: ignore[attr-defined]
        cls.get_help_option = get_help_option  # type: ignore[method-assign]

        def format_usage(self: Any, ctx: Any, formatter: Any) -> None:
            """The usage line as click writes it, with "Brug:" for click's fixed "Usage:"."""
            pieces = [_USAGE_WORDS.get(p, p) for p in self.collect_usage_pieces(ctx)]
            formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="Brug: ")

        cls.format_usage = format_usage  # type: ignore[method-assign]


_danish_typer()

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="Datavarehusets fil (miljøvariabel KOMMUNEBENCH_DB; standard <home>/warehouse.duckdb).",
        show_default=False,
    ),
]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Vurdér pr. denne dato, ÅÅÅÅ-MM-DD (standard: i dag); kun måneder offentliggjort senest den dag bruges.",
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
    """A whole number with Danish thousands: ``6.182``."""
    return format_number_da(value, "count")


def share(value: object) -> str:
    """A share with two decimals: ``7,48``."""
    return format_number_da(value, "share")


def decimal(value: object) -> str:
    """Any number with a decimal comma and the digits it has: ``0,02``."""
    return f"{float(value):g}".replace(".", ",")  # type: ignore[arg-type]


def seconds(value: object) -> str:
    """A duration: ``1,4 s``."""
    return f"{format_number_da(value, 'pct1')} s"


def records(frame: pd.DataFrame) -> list[SimpleNamespace]:
    """The rows of a frame as namespaces (``row.navn``), for printing."""
    return [SimpleNamespace(**{str(k): v for k, v in rec.items()}) for rec in frame.to_dict("records")]


def new_table(title: str, columns: Sequence[str], *, right: Sequence[str] = ()) -> Table:
    """A Rich table; the "Kommune" column is never wrapped or cut (at least as wide as the longest name)."""
    table = Table(title=title)
    for col in columns:
        name = col == "Kommune"
        table.add_column(
            col,
            justify="right" if col in right else "left",
            no_wrap=name,
            min_width=NAME_WIDTH if name else None,
        )
    return table


def keep_columns(columns: Sequence[str], secondary: Sequence[str]) -> tuple[list[str], list[str]]:
    """The columns to show on this terminal and those left out (the ``secondary`` ones when narrow)."""
    if not narrow():
        return list(columns), []
    return [c for c in columns if c not in secondary], [c for c in columns if c in secondary]


def print_left_out(left_out: Sequence[str]) -> None:
    if left_out:
        console.print(
            f"[dim]Smal terminal: {', '.join(left_out)} er udeladt (brug en bredere terminal eller eksportér).[/]"
        )


def print_load_report(rep: LoadReport, path: Path) -> None:
    table = new_table(
        f"Indlæsning {rep.snapshot_id} → {path}",
        ("Datatype", "Fil", "Rækker", "Fingeraftryk", "Status"),
        right=("Rækker",),
    )
    for k in rep.kinds:
        table.add_row(k.kind, str(k.file), count(k.rows), k.fingerprint[:12], _STATUS_DA.get(k.status, k.status))
    console.print(table)
    if rep.already_loaded:
        console.print("[yellow]Dette snapshot er allerede indlæst; intet er ændret.[/]")
    else:
        console.print(f"[green]Indlæst[/] på {seconds(rep.seconds)}.")


def print_prepared(prep: PreparedPeriod | None) -> None:
    if prep is None:
        console.print("[yellow]Ingen ydelsesuger indlæst: intet at forberede.[/]")
        return
    what = ", ".join(f"{_SCAN_DA.get(k, k)} {v}" for k, v in sorted(prep.scans.items())) or "alt var gemt i forvejen"
    console.print(
        f"[green]Forberedt[/] {prep.period} til 'run --engine incremental' på {seconds(prep.seconds)} ({what})."
    )


def print_summary(s: LoadedSummary, top: int | None = None) -> None:
    areas = (*s.areas, "total")
    all_cols = ("Kode", "Kommune", "Befolkning 16-66", "Personer på ydelse", *(area_label(a) for a in areas))
    cols, left_out = keep_columns(all_cols, ("Kode", "Personer på ydelse"))
    table = new_table(
        f"Indlæst: faktiske andele {s.period} (scope {s.scope}), pct. af befolkningen 16-66 år",
        cols,
        right=[c for c in cols if c != "Kommune"],
    )

    def add(values: dict[str, str]) -> None:
        table.add_row(*(values.get(c, "") for c in cols))

    rows = s.rows if top is None else s.rows[:top]
    for r in rows:
        add(
            {
                "Kode": str(r["kommunekode"]),
                "Kommune": r["navn"],
                "Befolkning 16-66": count(r["population"]),
                "Personer på ydelse": count(r["persons_on_benefit"]),
                **{area_label(a): share(r[a]) for a in areas},
            }
        )
    if top is not None and len(s.rows) > top:
        add({"Kode": "…", "Kommune": f"({len(s.rows) - top} flere kommuner)"})
    add(
        {
            "Kommune": "[bold]Hele landet[/]",
            "Befolkning 16-66": count(s.population),
            **{area_label(a): f"[bold]{share(s.national[a])}[/]" for a in areas},
        }
    )
    console.print(table)
    print_left_out(left_out)


def print_loads(loads: Sequence[dict]) -> None:
    """The current load of each input kind, with who loaded it (the verified actor)."""
    table = new_table(
        "Indlæste data", ("Datatype", "Snapshot", "Rækker", "Indlæst (UTC)", "Indlæst af"), right=("Rækker",)
    )
    for d in loads:
        at = d["loaded_at"].isoformat(timespec="seconds") if d.get("loaded_at") else ""
        table.add_row(d["kind"], str(d["snapshot_id"]), count(int(d["n_rows"])), at, d.get("actor") or "ukendt")
    console.print(table)


_STATUS_DA = {"loaded": "indlæst", "unchanged": "uændret"}
_SCAN_DA = {
    "week_keys": "kvartalsnøgler",
    "benefit_weeks": "kvartaler læst",
    "persons": "personblokke",
    "weeks_pass": "ugepas",
}


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
    "Ændring i placering",
    "Besparelsespotentiale (mio. kr.)",
    "Standardfejl (pct.-point)",
    "Forskel, nedre grænse 90 % (pct.-point)",
    "Forskel, øvre grænse 90 % (pct.-point)",
    "Placering, bedst mulige (90 %)",
    "Placering, dårligst mulige (90 %)",
    "Vurdering",
)


#: Left out on a narrow terminal (the exports and the web have them all).
_SECONDARY_LIST_COLUMNS = (
    "Befolkning 16-66 år",
    "Forventet antal",
    "Faktisk antal",
    "Forskel (antal)",
    "Standardfejl (pct.-point)",
    "Forskel, nedre grænse 90 % (pct.-point)",
    "Forskel, øvre grænse 90 % (pct.-point)",
    "Placering, bedst mulige (90 %)",
    "Placering, dårligst mulige (90 %)",
    "Vurdering",
)


def print_list(frame: pd.DataFrame, title: str, national: Mapping[str, Any] | None = None) -> None:
    """A public list frame as a Rich table (the ministry's rounding; suppressed cells '–'), with the
    never-ranked "Hele landet" row last when ``national`` is given (:mod:`kommunebench.publish.change`)."""
    shown = display_frame(frame)
    kinds: dict[str, Any] = shown.attrs.get("kinds", {})
    cols, left_out = keep_columns([c for c in _LIST_COLUMNS if c in shown.columns], _SECONDARY_LIST_COLUMNS)
    table = new_table(title, cols, right=[c for c in cols if c != "Kommune"])
    for row in shown[cols].itertuples(index=False):
        table.add_row(*(format_number_da(v, kinds.get(c, ""), missing="–") for c, v in zip(cols, row, strict=True)))
    if national is not None:
        table.add_section()
        cells = national_display(national)
        table.add_row(*(cells.get(c, "") for c in cols))
    console.print(table)
    print_left_out(left_out)


def error_text(exc: KommunebenchError) -> str:
    """A domain error as one Danish line: a refusal of input names file, row (line), column, rule,
    the value found and how many more rows break the rule, in Danish words."""
    if not isinstance(exc, ValidationError):
        return str(exc)
    parts = [exc.file] if exc.file else []
    if isinstance(exc.row, int):
        parts.append(f"række {exc.row}" + (f" (linje {exc.line})" if exc.line is not None else ""))
    elif exc.row is not None:
        parts.append(str(exc.row))
    if exc.column:
        parts.append(f"kolonne '{exc.column}'")
    text = f"{', '.join(parts)}: {exc.rule}" if parts else exc.rule
    if exc.value is not None:
        found = repr(exc.value)
        text += f" (fundet {found[:200]}{'…' if len(found) > 200 else ''})"
    if exc.more:
        text += f"; {exc.more} række{'r' if exc.more > 1 else ''} mere bryder samme regel"
    return text
