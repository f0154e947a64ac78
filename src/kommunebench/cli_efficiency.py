"""``kommunebench efficiency ...``: DEA cost-efficiency beside the ranking (a thin edge over
:mod:`kommunebench.pipeline.efficiency`). Registered in :mod:`kommunebench.cli` as the sub-app
``efficiency``; domain errors are turned into one line by ``cli.main``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from kommunebench.cli_common import DbOption, console, db_path, new_table
from kommunebench.pipeline.efficiency import efficiency_view, export_efficiency
from kommunebench.publish import format_number_da
from kommunebench.publish.efficiency import PublicEfficiency
from kommunebench.report.efficiency import efficiency_facts

__all__ = ["efficiency_app"]

efficiency_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="Omkostningseffektivitet (DEA) ved siden af placeringen (Rigsrevisionen 2018).",
)

Run = Annotated[str | None, typer.Option("--run", help="Kørsels-id (standard: den nyeste kørsel).", show_default=False)]
Year = Annotated[
    int | None,
    typer.Option(
        "--year",
        help="Omkostningsår (standard: kørslens år, hvis det er indlæst, ellers det nyeste).",
        show_default=False,
    ),
]
Rts = Annotated[str, typer.Option("--rts", help="Skalaafkast: vrs eller crs.")]
Exclude = Annotated[
    str, typer.Option("--exclude", help="Kommuner holdt uden for fronten, kommasepareret (fx Ærø,Samsø).")
]
Boot = Annotated[
    int, typer.Option("--bootstrap", help="Antal bootstrap-gentagelser (0 = ingen; 2000 som i dokumentationen).")
]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed til bootstrap.", show_default=False)]
Jobs = Annotated[int, typer.Option("--jobs", help="Arbejdsprocesser til bootstrap.")]
Miljoe = Annotated[
    bool,
    typer.Option("--miljoe", help="Tilføj miljøvariablen: forventet andel på ydelse (rammevilkår)."),
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


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}".replace(".", ",")


def _table(view: PublicEfficiency) -> Table:
    """Rank beside DEA group and score; with a bootstrap also the bias-corrected score and the interval."""
    boot = ("Bias-korr. score", "90 %-interval") if view.bootstrap else ()
    columns = ("Rang", "Kommune", "DEA-gruppe med", "Score med", *boot, "Gruppe uden", "Kr. pr. fuldtidsperson")
    columns += ("Potentiale pct.",)
    table = new_table(
        f"DEA og rangliste, {view.period} (kørsel {view.run_id})", columns, right=columns[:1] + columns[2:]
    )
    for r in sorted(view.rows, key=lambda r: r["benchmark_rank"]):
        extra = (_score(r.get("med_score_bc")), f"{_score(r.get('med_lower'))}–{_score(r.get('med_upper'))}")
        table.add_row(
            str(r["benchmark_rank"]),
            str(r["navn"]),
            str(r["med_group"]),
            _score(r["med_score"]),
            *(extra if boot else ()),
            str(r["uden_group"]),
            format_number_da(r["cost_per_fuldtidsperson_kr"], "count"),
            format_number_da(r["potential_pct"], "pct1"),
        )
    return table


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
    kommune: Annotated[str | None, typer.Option("--kommune", help="Forklar én kommune (navn eller kode).")] = None,
) -> None:
    """Placering ved siden af DEA-gruppe og -score, landstal og forklaringen i ord."""
    view = _view(db, run, year, rts, exclude, miljoe, bootstrap, seed, jobs)
    _facts(view)
    if kommune is not None:
        rows = [r for r in view.rows if kommune.strip().lower() in (str(r["kommunekode"]), str(r["navn"]).lower())]
        if not rows:
            console.print(f"[red]Kommunen {kommune!r} er ikke i beregningen (ukendt eller udeladt pga. små tal).[/]")
            raise typer.Exit(1)
        console.print(rows[0]["explanation"])
        return
    console.print(_table(view))


@efficiency_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", help="Mappe til Excel-projektmappen og HTML-rapporten.")],
    db: DbOption = None,
    run: Run = None,
    year: Year = None,
    rts: Rts = "vrs",
    exclude: Exclude = "",
    miljoe: Miljoe = False,
    bootstrap: Boot = 0,
    seed: Seed = None,
    jobs: Jobs = 1,
    with_run: Annotated[
        bool,
        typer.Option("--with-run", help="Skriv også kørslens egen projektmappe og rapport med DEA-ark og -afsnit."),
    ] = False,
) -> None:
    """Skriv sammenligningsarket (Excel) og HTML-rapporten for DEA-afsnittet."""
    view = _view(db, run, year, rts, exclude, miljoe, bootstrap, seed, jobs)
    xlsx, html = export_efficiency(view, out, with_run=with_run, db=db_path(db))
    console.print(f"Skrev {xlsx}")
    console.print(f"Skrev {html}")
