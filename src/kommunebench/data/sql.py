"""Small SQL helpers shared by the data stage: quoting, and single-row queries with a typed result."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import duckdb

from kommunebench.errors import WarehouseError

__all__ = ["q", "lit", "one", "scalar", "transaction"]


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


def _first_line(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


@contextlib.contextmanager
def transaction(
    con: duckdb.DuckDBPyConnection, what: str = "the warehouse", *, failure: Callable[[str], str] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction: commit when the block ends normally, roll back on any exception.

    A DuckDB error (in the block or at commit) becomes a :class:`WarehouseError`: by default
    "cannot write {what}: <DuckDB's first line>", or ``failure(<first line>)``. DuckDB has no
    nested transactions: a write that must join another one takes a callback instead.
    """
    message = failure or (lambda first: f"cannot write {what}: {first}")
    try:
        con.begin()
    except duckdb.Error as exc:
        raise WarehouseError(message(_first_line(exc))) from None
    try:
        yield con
    except duckdb.Error as exc:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise WarehouseError(message(_first_line(exc))) from exc
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise
    try:
        con.commit()
    except duckdb.Error as exc:
        with contextlib.suppress(duckdb.Error):
            con.rollback()
        raise WarehouseError(message(_first_line(exc))) from exc
