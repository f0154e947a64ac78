"""Tamper evidence for the case log and the audit trail: a keyed MAC chain and an external anchor.

* **MAC chain.** Every entry of ``joblog_case_log`` and ``audit_log`` stores
  ``HMAC-SHA256(key, [previous entry's MAC, the entry's fields])``. The key is a random 32-byte
  file ``integrity.key`` in the ``key_dir`` setting (default ``$XDG_CONFIG_HOME/kommunebench``),
  **never in the warehouse**: someone who can write the warehouse file but not read the key
  cannot recompute a chain after editing, deleting or re-chaining entries.
* **Anchor.** After every committed write the writer records, per table, the number of entries
  and the MAC of the last one in ``key_dir/anchors/<hash of the warehouse path and id>.json``
  (itself MAC'd). A log shorter than its anchor, or whose entry at the anchored position differs,
  was truncated or wiped. A log may be *longer* than its anchor (a crash between commit and
  anchor, or a write that bypassed the session).
* A failed check raises :class:`~kommunebench.errors.IntegrityError` — tampering, not "retry".
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from kommunebench import settings
from kommunebench.errors import IntegrityError

__all__ = [
    "TABLES",
    "key_dir",
    "mac",
    "warehouse_of",
    "heads",
    "next_anchor",
    "write_anchor",
    "check_chain",
    "warehouse_id",
]

#: table → (order column, MAC column, previous-MAC column)
TABLES = {
    "joblog_case_log": ("id", "entry_hash", "prev_hash"),
    "audit_log": ("audit_id", "mac", "prev_mac"),
}


def key_dir() -> Path:
    value = settings.get_str("key_dir")
    if value:
        return Path(value).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kommunebench"


_KEYS: dict[Path, bytes] = {}


def _key() -> bytes:
    path = key_dir() / "integrity.key"
    if path in _KEYS and path.exists():
        return _KEYS[path]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    try:
        _KEYS[path] = bytes.fromhex(path.read_text().strip())
        return _KEYS[path]
    except (OSError, ValueError) as exc:
        raise IntegrityError(
            f"nøglen til sagsloggens og revisionssporets kæde kan ikke læses ({path}): {exc}"
        ) from None


def mac(prev: str, fields: Sequence[object]) -> str:
    """The MAC of an entry's ``fields`` chained to the previous entry's MAC ``prev``."""
    payload = json.dumps([prev, *fields], ensure_ascii=False, default=str).encode()
    return hmac.new(_key(), payload, hashlib.sha256).hexdigest()


def warehouse_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The warehouse file behind ``con`` (a published read snapshot maps back to its warehouse)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if row is None or not row[0]:
        return None
    path = Path(str(row[0])).resolve()
    if path.parent.name.endswith(".read"):
        return path.parent.parent / path.parent.name[: -len(".read")]
    return path


def warehouse_id(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT value FROM meta WHERE key = 'warehouse_id'").fetchone()
    return str(row[0]) if row else ""


def _anchor_path(db: Path, wid: str) -> Path:
    name = hashlib.sha256(f"{db.resolve()}|{wid}".encode()).hexdigest()[:32]
    return key_dir() / "anchors" / f"{name}.json"


def _sealed(body: dict) -> str:
    return hmac.new(_key(), json.dumps(body, sort_keys=True).encode(), hashlib.sha256).hexdigest()


def _read_anchor(db: Path, wid: str) -> dict[str, list]:
    path = _anchor_path(db, wid)
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        raise IntegrityError(f"ankeret for datavarehuset kan ikke læses ({path.name})") from None
    body = doc.get("tables", {})
    if not hmac.compare_digest(str(doc.get("mac", "")), _sealed(body)):
        raise IntegrityError(f"ankeret for datavarehuset er ændret ({path.name})")
    return dict(body)


def heads(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Per chained table: [number of entries, MAC of the last entry]."""
    out: dict[str, list] = {}
    for table, (order, col, _) in TABLES.items():
        try:
            n = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            last = con.execute(f"SELECT {col} FROM {table} ORDER BY {order} DESC LIMIT 1").fetchone()
        except duckdb.Error:
            continue
        out[table] = [int(n[0]) if n else 0, str(last[0]) if last and last[0] is not None else ""]
    legacy = con.execute("SELECT value FROM meta WHERE key = 'case_log_legacy'").fetchone()
    if "joblog_case_log" in out:
        out["joblog_case_log"].append(int(legacy[0]) if legacy else 0)
    return out


def next_anchor(con: duckdb.DuckDBPyConnection, db: Path) -> tuple[str, dict[str, list]]:
    """The anchor to record after a write: the new heads of every table still consistent with its
    old anchor; a table that is not (tampered with) keeps its old anchor, so it stays detected."""
    wid = warehouse_id(con)
    old = _read_anchor(db, wid)
    new = heads(con)
    for table, anchored in old.items():
        if table not in new or not anchored[0]:
            continue
        order, col, _ = TABLES[table]
        row = con.execute(f"SELECT {col} FROM {table} ORDER BY {order} LIMIT 1 OFFSET ?", [anchored[0] - 1]).fetchone()
        if row is None or str(row[0]) != anchored[1]:
            new[table] = anchored
    return wid, new


def write_anchor(db: Path, wid: str, tables: dict[str, list]) -> None:
    """Record ``tables`` (from :func:`heads`) as the anchor of the warehouse at ``db`` (atomic)."""
    path = _anchor_path(db, wid)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"tables": tables, "mac": _sealed(tables)}, sort_keys=True))
    os.replace(tmp, path)


def check_chain(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[tuple[str, str, Sequence[object]]],
    *,
    legacy: tuple[int, Callable[[str, list[object]], str]] = (0, lambda p, f: ""),
) -> list[str]:
    """What is wrong with ``rows`` = (previous MAC, MAC, fields) in order: chain, MACs, anchor.

    ``legacy`` = (n, link): the first n entries predate the MAC chain and are linked by ``link``
    (an unkeyed hash); the anchor pins n, so moving that boundary is detected too.
    """
    problems: list[str] = []
    prev = ""
    for i, (p, m, fields) in enumerate(rows, start=1):
        expected = legacy[1](prev, list(fields)) if i <= legacy[0] else mac(prev, fields)
        if p != prev:
            problems.append(f"entry {i} does not follow the entry before it (one was removed or changed)")
        elif not hmac.compare_digest(expected, str(m)):
            problems.append(f"entry {i} does not match its MAC (it was edited)")
        prev = str(m)
    db = warehouse_of(con)
    if db is not None:
        anchored = _read_anchor(db, warehouse_id(con)).get(table)
        if anchored and anchored[0] > len(rows):
            problems.append(f"the log has {len(rows)} entries but its anchor {anchored[0]} (entries were deleted)")
        elif anchored and anchored[0] and str(rows[anchored[0] - 1][1]) != anchored[1]:
            problems.append(f"entry {anchored[0]} does not match the anchor (the log was rewritten)")
        if anchored and len(anchored) > 2 and legacy[0] > int(anchored[2]):
            problems.append("the boundary of the entries before the MAC chain was moved")
    return problems
