"""Browser sessions: the cookie holds an opaque random id, never the token.

``POST /api/v1/session`` verifies a Bearer token and stores it server-side under a new random id
(:meth:`Sessions.open`); the ``kb_session`` cookie carries only that id. Each request looks the
token up again (:meth:`Sessions.token`) and verifies it as usual, so a revoked token ends its
sessions with the next request. Sessions live in the server process's memory (lost on restart,
one set per worker) and expire after :data:`TTL` seconds; ``DELETE /api/v1/session`` ends one.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict

__all__ = ["TTL", "MAX_SESSIONS", "Sessions"]

TTL = 12 * 3600
MAX_SESSIONS = 50_000


class Sessions:
    def __init__(self, ttl: float = TTL) -> None:
        self.ttl = ttl
        self._items: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, token: str) -> str:
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._items[sid] = (token, time.monotonic() + self.ttl)
            while len(self._items) > MAX_SESSIONS:
                self._items.popitem(last=False)
        return sid

    def token(self, sid: str | None) -> str | None:
        """The token behind session ``sid`` (None for an unknown or expired id)."""
        if not sid:
            return None
        with self._lock:
            item = self._items.get(sid)
            if item is None:
                return None
            if item[1] < time.monotonic():
                del self._items[sid]
                return None
        return item[0]

    def close(self, sid: str | None) -> None:
        with self._lock:
            self._items.pop(sid or "", None)
