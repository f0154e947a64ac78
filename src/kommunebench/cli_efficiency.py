"""``kommunebench efficiency ...``: DEA cost-efficiency beside the ranking (a thin edge over
:mod:`kommunebench.pipeline.efficiency`). Registered in :mod:`kommunebench.cli` as the sub-app
``efficiency``; domain errors are turned into one line by ``cli.main``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kommunebench.cli_common import DbOption, console, db_path, new_table
from kommunebench.pipeline.efficiency import efficiency_view, export_efficiency
from kommunebench.publish import format_number_da
from kommunebench.publish.efficiency import PublicEfficiency
from kommunebench.report.efficiency import efficiency_facts

__all__ = ["efficiency_app"]

efficiency_app = typer.Typer(
    no_args_is_help=True, rich_markup_mode="rich", help="DEA cost-efficiency beside the ranking (Rigsrevisionen 2018)."
)

Run = Annotated[str | None, typer.Option("--run", help="Run id (default: the newest run).", show_default=False)]
Year = Annotated[int | None, typer.Option("--year", help="Cost year (default: the newest).", show_default=False)]
Rts = Annotated[str, typer.Option("--rts", help="Returns to scale: vrs or crs.")]
Exclude = Annotated[
    str, typer.Option("--exclude", help="Municipalities kept out of the frontier, comma-separated (e.g. Ærø,Samsø).")
]
Boot = Annotated[int, typer.Option("--bootstrap", help="Bootstrap replications (0 = none; 2000 as in the docs).")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed of the bootstrap.", show_default=False)]
Jobs = Annotated[int, typer.Option("--jobs", help="Worker processes for the bootstrap.")]
Miljoe = Annotated[
    bool,
    typer.Option("--miljoe", help="Add the environment variable: expected share on benefits (rammevilkår)."),
]


def _view(db, run, year, rts, exclude, miljoe=False, bootstrap=0, seed=None, jobs=1) -> PublicEfficiency:
    names = tuple(x.strip() for x in exclude.split(",") if x.strip())
    return efficiency_view(
        run_id=run,
        db=db_path(db),
        year=year,
        rts=rts,
        exclude=names,
        bootstrap=bootstrap,
        seed=seed,
        n_jobs=jobs,
        miljoe=miljoe,
    )


def _facts(view: PublicEfficiency) -> None:
    for label, text in efficiency_facts(view):
        console.print(f"[bold]{label}:[/] {text}")


@efficiency_app.command("show")
def show(
    db: DbOption = None,
    run: Run = None,
    year: Year = None,
    rts: Rts = "vrs",
    exclude: Exclude = "",
    bootstrap: Boot = 0,
    seed: Seed = None,
    jobs: Jobs = 1,
    miljoe: Miljoe = False,
    kommune: Annotated[str | None, typer.Option("--kommune", help="Explain one municipality (name or code).")] = None,
) -> None:
    """Benchmark rank beside DEA group and score, the national totals, and the reason in words."""
    view = _view(db, run, year, rts, exclude, miljoe, bootstrap, seed, jobs)
    _facts(view)
    if kommune is not None:
        rows = [r for r in view.rows if kommune.strip().lower() in (str(r["kommunekode"]), str(r["navn"]).lower())]
        if not rows:
            console.print(f"[red]Kommunen {kommune!r} er ikke i beregningen (ukendt eller udeladt pga. små tal).[/]")
            raise typer.Exit(1)
        console.print(rows[0]["explanation"])
        return
    columns = (
        "Rang",
        "Kommune",
        "DEA-gruppe med",
        "Score med",
        "Gruppe uden",
        "Kr. pr. fuldtidsperson",
        "Potentiale pct.",
    )
    table = new_table(
        f"DEA og rangliste, {view.period} (kørsel {view.run_id})", columns, right=columns[:1] + columns[2:]
    )
    for r in sorted(view.rows, key=lambda r: r["benchmark_rank"]):
        table.add_row(
            str(r["benchmark_rank"]),
            str(r["navn"]),
            str(r["med_group"]),
            "–" if r["med_score"] is None else f"{r['med_score']:.3f}".replace(".", ","),
            str(r["uden_group"]),
            format_number_da(r["cost_per_fuldtidsperson_kr"], "count"),
            format_number_da(r["potential_pct"], "pct1"),
        )
    console.print(table)


@efficiency_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="Folder for the Excel workbook and the HTML report.")],
    db: DbOption = None,
    run: Run = None,
    year: Year = None,
    rts: Rts = "vrs",
    exclude: Exclude = "",
    miljoe: Miljoe = False,
    with_run: Annotated[
        bool, typer.Option("--with-run", help="Write the run's own workbook and report with the DEA sheet and section.")
    ] = False,
) -> None:
    """Write the side-by-side sheet (Excel) and the HTML report of the DEA section."""
    view = _view(db, run, year, rts, exclude, miljoe)
    xlsx, html = export_efficiency(view, out, with_run=with_run, db=db_path(db))
    console.print(f"Skrev {xlsx}")
    console.print(f"Skrev {html}")
