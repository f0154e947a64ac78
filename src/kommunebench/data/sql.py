"""Small SQL helpers shared by the data stage: quoting, and single-row queries with a typed result."""

from __future__ import annotations

from typing import Any

import duckdb

from kommunebench.errors import WarehouseError

__all__ = ["q", "lit", "one", "scalar"]


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: object) -> str:
    """A SQL string literal of ``str(text)`` (a path is written as its text)."""
    return "'" + str(text).replace("'", "''") + "'"


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> tuple[Any, ...]:
    """The single row of ``sql`` (an aggregate query always has one); a missing row is an error."""
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise WarehouseError(f"the warehouse query returned no row: {sql.split()[0]} ...")
    return row


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The first value of the single row of ``sql``."""
    return one(con, sql, params)[0]
