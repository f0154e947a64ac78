"""The funnel plot: each published municipality's difference against its population, with the
95 % and 99,8 % control limits allowing for over-dispersion (Spiegelhalter 2005; computed in
:mod:`kommunebench.uncertainty.funnel` and stored with the run). Suppressed municipalities are
not drawn (their difference is empty in the public view). The report and the dashboard's list
page draw the same figure.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from kommunebench.publish import AREA_LABELS, TOTAL, PublicRun, format_number_da
from kommunebench.report.figures import figure_json

__all__ = ["funnel_figure", "funnel_figure_json", "FUNNEL_ELEMENT_ID"]

FUNNEL_ELEMENT_ID = "kb-funnel-data"


def funnel_figure(view: PublicRun, name: str = TOTAL) -> go.Figure | None:
    """The funnel of list ``name``; ``None`` when the run has no uncertainty stored."""
    curve = view.funnel_curve
    if curve is None or not len(curve) or name not in set(curve["area"]):
        return None
    c = curve[curve["area"] == name]
    rows = [r for r in view.rows(name) if not r["suppressed"] and r["diff_pp"] is not None]
    f = view.frame(name)
    precise = f[~f["suppressed"].to_numpy(dtype=bool)].set_index("kommunekode")["diff_pp"]
    x = [r["population"] for r in rows]
    y = [float(precise.loc[r["kommunekode"]]) for r in rows]
    text = [
        f"<b>{r['navn']}</b><br>Placering {r['rank']} (mellem {r.get('rank_lower')} og {r.get('rank_upper')})<br>"
        f"Forskel {format_number_da(r['diff_pp'], 'share')} pct.-point<br>{r.get('assessment') or ''}"
        for r in rows
    ]
    fig = go.Figure()
    pop = c["population"].to_numpy(float)
    for col, label, dash in (("limit998_pp", "99,8 %-grænse", "dot"), ("limit95_pp", "95 %-grænse", "dash")):
        lim = c[col].to_numpy(float)
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([pop, [np.nan], pop]),
                y=np.concatenate([lim, [np.nan], -lim]),
                mode="lines",
                name=label,
                line={"color": "#777", "dash": dash, "width": 1},
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="markers",
            name="Kommuner",
            text=text,
            hovertemplate="%{text}<extra></extra>",
            marker={"size": 7, "color": y, "colorscale": "RdBu_r", "cmid": 0},
        )
    )
    fig.update_layout(
        title=f"Tragtdiagram: forskel mod befolkning ({AREA_LABELS.get(name, name)})",
        xaxis={"title": "Befolkning 16-66 år (logaritmisk)", "type": "log"},
        yaxis={"title": "Forskel (pct.-point)", "zeroline": True},
        margin={"l": 60, "r": 10, "t": 40, "b": 50},
        legend={"orientation": "h"},
        separators=",.",
    )
    return fig


def funnel_figure_json(view: PublicRun, name: str = TOTAL) -> str | None:
    fig = funnel_figure(view, name)
    return None if fig is None else figure_json(fig, validate=False)
