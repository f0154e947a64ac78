"""One way to open the warehouse and one way to write to it.

* :func:`session` opens the warehouse file for the length of a ``with`` block and always closes it
  (read-only by default; ``write=True`` for a writer). A missing file is refused for readers with
  a message that says how to create one.
* :func:`transaction` wraps a block in one DuckDB transaction: everything in it is committed
  together or, on any exception, rolled back. A write and its audit row go in the same block, so
  a write is never stored without its audit row, nor the other way round. A DuckDB error while
  writing becomes a :class:`~kommunebench.errors.WarehouseError` naming ``what`` was written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import duckdb

from kommunebench.data import warehouse
from kommunebench.data.sql import transaction
from kommunebench.errors import NotFoundError

__all__ = ["session", "transaction"]


@contextlib.contextmanager
def session(path: str | Path, *, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse at ``path`` for one ``with`` block (created or upgraded when ``write``)."""
    path = Path(path).expanduser()
    if not write and not path.exists():
        raise NotFoundError(f"no warehouse at {path}: run 'kommunebench load' (or 'kommunebench demo') first")
    con = warehouse.connect(path, read_only=not write)
    try:
        yield con
    finally:
        con.close()
