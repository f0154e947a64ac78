"""The DuckDB warehouse: one file holding the loaded inputs, the load history and (later) runs.

Schema
------
* ``meta(key, value)`` holds ``schema_version``. :data:`MIGRATIONS` is an ordered list; entry
  ``i`` upgrades a warehouse from version ``i`` to ``i + 1`` and is either a SQL string or a
  function of the connection. :func:`connect` applies the missing ones, from the stored version
  up, inside one transaction. A DuckDB file without ``meta`` is version 0; a 0-byte file is
  treated as a new warehouse. **Adding a migration is one line**: append it to ``MIGRATIONS``
  in :mod:`kommunebench.data.migrations` (``SCHEMA_VERSION`` follows from the list's length).
* Version 1 creates one table per input kind of :data:`kommunebench.data.schemas.KINDS` (name
  ``kind.table``, column types ``Column.sql_type``; ``benefit_weeks.week`` is the DATE of the
  ISO week's Monday) and ``loads`` (one row per kind and load; ``is_current`` marks the load
  whose content the kind's table holds now).
* Later versions append tables: benchmark runs, API access, and the ``joblog`` input kind with
  the joblog follow-up case log ``joblog_case_log`` (append-only, hash-chained).
* Keys: the small tables (``labour_market`` and the reference overrides) carry their PRIMARY
  KEY. ``persons`` and ``benefit_weeks`` do not: measured on 67 M benefit weeks, a primary key
  turned a ~2 s insert into ~18 s plus a ~4 min commit and a 10x larger file. Their keys are
  guaranteed by the loader's validation instead (see :mod:`kommunebench.data.load`).

Effective reference tables
--------------------------
The reference overrides (``benefit_codes``, ``costs``, ``commuting_area_map``) replace the
package defaults of :mod:`kommunebench.data.reference` once loaded; ``effective_*`` return the
override if the warehouse holds one, else the default, in the shape ``reference`` uses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import duckdb

from kommunebench import settings
from kommunebench.data import reference
from kommunebench.data.migrations import MIGRATIONS, SCHEMA_VERSION, Migration
from kommunebench.data.schemas import KINDS
from kommunebench.data.sql import scalar, transaction
from kommunebench.errors import WarehouseBusyError, WarehouseError

__all__ = [
    "SCHEMA_VERSION",
    "MIGRATIONS",
    "Migration",
    "connect",
    "schema_version",
    "current_loads",
    "data_fingerprint",
    "effective_benefit_codes",
    "effective_costs",
    "cost_rows",
    "effective_commuting_area_map",
    "effective_commuting_areas",
    "municipality_commuting_area",
    "has_override",
]


def _config(threads: int | None, memory_limit: str | None) -> dict:
    n_threads = settings.get_int("threads", threads)
    limit = settings.get_str("memory_limit", memory_limit)
    config: dict = {}
    if n_threads > 0:
        config["threads"] = n_threads
    if limit:
        config["memory_limit"] = limit
    return config


def _open_error(path: Path, exc: Exception) -> WarehouseError:
    text = str(exc)
    first = text.splitlines()[0] if text else type(exc).__name__
    if "not a valid DuckDB database" in text:
        msg = f"{path} is not a DuckDB database file"
    elif "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        who = f" (process {pid.group(1)})" if pid else ""
        return WarehouseBusyError(f"{path} is locked by another process{who}; close it and try again")
    elif "database does not exist" in text:
        msg = f"{path} does not exist (it cannot be created in read-only mode)"
    elif "different configuration" in text:
        msg = (
            f"{path} is already open in this process with other settings "
            "(read-only, threads or memory limit); close that connection first"
        )
    else:
        msg = f"cannot open the warehouse {path}: {first}"
    return WarehouseError(msg)


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (creating or upgrading as needed) the warehouse at ``path``.

    ``threads``/``memory_limit`` default to the settings of the same name (0 / empty = DuckDB's
    defaults). Raises :class:`WarehouseError` when the file is not a DuckDB database, was written
    by a newer kommunebench (higher schema version), or is locked by another process.
    """
    path = Path(path).expanduser()
    config = _config(threads, memory_limit)
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create the folder {path.parent}: {exc}") from exc
        if path.is_file() and path.stat().st_size == 0:
            path.unlink()  # a 0-byte placeholder (e.g. from mkstemp/touch) is a new warehouse
    if path.is_dir():
        raise WarehouseError(f"{path} is a folder, not a DuckDB database file")
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise _open_error(path, exc) from None
    try:
        if read_only and 0 < schema_version(con) < SCHEMA_VERSION:
            # Written by an older kommunebench: upgrade once (briefly read-write), then reopen.
            con.close()
            connect(path, threads=threads, memory_limit=memory_limit).close()
            con = duckdb.connect(str(path), read_only=True, config=config)
        _migrate(con, path, read_only)
    except duckdb.Error as exc:
        con.close()
        raise _open_error(path, exc) from None
    except BaseException:
        con.close()
        raise
    return con


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version stored in the warehouse (0 for a DuckDB file without ``meta``)."""
    has_meta = scalar(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = 'meta'",
    )
    if not has_meta:
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None:
        return 0
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise WarehouseError(f"the warehouse has an unreadable schema_version {row[0]!r}") from None


def _migrate(con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
    version = schema_version(con)
    if version > SCHEMA_VERSION:
        raise WarehouseError(
            f"{path} has schema version {version}, newer than this kommunebench knows "
            f"({SCHEMA_VERSION}); upgrade kommunebench to open it"
        )
    if version == SCHEMA_VERSION:
        return
    if read_only:
        raise WarehouseError(
            f"{path} has schema version {version}, older than this kommunebench ({SCHEMA_VERSION}); "
            "open it once without read-only to upgrade it"
        )

    def failed(first: str) -> str:
        return (
            f"cannot upgrade {path} from schema version {version} to {SCHEMA_VERSION}: {first} "
            "(is this a kommunebench warehouse?)"
        )

    with transaction(con, failure=failed):
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        for step in range(version, SCHEMA_VERSION):
            migration = MIGRATIONS[step]
            if callable(migration):
                migration(con)
            else:
                con.execute(migration)
        con.execute("DELETE FROM meta WHERE key = 'schema_version'")
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


# ---------------------------------------------------------------------------- load history

_LOAD_COLUMNS = (
    "snapshot_id",
    "kind",
    "source_file",
    "file_format",
    "fingerprint",
    "n_rows",
    "loaded_at",
    "seconds",
    "actor",
)


def current_loads(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The current load of each kind (dicts with the ``loads`` columns), in ``KINDS`` order."""
    rows = con.execute(f"SELECT {', '.join(_LOAD_COLUMNS)} FROM loads WHERE is_current").fetchall()
    order = {name: i for i, name in enumerate(KINDS)}
    out = [dict(zip(_LOAD_COLUMNS, r, strict=True)) for r in rows]
    return sorted(out, key=lambda d: order.get(d["kind"], len(order)))


def data_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A stable hash of the current content fingerprint of every loaded kind.

    Two warehouses with the same content per kind give the same value, whatever the file
    formats, row orders, snapshot ids or load times were.
    """
    text = "\n".join(f"{d['kind']}={d['fingerprint']}" for d in sorted(current_loads(con), key=lambda d: d["kind"]))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# ---------------------------------------------------------------------- effective reference


def has_override(con: duckdb.DuckDBPyConnection, kind: str) -> bool:
    """Whether the warehouse holds a loaded override of the reference kind ``kind``."""
    table = KINDS[kind].table
    return bool(scalar(con, f"SELECT count(*) > 0 FROM (SELECT 1 FROM {table} LIMIT 1)"))


def effective_benefit_codes(con: duckdb.DuckDBPyConnection) -> tuple[dict, ...]:
    """Rows like :func:`reference.benefit_codes` (empty string = not in that scope)."""
    if not has_override(con, "benefit_codes"):
        return reference.benefit_codes()
    cols = KINDS["benefit_codes"].column_names
    rows = con.execute(f"SELECT {', '.join(cols)} FROM {KINDS['benefit_codes'].table} ORDER BY code")
    return tuple(
        {c: (int(v) if c == "code" else ("" if v is None else v)) for c, v in zip(cols, r, strict=True)}
        for r in rows.fetchall()
    )


def effective_costs(con: duckdb.DuckDBPyConnection) -> tuple[dict, ...]:
    """Rows of the costs table: ``{"area", "valid_from" (date), "dkk_per_fuldtidsperson" (float),
    "basis"}`` ("" when empty); ``tuple((r["area"], r["valid_from"], r["dkk_per_fuldtidsperson"])
    for r in rows)`` is the ``rows`` argument of :func:`reference.costs`."""
    if not has_override(con, "costs"):
        return tuple(
            {
                "area": r["area"],
                "valid_from": dt.date.fromisoformat(r["valid_from"]),
                "dkk_per_fuldtidsperson": float(r["dkk_per_fuldtidsperson"]),
                "basis": r["basis"] or "",
            }
            for r in reference._rows("costs.csv")
        )
    rows = con.execute(
        f"SELECT area, valid_from, dkk_per_fuldtidsperson, basis FROM {KINDS['costs'].table} ORDER BY valid_from, area"
    ).fetchall()
    return tuple(
        {"area": a, "valid_from": d, "dkk_per_fuldtidsperson": float(v), "basis": b or ""} for a, d, v, b in rows
    )


def cost_rows(con: duckdb.DuckDBPyConnection) -> tuple[tuple[str, dt.date, float], ...]:
    """The effective costs as the ``rows`` argument of :func:`reference.costs`."""
    return tuple((r["area"], r["valid_from"], r["dkk_per_fuldtidsperson"]) for r in effective_costs(con))


def effective_commuting_area_map(con: duckdb.DuckDBPyConnection) -> tuple[dict, ...]:
    """Rows ``{"kommunekode": int, "commuting_area": int}``, one per municipality."""
    if not has_override(con, "commuting_area_map"):
        return tuple(
            {"kommunekode": m.kommunekode, "commuting_area": m.commuting_area} for m in reference.municipalities()
        )
    rows = con.execute(
        f"SELECT kommunekode, commuting_area FROM {KINDS['commuting_area_map'].table} ORDER BY kommunekode"
    ).fetchall()
    return tuple({"kommunekode": int(k), "commuting_area": int(a)} for k, a in rows)


def municipality_commuting_area(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """kommunekode → commuting area, from the effective map."""
    return {r["kommunekode"]: r["commuting_area"] for r in effective_commuting_area_map(con)}


def effective_commuting_areas(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The commuting areas that exist: those of the effective map (plus the package's list of
    areas when no override is loaded)."""
    areas = set(municipality_commuting_area(con).values())
    if not has_override(con, "commuting_area_map"):
        areas |= {a["commuting_area"] for a in reference.commuting_areas()}
    return areas
