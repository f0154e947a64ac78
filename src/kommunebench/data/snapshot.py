"""Readers never block writers: committed writes publish an immutable read snapshot.

DuckDB lets one process write a file or several read it, never both. So readers do not open the
warehouse file itself:

* **Writers** take an advisory lock file ``<db>.lock`` (``fcntl.flock``), open the warehouse
  read-write, commit, ``CHECKPOINT``, close, and then **publish**: the closed file is copied to a
  new generation ``<db>.read/<ns>-<pid>.duckdb`` and the symlink ``<db>.read/current`` is switched
  to it with one atomic ``rename``. A writer that finds the lock (or the file) taken waits with
  a bounded back-off (the ``write_wait`` setting) and says so on stderr once; only after that
  does it fail.
* **Readers** (the server, read-only CLI commands) open ``current`` read-only. A reader holds
  only its own generation's file, never the warehouse, so it cannot block a writer; a new
  generation has a new file name, so DuckDB's per-path instance cache never hands out a stale one.
  Old generations are removed after :data:`KEEP_SECONDS` (an open reader keeps its inode anyway).
* While a writer holds the lock (its marker ``<db>.read/writing`` names a live PID) readers use
  the last published generation. Otherwise a snapshot older than the warehouse file (a write
  that bypassed this module, or a crash between commit and publish) is not used: the reader
  falls back to the warehouse file, as before.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kommunebench.errors import WarehouseError

__all__ = ["KEEP_SECONDS", "lock_path", "snapshot_dir", "current_snapshot", "writer_lock", "publish", "retrying"]

KEEP_SECONDS = 60.0
T_BACKOFF = (0.02, 0.5)  # first and longest pause between attempts


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def snapshot_dir(db: Path) -> Path:
    return db.with_name(db.name + ".read")


def _wal(db: Path) -> Path:
    return db.with_name(db.name + ".wal")


def current_snapshot(db: Path) -> Path | None:
    """The published generation if it is at least as new as the warehouse file (else None)."""
    link = snapshot_dir(db) / "current"
    try:
        target = snapshot_dir(db) / os.readlink(link)
        snap = os.stat(target)
        main = os.stat(db)
    except OSError:
        return None
    if _writing(db):  # a write in progress: the last published state is the committed one
        return target
    if _wal(db).exists() or snap.st_mtime_ns < main.st_mtime_ns:
        return None
    return target


def _marker(db: Path) -> Path:
    return snapshot_dir(db) / "writing"


def _writing(db: Path) -> bool:
    """Whether a live process is inside a protocol write of ``db`` (its marker names its PID)."""
    try:
        pid = int(_marker(db).read_text() or "0")
    except (OSError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def retrying(
    attempt: Callable[[], bool], *, wait: float, what: str, notify: Callable[[str], None] | None = None
) -> None:
    """Call ``attempt()`` until it returns True, with exponential back-off, at most ``wait`` seconds.

    The first refusal is reported once through ``notify`` (stderr by default); after ``wait``
    seconds a :class:`WarehouseError` says the warehouse is busy.
    """
    deadline = time.monotonic() + max(0.0, wait)
    pause, told = T_BACKOFF[0], False
    while not attempt():
        if time.monotonic() >= deadline:
            raise WarehouseError(f"datavarehuset er optaget af en anden skrivning ({what}); prøv igen om lidt")
        if not told:
            (notify or _say)(f"Datavarehuset er optaget af en anden skrivning; venter op til {wait:.0f} s …")
            told = True
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, T_BACKOFF[1])


@contextlib.contextmanager
def writer_lock(db: Path, *, wait: float, notify: Callable[[str], None] | None = None) -> Iterator[None]:
    """The one-writer lock of the warehouse at ``db`` (waits up to ``wait`` seconds)."""
    db.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path(db), os.O_RDWR | os.O_CREAT, 0o600)
    try:

        def attempt() -> bool:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        retrying(attempt, wait=wait, what="låsen", notify=notify)
        try:
            snapshot_dir(db).mkdir(exist_ok=True)
            _marker(db).write_text(str(os.getpid()))
            yield
        finally:
            with contextlib.suppress(OSError):
                _marker(db).unlink()
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def publish(db: Path) -> Path:
    """Copy the closed, checkpointed warehouse to a new generation and switch ``current`` to it.

    Call it while holding :func:`writer_lock`, after the write connection is closed.
    """
    folder = snapshot_dir(db)
    folder.mkdir(exist_ok=True)
    name = f"{time.time_ns()}-{os.getpid()}.duckdb"
    tmp = folder / (name + ".tmp")
    try:
        shutil.copyfile(db, tmp)
        os.replace(tmp, folder / name)
        link = folder / f"current.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.symlink(name, link)
        os.replace(link, folder / "current")
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise WarehouseError(f"kunne ikke offentliggøre læsekopien af datavarehuset: {exc.strerror}") from None
    _prune(folder, keep=name)
    return folder / name


def _prune(folder: Path, *, keep: str) -> None:
    now = time.time()
    for p in folder.iterdir():
        if p.name == keep or not p.name.endswith((".duckdb", ".tmp", ".wal")):
            continue
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime > KEEP_SECONDS:
                p.unlink()
