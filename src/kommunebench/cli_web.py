"""``kommunebench serve`` (the dashboard and JSON API) and ``kommunebench token ...`` (API tokens).

Registered in :mod:`kommunebench.cli` with one line each; domain errors become one line there.
"""

from __future__ import annotations

import gc
import os
from typing import Annotated

import typer
import uvicorn

from kommunebench import settings
from kommunebench.cli_common import DbOption, console, db_path, new_table
from kommunebench.errors import ConfigError
from kommunebench.pipeline import tokens

__all__ = ["serve", "token_app", "dashboard_url", "ONE_WORKER", "APP_FACTORY"]

# The app by its import string (uvicorn's factory interface): the command line does not import the
# API (FastAPI and its pages, about 0.5 s) at every start, only `serve` does (docs/architecture.md,
# "Start-up"). The factory reads the warehouse path from the `db` setting.
APP_FACTORY = "kommunebench.api:create_app"

ONE_WORKER = (
    "serve kører med én proces: grænserne for forkerte adgangsnøgler og browsersessionerne ligger i "
    "processens hukommelse, og flere processer ville hver have deres egne (docs/api.md, 'Én proces'); "
    "brug en reverse proxy foran, ikke --workers"
)

token_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="Adgangsnøgler: opret, vis, tilbagekald (gemt som hash i datavarehuset).",
)


def dashboard_url(host: str | None = None, port: int | None = None) -> str:
    """The URL ``kommunebench serve`` answers on with the given (or configured) host and port."""
    host = settings.get_str("host", host)
    port = settings.get_int("port", port)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(
    db: DbOption = None,
    host: Annotated[
        str | None,
        typer.Option(
            help="Adressen, der lyttes på (miljøvariabel KOMMUNEBENCH_HOST; standard 127.0.0.1; 0.0.0.0 = alle).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="TCP-port (miljøvariabel KOMMUNEBENCH_PORT; standard 8000).", show_default=False)
    ] = None,
    workers: Annotated[
        int,
        typer.Option(help="Antal arbejdsprocesser: kun 1 (adgangsbegrænsning og sessioner ligger i processen).", min=1),
    ] = 1,
) -> None:
    """Kør dashboardet og JSON-API'et (/api/v1) over datavarehuset.

    Serveren holder ingen lås på datavarehuset mellem forespørgslerne, så 'kommunebench run' og
    'load' virker, mens den kører (forespørgsler under en skrivning får HTTP 503 og kan gentages).
    """
    if workers != 1:
        raise ConfigError(ONE_WORKER)
    path = db_path(db)
    bind_host = settings.get_str("host", host)
    bind_port = settings.get_int("port", port)
    os.environ[settings.SETTINGS["db"].env] = str(path)  # the factory's warehouse
    config = uvicorn.Config(APP_FACTORY, factory=True, host=bind_host, port=bind_port, log_level="warning")
    config.load()  # imports the API, creates or upgrades the file now, so errors show before listening
    # Everything imported so far (plotly, pandas, duckdb, ...) lives as long as the server: move it
    # out of the garbage collector's view, so that full collections stay short (tail latency).
    gc.collect()
    gc.freeze()
    console.print(
        f"[bold]kommunebench-dashboard[/] på [link]{dashboard_url(bind_host, bind_port)}[/link] "
        f"(API: {dashboard_url(bind_host, bind_port)}api/v1/openapi.json) — datavarehus {path}. Ctrl+C stopper."
    )
    uvicorn.Server(config).run()


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Hvem eller hvad bruger nøglen (vises i revisionssporet).")],
    role: Annotated[
        str,
        typer.Option(
            help="'analyst' (må skrive i jobloggens sagslog) eller "
            "'municipality:<kommunekode eller navn>' (kommunens ikke-offentlige visninger)."
        ),
    ],
    db: DbOption = None,
) -> None:
    """Opret en adgangsnøgle. Den vises én gang; datavarehuset gemmer kun dens scrypt-hash."""
    token, row = tokens.create_token(name=name, role=role, db=db_path(db))
    console.print(f"[green]Adgangsnøgle {row['token_id']} oprettet[/] til {row['name']} med rollen {row['role']}.")
    console.print("Hold den hemmelig; den vises ikke igen:")
    print(token)


@token_app.command("list")
def token_list(db: DbOption = None) -> None:
    """Vis adgangsnøglerne (aldrig selve nøglerne)."""
    rows = tokens.list_tokens(db=db_path(db))
    table = new_table("API-nøgler", ("Id", "Navn", "Rolle", "Oprettet (UTC)", "Oprettet af", "Tilbagekaldt (UTC)"))
    for r in rows:
        table.add_row(
            r["token_id"],
            r["name"],
            r["role"],
            r["created_at"].isoformat(timespec="seconds"),
            r["created_by"],
            r["revoked_at"].isoformat(timespec="seconds") if r["revoked_at"] else "",
        )
    console.print(table)
    if not rows:
        console.print("Ingen adgangsnøgler endnu: 'kommunebench token create --name NAVN --role analyst'.")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="Nøglens id, som 'kommunebench token list' viser det.")],
    db: DbOption = None,
) -> None:
    """Tilbagekald en adgangsnøgle: den holder op med at virke med det samme (også i en kørende server)."""
    row = tokens.revoke_token(token_id, db=db_path(db))
    console.print(f"[yellow]Adgangsnøgle {row['token_id']} tilbagekaldt[/] ({row['name']}, {row['role']}).")
