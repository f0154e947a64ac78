"""The DEA side-by-side as an Excel sheet, an HTML report section and a scatter plot.

Everything is rendered from the publishing stage's :class:`~kommunebench.publish.efficiency.PublicEfficiency`
(rounded; suppressed municipalities left out and named). The HTML section
(``_efficiency_section.html``) is shared by the static report and the dashboard page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from kommunebench.publish import format_number_da, period_text
from kommunebench.publish.efficiency import EFFICIENCY_LABELS, PublicEfficiency
from kommunebench.report import xlsx
from kommunebench.report.common import file_path, write_atomic
from kommunebench.report.env import asset_text, environment
from kommunebench.report.figures import figure_json

__all__ = [
    "efficiency_table",
    "efficiency_figure_json",
    "efficiency_context",
    "efficiency_facts",
    "write_efficiency_excel",
    "write_efficiency_html",
    "SHEET",
    "FIGURE_ELEMENT_ID",
]

SHEET = "DEA og rangliste"
FIGURE_ELEMENT_ID = "kb-dea-figure"
_KINDS = {
    "Rang i benchmarkingen": "rank",
    "Faktisk − forventet (pct.-point)": "share",
    "DEA-score med udgifter": "count_precise",  # three decimals
    "DEA-score uden udgifter": "count_precise",
    "Bias-korrigeret DEA-score med udgifter": "count_precise",
    "Nedre grænse, 90 %-interval": "count_precise",
    "Øvre grænse, 90 %-interval": "count_precise",
    "Udgift pr. fuldtidsperson (kr.)": "count",
    "Frontens udgift pr. fuldtidsperson (kr.)": "count",
    "Besparelsespotentiale (kr.)": "count",
    "Forbedringspotentiale (pct.)": "pct1",
    "Flere i job eller uddannelse (personer)": "count",
}
_COLORS = ("#1a7f37", "#6cc070", "#d4b106", "#e8772e", "#c0392b")


def efficiency_table(view: PublicEfficiency) -> pd.DataFrame:
    """The rows with Danish headers, in benchmark rank order."""
    frame = view.frame()
    joint = "dea_unit" in frame.columns and frame["dea_unit"].notna().any()
    cols = [c for c in EFFICIENCY_LABELS if c in frame.columns and (c != "dea_unit" or joint)]
    out = frame[cols].sort_values("benchmark_rank").rename(columns=EFFICIENCY_LABELS).reset_index(drop=True)
    out.attrs["kinds"] = {k: v for k, v in _KINDS.items() if k in out.columns}
    return out


def efficiency_facts(view: PublicEfficiency) -> list[tuple[str, str]]:
    """The national totals in Rigsrevisionen's form and how the numbers were made, as label/text pairs."""
    t = view.totals
    boot = (
        f"{format_number_da(view.bootstrap, 'count')} gentagelser (delstikprøver, Kneip, Simar & Wilson 2008; "
        f"seed {view.seed}): bias-korrigeret score og 90 %-interval for DEA med udgifter; intervallets "
        "niveau er kalibreret med delstikprøver i to niveauer (Politis, Romano & Wolf 1999), så det "
        "aldrig er smallere end det nominelle"
        if view.bootstrap
        else "ingen (DEA-scorer er skævt opad i små stikprøver; se kommunebench efficiency show --bootstrap)"
    )
    return [
        ("Periode", f"{period_text(view.period)} (kørsel {view.run_id})"),
        ("Udgiftsår", str(view.cost_year)),
        (
            "Flere i job eller uddannelse inden for de nuværende udgifter",
            f"{format_number_da(t['persons_more_in_job'], 'count')} fuldtidspersoner",
        ),
        (
            "Mulig besparelse ved samme resultater",
            f"{format_number_da(t['saving_mio_kr'], 'mio')} mio. kr. om året "
            f"({format_number_da(t['saving_pct'], 'pct1')} pct. af udgifterne)",
        ),
        ("Kommuner i beregningen", format_number_da(t["n_municipalities"], "count")),
        ("Skalaafkast", "variabelt (VRS)" if view.rts == "vrs" else "konstant (CRS)"),
        (
            "Miljøvariabel",
            "forventet andel på ydelse i alt (rammevilkår; højere er sværere), ikke-skønsmæssigt input"
            if view.miljoe
            else "ingen",
        ),
        ("Udeladt af fronten", ", ".join(view.excluded) or "ingen"),
        ("Bootstrap", boot),
        (
            "Udeladt pga. små tal",
            (", ".join(view.suppressed) or "ingen") + f" (færre end {view.threshold} personer i en celle)",
        ),
    ]


def efficiency_figure_json(view: PublicEfficiency) -> str:
    """Scatter: benchmark rank (x) against the DEA score med udgifter (y), coloured by DEA group."""
    frame = view.frame()
    fig = go.Figure()
    for g in range(1, 6):
        part = frame[frame["med_group"] == g]
        fig.add_trace(
            go.Scatter(
                x=part["benchmark_rank"].tolist(),
                y=part["med_score"].tolist(),
                mode="markers",
                name=f"Gruppe {g}",
                text=part["navn"].tolist(),
                marker={"color": _COLORS[g - 1], "size": 9},
                hovertemplate="%{text}<br>Rang %{x}<br>DEA-score %{y:.3f}<extra></extra>",
            )
        )
    fig.update_layout(
        xaxis_title="Rang i benchmarkingen (1 = bedst i forhold til forventet)",
        yaxis_title="DEA-score med udgifter (1 = på fronten)",
        height=460,
        margin={"l": 60, "r": 20, "t": 20, "b": 60},
        legend_title_text="DEA-gruppe",
    )
    return figure_json(fig)


def efficiency_context(view: PublicEfficiency) -> dict[str, Any]:
    """What the section template needs: table rows, facts, the figure."""
    return {
        "eff": view,
        "eff_rows": sorted(view.rows, key=lambda r: r["benchmark_rank"]),
        "eff_facts": efficiency_facts(view),
        "eff_figure_json": efficiency_figure_json(view),
        "eff_figure_id": FIGURE_ELEMENT_ID,
    }


def write_efficiency_excel(view: PublicEfficiency, path: str | Path) -> Path:
    """The side-by-side sheet and an "Om beregningen" sheet."""
    target = file_path(path, (".xlsx",))
    wb = xlsx.new_workbook(f"kommunebench DEA {view.period}")
    used: set[str] = set()
    xlsx.write_table(wb.create_sheet(xlsx.sheet_title(SHEET, used)), efficiency_table(view))
    xlsx.write_pairs(wb.create_sheet(xlsx.sheet_title("Om beregningen", used)), efficiency_facts(view))
    return xlsx.save(wb, target)


def write_efficiency_html(view: PublicEfficiency, path: str | Path) -> Path:
    """A self-contained HTML report with the efficiency section (plotly.js inlined)."""
    target = file_path(path, (".html",))
    html = (
        environment()
        .get_template("efficiency_report.html")
        .render(plotly_js=get_plotlyjs(), sort_js=asset_text("sortable.js"), **efficiency_context(view))
    )
    return write_atomic(target, html.encode("utf-8"))
