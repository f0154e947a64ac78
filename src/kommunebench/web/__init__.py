"""The dashboard's presentation: Jinja2 templates (Danish), static assets and plotly.js.

Nothing here is fetched from the network: plotly.js is served from the installed ``plotly``
package's own ``plotly.min.js``, the CSS and JS from ``web/static``, and the pages use system
fonts only. :func:`install` wires it into a FastAPI app.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import plotly
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from kommunebench import __version__
from kommunebench.benchmark.display import format_number_da
from kommunebench.data.reference import ATTRIBUTION

__all__ = ["install", "plotly_js_path", "STATIC_DIR", "TEMPLATE_DIR", "NAV"]

STATIC_DIR = Path(str(resources.files("kommunebench.web").joinpath("static")))
TEMPLATE_DIR = Path(str(resources.files("kommunebench.web").joinpath("templates")))
# (link, label, path prefix that marks the section as current)
NAV = (("/", "Kort", None), ("/lister/total", "Lister", "/lister"), ("/joblog", "Joblog", "/joblog"),
       ("/koersler", "Kørsler", "/koersler"), ("/api", "API", "/api"))


def plotly_js_path() -> Path:
    """The ``plotly.min.js`` shipped inside the installed plotly package."""
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise FileNotFoundError(f"plotly.min.js not found in the plotly package ({path})")
    return path


def _num(value: object, kind: str = "share") -> str:
    if value is None:
        return "–"
    return format_number_da(value, kind)


def _signed(value: object, kind: str = "share") -> str:
    if value is None:
        return "–"
    text = format_number_da(value, kind)
    return f"+{text}" if float(value) > 0 else text  # type: ignore[arg-type]


def _sign_class(value: object) -> str:
    if value is None:
        return "supp"
    v = float(value)  # type: ignore[arg-type]
    return "neg" if v < 0 else ("pos" if v > 0 else "")


def _sort(value: object) -> str:
    return "" if value is None else repr(float(value))  # type: ignore[arg-type]


def _json_script(value: object) -> Markup:
    """JSON for a ``<script type="application/json">`` element (safe against ``</script>``)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(TEMPLATE_DIR))
    t.env.filters.update(num=_num, signed=_signed, sign=_sign_class, sortkey=_sort, json_script=_json_script)
    t.env.globals.update(version=__version__, attribution=ATTRIBUTION, nav=NAV, plotly_version=plotly.__version__)
    return t


def install(app: FastAPI) -> None:
    """Static files, plotly.js, the page renderer and the HTML error page."""
    tpl = templates()
    plotly_js = plotly_js_path()

    def render(request: Request, template: str, data, *, status: int = 200, headers: dict | None = None,
               **extra) -> HTMLResponse:
        from kommunebench.api.twins import optional_principal

        path = request.url.path
        api_path = extra.pop("api_path", None)
        query = request.url.query
        api_url = None if api_path is False else "/api/v1" + (api_path or path) + (f"?{query}" if query else "")
        section = "/" if path == "/" else next((h for h, _, p in NAV if p and path.startswith(p)), None)
        context = {"data": data, "principal": optional_principal(request), "api_url": api_url,
                   "section": section, "path": path, **extra}
        return tpl.TemplateResponse(request, template, context, status_code=status, headers=headers)

    def render_error(request: Request, body: dict, headers: dict) -> HTMLResponse:
        return render(request, "fejl.html", body, status=body["status"], headers=headers, api_path=False)

    app.state.render = render
    app.state.render_error = render_error
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.get("/assets/plotly.min.js", include_in_schema=False)
    def plotly_asset() -> FileResponse:
        return FileResponse(plotly_js, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400, immutable",
                                     "X-Plotly-Version": plotly.__version__})
