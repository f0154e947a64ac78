"""The drivers of the expected level as outputs: the waterfall chart and the Excel sheet's kinds.

The waterfall starts at the national expected share, adds each covariate group's contribution
(pct. points, rounded as published) and ends at the municipality's expected share; it is drawn
from :func:`kommunebench.publish.drivers.drivers_block`, so it shows exactly what the JSON twin
serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from kommunebench.publish import format_number_da, signed_da
from kommunebench.report.figures import figure_json

__all__ = ["DRIVERS_SHEET", "drivers_kinds", "drivers_waterfall", "drivers_waterfall_json"]

DRIVERS_SHEET = "Forklaring af forventet"
_FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"


def drivers_kinds(frame: pd.DataFrame) -> dict[str, str]:
    """Header → number kind of the drivers sheet (shares and contributions with 2 decimals)."""
    out = {"Kommunekode": "id"}
    out.update({str(c): "share" for c in frame.columns if "pct" in str(c)})
    return out


def drivers_waterfall(block: Mapping[str, Any]) -> go.Figure:
    """National share → one bar per group → the municipality's expected share (one list), horizontal
    so that the groups' names are readable at 390 px."""
    groups = list(block["groups"])
    labels = ["Landsgennemsnit", *(str(g["label"]).capitalize() for g in groups), "Forventet andel"]
    values = [block["national_share"], *(g["contribution_pp"] for g in groups), block["expected_share"]]
    text = [
        format_number_da(block["national_share"], "share"),
        *(signed_da(g["contribution_pp"]) for g in groups),
        format_number_da(block["expected_share"], "share"),
    ]
    fig = go.Figure(
        go.Waterfall(
            orientation="h",
            y=labels,
            x=values,
            measure=["absolute", *(["relative"] * len(groups)), "total"],
            text=text,
            textposition="outside",
            hovertemplate="%{y}: %{text}<extra></extra>",
            cliponaxis=False,
            increasing={"marker": {"color": "#b2182b"}},
            decreasing={"marker": {"color": "#2166ac"}},
            totals={"marker": {"color": "#4d4d4d"}},
            connector={"line": {"color": "#999999", "width": 1}},
        )
    )
    low = min(block["national_share"], block["expected_share"])
    high = max(block["national_share"], block["expected_share"])
    spread = max(sum(abs(g["contribution_pp"]) for g in groups), high - low, 0.5)
    fig.update_layout(
        separators=",.",
        showlegend=False,
        margin={"l": 10, "r": 40, "t": 10, "b": 40},
        xaxis={"title": {"text": "Andel (pct.)"}, "range": [max(low - spread, 0), high + spread]},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        font={"family": _FONT},
        height=420,
    )
    return fig


def drivers_waterfall_json(block: Mapping[str, Any]) -> str:
    return figure_json(drivers_waterfall(block))
