"""The audit trail: one row per write (who, when, what), in the same transaction as the write.

Every write of the product — a load, a run, a case-log entry, creating or revoking a token —
calls :func:`audit` inside the :func:`~kommunebench.data.transactions.transaction` that holds the
write itself, from every edge (CLI and API alike). ``actor`` is who asked: an API token's name and
id, or ``cli:<user>`` for the command line.

Each row is chained to the one before it with a keyed MAC whose key is outside the warehouse, and
the external anchor records the count and last MAC after every write
(:mod:`kommunebench.data.integrity`): :func:`audit_rows` and :func:`verify_audit_log` detect an
edited, deleted, re-chained, truncated or wiped trail (:class:`~kommunebench.errors.IntegrityError`).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os

import duckdb

from kommunebench.data import integrity
from kommunebench.data.migrations import audit_fields
from kommunebench.errors import IntegrityError

__all__ = ["audit", "audit_rows", "cli_actor", "record_actor", "verify_audit_log"]

# The tables whose rows name who wrote them, and each one's key column.
_ACTOR_TABLES = {"loads": "snapshot_id", "runs": "run_id"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def cli_actor() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in some containers
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"cli:{user}"


def audit(
    con: duckdb.DuckDBPyConnection,
    *,
    actor: str,
    role: str | None,
    action: str,
    target: str | None,
    detail: dict | None = None,
) -> int:
    """Append one audit row and return its id (call it inside the write's transaction)."""
    last = con.execute("SELECT mac FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone()
    prev = str(last[0]) if last and last[0] is not None else ""
    fields = [
        _now().replace(microsecond=0),
        actor,
        role,
        action,
        target,
        json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
    ]
    row = con.execute(
        "INSERT INTO audit_log (recorded_at, actor, role, action, target, detail, prev_mac, mac) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING audit_id",
        [*fields, prev, integrity.mac(prev, audit_fields(fields))],
    ).fetchone()
    if row is None:  # pragma: no cover - INSERT ... RETURNING always returns the row
        raise RuntimeError("the audit row was not stored")
    return int(row[0])


def record_actor(con: duckdb.DuckDBPyConnection, table: str, key: str, actor: str) -> None:
    """Name ``actor`` on the ``loads`` or ``runs`` rows of ``key`` (call it in the write's transaction)."""
    column = _ACTOR_TABLES[table]
    con.execute(f"UPDATE {table} SET actor = ? WHERE {column} = ?", [actor, key])


def verify_audit_log(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What is wrong with the audit trail's MAC chain and anchor (empty when intact)."""
    rows = con.execute(
        "SELECT prev_mac, mac, recorded_at, actor, role, action, target, detail FROM audit_log ORDER BY audit_id"
    ).fetchall()
    chain = [(str(r[0] or ""), str(r[1] or ""), audit_fields(r[2:])) for r in rows]
    return integrity.check_chain(con, "audit_log", chain)


def audit_rows(con: duckdb.DuckDBPyConnection, *, limit: int = 100) -> list[dict]:
    """The newest ``limit`` rows, after verifying the whole trail (IntegrityError when tampered)."""
    problems = verify_audit_log(con)
    if problems:
        raise IntegrityError("revisionssporet er ændret uden om kommunebench: " + "; ".join(problems[:3]))
    rows = con.execute(
        "SELECT audit_id, recorded_at, actor, role, action, target, detail FROM audit_log "
        "ORDER BY audit_id DESC LIMIT ?",
        [int(limit)],
    ).fetchall()
    cols = ("audit_id", "recorded_at", "actor", "role", "action", "target", "detail")
    return [{**dict(zip(cols, r, strict=True)), "detail": json.loads(r[6] or "{}")} for r in rows]
