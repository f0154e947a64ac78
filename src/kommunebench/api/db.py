"""Warehouse access for the web app: readers never block writers.

The server never holds the warehouse file for reading. Every committed write (from the CLI or
from this server) publishes an immutable read snapshot (:mod:`kommunebench.data.snapshot`); a
read opens the current snapshot read-only for the duration of one request. The warehouse file
itself is opened only for the server's own short writes (the case log), under the one-writer lock
that every writer takes, so ``kommunebench load``/``run``/``token revoke`` in another process
never meet a reader's lock; at worst they wait (bounded, visibly) for another writer. Only when
no current snapshot exists (a write that bypassed the protocol) does a read fall back to opening
the warehouse file read-only, as before; such reads and the server's own writes are separated by
a readers-writer lock (DuckDB refuses read-write and read-only connections of one file in one
process at once).

Results are cached in memory, keyed by a *version* of the warehouse: the current snapshot's name
and the size, inode and modification time of the database file and of its write-ahead log. Every
committed write changes them, so a cached answer is never older than the last commit (a revoked
token stops working with the next request after ``revoke`` returns); a cache hit does not open
the database at all. Concurrent misses of the same key are computed once (single flight), so a
cold page under load is not computed 50 times.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import duckdb

from kommunebench.data import snapshot, warehouse
from kommunebench.data.transactions import open_for_reading, session

__all__ = ["Warehouse", "RWLock"]

T = TypeVar("T")


class RWLock:
    """Many readers or one writer; a waiting writer stops new readers (no starvation)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class Warehouse:
    """The server's handle on one warehouse file (see the module docstring)."""

    def __init__(self, path: str | Path, *, cache_size: int = 512) -> None:
        self.path = Path(path).expanduser()
        self._lock = RWLock()
        self._cache: OrderedDict[object, object] = OrderedDict()
        self._cache_version: tuple | None = None
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()
        # immutable things (a stored run never changes) survive warehouse versions
        self._stable: dict[object, OrderedDict] = {}
        self._inflight: dict[object, list] = {}

    def ensure_schema(self) -> None:
        """Create the file, or upgrade its schema, once at start-up (a short read-write open)."""
        with self._lock.write(), session(self.path, write=True):
            pass

    def version(self) -> tuple[object, ...]:
        out: list[object] = [snapshot.current_snapshot(self.path)]
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = os.stat(p)
            except FileNotFoundError:
                out.append(None)
            else:
                out.append((st.st_ino, st.st_size, st.st_mtime_ns))
        return tuple(out)

    @contextlib.contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The current snapshot read-only (no lock on the warehouse file); the file itself if none."""
        if snapshot.current_snapshot(self.path) is not None:
            con = open_for_reading(self.path)
            try:
                yield con
            finally:
                con.close()
            return
        with self._lock.read():
            con = warehouse.connect(self.path, read_only=True)
            try:
                yield con
            finally:
                con.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One short write under the one-writer lock; publishes a new snapshot when it ends."""
        try:
            with self._lock.write(), session(self.path, write=True) as con:
                yield con
        finally:
            self.invalidate()

    def invalidate(self) -> None:
        with self._cache_lock:
            self._cache.clear()
            self._cache_version = None

    _MISS = object()

    @contextlib.contextmanager
    def _single_flight(self, key: object) -> Iterator[None]:
        """One computation per key at a time: concurrent misses of the same key wait for the first
        (no stampede of identical work when a cold page is asked for by many clients at once)."""
        with self._cache_lock:
            entry = self._inflight.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._cache_lock:
                entry[1] -= 1
                if not entry[1]:
                    self._inflight.pop(key, None)

    def _lookup(self, key: object, version: tuple) -> object:
        with self._cache_lock:
            if self._cache_version != version:
                self._cache.clear()
                self._cache_version = version
                return self._MISS
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            return self._MISS

    def cached(self, key: object, compute: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """``compute(con)`` on a read-only connection, remembered until the warehouse changes."""
        version = self.version()
        hit = self._lookup(key, version)
        if hit is not self._MISS:
            return hit  # type: ignore[return-value]
        with self._single_flight(("cached", key)):
            hit = self._lookup(key, version)
            if hit is not self._MISS:
                return hit  # type: ignore[return-value]
            with self.read() as con:
                value = compute(con)
            self._remember(key, value, version)
        return value

    def memo(self, key: object, compute: Callable[[], T], *, alias: object = None) -> T:
        """Remember ``compute()`` for the current warehouse version (no connection opened);
        ``alias`` is a second key for the same value."""
        version = self.version()
        hit = self._lookup(key, version)
        if hit is self._MISS:
            with self._single_flight(("memo", key)):
                hit = self._lookup(key, version)
                if hit is self._MISS:
                    hit = compute()
                    self._remember(key, hit, version)
        if alias is not None:
            self._remember(alias, hit, version)
        return hit  # type: ignore[return-value]

    def lookup(self, key: object) -> object | None:
        """The cached value for ``key`` if the warehouse has not changed since (else None)."""
        hit = self._lookup(key, self.version())
        return None if hit is self._MISS else hit

    def remember(self, key: object, value: object, version: tuple) -> None:
        """Store ``value`` if the cache is still at ``version`` (taken before it was computed)."""
        self._remember(key, value, version)

    def _remember(self, key: object, value: object, version: tuple) -> None:
        with self._cache_lock:
            if self._cache_version == version:
                self._cache[key] = value
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)

    def stable(self, key: tuple, compute: Callable[[], T], *, size: int = 64) -> T:
        """Remember ``compute()`` for good: only for immutable things (key them by content hash).

        ``key[0]`` names a namespace; each namespace keeps its ``size`` most recent entries.
        """

        def get() -> object:
            with self._cache_lock:
                space = self._stable.setdefault(key[0], OrderedDict())
                if key in space:
                    space.move_to_end(key)
                    return space[key]
            return self._MISS

        hit = get()
        if hit is not self._MISS:
            return hit  # type: ignore[return-value]
        with self._single_flight(("stable", key)):
            hit = get()
            if hit is not self._MISS:
                return hit  # type: ignore[return-value]
            value = compute()
            with self._cache_lock:
                space = self._stable.setdefault(key[0], OrderedDict())
                space[key] = value
                while len(space) > size:
                    space.popitem(last=False)
        return value
