"""The one Jinja2 environment of every HTML output: the static report and the dashboard's pages.

:func:`environment` loads ``report/templates`` (the static report) and ``web/templates`` (the
dashboard) with HTML autoescaping, the filters both use and the globals of the page frame. Every
number is formatted by :func:`kommunebench.publish.format_number_da`; an empty (suppressed) value
is shown as "–".

Filters: ``num(kind="share")`` (Danish number, "–" when empty), ``signed(kind="share")`` (with an
explicit ``+``), ``sign`` (CSS class ``neg``/``pos``/``""``, ``supp`` when empty), ``sortkey``
(the ``data-sort`` value of a table cell, ``""`` when empty) and ``json_script`` (JSON for a
``<script type="application/json">`` element). Globals: ``version``, ``attribution``,
``plotly_version`` and ``nav`` (the dashboard's main menu).
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources
from pathlib import Path

import plotly
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from kommunebench import __version__
from kommunebench.alerts.calendar import date_label_da
from kommunebench.publish import ATTRIBUTION, DASH, format_number_da, signed_da

__all__ = ["environment", "asset_path", "asset_text", "NAV", "REPORT_TEMPLATES", "WEB_TEMPLATES", "missing"]

_PACKAGE = Path(__file__).resolve().parent.parent
REPORT_TEMPLATES = _PACKAGE / "report" / "templates"
WEB_TEMPLATES = _PACKAGE / "web" / "templates"
# the dashboard's main menu: (link, label, path prefix that marks the section as current)
NAV = (
    ("/", "Kort", None),
    ("/lister/total", "Lister", "/lister"),
    ("/joblog", "Joblog", "/joblog"),
    ("/styring", "Styring", "/styring"),
    ("/koersler", "Kørsler", "/koersler"),
    ("/effektivitet", "Effektivitet", "/effektivitet"),
    ("/offentliggjort/kontrol", "Offentliggjort", "/offentliggjort"),
    ("/api", "API", "/api"),
)


def missing(value: object) -> bool:
    """True for an empty cell: ``None``, ``pd.NA`` or NaN."""
    if value is None or str(value) == "<NA>":
        return True
    return isinstance(value, float) and math.isnan(value)


def _num(value: object, kind: str = "share") -> str:
    return format_number_da(value, kind, missing=DASH)


def _signed(value: object, kind: str = "share") -> str:
    return signed_da(value, kind, missing=DASH)


def _sign_class(value: object) -> str:
    if missing(value):
        return "supp"
    v = float(value)  # type: ignore[arg-type]
    return "neg" if v < 0 else ("pos" if v > 0 else "")


def _sortkey(value: object) -> str:
    return "" if missing(value) else repr(float(value))  # type: ignore[arg-type]


def json_script(value: object) -> Markup:
    """JSON for a ``<script type="application/json">`` element (safe against ``</script>``)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def asset_path(name: str) -> Path:
    """A file of ``report/assets`` (e.g. ``sortable.js``, inlined by the report, served by the dashboard)."""
    path = Path(str(resources.files("kommunebench.report").joinpath("assets", name)))
    if not path.is_file():
        raise FileNotFoundError(f"report asset {name!r} not found ({path})")
    return path


def asset_text(name: str) -> str:
    return asset_path(name).read_text(encoding="utf-8")


@functools.cache
def environment() -> Environment:
    """The shared environment (built once): report and dashboard templates, filters, globals."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(REPORT_TEMPLATES)), FileSystemLoader(str(WEB_TEMPLATES))]),
        autoescape=select_autoescape(enabled_extensions=("html", "htm"), default_for_string=True),
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(num=_num, signed=_signed, sign=_sign_class, sortkey=_sortkey, json_script=json_script)
    env.filters["dato"] = date_label_da  # "30. november 2026"
    env.globals.update(version=__version__, attribution=ATTRIBUTION, plotly_version=plotly.__version__, nav=NAV)
    return env
