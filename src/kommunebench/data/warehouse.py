"""The DuckDB warehouse: one file holding the loaded inputs, the load history and (later) runs.

Schema
------
* ``meta(key, value)`` holds ``schema_version``. :data:`MIGRATIONS` is an ordered list; entry
  ``i`` upgrades a warehouse from version ``i`` to ``i + 1`` and is either a SQL string or a
  function of the connection. :func:`connect` applies the missing ones, from the stored version
  up, inside one transaction. A DuckDB file without ``meta`` is version 0; a 0-byte file is
  treated as a new warehouse. **Adding a migration is one line**: append it to ``MIGRATIONS``
  (``SCHEMA_VERSION`` follows from the list's length).
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
from collections.abc import Callable
from pathlib import Path

import duckdb

from kommunebench import settings
from kommunebench.data import reference
from kommunebench.data.schemas import KINDS
from kommunebench.errors import WarehouseError

__all__ = [
    "SCHEMA_VERSION",
    "MIGRATIONS",
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

Migration = str | Callable[[duckdb.DuckDBPyConnection], None]

# Tables whose key is enforced by a PRIMARY KEY (small ones); the others rely on validation.
_PK_TABLES = {"labour_market", "benefit_codes", "costs", "commuting_area_map"}


def _kind_table_sql(kind_name: str) -> str:
    kind = KINDS[kind_name]
    cols = [
        f"{c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in kind.columns
    ]
    if kind_name in _PK_TABLES:
        cols.append(f"PRIMARY KEY ({', '.join(kind.key)})")
    return f"CREATE TABLE {kind.table} ({', '.join(cols)})"


# The input kinds version 1 created (kinds added later get their tables from their own migration).
_V1_KINDS = ("persons", "benefit_weeks", "labour_market", "benefit_codes", "costs", "commuting_area_map")


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1: one table per input kind (of that version), and the load history."""
    for name in _V1_KINDS:
        con.execute(_kind_table_sql(name))
    con.execute(
        """CREATE TABLE loads (
            snapshot_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            source_file VARCHAR,
            file_format VARCHAR,
            fingerprint VARCHAR NOT NULL,
            n_rows BIGINT NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            seconds DOUBLE,
            is_current BOOLEAN NOT NULL,
            PRIMARY KEY (snapshot_id, kind))"""
    )


# Entry i upgrades version i to i + 1. Append new migrations at the end; never edit old ones.
# Version 2: stored benchmark runs (see kommunebench.benchmark.runs).
_V2_RUNS = """
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    period VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    base_period VARCHAR,
    params VARCHAR NOT NULL,
    data_fingerprint VARCHAR NOT NULL,
    package_version VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    results_sha256 VARCHAR NOT NULL,
    seconds DOUBLE
);
CREATE TABLE run_artifacts (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    parquet BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""

# API access (kommunebench.api.auth): tokens stored hashed (scrypt), and the audit trail of every
# write (who, when, what).
_API_ACCESS = """
CREATE TABLE api_tokens (
    token_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    revoked_at TIMESTAMP
);
CREATE SEQUENCE audit_log_seq START 1;
CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    recorded_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    role VARCHAR,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail VARCHAR
);
"""

# The joblog input kind and the append-only joblog follow-up case log (kommunebench.alerts.caselog).
# The product has no UPDATE or DELETE of the case log anywhere; each entry carries a SHA-256
# chained over the previous entry and meta 'case_log_head' holds the last one, so an edit or a
# deletion made outside the product is detected.
_JOBLOG = """
CREATE TABLE joblog (
    person_id BIGINT NOT NULL,
    kommunekode SMALLINT NOT NULL,
    month DATE NOT NULL,
    in_target_group BOOLEAN NOT NULL,
    availability_weight DOUBLE NOT NULL,
    searches SMALLINT NOT NULL
);
CREATE TABLE joblog_case_log (
    id BIGINT PRIMARY KEY,
    kommunekode SMALLINT NOT NULL,
    action_date DATE NOT NULL,
    action VARCHAR NOT NULL,
    criterion VARCHAR,
    data_month DATE NOT NULL,
    note VARCHAR NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    prev_hash VARCHAR NOT NULL,
    entry_hash VARCHAR NOT NULL
);
"""

MIGRATIONS: list[Migration] = [
    _v1,
    _V2_RUNS,
    _API_ACCESS,
    _JOBLOG,
]
SCHEMA_VERSION = len(MIGRATIONS)


def _config(threads: int | None, memory_limit: str | None) -> dict:
    threads = int(settings.get("threads", threads) or 0)
    memory_limit = str(settings.get("memory_limit", memory_limit) or "")
    config: dict = {}
    if threads > 0:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    return config


def _open_error(path: Path, exc: Exception) -> WarehouseError:
    text = str(exc)
    first = text.splitlines()[0] if text else type(exc).__name__
    if "not a valid DuckDB database" in text:
        msg = f"{path} is not a DuckDB database file"
    elif "Could not set lock" in text or "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        who = f" (process {pid.group(1)})" if pid else ""
        msg = f"{path} is locked by another process{who}; close it and try again"
    elif "database does not exist" in text:
        msg = f"{path} does not exist (it cannot be created in read-only mode)"
    elif "different configuration" in text:
        msg = (f"{path} is already open in this process with other settings "
               "(read-only, threads or memory limit); close that connection first")
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
    has_meta = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = 'meta'"
    ).fetchone()[0]
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
    con.begin()
    try:
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        for step in range(version, SCHEMA_VERSION):
            migration = MIGRATIONS[step]
            if callable(migration):
                migration(con)
            else:
                con.execute(migration)
        con.execute("DELETE FROM meta WHERE key = 'schema_version'")
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.commit()
    except duckdb.Error as exc:
        con.rollback()
        first = str(exc).splitlines()[0]
        raise WarehouseError(
            f"cannot upgrade {path} from schema version {version} to {SCHEMA_VERSION}: {first} "
            "(is this a kommunebench warehouse?)"
        ) from None


# ---------------------------------------------------------------------------- load history

_LOAD_COLUMNS = ("snapshot_id", "kind", "source_file", "file_format", "fingerprint", "n_rows",
                 "loaded_at", "seconds")


def current_loads(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The current load of each kind (dicts with the ``loads`` columns), in ``KINDS`` order."""
    rows = con.execute(
        f"SELECT {', '.join(_LOAD_COLUMNS)} FROM loads WHERE is_current"
    ).fetchall()
    order = {name: i for i, name in enumerate(KINDS)}
    out = [dict(zip(_LOAD_COLUMNS, r, strict=True)) for r in rows]
    return sorted(out, key=lambda d: order.get(d["kind"], len(order)))


def data_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A stable hash of the current content fingerprint of every loaded kind.

    Two warehouses with the same content per kind give the same value, whatever the file
    formats, row orders, snapshot ids or load times were.
    """
    text = "\n".join(f"{d['kind']}={d['fingerprint']}" for d in
                     sorted(current_loads(con), key=lambda d: d["kind"]))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# ---------------------------------------------------------------------- effective reference


def has_override(con: duckdb.DuckDBPyConnection, kind: str) -> bool:
    """Whether the warehouse holds a loaded override of the reference kind ``kind``."""
    table = KINDS[kind].table
    return con.execute(f"SELECT count(*) > 0 FROM (SELECT 1 FROM {table} LIMIT 1)").fetchone()[0]


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
            {"area": r["area"], "valid_from": dt.date.fromisoformat(r["valid_from"]),
             "dkk_per_fuldtidsperson": float(r["dkk_per_fuldtidsperson"]), "basis": r["basis"] or ""}
            for r in reference._rows("costs.csv")
        )
    rows = con.execute(
        f"SELECT area, valid_from, dkk_per_fuldtidsperson, basis FROM {KINDS['costs'].table} "
        "ORDER BY valid_from, area"
    ).fetchall()
    return tuple({"area": a, "valid_from": d, "dkk_per_fuldtidsperson": float(v), "basis": b or ""}
                 for a, d, v, b in rows)


def cost_rows(con: duckdb.DuckDBPyConnection) -> tuple[tuple[str, dt.date, float], ...]:
    """The effective costs as the ``rows`` argument of :func:`reference.costs`."""
    return tuple((r["area"], r["valid_from"], r["dkk_per_fuldtidsperson"]) for r in effective_costs(con))


def effective_commuting_area_map(con: duckdb.DuckDBPyConnection) -> tuple[dict, ...]:
    """Rows ``{"kommunekode": int, "commuting_area": int}``, one per municipality."""
    if not has_override(con, "commuting_area_map"):
        return tuple({"kommunekode": m.kommunekode, "commuting_area": m.commuting_area}
                     for m in reference.municipalities())
    rows = con.execute(
        f"SELECT kommunekode, commuting_area FROM {KINDS['commuting_area_map'].table} "
        "ORDER BY kommunekode"
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
