"""The one map of Denmark: the static report and the dashboard's map page draw this figure.

A ``go.Choropleth`` on a hidden ``geo`` subplot with the shipped municipality borders
(``featureidkey="properties.kommunekode"``). Traces:

* **0** — the published municipalities of the total list, coloured by the public difference in
  pct. points on a diverging scale centred on 0 (full precision; hover rounded as published);
* **1** — Christiansø (411, not a municipality) in grey, name "Ikke en kommune";
* **last**, only when some list has suppressed cells — the suppressed municipalities in grey,
  name "Undertrykt" (hover: the name and "Tal undertrykt (færre end N personer)"): a suppressed
  municipality is never coloured.

A menu switches the list (total, each area): it restyles locations, z, customdata and the colour
range of trace 0 and the "Undertrykt" trace together.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from kommunebench.data import reference
from kommunebench.publish import AREA_LABELS, TOTAL, PublicRun, format_number_da
from kommunebench.report.common import as_view

__all__ = ["map_figure", "map_figure_json", "figure_json", "TOPOJSON_NAME", "SUPPRESSED_TRACE", "OTHER_TRACE"]

_GEO_SCOPE, _GEO_RESOLUTION = "europe", 50
TOPOJSON_NAME = f"{_GEO_SCOPE}_{_GEO_RESOLUTION}m"
SUPPRESSED_TRACE = "Undertrykt"
OTHER_TRACE = "Ikke en kommune"
_GREY_OTHER, _GREY_SUPPRESSED = "#b8b8b8", "#c9c9c9"
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


def _restyle(t: dict[str, Any], label: str, with_hidden: bool) -> dict[str, list[Any]]:
    args: dict[str, list[Any]] = {
        "locations": [t["locations"]],
        "z": [t["z"]],
        "customdata": [t["customdata"]],
        "zmin": [-t["range"]],
        "zmax": [t["range"]],
        "name": [label],
    }
    if with_hidden:
        extra = {
            "locations": t["hidden"],
            "z": [0] * len(t["hidden"]),
            "customdata": t["hidden_custom"],
            "zmin": 0,
            "zmax": 1,
            "name": SUPPRESSED_TRACE,
        }
        for key, value in extra.items():
            args[key].append(value)
    return args


def map_figure(view: object) -> go.Figure:
    """The choropleth of Denmark of a public view (or BenchmarkLists); see the module docstring."""
    pv = as_view(view)
    features = reference.boundaries()["features"]
    munis = {
        "type": "FeatureCollection",
        "features": [f for f in features if f["properties"].get("is_municipality", True)],
    }
    others = [f for f in features if not f["properties"].get("is_municipality", True)]
    traces = {name: _list_traces(pv, name) for name in pv.lists}
    any_hidden = any(t["hidden"] for t in traces.values())
    first = traces[TOTAL]
    fig = go.Figure()
    fig.add_trace(
        go.Choropleth(
            geojson=munis,
            featureidkey="properties.kommunekode",
            locations=first["locations"],
            z=first["z"],
            zmin=-first["range"],
            zmax=first["range"],
            zmid=0,
            colorscale="RdBu_r",
            customdata=first["customdata"],
            hovertemplate=_HOVER,
            marker=_LINE,
            colorbar={"title": {"text": "Forskel<br>(pct.-point)"}, "len": 0.75},
            name=AREA_LABELS[TOTAL],
        )
    )
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
        fig.add_trace(
            go.Choropleth(
                geojson=munis,
                featureidkey="properties.kommunekode",
                locations=first["hidden"],
                z=[0] * len(first["hidden"]),
                zmin=0,
                zmax=1,
                colorscale=[[0, _GREY_SUPPRESSED], [1, _GREY_SUPPRESSED]],
                showscale=False,
                customdata=first["hidden_custom"],
                marker=_LINE,
                name=SUPPRESSED_TRACE,
                hovertemplate=(
                    f"<b>%{{customdata[0]}}</b><br>Tal undertrykt (færre end {pv.threshold} personer)<extra></extra>"
                ),
            )
        )
        targets.append(len(fig.data) - 1)
    buttons = [
        {
            "label": AREA_LABELS.get(name, name),
            "method": "restyle",
            "args": [_restyle(t, AREA_LABELS.get(name, name), any_hidden), targets],
        }
        for name, t in traces.items()
    ]
    # Denmark's extent (Bornholm included); fixed rather than fitbounds so the country fills the frame.
    fig.update_geos(
        visible=False,
        projection_type="mercator",
        lonaxis_range=[7.9, 15.3],
        lataxis_range=[54.5, 57.8],
        center={"lon": 11.6, "lat": 56.15},
        scope=_GEO_SCOPE,
        resolution=_GEO_RESOLUTION,
        bgcolor="rgba(0,0,0,0)",
    )
    fig.update_layout(
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
        title={"text": f"Benchmark {pv.period}: faktisk − forventet andel", "x": 0.5},
    )
    return fig


def figure_json(fig: go.Figure, *, validate: bool = True) -> str:
    return str(pio.to_json(fig, validate=validate, pretty=False))


def map_figure_json(view: object) -> str:
    """The map for the dashboard's map page: no title, small margins, as compact JSON."""
    fig = map_figure(view)
    fig.layout.title = None
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 0})
    return figure_json(fig, validate=False)
