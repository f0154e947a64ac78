"""``kommunebench validate``: the validation harness against the planted synthetic truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kommunebench.cli_common import console, new_table
from kommunebench.pipeline.validate import SCENARIOS, validate_truth

__all__ = ["validate"]

_COLS = ("spearman", "slope", "rmse", "coverage", "flagged", "rank_cover_sim", "tau_best_ok")


def validate(
    seeds: Annotated[str, typer.Option(help="Kommaseparerede seeds, fx 11,12,13.")] = "11,12,13",
    scenarios: Annotated[str, typer.Option(help="Scenarier: " + ", ".join(SCENARIOS) + ".")] = ",".join(SCENARIOS),
    scale: Annotated[float, typer.Option(help="Andel af den rigtige befolkning.")] = 0.02,
    csv: Annotated[Path | None, typer.Option(help="Skriv tabellen som CSV hertil.")] = None,
) -> None:
    """Valider benchmarken mod den plantede sandhed (seeds × scenarier × skala)."""
    res = validate_truth(
        scenarios=[s.strip() for s in scenarios.split(",") if s.strip()],
        seeds=[int(s) for s in seeds.split(",") if s.strip()],
        scale=scale,
        progress=lambda what, done, total: console.print(f"[dim]{done}/{total} {what}[/]"),
    )
    table = new_table(f"Validering mod den plantede sandhed (skala {scale})", ["Scenarie", "Område", "N", *_COLS])
    for row in res.table().itertuples(index=False):
        vals = [getattr(row, c) for c in _COLS]
        table.add_row(str(row.scenario), str(row.area), str(row.n_seeds), *(f"{v:.3f}" for v in vals))
    console.print(table)
    if csv is not None:
        res.to_csv(csv)
        console.print(f"[green]Skrev[/] {csv}")
