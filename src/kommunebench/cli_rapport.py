"""``kommunebench rapport KOMMUNE``: the municipality report as a 3-page A4 PDF (a thin edge)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kommunebench.cli_common import DbOption, console, db_path
from kommunebench.pipeline.municipality_report import write_municipality_pdf
from kommunebench.publish.format import format_number_da

__all__ = ["rapport", "register_rapport"]


def rapport(
    kommune: Annotated[str, typer.Argument(help="Kommunekode eller navn, fx 101 eller København.")],
    out: Annotated[Path | None, typer.Option("--out", help="PDF-fil (standard: rapport_<kode>_<kørsel>.pdf).")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Kørsel, fx R0001 (standard: den officielle).")] = None,
    db: DbOption = None,
) -> None:
    """Kommunerapport som PDF (2-4 A4-sider): nøgletal, forventet niveau, ændring, lignende kommuner, joblog."""
    path = write_municipality_pdf(kommune, out, run_id=run, db=db_path(db))
    size = format_number_da(path.stat().st_size / 1024, "pct1")
    console.print(f"Rapporten er skrevet til {path} ({size} kB)")


def register_rapport(app: typer.Typer) -> None:
    """Add the command to the main app (one line in ``cli.py``)."""
    app.command("rapport")(rapport)
