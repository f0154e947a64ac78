"""The one map of Denmark: the static report and the dashboard's map page draw this figure.

A ``go.Choropleth`` on a hidden ``geo`` subplot with the shipped municipality borders
(``featureidkey="properties.kommunekode"``). Traces:

* **0** — the published municipalities of the total list, coloured by the public difference in
  pct. points on a diverging scale centred on 0 (full precision; hover rounded as published);
* **1** — Christiansø (411, not a municipality) in grey, name "Ikke en kommune";
* **last**, only when some list has suppressed cells — the suppressed municipalities in grey,
  name "Undertrykt" (hover: the name and "Tal undertrykt (færre end N personer)"): a suppressed
  municipality is never coloured.

Bornholm (with Christiansø) is moved into a framed box in the sea north-east of Zealand (as on the
ministry's own maps) so that the rest of Denmark fills the frame, and a second ``geo`` subplot
(``geo2``, bottom right) enlarges the capital area (``CAPITAL_BOX``): its traces, named
"Hovedstadsområdet (udsnit)", repeat the published and the suppressed municipalities there. A thin
line trace, "Bornholm (flyttet)", draws the box.

A menu switches the list (total, each area): it restyles locations, z, customdata and the colour
range of trace 0, the "Undertrykt" trace and their copies in the inset together.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from kommunebench.data import reference
from kommunebench.publish import AREA_LABELS, TOTAL, PublicRun, format_number_da
from kommunebench.report.common import as_view

__all__ = [
    "map_figure",
    "map_figure_json",
    "figure_json",
    "TOPOJSON_NAME",
    "SUPPRESSED_TRACE",
    "OTHER_TRACE",
    "INSET_TRACE",
    "BORNHOLM_TRACE",
    "CAPITAL_BOX",
    "BORNHOLM_SHIFT",
]

_GEO_SCOPE, _GEO_RESOLUTION = "europe", 50
TOPOJSON_NAME = f"{_GEO_SCOPE}_{_GEO_RESOLUTION}m"
SUPPRESSED_TRACE = "Undertrykt"
OTHER_TRACE = "Ikke en kommune"
INSET_TRACE = "Hovedstadsområdet (udsnit)"
BORNHOLM_TRACE = "Bornholm (flyttet)"
_GREY_OTHER, _GREY_SUPPRESSED = "#b8b8b8", "#c9c9c9"
# (lon min, lon max, lat min, lat max) of the capital-area inset; the shift (degrees) of Bornholm
CAPITAL_BOX = (12.05, 12.70, 55.55, 55.92)
BORNHOLM_SHIFT = (-1.65, 1.42)
_BORNHOLM = {400, 411}
_MAIN_LON, _MAIN_LAT = (7.9, 14.0), (54.5, 57.8)
_LINE = {"line": {"color": "white", "width": 0.5}}
_HOVER = (
    "<b>%{customdata[0]}</b><br>Placering: %{customdata[1]}<br>"
    "Forventet andel: %{customdata[2]} pct.<br>Faktisk andel: %{customdata[3]} pct.<br>"
    "Forskel: %{customdata[4]} pct.-point<extra></extra>"
)


def _list_traces(view: PublicRun, name: str) -> dict[str, Any]:
    """Locations, z, customdata and range of the published and the suppressed municipalities of a list."""
    f = view.frame(name).sort_values("kommunekode")
    rows = {r["kommunekode"]: r for r in view.rows(name)}
    hidden = f["suppressed"].to_numpy(dtype=bool)
    shown = f[~hidden]
    z = shown["diff_pp"].to_numpy(dtype=float)
    custom = []
    for code in shown["kommunekode"]:
        r = rows[int(code)]
        custom.append(
            [
                r["navn"],
                r["rank"],
                format_number_da(r["expected_share"], "share"),
                format_number_da(r["actual_share"], "share"),
                format_number_da(r["diff_pp"], "share"),
            ]
        )
    top = float(np.abs(z).max()) if len(z) else 0.0
    return {
        "locations": [int(c) for c in shown["kommunekode"]],
        "z": z.tolist(),
        "customdata": custom,
        "range": top if top > 0 else 1.0,
        "hidden": [int(c) for c in f.loc[hidden, "kommunekode"]],
        "hidden_custom": [[rows[int(c)]["navn"]] for c in f.loc[hidden, "kommunekode"]],
    }


def _inset(t: dict[str, Any], inset: set[int]) -> dict[str, Any]:
    """The part of a list's traces that lies in the capital-area inset."""
    keep = [i for i, c in enumerate(t["locations"]) if c in inset]
    hide = [i for i, c in enumerate(t["hidden"]) if c in inset]
    return {
        **t,
        "locations": [t["locations"][i] for i in keep],
        "z": [t["z"][i] for i in keep],
        "customdata": [t["customdata"][i] for i in keep],
        "hidden": [t["hidden"][i] for i in hide],
        "hidden_custom": [t["hidden_custom"][i] for i in hide],
    }


def _restyle(t: dict[str, Any], label: str, with_hidden: bool, inset: set[int]) -> dict[str, list[Any]]:
    """Restyle arguments for the targets [shown, (hidden), inset shown, (inset hidden)]."""
    args: dict[str, list[Any]] = {k: [] for k in ("locations", "z", "customdata", "zmin", "zmax", "name")}
    for part, name in ((t, label), (_inset(t, inset), INSET_TRACE)):
        shown = {
            "locations": part["locations"],
            "z": part["z"],
            "customdata": part["customdata"],
            "zmin": -t["range"],
            "zmax": t["range"],
            "name": name,
        }
        hidden = {
            "locations": part["hidden"],
            "z": [0] * len(part["hidden"]),
            "customdata": part["hidden_custom"],
            "zmin": 0,
            "zmax": 1,
            "name": SUPPRESSED_TRACE,
        }
        for block in (shown, hidden) if with_hidden else (shown,):
            for key, value in block.items():
                args[key].append(value)
    return args


def _centre(feature: dict[str, Any]) -> tuple[float, float]:
    points = np.array([p for poly in _polygons(feature) for ring in poly for p in ring], dtype=float)
    return float((points[:, 0].min() + points[:, 0].max()) / 2), float((points[:, 1].min() + points[:, 1].max()) / 2)


def _polygons(feature: dict[str, Any]) -> list[Any]:
    g = feature["geometry"]
    return list(g["coordinates"]) if g["type"] == "MultiPolygon" else [g["coordinates"]]


def _moved(feature: dict[str, Any]) -> dict[str, Any]:
    """Bornholm or Christiansø moved by ``BORNHOLM_SHIFT`` into the framed box (a copy)."""
    dx, dy = BORNHOLM_SHIFT
    f = copy.deepcopy(feature)
    polys = [[[[x + dx, y + dy] for x, y in ring] for ring in poly] for poly in _polygons(f)]
    f["geometry"] = {"type": "MultiPolygon", "coordinates": polys}
    return f


def _geography() -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[int]]:
    """The municipalities, the other areas (Christiansø) and the codes in the capital inset."""
    features = [
        _moved(f) if int(f["properties"]["kommunekode"]) in _BORNHOLM else f for f in reference.boundaries()["features"]
    ]
    lon0, lon1, lat0, lat1 = CAPITAL_BOX
    inset = {
        int(f["properties"]["kommunekode"])
        for f in features
        if f["properties"].get("is_municipality", True)
        and int(f["properties"]["kommunekode"]) not in _BORNHOLM
        and lon0 <= _centre(f)[0] <= lon1
        and lat0 <= _centre(f)[1] <= lat1
    }
    munis = [f for f in features if f["properties"].get("is_municipality", True)]
    others = [f for f in features if not f["properties"].get("is_municipality", True)]
    return munis, others, inset


def _bornholm_frame() -> go.Scattergeo:
    """The box around the moved Bornholm (no hover, no legend)."""
    lon0, lon1, lat0, lat1 = 12.95, 13.62, 56.33, 56.80
    return go.Scattergeo(
        lon=[lon0, lon1, lon1, lon0, lon0],
        lat=[lat0, lat0, lat1, lat1, lat0],
        mode="lines",
        line={"color": "#5b6475", "width": 1},
        hoverinfo="skip",
        showlegend=False,
        name=BORNHOLM_TRACE,
        geo="geo",
    )


def _choropleth(features: list[dict[str, Any]], **kw: Any) -> go.Choropleth:
    return go.Choropleth(
        geojson={"type": "FeatureCollection", "features": features},
        featureidkey="properties.kommunekode",
        marker=_LINE,
        **kw,
    )


def _shown_kw(t: dict[str, Any], name: str, showscale: bool) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "locations": t["locations"],
        "z": t["z"],
        "customdata": t["customdata"],
        "zmin": -t["range"],
        "zmax": t["range"],
        "zmid": 0,
        "colorscale": "RdBu_r",
        "hovertemplate": _HOVER,
        "name": name,
        "showscale": showscale,
    }
    if showscale:
        kw["colorbar"] = {"title": {"text": "Forskel<br>(pct.-point)"}, "len": 0.75}
    return kw


def _hidden(t: dict[str, Any], threshold: int) -> dict[str, Any]:
    return {
        "locations": t["hidden"],
        "z": [0] * len(t["hidden"]),
        "customdata": t["hidden_custom"],
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0, _GREY_SUPPRESSED], [1, _GREY_SUPPRESSED]],
        "showscale": False,
        "name": SUPPRESSED_TRACE,
        "hovertemplate": f"<b>%{{customdata[0]}}</b><br>Tal undertrykt (færre end {threshold} personer)<extra></extra>",
    }


def map_figure(view: object) -> go.Figure:
    """The choropleth of Denmark of a public view (or BenchmarkLists); see the module docstring."""
    pv = as_view(view)
    munis, others, inset = _geography()
    in_inset = [f for f in munis if int(f["properties"]["kommunekode"]) in inset]
    traces = {name: _list_traces(pv, name) for name in pv.lists}
    any_hidden = any(t["hidden"] for t in traces.values())
    first = traces[TOTAL]
    fig = go.Figure()
    fig.add_trace(_choropleth(munis, **_shown_kw(first, AREA_LABELS[TOTAL], True)))
    if others:
        fig.add_trace(
            go.Choropleth(
                geojson={"type": "FeatureCollection", "features": others},
                featureidkey="properties.kommunekode",
                locations=[int(f["properties"]["kommunekode"]) for f in others],
                z=[0] * len(others),
                colorscale=[[0, _GREY_OTHER], [1, _GREY_OTHER]],
                showscale=False,
                customdata=[[f["properties"].get("navn", "")] for f in others],
                hovertemplate="<b>%{customdata[0]}</b><br>Ikke en kommune; indgår ikke<extra></extra>",
                marker=_LINE,
                name=OTHER_TRACE,
            )
        )
    targets = [0]
    if any_hidden:
        fig.add_trace(_choropleth(munis, **_hidden(first, pv.threshold)))
        targets.append(len(fig.data) - 1)
    small = _inset(first, inset)
    fig.add_trace(_choropleth(in_inset, **_shown_kw(small, INSET_TRACE, False), geo="geo2"))
    targets.append(len(fig.data) - 1)
    if any_hidden:
        fig.add_trace(_choropleth(in_inset, **_hidden(small, pv.threshold), geo="geo2"))
        targets.append(len(fig.data) - 1)
    fig.add_trace(_bornholm_frame())
    buttons = [
        {
            "label": AREA_LABELS.get(name, name),
            "method": "restyle",
            "args": [_restyle(t, AREA_LABELS.get(name, name), any_hidden, inset), targets],
        }
        for name, t in traces.items()
    ]
    _layout(fig, buttons, pv.period)
    return fig


def _layout(fig: go.Figure, buttons: list[dict[str, Any]], period: str) -> None:
    """Denmark without Bornholm's detour east (fixed rather than fitbounds so the country fills the
    frame; Bornholm is in its box), and the capital-area inset bottom right."""
    lon0, lon1, lat0, lat1 = CAPITAL_BOX
    common = {"visible": False, "projection_type": "mercator", "scope": _GEO_SCOPE, "resolution": _GEO_RESOLUTION}
    fig.update_geos(
        **common,
        lonaxis_range=list(_MAIN_LON),
        lataxis_range=list(_MAIN_LAT),
        center={"lon": sum(_MAIN_LON) / 2, "lat": 56.15},
        bgcolor="rgba(0,0,0,0)",
        domain={"x": [0, 1], "y": [0, 1]},
    )
    fig.update_layout(
        geo2={
            "visible": False,
            "scope": _GEO_SCOPE,
            "resolution": _GEO_RESOLUTION,
            "projection": {"type": "mercator"},
            "lonaxis": {"range": [lon0, lon1]},
            "lataxis": {"range": [lat0, lat1]},
            "center": {"lon": (lon0 + lon1) / 2, "lat": (lat0 + lat1) / 2},
            "bgcolor": "#ffffff",
            "domain": {"x": [0.79, 1.0], "y": [0.0, 0.32]},
        },
        annotations=[
            {
                "text": "Hovedstadsområdet",
                "xref": "paper",
                "yref": "paper",
                "x": 0.895,
                "y": 0.33,
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#1d2433"},
            }
        ],
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        separators=",.",
        dragmode="pan",
        height=620,
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"},
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0.01,
                "y": 0.99,
                "xanchor": "left",
                "yanchor": "top",
                "showactive": True,
            }
        ],
        title={"text": f"Benchmark {period}: faktisk − forventet andel", "x": 0.5},
    )


def figure_json(fig: go.Figure, *, validate: bool = True) -> str:
    return str(pio.to_json(fig, validate=validate, pretty=False))


def map_figure_json(view: object) -> str:
    """The map for the dashboard's map page: no title, small margins, as compact JSON."""
    fig = map_figure(view)
    fig.layout.title = None
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return figure_json(fig, validate=False)
