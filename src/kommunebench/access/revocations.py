"""Revocation within a second, whatever the warehouse's size: a small deny list beside it.

A revocation is stored in the warehouse (``api_tokens.revoked_at`` and its audit row, one
transaction), but a reader sees the warehouse only through the read snapshot the write publishes,
and publishing copies the whole file (seconds for a full-scale warehouse), after waiting for any
other writer (a load can hold the writer lock for a minute). So ``revoke`` first appends the
token id to ``<db>.revoked`` — a few bytes, ``fsync``-ed — and only then makes the warehouse
write. The server refuses a token that is revoked in the warehouse *or* named in this file
(:func:`revoked_ids`, re-read only when the file's size or time changes), so a revocation is in
force as soon as the line is written. The file only ever adds refusals: deleting it revives no
token the warehouse has revoked, and a warehouse write that fails after the line was written
leaves the token refused (fail closed) until the revocation is made again.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

from kommunebench.errors import WarehouseError

__all__ = ["deny_list_path", "deny", "is_token_id", "revoked_ids"]

_ID = re.compile(r"^[0-9a-f]{12}$")
_cache: dict[Path, tuple[tuple[int, int, int], frozenset[str]]] = {}
_lock = threading.Lock()


def is_token_id(text: str) -> bool:
    return bool(_ID.match(text))


def deny_list_path(db: Path) -> Path:
    return db.with_name(db.name + ".revoked")


def deny(db: Path, token_id: str) -> None:
    """Append ``token_id`` to the deny list of the warehouse at ``db`` (durable when it returns)."""
    if not _ID.match(token_id):
        raise ValueError(f"not a token id: {token_id!r}")
    path = deny_list_path(db)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{token_id}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise WarehouseError(f"kunne ikke skrive spærrelisten {path}: {exc.strerror}") from None


def revoked_ids(db: Path) -> frozenset[str]:
    """The token ids on the deny list of ``db`` (empty when there is none); cached per file state."""
    path = deny_list_path(db)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return frozenset()
    key = (st.st_ino, st.st_size, st.st_mtime_ns)
    with _lock:
        hit = _cache.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError:
        return frozenset()
    ids = frozenset(line.strip() for line in text.splitlines() if _ID.match(line.strip()))
    with _lock:
        _cache[path] = (key, ids)
    return ids
