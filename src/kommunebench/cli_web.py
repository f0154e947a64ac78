"""``kommunebench serve`` (the dashboard and JSON API) and ``kommunebench token ...`` (API tokens).

Registered in :mod:`kommunebench.cli` with one line each; domain errors become one line there.
"""

from __future__ import annotations

import gc
from typing import Annotated

import typer
import uvicorn

from kommunebench import settings
from kommunebench.api import create_app
from kommunebench.cli_common import DbOption, console, db_path, new_table
from kommunebench.errors import ConfigError
from kommunebench.pipeline import tokens

__all__ = ["serve", "token_app", "dashboard_url", "ONE_WORKER"]

ONE_WORKER = (
    "serve kører med én proces: grænserne for forkerte adgangsnøgler og browsersessionerne ligger i "
    "processens hukommelse, og flere processer ville hver have deres egne (docs/api.md, 'Én proces'); "
    "brug en reverse proxy foran, ikke --workers"
)

token_app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
    help="API tokens: create, list, revoke (stored hashed in the warehouse).",
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
            help="Address to listen on (env KOMMUNEBENCH_HOST; default 127.0.0.1; 0.0.0.0 = all interfaces).",
            show_default=False,
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="TCP port (env KOMMUNEBENCH_PORT; default 8000).", show_default=False)
    ] = None,
    workers: Annotated[
        int, typer.Option(help="Worker processes: only 1 (rate limits and sessions live in the process).", min=1)
    ] = 1,
) -> None:
    """Serve the dashboard and the JSON API (/api/v1) over the warehouse.

    The server holds no lock on the warehouse between requests, so 'kommunebench run' and
    'load' work while it runs (requests made during such a write get HTTP 503 and can be retried).
    """
    if workers != 1:
        raise ConfigError(ONE_WORKER)
    path = db_path(db)
    bind_host = settings.get_str("host", host)
    bind_port = settings.get_int("port", port)
    app = create_app(path)  # creates or upgrades the file now, so errors show before listening
    # Everything imported so far (plotly, pandas, duckdb, ...) lives as long as the server: move it
    # out of the garbage collector's view, so that full collections stay short (tail latency).
    gc.collect()
    gc.freeze()
    console.print(
        f"[bold]kommunebench dashboard[/] on [link]{dashboard_url(bind_host, bind_port)}[/link] "
        f"(API: {dashboard_url(bind_host, bind_port)}api/v1/openapi.json) — warehouse {path}. Ctrl+C stops."
    )
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Who or what uses the token (shown in the audit trail).")],
    role: Annotated[
        str,
        typer.Option(
            help="'analyst' (may write the joblog case log) or "
            "'municipality:<kommunekode or name>' (that municipality's non-public views)."
        ),
    ],
    db: DbOption = None,
) -> None:
    """Create an API token. It is shown once; the warehouse keeps only its scrypt hash."""
    token, row = tokens.create_token(name=name, role=role, db=db_path(db))
    console.print(f"[green]Created token {row['token_id']}[/] for {row['name']} with role {row['role']}.")
    console.print("Keep it secret; it is not shown again:")
    print(token)


@token_app.command("list")
def token_list(db: DbOption = None) -> None:
    """List the tokens (never the tokens themselves)."""
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
        console.print("No tokens yet: 'kommunebench token create --name NAME --role analyst'.")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The token id shown by 'kommunebench token list'.")],
    db: DbOption = None,
) -> None:
    """Revoke a token: it stops working at once (also in a running server)."""
    row = tokens.revoke_token(token_id, db=db_path(db))
    console.print(f"[yellow]Revoked token {row['token_id']}[/] ({row['name']}, {row['role']}).")
