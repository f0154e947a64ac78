"""One way to open the warehouse and one way to write to it.

* :func:`session` opens the warehouse file for the length of a ``with`` block and always closes it
  (read-only by default; ``write=True`` for a writer). A missing file is refused for readers with
  a message that says how to create one.
* A writer's session holds the one-writer lock, waits (bounded, visibly) for a busy file, and on
  a clean exit checkpoints, closes and publishes the read snapshot (:mod:`.snapshot`); a reader's
  session opens the newest published snapshot, never the warehouse file, when one is current.
  After publishing, the writer moves the external anchor of the MAC-chained case log and audit
  trail (:mod:`.integrity`) to the committed state.
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

from kommunebench import settings
from kommunebench.data import integrity, snapshot, warehouse
from kommunebench.data.sql import transaction
from kommunebench.errors import KommunebenchError, NotFoundError, WarehouseBusyError, WarehouseError

__all__ = ["session", "transaction", "connect_waiting", "open_for_reading"]


@contextlib.contextmanager
def session(path: str | Path, *, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse at ``path`` for one ``with`` block (created or upgraded when ``write``)."""
    path = Path(path).expanduser()
    if not write:
        if not path.exists():
            raise NotFoundError(
                f"intet datavarehus i {path}: kør først 'kommunebench load' (eller 'kommunebench demo')"
            )
        con = open_for_reading(path)
        try:
            yield con
        finally:
            con.close()
        return
    wait = settings.get_float("write_wait")
    with snapshot.writer_lock(path, wait=wait):
        con = connect_waiting(path, wait=wait)
        try:
            yield con
        except BaseException:
            _close(con)
            with contextlib.suppress(KommunebenchError):  # a committed part is published all the same
                snapshot.publish(path)
            raise
        wid, anchor = integrity.next_anchor(con, path)
        _close(con)
        snapshot.publish(path)
        integrity.write_anchor(path, wid, anchor)


def _close(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute("CHECKPOINT")
    con.close()


def connect_waiting(path: Path, *, wait: float) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-write; while another process holds the file, wait (bounded)."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def attempt() -> bool:
        try:
            opened.append(warehouse.connect(path))
        except WarehouseBusyError:
            return False
        return True

    snapshot.retrying(attempt, wait=wait, what="filen")
    return opened[0]


def open_for_reading(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current snapshot of ``path`` (the file itself if none is current)."""
    for _ in range(3):  # a generation pruned between resolving and opening: resolve again
        snap = snapshot.current_snapshot(path)
        if snap is None:
            break
        try:
            return warehouse.connect(snap, read_only=True)
        except WarehouseError:
            continue
    return warehouse.connect(path, read_only=True)
