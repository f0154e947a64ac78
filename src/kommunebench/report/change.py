"""The change since the previous run as a chart: the municipality page's waterfall of the change.

Drawn from :func:`kommunebench.publish.change.change_block` (what the JSON twin serves): the
difference in the previous run, one bar per part of the change (actual, composition, labour
market, model; pct. points, rounded as published) and the difference now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from kommunebench.publish import signed_da
from kommunebench.report.figures import figure_json

__all__ = ["change_waterfall", "change_waterfall_json"]

_FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"


def change_waterfall(block: Mapping[str, Any]) -> go.Figure:
    """Previous difference → the parts → the difference now (one list), horizontal for 390 px."""
    parts = list(block["parts"])
    labels = [f"Forskel {block['previous_period']}", *(str(p["label"]) for p in parts), "Forskel nu"]
    values = [block["diff_pp_previous"], *(p["change_pp"] for p in parts), block["diff_pp"]]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=labels,
            x=values,
            measure=["absolute", *(["relative"] * len(parts)), "total"],
            text=[signed_da(v) for v in values],
            textposition="outside",
            hovertemplate="%{y}: %{text} pct.-point<extra></extra>",
            cliponaxis=False,
            increasing={"marker": {"color": "#b2182b"}},
            decreasing={"marker": {"color": "#2166ac"}},
            totals={"marker": {"color": "#4d4d4d"}},
            connector={"line": {"color": "#999999", "width": 1}},
        )
    )
    fig.update_layout(
        separators=",.",
        showlegend=False,
        margin={"l": 10, "r": 50, "t": 10, "b": 40},
        xaxis={"title": {"text": "Forskel mellem faktisk og forventet andel (pct.-point)"}, "zeroline": True},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        font={"family": _FONT},
        height=360,
    )
    return fig


def change_waterfall_json(block: Mapping[str, Any]) -> str:
    return figure_json(change_waterfall(block))
