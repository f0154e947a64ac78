"""The dashboard's presentation: Jinja2 templates (Danish), static assets and plotly.js.

The pages render with the report stage's shared Jinja2 environment
(:func:`kommunebench.report.environment`: the same filters, number formatting and globals as the
static report). Nothing here is fetched from the network: plotly.js is served from the installed
``plotly`` package's own ``plotly.min.js``, the table-sort script from ``report/assets`` (the copy
the static report inlines), the CSS and JS from ``web/static``, and the pages use system fonts
only. :func:`install` wires it into a FastAPI app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from kommunebench import report

__all__ = ["install", "templates", "plotly_js_path", "STATIC_DIR", "TEMPLATE_DIR", "NAV", "Render"]

STATIC_DIR = Path(str(resources.files("kommunebench.web").joinpath("static")))
TEMPLATE_DIR = Path(str(resources.files("kommunebench.web").joinpath("templates")))
NAV = report.NAV  # (link, label, path prefix that marks the section as current)
_CACHE = {"Cache-Control": "public, max-age=86400"}

Render = Callable[..., HTMLResponse]


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` shipped inside the installed plotly package."""
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise FileNotFoundError(f"plotly.min.js not found in the plotly package ({path})")
    return path


def templates() -> Jinja2Templates:
    """The dashboard's templates on the shared environment of :func:`kommunebench.report.environment`."""
    return Jinja2Templates(env=report.environment())


def _section(path: str) -> str | None:
    if path == "/":
        return "/"
    return next((href for href, _, prefix in NAV if prefix and path.startswith(prefix)), None)


def install(app: FastAPI, *, principal_of: Callable[[Request], object | None]) -> None:
    """Static files, plotly.js, the sort script, the page renderer and the HTML error page.

    ``app.state.render(request, template, data, *, status=200, headers=None, **extra)`` renders a
    page with ``data``, ``principal`` (``principal_of(request)``: the logged-in caller or None),
    ``api_url`` (the page's JSON twin; ``api_path=...`` in ``extra`` overrides the path, ``False``
    hides it), ``section``, ``path`` and ``extra``. ``app.state.render_error(request, body,
    headers)`` renders ``fejl.html`` with the error body's status.
    """
    tpl = templates()
    plotly_js = plotly_js_path()
    sortable_js = report.asset_path("sortable.js")

    def render(
        request: Request,
        template: str,
        data: object,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> HTMLResponse:
        path = request.url.path
        api_path = extra.pop("api_path", None)
        query = request.url.query
        api_url = None if api_path is False else "/api/v1" + (api_path or path) + (f"?{query}" if query else "")
        context = {
            "data": data,
            "principal": principal_of(request),
            "api_url": api_url,
            "section": _section(path),
            "path": path,
            **extra,
        }
        return tpl.TemplateResponse(
            request, template, context, status_code=status, headers=dict(headers) if headers is not None else None
        )

    def render_error(request: Request, body: dict[str, Any], headers: Mapping[str, str]) -> HTMLResponse:
        return render(request, "fejl.html", body, status=int(body["status"]), headers=headers, api_path=False)

    app.state.render = render
    app.state.render_error = render_error
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.get("/assets/plotly.min.js", include_in_schema=False)
    def plotly_asset() -> FileResponse:
        return FileResponse(
            plotly_js,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400, immutable", "X-Plotly-Version": plotly.__version__},
        )

    @app.get("/assets/sortable.js", include_in_schema=False)
    def sortable_asset() -> FileResponse:
        return FileResponse(sortable_js, media_type="text/javascript", headers=_CACHE)
