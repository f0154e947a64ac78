"""Rendered dashboard pages cached per warehouse version, like their JSON twins.

An anonymous ``GET`` (or ``HEAD``) of a page — no ``Authorization`` header, no session cookie —
renders the same HTML for every caller: the pages depend only on the path, the query, the
warehouse (its version: the current read snapshot and the file's size, inode and mtime, see
:mod:`kommunebench.api.db`) and the day (the joblog monitor). The edge
(:class:`kommunebench.api.app._Edge`) therefore stores the bytes of a successful anonymous page
(status 200, ``text/html``, no ``Set-Cookie``, at most :data:`MAX_BYTES`) in the warehouse's
versioned cache and answers a repeat directly, without routing, validation or a thread hop. The
next committed write (a new load, a stored run, a revoked token) changes the version and so
empties the cache.

A request that carries credentials is never answered from this cache and its answer is never
stored: a logged-in caller's page (its name in the navigation, unsuppressed figures for its own
municipality) can never reach another caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from kommunebench.api.db import Warehouse

__all__ = ["PageCache", "CachedPage", "MAX_BYTES", "HIT_HEADER"]

MAX_BYTES = 2_000_000  # larger pages are rendered each time (bounded memory: 512 entries)
HIT_HEADER = (b"x-kb-cache", b"hit")

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class CachedPage:
    headers: tuple[tuple[bytes, bytes], ...]  # as the route produced them (content-type, length)
    body: bytes


def _key(scope: MutableMapping[str, Any], today: dt.date) -> tuple[object, ...]:
    return ("page", scope["path"], scope.get("query_string", b""), today)


class PageCache:
    """Looks up, replays and captures anonymous pages for one warehouse handle."""

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh

    def lookup(self, scope: MutableMapping[str, Any]) -> CachedPage | None:
        hit = self.wh.lookup(_key(scope, dt.date.today()))
        return hit if isinstance(hit, CachedPage) else None

    @staticmethod
    async def replay(page: CachedPage, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [*page.headers, HIT_HEADER]})
        await send({"type": "http.response.body", "body": page.body})

    def capture(self, scope: MutableMapping[str, Any], send: Send) -> Send:
        """``send`` that also stores a cacheable answer under the version seen *before* rendering
        (a page rendered from newer data than its key is dropped at the next lookup)."""
        today = dt.date.today()
        version = self.wh.version()
        self.wh.lookup(_key(scope, today))  # moves the cache to this version if it changed
        state: dict[str, Any] = {"ok": False, "headers": (), "parts": [], "size": 0}

        async def capturing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = tuple((bytes(k), bytes(v)) for k, v in message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                ctype = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                state["ok"] = message["status"] == 200 and ctype.startswith(b"text/html") and b"set-cookie" not in names
                state["headers"] = headers
            elif message["type"] == "http.response.body" and state["ok"]:
                body = bytes(message.get("body", b""))
                state["parts"].append(body)
                state["size"] += len(body)
                if state["size"] > MAX_BYTES:
                    state["ok"] = False
                elif not message.get("more_body", False):
                    page = CachedPage(state["headers"], b"".join(state["parts"]))
                    self.wh.remember(_key(scope, today), page, version)
            await send(message)

        return capturing
