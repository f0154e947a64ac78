"""The command line: a thin edge that parses, calls the pipeline and prints with Rich.

Domain errors (``KommunebenchError``) become one clear red line and exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from kommunebench import __version__, pipeline
from kommunebench.benchmark.runs import StoredRun
from kommunebench.cli_common import (
    DbOption,
    area_label,
    console,
    db_path,
    err_console,
    new_table,
    print_list,
    print_load_report,
    print_loads,
    print_summary,
    progress,
)
from kommunebench.cli_efficiency import efficiency_app
from kommunebench.cli_joblog import joblog_app
from kommunebench.cli_kpi import kpi_app
from kommunebench.cli_published import print_beside, register
from kommunebench.cli_rapport import register_rapport
from kommunebench.cli_truth import validate
from kommunebench.cli_web import dashboard_url, serve, token_app
from kommunebench.data.synth.effects import SCENARIOS, EffectSpec
from kommunebench.errors import KommunebenchError, NotFoundError
from kommunebench.pipeline import ExportPaths, RunConfig
from kommunebench.pipeline.efficiency import run_and_export_with_efficiency
from kommunebench.publish import PublicRun

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="kommunebench: benchmark Denmark's 98 municipalities on their employment efforts.",
)
app.add_typer(joblog_app, name="joblog", help="Joblog follow-up: monthly smileys, action criteria, case log, letters.")
app.command()(serve)
app.add_typer(efficiency_app, name="efficiency", help="DEA cost-efficiency beside the ranking.")
app.add_typer(kpi_app, name="kpi", help="Kommunens egne nøgletal: Faktaside, afdeling, målgruppe, sagsbehandler.")
app.command()(validate)
app.add_typer(token_app, name="token", help="API tokens for the dashboard/API: create, list, revoke.")
register(app)
register_rapport(app)


@app.command()
def synth(
    out: Annotated[Path | None, typer.Option(help="Output folder (default <home>/synth).")] = None,
    scale: Annotated[float, typer.Option(help="Fraction of the real 16-66 population (1 = ~3.8 M persons).")] = 0.02,
    seed: Annotated[int | None, typer.Option(help="Random seed (env KOMMUNEBENCH_SEED).")] = None,
    zero_effects: Annotated[bool, typer.Option("--zero-effects", help="Plant no municipal effects.")] = False,
    first_year: Annotated[int, typer.Option(help="First of the two calendar years generated.")] = 2022,
    scenario: Annotated[str, typer.Option(help="Effektscenarie: " + ", ".join(SCENARIOS) + ".")] = "independent",
    effects: Annotated[Path | None, typer.Option(help="CSV med kommunekode, area, effect_pp (procentpoint).")] = None,
    effect_size: Annotated[float, typer.Option(help="Ganger den realistiske effektstørrelse.")] = 1.0,
    outcome_seed: Annotated[int | None, typer.Option(help="Ny støj på udfaldene for samme personer.")] = None,
) -> None:
    """Generate a synthetic Denmark (persons, weekly benefits, labour market, planted truth) as Parquet."""
    spec = EffectSpec(scenario, file=effects, size=effect_size, outcome_seed=outcome_seed)
    with progress("synth") as cb:
        res = pipeline.synthesize(
            out, scale=scale, seed=seed, zero_effects=zero_effects, first_year=first_year, progress=cb, effects=spec
        )
    console.print(
        f"[green]Wrote[/] {res.out_dir}: {res.n_persons:,} persons, {res.n_person_years:,} person-years, "
        f"{res.n_benefit_weeks:,} benefit weeks in {res.seconds:.1f} s (seed {res.seed}, scale {res.scale})."
    )
    areas = list(next(iter(res.national_shares.values())))
    table = new_table(
        "Nationale andele (pct. af befolkningen 16-66 år)",
        ["År", *map(area_label, areas)],
        right=[area_label(a) for a in areas],
    )
    for year, shares in res.national_shares.items():
        table.add_row(year, *(f"{shares[a]:.2f}" for a in areas))
    console.print(table)


@app.command()
def load(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="A snapshot folder, or files as KIND=FILE (kinds: persons, benefit_weeks, labour_market, joblog, "
            "benefit_codes, costs, commuting_area_map); a file named KIND.csv/.parquet needs no KIND=."
        ),
    ],
    db: DbOption = None,
    snapshot: Annotated[str | None, typer.Option(help="Snapshot id (default: time + fingerprint).")] = None,
) -> None:
    """Validate and load register-style data into the warehouse: all or nothing (audited)."""
    path = db_path(db)
    with progress("load") as cb:
        rep = pipeline.load_data(pipeline.parse_sources(sources), db=path, snapshot_id=snapshot, progress=cb)
    print_load_report(rep, path)


@app.command()
def status(
    db: DbOption = None,
    period: Annotated[
        str | None, typer.Option(help="Period such as 2023QMAT04 (default: the latest calendar year loaded).")
    ] = None,
    scope: Annotated[str | None, typer.Option(help="Benefit scope: 2018, 2019 or extended.")] = None,
) -> None:
    """Show what the warehouse holds: per-municipality counts and actual shares."""
    loaded = pipeline.loaded_summary(period, scope, db=db_path(db))
    print_loads(pipeline.current_loads(db=db_path(db)))
    print_summary(loaded)


def _print_exports(paths: ExportPaths) -> None:
    for kind, p in paths.items():
        console.print(f"  {kind}: {p}")


def _print_top_bottom(view: PublicRun) -> None:
    print_list(view.top(10), f"Top 10, {view.period} (bedst i forhold til forventet)")
    print_list(view.bottom(10), f"Bund 10, {view.period}")


@app.command()
def demo(
    scale: Annotated[
        float | None, typer.Option(help="Fraction of the real population (env KOMMUNEBENCH_DEMO_SCALE).")
    ] = None,
    db: DbOption = None,
) -> None:
    """The main job on the embedded default: synthetic Denmark → warehouse → benchmark → report."""
    path = db_path(db)
    console.print(f"[bold]kommunebench {__version__} demo[/]: synthetic Denmark → {path}")
    stages = ("synth", "load", "benchmark")
    with progress("demo") as cb:

        def stage(name: str) -> Callable[[str, float], None]:
            i = stages.index(name)
            return lambda label, done: cb(f"{name}: {label}", (i + done) / len(stages))

        res = pipeline.demo(scale=scale, db=path, progress=stage)
    console.print(
        f"Generated {res.synth.n_persons:,} persons and {res.synth.n_benefit_weeks:,} benefit weeks "
        f"(scale {res.synth.scale}) in {res.synth.seconds:.1f} s → {res.synth.out_dir}"
    )
    print_load_report(res.load, path)
    print_summary(res.summary)
    _print_top_bottom(pipeline.publish_run(res.run))
    if res.published is not None:
        print_beside(pipeline.publish_run(res.run), pipeline.publish_run(res.published))
    rec = res.run.record
    console.print(f"[green]Run {rec.run_id}[/] ({rec.period}, scope {rec.scope}) stored in {path}.")
    console.print(f"Excel: {res.exports.excel}")
    console.print(f"CSV:   {res.exports.csv}")
    console.print(f"[bold]Report (open in a browser): {res.exports.html}[/]")
    serve_cmd = f"kommunebench serve --db {path}" if db else "kommunebench serve"
    console.print(f"[bold]Dashboard: run '{serve_cmd}' and open {dashboard_url()}[/]")


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
    export_profile: Annotated[
        str, typer.Option(help="public (as the web: rounded, suppressed) or internal (full, marked Fortroligt).")
    ] = "public",
    db: DbOption = None,
    efficiency: Annotated[
        bool,
        typer.Option(
            "--effektivitet/--uden-effektivitet",
            help="Add the DEA sheet and section when costs (admin_costs) are loaded (no bootstrap).",
        ),
    ] = True,
    cost_year: Annotated[
        int | None,
        typer.Option("--cost-year", help="Cost year of the DEA section (default: the period's, else the newest)."),
    ] = None,
) -> None:
    """Fit the benchmark for a period, store the run (audited), and export CSV, Excel and the HTML report."""
    config = RunConfig.build(
        period=period,
        scope=scope,
        base_period=base_period,
        k_similar=k_similar,
        n_klynger=klynger,
        out_dir=out,
        export_profile=export_profile,
    )
    with progress("run") as cb:
        stored, paths, note = run_and_export_with_efficiency(
            config, db=db_path(db), progress=cb, efficiency=efficiency, cost_year=cost_year
        )
    view = pipeline.publish_run(stored, threshold=config.threshold)
    _print_top_bottom(view)
    rec = stored.record
    console.print(
        f"[green]Run {rec.run_id}[/] stored: period {rec.period}, scope {rec.scope}, "
        f"data {rec.data_fingerprint[:12]}, results {rec.results_sha256[:12]}, {rec.seconds:.1f} s."
    )
    console.print(f"National potential: {stored.lists.potential.national_mio_kr:,.1f} mio. kr.")
    _print_exports(paths)
    console.print(note)


@app.command()
def runs(db: DbOption = None) -> None:
    """List the stored runs with their parameters and fingerprints."""
    records = pipeline.list_runs(db=db_path(db))
    table = new_table(
        "Gemte kørsler",
        ("Kørsel", "Tidspunkt (UTC)", "Periode", "Scope", "Basisperiode", "Data", "Resultater", "Version", "Kørt af"),
    )
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
            r.actor or "ukendt",
        )
    console.print(table)
    if not records:
        console.print("No runs yet: 'kommunebench run --period 2023QMAT04'.")


def _pick_list(stored: StoredRun, area: str | None) -> str:
    name = area or "total"
    if name != "total" and name not in stored.lists.by_area:
        raise NotFoundError(
            f"area {area!r} is not in run {stored.record.run_id}; choose one of {', '.join(stored.lists.by_area)}"
        )
    return name


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="Run id, e.g. R0001.")],
    area: Annotated[str | None, typer.Option(help="Show one area's list instead of the overall list.")] = None,
    export: Annotated[Path | None, typer.Option(help="Also (re)write the exports to this folder.")] = None,
    db: DbOption = None,
) -> None:
    """Print a stored run's overall list (or one area's list), as published."""
    stored = pipeline.open_run(run_id, db=db_path(db))
    name = _pick_list(stored, area)
    view = pipeline.publish_run(stored)
    print_list(view.frame(name), f"{area_label(name)}, {view.period} (kørsel {stored.record.run_id})")
    console.print(
        f"Kørt af {stored.record.actor or 'ukendt'} {stored.record.created_at.isoformat(timespec='seconds')} UTC."
    )
    if export is not None:
        _print_exports(pipeline.export_run(stored, export))


@app.command()
def version() -> None:
    """Print the package version."""
    console.print(__version__)


def main() -> None:
    try:
        app()
    except KommunebenchError as exc:
        err_console.print(f"[bold red]fejl:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
