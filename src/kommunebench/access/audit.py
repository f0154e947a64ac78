"""The audit trail: one row per write (who, when, what), in the same transaction as the write.

Every write of the product — a load, a run, a case-log entry, creating or revoking a token —
calls :func:`audit` inside the :func:`~kommunebench.data.transactions.transaction` that holds the
write itself, from every edge (CLI and API alike). ``actor`` is who asked: an API token's name and
id, or ``cli:<user>`` for the command line.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os

import duckdb

__all__ = ["audit", "audit_rows", "cli_actor"]


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
    row = con.execute(
        "INSERT INTO audit_log (recorded_at, actor, role, action, target, detail) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING audit_id",
        [
            _now(),
            actor,
            role,
            action,
            target,
            json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, default=str),
        ],
    ).fetchone()
    if row is None:  # pragma: no cover - INSERT ... RETURNING always returns the row
        raise RuntimeError("the audit row was not stored")
    return int(row[0])


def audit_rows(con: duckdb.DuckDBPyConnection, *, limit: int = 100) -> list[dict]:
    rows = con.execute(
        "SELECT audit_id, recorded_at, actor, role, action, target, detail FROM audit_log "
        "ORDER BY audit_id DESC LIMIT ?",
        [int(limit)],
    ).fetchall()
    cols = ("audit_id", "recorded_at", "actor", "role", "action", "target", "detail")
    return [{**dict(zip(cols, r, strict=True)), "detail": json.loads(r[6] or "{}")} for r in rows]
