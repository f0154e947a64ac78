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

#: Short category names so that the bars keep their room on a 390 px screen (the table has the long ones).
_SHORT = {
    "actual": "Faktisk andel",
    "composition": "Sammensætning",
    "labour_market": "Arbejdsmarked",
    "model": "Koefficienter",
}
_FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"


def _x_range(values: list[float]) -> list[float]:
    """The axis range with room for the value labels outside the bars at both ends (no label runs
    into the category names on a 390 px screen)."""
    ends = [0.0, float(values[0])]
    for v in values[1:-1]:
        ends.append(ends[-1] + float(v))
    ends.append(float(values[-1]))
    lo, hi = min(ends), max(ends)
    pad = max(0.5 * (hi - lo), 0.02)
    return [lo - pad, hi + pad]


def change_waterfall(block: Mapping[str, Any]) -> go.Figure:
    """Previous difference → the parts → the difference now (one list), horizontal for 390 px."""
    parts = list(block["parts"])
    labels = [
        f"Forskel {block['previous_period']}",
        *(_SHORT.get(p.get("part"), p["label"]) for p in parts),
        "Forskel nu",
    ]
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
        xaxis={
            "title": {"text": "Faktisk − forventet (pct.-point)"},
            "zeroline": True,
            "range": _x_range(values),
        },
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        font={"family": _FONT},
        height=360,
    )
    return fig


def change_waterfall_json(block: Mapping[str, Any]) -> str:
    return figure_json(change_waterfall(block))
