"""A real local HTTP server replaying jobindsats replies (v3 and v2) from the shared extract.

v3: ``GET /v3/data/Y30R21?period.QMAT=…`` with ``Authorization: Bearer GOOD`` → ``{"columns",
"rows"}`` in pages of ``PAGE`` rows (``Link: rel="next"``); any other key → 401. v2: ``POST
/v2/data/Y30R21/json`` with ``Authorization: GOOD`` → ``[{"Variables", "Data"}]``; any other key →
200 with the real recorded wrong-key body. ``fail_next`` answers that many requests with 500 first.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from published_shapes import EXTRACT, FIXTURES, columns, records, v2

KEY = "GOOD"
PAGE = 150
WRONG_KEY_BODY = (FIXTURES / "v2_error_invalid_key.json").read_bytes()


class Replay(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.records = records(EXTRACT)
        self.fail_next = 0
        self.seen: list[tuple[str, str, str | None]] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def rows_for(self, periods: list[str], areas: list[str] | str = "*") -> list[dict[str, Any]]:
        """The records of ``periods`` (and of ``areas``, by name; ``*`` or ``["*"]`` = all)."""
        wanted = None if areas in ("*", ["*"], [""]) else set(areas)
        return [r for r in self.records if r["Periode"] in periods and (wanted is None or r["Area"] in wanted)]


class _Handler(BaseHTTPRequestHandler):
    server: Replay

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _failing(self) -> bool:
        if self.server.fail_next > 0:
            self.server.fail_next -= 1
            self._send(500, b'{"message": "Internal Server Error"}')
            return True
        return False

    def do_GET(self) -> None:
        self.server.seen.append(("GET", self.path, self.headers.get("Authorization")))
        if self._failing():
            return
        url = urllib.parse.urlsplit(self.path)
        if not url.path.startswith("/v3/data/"):
            return self._send(404, b'{"message": "Not Found"}')
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            return self._send(401, b'{"message": "Unauthorized"}')
        q = dict(urllib.parse.parse_qsl(url.query))
        recs = self.server.rows_for(q.get("period.QMAT", "").split(","), q.get("hierarchy._nykom", "*").split(","))
        page = int(q.get("page", "1"))
        part = recs[(page - 1) * PAGE : page * PAGE]
        cols = columns(self.server.records)
        body = json.dumps({"columns": cols, "rows": [[r[c] for c in cols] for r in part]}, ensure_ascii=False)
        headers = {}
        if page * PAGE < len(recs):
            nxt = urllib.parse.urlencode({**q, "page": str(page + 1)})
            headers["Link"] = f'<{url.path}?{nxt}>; rel="next"'
        self._send(200, body.encode(), headers)

    def do_POST(self) -> None:
        self.server.seen.append(("POST", self.path, self.headers.get("Authorization")))
        if self._failing():
            return
        length = int(self.headers.get("Content-Length", "0"))
        query = json.loads(self.rfile.read(length) or b"{}")
        if self.headers.get("Authorization") != KEY:
            return self._send(200, WRONG_KEY_BODY)
        recs = self.server.rows_for(list(query.get("period", [])), query.get("area", "*"))
        self._send(200, json.dumps(v2(recs), ensure_ascii=False).encode())
