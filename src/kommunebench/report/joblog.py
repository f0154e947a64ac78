"""Joblog exports: the month's status table as CSV and Excel, and a municipality's 12-month chart.

The table holds municipality-level aggregates only (no person-level data). The chart is one
static HTML file with plotly.js embedded (no CDN, viewable offline): stacked bars of the green,
light-green and red shares per month, with the criterion-1 and criterion-2 lines.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from kommunebench.alerts.calendar import format_month, month_label_da
from kommunebench.alerts.joblog import JoblogStatus
from kommunebench.errors import ConfigError
from kommunebench.report.exports import CSV_DIALECTS

__all__ = ["STATUS_HEADERS", "status_display_frame", "write_status_csv", "write_status_excel",
           "export_status", "history_figure", "write_history_chart"]

STATUS_HEADERS = {
    "kommunekode": "Kommunekode", "navn": "Kommune", "month": "Måned",
    "target_group": "Målgruppe (antal)", "green": "Grøn (antal)", "light_green": "Lysegrøn (antal)",
    "red": "Rød (antal)", "green_share": "Grøn (pct.)", "light_green_share": "Lysegrøn (pct.)",
    "red_share": "Rød (pct.)", "eligible": "Omfattet af opfølgning", "c2_run": "Måneder i træk over grænsen",
    "criterion_1": "Kriterium 1", "criterion_2": "Kriterium 2", "c3_month": "Kriterium 3: opgørelsesmåned",
    "c3_cohort": "Kriterium 3: røde i opgørelsesmåneden", "c3_still_in_group": "Kriterium 3: fortsat i målgruppen",
    "c3_still_red": "Kriterium 3: fortsat ingen jobsøgning", "c3_share": "Kriterium 3: andel (pct.)",
    "criterion_3": "Kriterium 3", "criteria": "Kriterier opfyldt", "flagged": "Handling",
    "review_list": "Årlig gennemgang (målgruppe ≤ 40)",
}
_BOOL = ("eligible", "criterion_1", "criterion_2", "criterion_3", "flagged", "review_list")
_SHARES = ("green_share", "light_green_share", "red_share", "c3_share")


def status_display_frame(status: JoblogStatus) -> pd.DataFrame:
    """The status table with Danish headers, flagged municipalities first (highest red share)."""
    f = status.frame.copy()
    f = f.sort_values(["flagged", "red_share", "kommunekode"], ascending=[False, False, True],
                      na_position="last")
    for col in ("month", "c3_month"):
        f[col] = [format_month(m.date()) if pd.notna(m) else "" for m in f[col]]
    for col in _BOOL:
        f[col] = f[col].map({True: "ja", False: "nej"})
    for col in _SHARES:
        f[col] = f[col].astype(float).round(1)
    return f.rename(columns=STATUS_HEADERS).reset_index(drop=True)


def _out_path(path: str | Path) -> Path:
    path = Path(path)
    if path.exists() and path.is_dir():
        raise ConfigError(f"{path} is a folder; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def write_status_csv(status: JoblogStatus, path: str | Path, *, dialect: str = "da") -> Path:
    if dialect not in CSV_DIALECTS:
        raise ConfigError(f"unknown CSV dialect {dialect!r}: choose one of {', '.join(CSV_DIALECTS)}")
    path = _out_path(path)
    tmp = path.with_name(path.name + ".tmp")
    status_display_frame(status).to_csv(tmp, index=False, **CSV_DIALECTS[dialect])
    tmp.replace(path)
    return path


def write_status_excel(status: JoblogStatus, path: str | Path) -> Path:
    path = _out_path(path)
    frame = status_display_frame(status)
    wb = Workbook()
    ws = wb.active
    ws.title = f"Joblog {format_month(status.month)}"
    ws.append(list(frame.columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE5F0")
    red_fill = PatternFill("solid", fgColor="F8D7DA")
    flag_col = list(frame.columns).index(STATUS_HEADERS["flagged"])
    for row in frame.itertuples(index=False):
        ws.append([None if (isinstance(v, float) and pd.isna(v)) or v is pd.NA else v for v in row])
        if row[flag_col] == "ja":
            for cell in ws[ws.max_row]:
                cell.fill = red_fill
    for i, col in enumerate(frame.columns, start=1):
        width = max(len(str(col)), *(len(str(v)) for v in frame[col])) if len(frame) else len(str(col))
        ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 45)
        if col in {STATUS_HEADERS[c] for c in _SHARES}:
            for cell in ws[get_column_letter(i)][1:]:
                cell.number_format = "0.0"
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = ws.dimensions
    meta = wb.create_sheet("Om opgørelsen")
    th = status.thresholds
    n = status.national
    for k, v in [
        ("Opgjort pr.", status.as_of.isoformat()),
        ("Seneste offentliggjorte måned", f"{month_label_da(status.month)} (offentliggjort "
                                          f"{status.published_on.isoformat()})"),
        ("Målgruppe på landsplan", n["target_group"]),
        ("Rød andel på landsplan (pct.)", round(n["red_share"], 1) if n["target_group"] else None),
        ("Kommuner med handling", n["flagged"]),
        ("Omfattet af opfølgning", f"mindst {th.min_red} røde og en målgruppe over {th.min_target_group}"),
        ("Kriterium 1", f"rød andel ≥ {th.c1_red_share:g} pct. i måneden"),
        ("Kriterium 2", f"rød andel > {th.c2_red_share:g} pct. i {th.c2_months} måneder i træk"),
        ("Kriterium 3", f"> {th.c3_share:g} pct. af de røde i opgørelsesmåneden fortsat uden "
                        f"jobsøgning i målgruppen {th.c3_months_after} måneder efter"),
    ]:
        meta.append([k, v])
    meta.column_dimensions["A"].width = 32
    meta.column_dimensions["B"].width = 80
    tmp = path.with_name(path.name + ".tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def export_status(status: JoblogStatus, out_dir: str | Path) -> dict[str, Path]:
    """CSV (Danish dialect) and Excel of the month's table in ``out_dir``; returns the paths."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder")
    stem = f"joblog_{format_month(status.month)}_pr_{status.as_of.isoformat()}"
    return {"csv": write_status_csv(status, out / f"{stem}.csv"),
            "excel": write_status_excel(status, out / f"{stem}.xlsx")}


def history_figure(history: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Stacked bars of the smiley shares per month (from :func:`joblog_history`)."""
    labels = [month_label_da(m.date()) for m in history["month"]]
    fig = go.Figure()
    for col, name, colour in (("green_share", "Grøn", "#2e7d32"),
                              ("light_green_share", "Lysegrøn", "#9ccc65"),
                              ("red_share", "Rød", "#c62828")):
        fig.add_bar(x=labels, y=history[col].astype(float).round(1), name=name, marker_color=colour,
                    customdata=history["target_group"],
                    hovertemplate=f"%{{x}}<br>{name}: %{{y:.1f}} pct.<br>Målgruppe: %{{customdata}}<extra></extra>")
    th = history.attrs.get("thresholds")
    c1, c2 = (th.c1_red_share, th.c2_red_share) if th is not None else (50.0, 40.0)
    for y, text in ((c1, f"Kriterium 1: {c1:g} pct."), (c2, f"Kriterium 2: {c2:g} pct.")):
        fig.add_hline(y=y, line_dash="dash", line_color="#555", annotation_text=text,
                      annotation_position="top left")
    navn = history.attrs.get("navn", "")
    fig.update_layout(barmode="stack", title=title or f"Jobsøgning i jobloggen, {navn}: andel pr. smiley",
                      yaxis={"title": "pct. af målgruppen", "range": [0, 100]},
                      legend={"orientation": "h"}, template="plotly_white")
    return fig


def write_history_chart(history: pd.DataFrame, path: str | Path, *, title: str | None = None) -> Path:
    """A static, self-contained HTML file (plotly.js embedded) of the 12-month smiley shares."""
    path = _out_path(path)
    html = history_figure(history, title=title).to_html(include_plotlyjs=True, full_html=True)
    if "<title>" not in html:
        name = history.attrs.get("navn", "")
        html = html.replace("</head>", f"<title>Joblog {name}</title></head>", 1)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, "utf-8")
    tmp.replace(path)
    return path
