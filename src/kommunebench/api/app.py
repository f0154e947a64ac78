"""The FastAPI application: ``create_app(db_path)`` wires the pages, the API and the assets."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from types import ModuleType
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI

from kommunebench import __version__, settings, web
from kommunebench.api import (
    accessibility,
    change,
    comparison,
    downloads,
    drivers,
    efficiency,
    errors,
    intern,
    method,
    pages,
    published_pages,
    session,
)
from kommunebench.api import joblog as joblog_pages
from kommunebench.api import kpi as kpi_pages
from kommunebench.api import municipality_report as report_pdf
from kommunebench.api import published as published_api
from kommunebench.api.db import Warehouse
from kommunebench.api.limits import BodyLimit
from kommunebench.api.pagecache import PageCache
from kommunebench.api.twins import Ctx, optional_principal, response_cache_key

__all__ = ["create_app"]

log = logging.getLogger("kommunebench.api")

# Everything the pages load comes from this server (closed network); plotly.js needs inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]

DESCRIPTION = """
JSON twins of every dashboard page, for municipal IT systems and scripts.

* **Public** (no login): the map, the lists, a municipality's page, the runs, the joblog monitor.
  Figures are rounded as the ministry publishes them and cells counting fewer persons than the
  publication threshold (default 5) are suppressed: `null` with `"suppressed": true`.
* **Restricted**: writing the joblog case log needs a token with the role `analyst`; a
  municipality's non-public views (unsuppressed figures, person-level joblog data) need the role
  `municipality:<kommunekode>` of that municipality (403 for any other). Send the token as
  `Authorization: Bearer kb_…` (create it with `kommunebench token create`).
* **Errors** always have one shape: `{"error": {"status": 404, "code": "not_found", "message": "…"}}`.
"""


def _has_credentials(scope) -> bool:
    for name, value in scope.get("headers") or []:
        if name == b"authorization" or (name == b"cookie" and b"kb_session=" in value):
            return True
    return False


class _Edge:
    """Pure ASGI middleware at the edge of the app.

    * Security headers on every response (and the Content-Security-Policy on pages).
    * On pages (not the API), empty query parameters (``?region=``, a form's "all" choice) are
      dropped before validation.
    * A repeated public ``GET /api/v1/...`` whose answer is cached for the current warehouse
      version is answered here directly (the same bytes the route produced the first time),
      without routing, validation or a thread hop: that keeps the lists fast under load.
    * So is a repeated anonymous page (HTML) of the same warehouse version (``api/pagecache.py``).
    """

    def __init__(self, app, ctx: Ctx) -> None:
        self.app = app
        self.ctx = ctx
        self.pages = PageCache(ctx.wh)  # anonymous pages per warehouse version (api/pagecache.py)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if scope["method"] == "GET" and path.startswith("/api/v1/"):
            body = self.ctx.wh.lookup(response_cache_key(scope, dt.date.today()))
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *_HEADERS,
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return None
        qs = scope.get("query_string", b"")
        if qs and not path.startswith("/api/") and (b"=&" in qs or qs.endswith(b"=")):
            kept = [(k, v) for k, v in parse_qsl(qs.decode("latin-1"), keep_blank_values=True) if v != ""]
            scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        is_page = not path.startswith(("/api/", "/static/", "/assets/"))
        head = scope["method"] == "HEAD" and is_page  # pages answer HEAD like GET, without the body
        if head:
            scope = {**scope, "method": "GET"}
        private = _has_credentials(scope)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + _HEADERS
                if is_page:
                    headers.append((b"content-security-policy", CSP.encode()))
                if private:  # answers for a token holder (person-level data) are never stored
                    headers.append((b"cache-control", b"no-store, private"))
                message = {**message, "headers": headers}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        if is_page and not private and scope["method"] == "GET":
            cached = self.pages.lookup(scope)
            if cached is not None:
                return await self.pages.replay(cached, send_with_headers)
            return await self.app(scope, receive, self.pages.capture(scope, send_with_headers))
        return await self.app(scope, receive, send_with_headers)


def create_app(db_path: str | Path | None = None, *, suppress_below: int | None = None, joblog: bool = True) -> FastAPI:
    """The dashboard and API over the warehouse at ``db_path`` (default: the ``db`` setting).

    The file is created or upgraded once (a short read-write open); afterwards the app opens it
    read-only per request and read-write only for the short transaction of a write.
    ``suppress_below`` defaults to the ``suppress_below`` setting (5 persons). ``joblog=False``
    leaves out the joblog monitor.
    """
    wh = Warehouse(settings.db_path(db_path))
    wh.ensure_schema()
    threshold = settings.get_int("suppress_below", suppress_below)
    app = FastAPI(
        title="kommunebench",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.ctx = Ctx(wh=wh, threshold=threshold, joblog=joblog)
    errors.install(app)
    web.install(app, principal_of=optional_principal)
    routers: list[ModuleType] = [pages, downloads, intern, session, published_api, published_pages, comparison]
    routers += [efficiency, kpi_pages, drivers, method, report_pdf, accessibility, change]
    for module in (*routers, *((joblog_pages,) if joblog else ())):
        app.include_router(module.pages.api)
        app.include_router(module.pages.web)
    app.add_middleware(_Edge, ctx=app.state.ctx)
    app.add_middleware(BodyLimit)  # outermost: a large body is refused before anything reads it
    return app
