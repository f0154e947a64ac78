"""``kommunebench kpi ...``: a municipality's own KPI management on the command line (a thin edge
over :mod:`kommunebench.pipeline.kpi`). Registered in :mod:`kommunebench.cli` as ``kpi``.

The command line is the operator's tool on the warehouse itself: it shows every level,
caseworkers included (the API decides per token who may see what).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kommunebench.access import cli_actor
from kommunebench.cli_common import DbOption, console, db_path, new_table
from kommunebench.data.reference import municipality, resolve_municipality
from kommunebench.kpi import LEVEL_NAMES, parse_weeks
from kommunebench.pipeline import kpi as jobs
from kommunebench.publish import format_number_da
from kommunebench.publish.kpi import NUMBER_KINDS, catalogue_rows

__all__ = ["kpi_app"]

kpi_app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich", help="Kommunens egne nøgletal (styring).")

Kommune = Annotated[str, typer.Argument(help="Kommune: navn eller kommunekode.")]
Periode = Annotated[
    str, typer.Option("--periode", "-p", help="Uge (2023-W05), interval (2023-W01:2023-W13), kvartal, måned eller år.")
]


def _num(value: object, decimals: int = 1) -> str:
    return "–" if value is None else format_number_da(value, NUMBER_KINDS.get(decimals, "pct1"))


@kpi_app.command("byg")
def build_cmd(db: DbOption = None) -> None:
    """Byg nøgletallenes afledte tabeller ud fra de indlæste data (revideret skrivning)."""
    counts = jobs.build(db=db_path(db), actor=cli_actor())
    console.print("Nøgletal bygget: " + ", ".join(f"{k} {v:,}".replace(",", ".") for k, v in counts.items()))


@kpi_app.command("katalog")
def catalogue_cmd() -> None:
    """Vis nøgletalskataloget: navn, type, enhed, retning og definition."""
    table = new_table("Nøgletalskatalog", ("Nøgle", "Navn", "Type", "Enhed", "Niveauer", "Definition"))
    for r in catalogue_rows():
        table.add_row(r["key"], r["name"], r["kind"], r["unit_text"], ", ".join(r["levels"]), r["definition"])
    console.print(table)


@kpi_app.command("faktaside")
def faktaside_cmd(kommune: Kommune, periode: Periode, db: DbOption = None) -> None:
    """Kommunens Faktaside (offentlig) ved siden af klynge, lignende kommuner og hele landet."""
    kk = resolve_municipality(kommune)
    page = jobs.faktaside(kk, parse_weeks(periode), db=db_path(db))
    title = f"{municipality(kk).navn}: Faktaside {page['weeks']}"
    table = new_table(
        title,
        ("Nøgletal", "Enhed", "Kommunen", "Klynge", "Lignende", "Landet"),
        right=("Kommunen", "Klynge", "Lignende", "Landet"),
    )
    for r in page["rows"]:
        d = r["decimals"]
        table.add_row(r["name"], r["unit_text"], *(_num(r[c], d) for c in ("kommune", "klynge", "lignende", "land")))
    console.print(table)


@kpi_app.command("niveauer")
def levels_cmd(
    kommune: Kommune,
    periode: Periode,
    niveau: Annotated[
        str, typer.Option("--niveau", help="kommune, afdeling, maalgruppe eller sagsbehandler")
    ] = "afdeling",
    db: DbOption = None,
) -> None:
    """Kommunens nøgletal på ét niveau (intern: også pr. sagsbehandler)."""
    kk = resolve_municipality(kommune)
    rows = [r for r in jobs.levels(kk, parse_weeks(periode), db=db_path(db)) if r.level == niveau]
    table = new_table(
        f"{municipality(kk).navn}: {LEVEL_NAMES.get(niveau, niveau)} {periode}",
        ("Enhed", "Nøgletal", "Værdi"),
        right=("Værdi",),
    )
    for r in rows:
        table.add_row(r.unit or "Kommunen", r.name, _num(r.value, r.decimals))
    console.print(table)


@kpi_app.command("justeret")
def adjusted_cmd(kommune: Kommune, db: DbOption = None) -> None:
    """Faktisk mod forventet afgang til selvforsørgelse pr. afdeling, målgruppe og sagsbehandler."""
    kk = resolve_municipality(kommune)
    cols: tuple[str, ...] = ("Niveau", "Enhed", "Forløb", "Faktisk pct.", "Forventet pct.", "Forskel (pct.-point)")
    cols += ("95 pct. interval", "Odds-forhold", "95 pct. interval ")
    table = new_table(f"{municipality(kk).navn}: justeret for borgersammensætning", cols, right=cols[2:])
    for r in jobs.adjusted(kk, db=db_path(db)):
        interval = "–" if r["suppressed"] else f"{_num(r['lo_pp'])} til {_num(r['hi_pp'])}"
        odds = "–" if r["suppressed"] else f"{_num(r['or_lo'], 2)} til {_num(r['or_hi'], 2)}"
        table.add_row(
            r["level_name"],
            r["unit"],
            str(r["spells"]),
            _num(r["actual_pct"]),
            _num(r["expected_pct"]),
            _num(r["diff_pp"]),
            interval,
            _num(r["odds_ratio"], 2),
            odds,
        )
    console.print(table)


@kpi_app.command("tilbud")
def offers_cmd(kommune: Kommune, db: DbOption = None) -> None:
    """Tilbudstyper sammenlignet med sammenlignelige borgere uden tilbud (ikke en kausal effekt)."""
    kk = resolve_municipality(kommune)
    cols = ("Tilbudstype", "Deltagere", "Afgang pct.", "Forskel (pct.-point)", "95 pct. interval")
    table = new_table(f"{municipality(kk).navn}: tilbudstyper", cols, right=cols[1:])
    for r in jobs.offers(kk, db=db_path(db)):
        table.add_row(
            r["name"],
            str(r["participants"]),
            _num(r["exit_pct"]),
            _num(r["diff_pp"]),
            f"{_num(r['lo_pp'])} til {_num(r['hi_pp'])}",
        )
    console.print(table)
    console.print(jobs.kpi.NOT_CAUSAL)


@kpi_app.command("excel")
def excel_cmd(
    kommune: Kommune,
    periode: Periode,
    out: Annotated[Path, typer.Option("--out", "-o", help="Excel-fil (.xlsx)")] = Path("noegletal.xlsx"),
    db: DbOption = None,
) -> None:
    """Skriv kommunens interne Excel-projektmappe for perioden: ét ark pr. niveau."""
    kk = resolve_municipality(kommune)
    path = jobs.workbook(kk, parse_weeks(periode), out, db=db_path(db))
    console.print(f"Skrev {path}")
