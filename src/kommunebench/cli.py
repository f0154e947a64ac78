"""The command line: a thin edge that calls the stages and prints with Rich.

Domain errors (``KommunebenchError``) become one clear red line and exit code 2.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kommunebench import __version__, settings
from kommunebench.cli_joblog import joblog_app
from kommunebench.cli_web import dashboard_url, serve, token_app
from kommunebench.errors import KommunebenchError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="kommunebench: benchmark Denmark's 98 municipalities on their employment efforts.",
)
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)
app.add_typer(joblog_app, name="joblog", help="Joblog follow-up: monthly smileys, action criteria, case log, letters.")
app.command()(serve)
app.add_typer(token_app, name="token", help="API tokens for the dashboard/API: create, list, revoke.")

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db", help="Warehouse file (env KOMMUNEBENCH_DB; default <home>/warehouse.duckdb).", show_default=False
    ),
]


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Callable[[str, float], None]]:
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


def _default_synth_dir() -> Path:
    return settings.home_dir() / "synth"


@app.command()
def synth(
    out: Annotated[Path | None, typer.Option(help="Output folder (default <home>/synth).")] = None,
    scale: Annotated[float, typer.Option(help="Fraction of the real 16-66 population (1 = ~3.8 M persons).")] = 0.02,
    seed: Annotated[int | None, typer.Option(help="Random seed (env KOMMUNEBENCH_SEED).")] = None,
    zero_effects: Annotated[bool, typer.Option("--zero-effects", help="Plant no municipal effects.")] = False,
    first_year: Annotated[int, typer.Option(help="First of the two calendar years generated.")] = 2022,
) -> None:
    """Generate a synthetic Denmark (persons, weekly benefits, labour market, planted truth) as Parquet."""
    from kommunebench.data.synth import generate

    out = out or _default_synth_dir()
    with _progress("synth") as cb:
        res = generate(
            out,
            scale=scale,
            seed=settings.get("seed", seed),
            zero_effects=zero_effects,
            first_year=first_year,
            progress=cb,
        )
    console.print(
        f"[green]Wrote[/] {out}: {res.n_persons:,} persons, {res.n_person_years:,} person-years, "
        f"{res.n_benefit_weeks:,} benefit weeks in {res.seconds:.1f} s (seed {res.seed}, scale {res.scale})."
    )
    table = Table(title="Nationale andele (pct. af befolkningen 16-66 år)")
    table.add_column("År")
    areas = list(next(iter(res.national_shares.values())))
    for a in areas:
        table.add_column(_area_label(a), justify="right")
    for year, shares in res.national_shares.items():
        table.add_row(year, *(f"{shares[a]:.2f}" for a in areas))
    console.print(table)


def _parse_sources(paths: list[str]) -> Path | dict[str, Path]:
    from kommunebench.errors import ConfigError

    if len(paths) == 1 and "=" not in paths[0] and Path(paths[0]).is_dir():
        return Path(paths[0])
    out: dict[str, Path] = {}
    for item in paths:
        if "=" in item:
            kind, _, p = item.partition("=")
        else:
            p = item
            kind = Path(p).name.split(".")[0]
        if Path(p).is_dir():
            raise ConfigError(f"{p} is a folder: give one snapshot folder alone, or files as KIND=FILE")
        out[kind.strip()] = Path(p)
    return out


@app.command()
def load(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="A snapshot folder, or files as KIND=FILE "
            "(kinds: persons, benefit_weeks, labour_market, joblog, benefit_codes, "
            "costs, commuting_area_map); a file named KIND.csv/.parquet needs no KIND=."
        ),
    ],
    db: DbOption = None,
    snapshot: Annotated[str | None, typer.Option(help="Snapshot id (default: time + fingerprint).")] = None,
) -> None:
    """Validate and load register-style data into the warehouse: all or nothing."""
    from kommunebench.data.load import load as do_load

    path = settings.db_path(db)
    with _progress("load") as cb:
        rep = do_load(path, _parse_sources(sources), snapshot_id=snapshot, progress=cb)
    _print_load_report(rep, path)


def _print_load_report(rep, path: Path) -> None:
    table = Table(title=f"Indlæsning {rep.snapshot_id} → {path}")
    for col in ("Datatype", "Fil", "Rækker", "Fingeraftryk", "Status"):
        table.add_column(col, justify="right" if col == "Rækker" else "left")
    for k in rep.kinds:
        table.add_row(k.kind, str(k.file), f"{k.rows:,}", k.fingerprint[:12], k.status)
    console.print(table)
    if rep.already_loaded:
        console.print("[yellow]This snapshot is already loaded; nothing was changed.[/]")
    else:
        console.print(f"[green]Loaded[/] in {rep.seconds:.1f} s.")


@app.command()
def status(
    db: DbOption = None,
    period: Annotated[
        str | None, typer.Option(help="Period such as 2023QMAT04 (default: the latest calendar year loaded).")
    ] = None,
    scope: Annotated[str | None, typer.Option(help="Benefit scope: 2018, 2019 or extended.")] = None,
) -> None:
    """Show what the warehouse holds: loads, and per-municipality counts and shares."""
    _print_status(settings.db_path(db), period, scope)


def _print_status(path: Path, period_label: str | None, scope: str | None, top: int | None = None) -> None:
    from kommunebench.data import summary, warehouse
    from kommunebench.data.periods import Period
    from kommunebench.errors import NotFoundError

    if not path.exists():
        raise NotFoundError(f"no warehouse at {path}: run 'kommunebench load' (or 'kommunebench demo') first")
    con = warehouse.connect(path, read_only=True)
    try:
        years = summary.available_years(con)
        if not years:
            raise NotFoundError(f"the warehouse {path} holds no persons yet")
        period = Period.parse(period_label) if period_label else Period(years[-1], 4)
        scope = str(settings.get("scope", scope))
        s = summary.loaded_summary(con, period, scope=scope, code_rows=warehouse.effective_benefit_codes(con))
    finally:
        con.close()
    table = Table(title=f"Indlæst: faktiske andele {s.period} (scope {s.scope}), pct. af befolkningen 16-66 år")
    table.add_column("Kode", justify="right")
    table.add_column("Kommune")
    table.add_column("Befolkning 16-66", justify="right")
    table.add_column("Personer på ydelse", justify="right")
    for a in (*s.areas, "total"):
        table.add_column(_area_label(a), justify="right")
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


def _area_label(area: str) -> str:
    from kommunebench.data.reference import AREA_LABELS

    return AREA_LABELS.get(area, area)


@app.command()
def demo(
    scale: Annotated[
        float | None, typer.Option(help="Fraction of the real population (env KOMMUNEBENCH_DEMO_SCALE).")
    ] = None,
    db: DbOption = None,
) -> None:
    """The main job on the embedded default: synthetic Denmark → warehouse → benchmark → report."""
    from kommunebench.data.load import load as do_load
    from kommunebench.data.synth import generate

    scale = float(settings.get("demo_scale", scale))
    out = _default_synth_dir()
    path = settings.db_path(db)
    console.print(f"[bold]kommunebench {__version__} demo[/]: synthetic Denmark at scale {scale} → {path}")
    with _progress("synth") as cb:
        res = generate(out, scale=scale, seed=settings.get("seed"), progress=cb)
    console.print(
        f"Generated {res.n_persons:,} persons and {res.n_benefit_weeks:,} benefit weeks in {res.seconds:.1f} s → {out}"
    )
    with _progress("load") as cb:
        rep = do_load(path, out, progress=cb)
    _print_load_report(rep, path)
    _print_status(path, None, None)

    from kommunebench.benchmark.runs import execute_run
    from kommunebench.data import warehouse
    from kommunebench.data.periods import Period

    period = Period(res.years[-1], 4)
    con = warehouse.connect(path)
    try:
        with _progress("benchmark") as cb:
            stored = execute_run(con, period=period, scope=str(settings.get("scope")), progress=cb)
    finally:
        con.close()
    paths = _export_run(stored, settings.home_dir() / "runs" / stored.record.run_id)
    _print_top_bottom(stored.lists)
    console.print(
        f"[green]Run {stored.record.run_id}[/] ({period.label}, scope {stored.record.scope}) stored in {path}."
    )
    console.print(f"Excel: {paths['excel']}")
    console.print(f"CSV:   {paths['csv']}")
    console.print(f"[bold]Report (open in a browser): {paths['html']}[/]")
    serve_cmd = f"kommunebench serve --db {path}" if db else "kommunebench serve"
    console.print(f"[bold]Dashboard: run '{serve_cmd}' and open {dashboard_url()}[/]")


def _export_run(stored, out_dir: Path) -> dict[str, Path]:
    from kommunebench.report import write_csv, write_excel, write_html_report

    out_dir.mkdir(parents=True, exist_ok=True)
    meta = stored.record.meta()
    csvs = write_csv(stored.lists, out_dir / "csv")
    xlsx = write_excel(
        stored.lists, out_dir / f"benchmark_{stored.record.run_id}_{stored.record.period}.xlsx", run_meta=meta
    )
    html = write_html_report(
        stored.lists, out_dir / f"rapport_{stored.record.run_id}_{stored.record.period}.html", run_meta=meta
    )
    return {"csv": csvs[0].parent, "excel": Path(xlsx), "html": Path(html)}


def _cli_kind(kind: str) -> str:
    return {"count_diff": "count", "pp_diff": "share"}.get(kind, kind)


_CLI_COLUMNS = (
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
)


def _print_list(frame, title: str, *, n: int | None = None) -> None:
    from kommunebench.benchmark import display_frame, format_number_da

    shown = display_frame(frame)
    kinds = shown.attrs.get("kinds", {})
    shown = shown[[c for c in _CLI_COLUMNS if c in shown.columns]]
    if n is not None:
        shown = shown.head(n)
    table = Table(title=title)
    for col in shown.columns:
        table.add_column(str(col), justify="left" if col in ("Kommune", "Region") else "right")
    for row in shown.itertuples(index=False):
        table.add_row(
            *(format_number_da(v, _cli_kind(kinds.get(c, ""))) for c, v in zip(shown.columns, row, strict=True))
        )
    console.print(table)


def _print_top_bottom(lists) -> None:
    _print_list(lists.top(10), f"Top 10, {lists.period} (bedst i forhold til forventet)")
    _print_list(lists.bottom(10), f"Bund 10, {lists.period}")


@app.command()
def run(
    period: Annotated[str, typer.Option(help="Period YYYYQMATqq, e.g. 2023QMAT04 (calendar 2023).")],
    scope: Annotated[str | None, typer.Option(help="Benefit scope: 2018, 2019 or extended.")] = None,
    base_period: Annotated[
        str | None, typer.Option(help="Fit on this earlier period and apply to --period (fremskrivning).")
    ] = None,
    k_similar: Annotated[int, typer.Option(help="Number of similar municipalities per area.")] = 5,
    klynger: Annotated[int, typer.Option(help="Number of klynger per area.")] = 5,
    out: Annotated[Path | None, typer.Option(help="Export folder (default <home>/runs/<run id>).")] = None,
    db: DbOption = None,
) -> None:
    """Fit the benchmark for a period, store the run, and export CSV, Excel and the HTML report."""
    from kommunebench.benchmark.runs import execute_run
    from kommunebench.data import warehouse

    con = warehouse.connect(settings.db_path(db))
    try:
        with _progress("run") as cb:
            stored = execute_run(
                con,
                period=period,
                scope=str(settings.get("scope", scope)),
                base_period=base_period,
                k_similar=k_similar,
                n_klynger=klynger,
                progress=cb,
            )
    finally:
        con.close()
    rec = stored.record
    paths = _export_run(stored, out or settings.home_dir() / "runs" / rec.run_id)
    _print_top_bottom(stored.lists)
    console.print(
        f"[green]Run {rec.run_id}[/] stored: period {rec.period}, scope {rec.scope}, "
        f"data {rec.data_fingerprint[:12]}, results {rec.results_sha256[:12]}, {rec.seconds:.1f} s."
    )
    console.print(f"National potential: {stored.lists.potential.national_mio_kr:,.1f} mio. kr.")
    for kind, p in paths.items():
        console.print(f"  {kind}: {p}")


@app.command()
def runs(db: DbOption = None) -> None:
    """List the stored runs with their parameters and fingerprints."""
    from kommunebench.benchmark.runs import list_runs
    from kommunebench.data import warehouse

    con = warehouse.connect(settings.db_path(db), read_only=True)
    try:
        records = list_runs(con)
    finally:
        con.close()
    table = Table(title="Gemte kørsler")
    for col in ("Kørsel", "Tidspunkt (UTC)", "Periode", "Scope", "Basisperiode", "Data", "Resultater", "Version"):
        table.add_column(col)
    for r in records:
        table.add_row(
            r.run_id,
            r.created_at.isoformat(timespec="seconds"),
            r.period,
            r.scope,
            r.base_period or "",
            r.data_fingerprint[:12],
            r.results_sha256[:12],
            r.package_version,
        )
    console.print(table)
    if not records:
        console.print("No runs yet: 'kommunebench run --period 2023QMAT04'.")


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="Run id, e.g. R0001.")],
    area: Annotated[str | None, typer.Option(help="Show one area's list instead of the overall list.")] = None,
    export: Annotated[Path | None, typer.Option(help="Also (re)write the exports to this folder.")] = None,
    db: DbOption = None,
) -> None:
    """Print a stored run's overall list (or one area's list)."""
    from kommunebench.benchmark.runs import load_run
    from kommunebench.data import warehouse
    from kommunebench.errors import NotFoundError

    con = warehouse.connect(settings.db_path(db), read_only=True)
    try:
        stored = load_run(con, run_id)
    finally:
        con.close()
    lists = stored.lists
    if area is None:
        frame, title = lists.overall, f"{_area_label('total')}, {lists.period} (kørsel {stored.record.run_id})"
    elif area in lists.by_area:
        frame, title = lists.by_area[area], f"{_area_label(area)}, {lists.period} (kørsel {stored.record.run_id})"
    else:
        raise NotFoundError(
            f"area {area!r} is not in run {stored.record.run_id}; choose one of {', '.join(lists.by_area)}"
        )
    _print_list(frame, title)
    if export is not None:
        for kind, p in _export_run(stored, export).items():
            console.print(f"  {kind}: {p}")


@app.command()
def version() -> None:
    """Print the package version."""
    console.print(__version__)


def main() -> None:
    try:
        app()
    except KommunebenchError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
