"""Request body limit, applied before routing and authentication (HTTP 413).

A body larger than :data:`MAX_BODY` bytes is refused from its ``Content-Length`` before a byte of
it is read, or — sent chunked — as soon as the bytes read pass the limit; nothing is parsed or
validated and no token is checked first, so an anonymous client cannot make the server hold a
large body in memory.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_BODY", "BodyLimit"]

MAX_BODY = 256 * 1024  # the largest legitimate body (a case-log note of 20,000 characters) is far smaller


class _TooLarge(Exception):
    pass


def _too_large() -> tuple[dict[str, Any], dict[str, Any]]:
    body = json.dumps(
        {
            "error": {
                "status": 413,
                "code": "too_large",
                "message": f"forespørgslens indhold er for stort (højst {MAX_BODY // 1024} KiB)",
            }
        }
    ).encode()
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    return start, {"type": "http.response.body", "body": body}


class BodyLimit:
    """Pure ASGI middleware: 413 for a body over :data:`MAX_BODY` bytes."""

    def __init__(self, app: Any, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            for message in _too_large():
                await send(message)
            return
        state = {"seen": 0, "over": False, "started": False}

        async def limited_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                state["seen"] += len(message.get("body", b""))
                if state["seen"] > self.max_body:
                    state["over"] = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Any) -> None:
            if state["over"]:  # whatever the app made of the aborted body, the answer is 413
                if message["type"] == "http.response.start":
                    state["started"] = True
                    for m in _too_large():
                        await send(m)
                return
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not state["started"]:
                for message in _too_large():
                    await send(message)
