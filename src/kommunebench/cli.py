"""The command line: a thin edge that parses, calls the pipeline and prints with Rich.

Domain errors (``KommunebenchError``) become one clear red line and exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from kommunebench import __version__, pipeline
from kommunebench.benchmark.runs import StoredRun
from kommunebench.cli_common import (
    DbOption,
    area_label,
    console,
    count,
    db_path,
    decimal,
    err_console,
    error_text,
    new_table,
    print_list,
    print_load_report,
    print_loads,
    print_summary,
    progress,
    seconds,
    share,
)
from kommunebench.cli_efficiency import efficiency_app
from kommunebench.cli_joblog import joblog_app
from kommunebench.cli_kpi import kpi_app
from kommunebench.cli_load import load, print_stored, print_top_bottom
from kommunebench.cli_official import register_official
from kommunebench.cli_published import print_beside, print_published_note, register
from kommunebench.cli_rapport import register_rapport
from kommunebench.cli_truth import validate
from kommunebench.cli_usage import ABORTED, print_usage_error
from kommunebench.cli_web import dashboard_url, serve, token_app
from kommunebench.data.synth.effects import SCENARIOS, EffectSpec
from kommunebench.errors import KommunebenchError, NotFoundError
from kommunebench.pipeline import ExportPaths, RunConfig
from kommunebench.pipeline.efficiency import run_and_export_with_efficiency

__all__ = ["app", "main"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="kommunebench: benchmarking af de 98 kommuners beskæftigelsesindsats.",
)
app.add_typer(
    joblog_app, name="joblog", help="Opfølgning på jobloggen: månedens smileys, handlingskriterier, sagslog og breve."
)
app.command()(serve)
app.add_typer(efficiency_app, name="efficiency", help="Omkostningseffektivitet (DEA) ved siden af placeringen.")
app.add_typer(kpi_app, name="kpi", help="Kommunens egne nøgletal: Faktaside, afdeling, målgruppe, sagsbehandler.")
app.command()(validate)
app.add_typer(token_app, name="token", help="Adgangsnøgler til dashboard og API: opret, vis, tilbagekald.")
register(app)
register_rapport(app)
register_official(app)


@app.command()
def synth(
    out: Annotated[Path | None, typer.Option(help="Mappe til filerne (standard <home>/synth).")] = None,
    scale: Annotated[
        float, typer.Option(help="Andel af den rigtige befolkning på 16-66 år (1 = ca. 3,8 mio. personer; højst 4).")
    ] = 0.02,
    seed: Annotated[int | None, typer.Option(help="Seed til tilfældighed (miljøvariabel KOMMUNEBENCH_SEED).")] = None,
    zero_effects: Annotated[bool, typer.Option("--zero-effects", help="Plant ingen kommunale effekter.")] = False,
    first_year: Annotated[int, typer.Option(help="Det første af de to kalenderår, der dannes.")] = 2022,
    scenario: Annotated[str, typer.Option(help="Effektscenarie: " + ", ".join(SCENARIOS) + ".")] = "independent",
    effects: Annotated[Path | None, typer.Option(help="CSV med kommunekode, area, effect_pp (procentpoint).")] = None,
    effect_size: Annotated[float, typer.Option(help="Ganger den realistiske effektstørrelse.")] = 1.0,
    outcome_seed: Annotated[int | None, typer.Option(help="Ny støj på udfaldene for samme personer.")] = None,
    partitioned: Annotated[
        bool, typer.Option("--partitioned", help="Skriv også kopier til Spark (spande, år × kommune).")
    ] = False,
) -> None:
    """Dan et syntetisk Danmark (personer, ugentlige ydelser, arbejdsmarked, plantet sandhed) som Parquet."""
    spec = EffectSpec(scenario, file=effects, size=effect_size, outcome_seed=outcome_seed)
    with progress("synth") as cb:
        res = pipeline.synthesize(
            out, scale=scale, seed=seed, zero_effects=zero_effects, first_year=first_year, progress=cb, effects=spec
        )
    console.print(
        f"[green]Skrev[/] {res.out_dir}: {count(res.n_persons)} personer, {count(res.n_person_years)} personår, "
        f"{count(res.n_benefit_weeks)} ydelsesuger på {seconds(res.seconds)} "
        f"(seed {res.seed}, skala {decimal(res.scale)})."
    )
    if partitioned:
        console.print(f"[green]Opdelte kopier[/] (spande; år og kommune): {pipeline.partition_snapshot(res.out_dir)}")
    areas = list(next(iter(res.national_shares.values())))
    table = new_table(
        "Nationale andele (pct. af befolkningen 16-66 år)",
        ["År", *map(area_label, areas)],
        right=[area_label(a) for a in areas],
    )
    for year, shares in res.national_shares.items():
        table.add_row(year, *(share(shares[a]) for a in areas))
    console.print(table)


app.command("load")(load)


@app.command()
def status(
    db: DbOption = None,
    period: Annotated[
        str | None, typer.Option(help="Periode, fx 2023QMAT04 (standard: det seneste indlæste kalenderår).")
    ] = None,
    scope: Annotated[str | None, typer.Option(help="Ydelsesafgrænsning (scope): 2018, 2019 eller extended.")] = None,
) -> None:
    """Vis hvad datavarehuset indeholder: indlæsninger (hvem og hvornår), antal og faktiske andele pr. kommune."""
    loaded = pipeline.loaded_summary(period, scope, db=db_path(db))
    print_loads(pipeline.current_loads(db=db_path(db)))
    print_summary(loaded)


def _print_exports(paths: ExportPaths) -> None:
    for kind, p in paths.items():
        console.print(f"  {kind}: {p}")


@app.command()
def demo(
    scale: Annotated[
        float | None, typer.Option(help="Andel af den rigtige befolkning (miljøvariabel KOMMUNEBENCH_DEMO_SCALE).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Hovedjobbet på standardopsætningen: syntetisk Danmark → datavarehus → benchmark → rapport."""
    path = db_path(db)
    console.print(f"[bold]kommunebench {__version__} demo[/]: syntetisk Danmark → {path}")
    stages = ("synth", "load", "benchmark")
    with progress("demo") as cb:

        def stage(name: str) -> Callable[[str, float], None]:
            i = stages.index(name)
            return lambda label, done: cb(f"{name}: {label}", (i + done) / len(stages))

        res = pipeline.demo(scale=scale, db=path, progress=stage)
    console.print(
        f"Dannede {count(res.synth.n_persons)} personer og {count(res.synth.n_benefit_weeks)} ydelsesuger "
        f"(skala {decimal(res.synth.scale)}) på {seconds(res.synth.seconds)} → {res.synth.out_dir}"
    )
    print_load_report(res.load, path)
    print_summary(res.summary)
    print_top_bottom(pipeline.publish_run(res.run))
    if res.published is not None:
        print_beside(pipeline.publish_run(res.run), pipeline.publish_run(res.published))
    rec = res.run.record
    console.print(f"[green]Kørsel {rec.run_id}[/] ({rec.period}, scope {rec.scope}) er gemt i {path}.")
    console.print(f"Excel: {res.exports.excel}")
    console.print(f"CSV:   {res.exports.csv}")
    console.print(f"[bold]Rapport (åbn i en browser): {res.exports.html}[/]")
    serve_cmd = f"kommunebench serve --db {path}" if db else "kommunebench serve"
    console.print(f"[bold]Dashboard: kør '{serve_cmd}' og åbn {dashboard_url()}[/]")


EngineOption = Annotated[
    str,
    typer.Option(
        help="Motor til modellens summer: duckdb (indbygget; gemte kvartalsblokke, når de alle findes), "
        "incremental (gemte kvartaler, beregner og gemmer de manglende), spark."
    ),
]
MasterOption = Annotated[
    str | None, typer.Option(help="Spark-master: local[2], spark://vært:7077 eller yarn (kun --engine spark).")
]
OfficialOption = Annotated[
    bool, typer.Option("--officiel", help="Markér kørslen som officiel for perioden (revideret med kørslen).")
]


@app.command()
def run(
    period: Annotated[str, typer.Option(help="Periode ÅÅÅÅQMATkk, fx 2023QMAT04 (kalenderåret 2023).")],
    scope: Annotated[str | None, typer.Option(help="Ydelsesafgrænsning (scope): 2018, 2019 eller extended.")] = None,
    base_period: Annotated[
        str | None, typer.Option(help="Estimér på denne tidligere periode og anvend på --period (fremskrivning).")
    ] = None,
    k_similar: Annotated[int, typer.Option(help="Antal lignende kommuner pr. område.")] = 5,
    klynger: Annotated[int, typer.Option(help="Antal klynger pr. område.")] = 5,
    out: Annotated[Path | None, typer.Option(help="Eksportmappe (standard <home>/runs/<kørsels-id>).")] = None,
    export_profile: Annotated[
        str, typer.Option(help="public (som på nettet: afrundet, undertrykt) eller internal (fuld, mærket Fortroligt).")
    ] = "public",
    db: DbOption = None,
    efficiency: Annotated[
        bool,
        typer.Option(
            "--effektivitet/--uden-effektivitet",
            help="Tilføj DEA-ark og -afsnit, når omkostninger (admin_costs) er indlæst (uden bootstrap).",
        ),
    ] = True,
    cost_year: Annotated[
        int | None,
        typer.Option("--cost-year", help="Omkostningsår for DEA-afsnittet (standard: periodens, ellers det nyeste)."),
    ] = None,
    engine: EngineOption = "duckdb",
    master: MasterOption = None,
    official: OfficialOption = False,
) -> None:
    """Beregn benchmarken for en periode, gem kørslen (revisionslogget) og eksportér CSV, Excel og HTML-rapport."""
    config = RunConfig.build(
        period=period,
        scope=scope,
        base_period=base_period,
        k_similar=k_similar,
        n_klynger=klynger,
        out_dir=out,
        export_profile=export_profile,
        engine=engine,
        master=master,
        official=official,
    )
    with progress("run") as cb:
        stored, paths, note = run_and_export_with_efficiency(
            config, db=db_path(db), progress=cb, efficiency=efficiency, cost_year=cost_year
        )
    print_top_bottom(pipeline.publish_run(stored, threshold=config.threshold))
    print_stored(stored, official=config.official)
    _print_exports(paths)
    console.print(note)


@app.command()
def runs(db: DbOption = None) -> None:
    """Vis de gemte kørsler med parametre og fingeraftryk."""
    records = pipeline.list_runs(db=db_path(db))
    states = pipeline.official.statuses(records, db=db_path(db))
    table = new_table(
        "Gemte kørsler",
        (
            "Kørsel",
            "Status",
            "Tidspunkt (UTC)",
            "Periode",
            "Scope",
            "Basisperiode",
            "Data",
            "Resultater",
            "Version",
            "Kørt af",
        ),
    )
    for r in records:
        table.add_row(
            r.run_id,
            states[r.run_id].label,
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
        console.print("Ingen kørsler endnu: 'kommunebench run --period 2023QMAT04'.")


def _pick_list(stored: StoredRun, area: str | None) -> str:
    name = area or "total"
    if name != "total" and name not in stored.lists.by_area:
        raise NotFoundError(
            f"området {area!r} findes ikke i kørsel {stored.record.run_id}; "
            f"vælg et af {', '.join(stored.lists.by_area)}"
        )
    return name


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="Kørsels-id, fx R0001.")],
    area: Annotated[str | None, typer.Option(help="Vis ét områdes liste i stedet for den samlede liste.")] = None,
    export: Annotated[Path | None, typer.Option(help="Skriv også eksportfilerne (igen) til denne mappe.")] = None,
    db: DbOption = None,
) -> None:
    """Vis en gemt kørsels samlede liste (eller ét områdes liste), som den offentliggøres."""
    stored = pipeline.open_run(run_id, db=db_path(db))
    name = _pick_list(stored, area)
    view = pipeline.publish_run(stored, previous=pipeline.previous_for(stored, db=db_path(db)))
    title = f"{area_label(name)}, {view.period} (kørsel {stored.record.run_id})"
    print_list(view.frame(name), title, national=view.national.get(name))
    print_published_note(view, name)
    console.print(
        f"Kørt af {stored.record.actor or 'ukendt'} {stored.record.created_at.isoformat(timespec='seconds')} UTC."
    )
    if export is not None:
        _print_exports(pipeline.export_run(stored, export))


@app.command()
def version() -> None:
    """Vis pakkens version."""
    console.print(__version__)


def main() -> None:
    """Run the CLI; the parser's own errors are printed in Danish (:mod:`kommunebench.cli_usage`)."""
    try:
        code = app(standalone_mode=False, prog_name="kommunebench")
    except KommunebenchError as exc:
        err_console.print(f"[bold red]fejl:[/] {escape(error_text(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.TyperException as exc:
        print_usage_error(exc)
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print(ABORTED, highlight=False)
        sys.exit(1)
    if isinstance(code, int) and not isinstance(code, bool) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
