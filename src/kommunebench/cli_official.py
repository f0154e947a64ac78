"""``kommunebench publish RUN`` and ``kommunebench officielle``: the official run of a period (a thin edge)."""

from __future__ import annotations

from typing import Annotated

import typer

from kommunebench import pipeline
from kommunebench.cli_common import DbOption, console, db_path, new_table

__all__ = ["publish", "official_history", "register_official"]


def publish(
    run_id: Annotated[str, typer.Argument(help="Kørslen, fx R0003.")],
    db: DbOption = None,
) -> None:
    """Markér en kørsel som den officielle for sin periode og sit scope (revideret; erstatter en tidligere)."""
    result = pipeline.official.publish_official(run_id, db=db_path(db))
    mark = result.mark
    if not result.changed:
        console.print(f"Kørsel {mark.run_id} er allerede den officielle for {mark.period} (scope {mark.scope}).")
        return
    replaced = f"; erstatter {result.replaced.run_id}" if result.replaced else ""
    console.print(
        f"[green]Kørsel {mark.run_id} er nu den officielle[/] for {mark.period} (scope {mark.scope}){replaced}. "
        "Dashboardet, API'et og tidsserierne viser den som standard."
    )


def official_history(db: DbOption = None) -> None:
    """Vis alle markeringer af officielle kørsler (også de erstattede)."""
    marks = pipeline.official.marks(db=db_path(db))
    table = new_table("Officielle kørsler", ("Periode", "Scope", "Kørsel", "Markeret (UTC)", "Af", "Status"))
    for m in marks:
        status = "officiel" if m.current else f"erstattet {m.replaced_at:%Y-%m-%d %H:%M}"
        table.add_row(m.period, m.scope, m.run_id, f"{m.marked_at:%Y-%m-%d %H:%M}", m.marked_by, status)
    console.print(table)
    if not marks:
        console.print("Ingen kørsel er markeret som officiel endnu: 'kommunebench publish R0001'.")


def register_official(app: typer.Typer) -> None:
    """Add the commands to the main app (one line in ``cli.py``)."""
    app.command("publish")(publish)
    app.command("officielle")(official_history)
