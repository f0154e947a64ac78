"""Joblog exports: the month's status table as CSV and Excel, and a municipality's 12-month chart.

The table holds municipality-level aggregates only (no person-level data), published with the
joblog's small-cell rule (:func:`kommunebench.publish.public_joblog`, threshold: the
``suppress_below`` setting; ``threshold=0`` publishes every count): a suppressed count or share is
an empty cell, and the column "Undertrykt" says which months were touched. The chart is one static
HTML file with plotly.js embedded (no CDN, viewable offline): stacked bars of the green,
light-green and red shares per month (red at the bottom, so the criterion-1 and criterion-2 lines
read against the red share).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from kommunebench.alerts.calendar import format_month, month_label_da
from kommunebench.alerts.joblog import JoblogStatus
from kommunebench.errors import ConfigError
from kommunebench.publish import format_number_da, public_joblog, public_national
from kommunebench.report import xlsx
from kommunebench.report.common import default_threshold, file_path, folder_path, write_atomic
from kommunebench.report.exports import csv_bytes

__all__ = [
    "STATUS_HEADERS",
    "public_status",
    "status_display_frame",
    "write_status_csv",
    "write_status_excel",
    "export_status",
    "history_figure",
    "write_history_chart",
    "joblog_suppression_note",
]

STATUS_HEADERS = {
    "kommunekode": "Kommunekode",
    "navn": "Kommune",
    "month": "Måned",
    "target_group": "Målgruppe (antal)",
    "green": "Grøn (antal)",
    "light_green": "Lysegrøn (antal)",
    "red": "Rød (antal)",
    "green_share": "Grøn (pct.)",
    "light_green_share": "Lysegrøn (pct.)",
    "red_share": "Rød (pct.)",
    "eligible": "Omfattet af opfølgning",
    "c2_run": "Måneder i træk over grænsen",
    "criterion_1": "Kriterium 1",
    "criterion_2": "Kriterium 2",
    "c3_month": "Kriterium 3: opgørelsesmåned",
    "c3_cohort": "Kriterium 3: røde i opgørelsesmåneden",
    "c3_still_in_group": "Kriterium 3: fortsat i målgruppen",
    "c3_still_red": "Kriterium 3: fortsat ingen jobsøgning",
    "c3_share": "Kriterium 3: andel (pct.)",
    "criterion_3": "Kriterium 3",
    "criteria": "Kriterier opfyldt",
    "flagged": "Handling",
    "review_list": "Årlig gennemgang (målgruppe ≤ 40)",
    "suppressed": "Undertrykt",
}
_BOOL = ("eligible", "criterion_1", "criterion_2", "criterion_3", "flagged", "review_list", "suppressed")
_COUNTS = ("target_group", "green", "light_green", "red")
_SHARES = ("green_share", "light_green_share", "red_share", "c3_share")
_C3_COUNTS = ("c3_cohort", "c3_still_in_group", "c3_still_red")
_KINDS = {
    **{c: "persons" for c in (*_COUNTS, *_C3_COUNTS)},
    **{c: "pct1" for c in _SHARES},
    "kommunekode": "id",
    "c2_run": "rank",
}


def _threshold(threshold: int | None) -> int:
    t = default_threshold() if threshold is None else threshold
    if isinstance(t, bool) or not isinstance(t, int) or t < 0:
        raise ConfigError(f"the suppression threshold must be a whole number >= 0, got {t!r}")
    return t


def joblog_suppression_note(threshold: int) -> str:
    return (
        f"Antal under {threshold} personer er undertrykt (tomme celler), og derefter de mindste andre "
        f"smileykategorier, til de undertrykte tilsammen er mindst {threshold}; landstal vises ikke, hvis de "
        "ville afsløre en undertrykt celle. Kriterium 3's andel vises kun, når "
        f"både de røde i opgørelsesmåneden og de fortsat røde er mindst {threshold}. Andele i pct. med 1 decimal."
    )


def _present(value: object) -> bool:
    """True for a count that is there (not None/NaN)."""
    try:
        return not math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def public_status(status: JoblogStatus, *, threshold: int | None = None) -> pd.DataFrame:
    """The status frame with each municipality's month published by :func:`~kommunebench.publish.public_joblog`.

    Counts become nullable integers, shares floats (1 decimal); the criterion-3 counts are empty
    when its share is not published; ``suppressed`` marks the touched rows.
    """
    t = _threshold(threshold)
    f = status.frame.copy().reset_index(drop=True)
    records = f.to_dict("records")
    public = [public_joblog(r, t) for r in records]
    for col in _COUNTS:
        f[col] = pd.array([p[col] for p in public], dtype="Int64")
    for col in _SHARES:
        f[col] = pd.array([p[col] for p in public], dtype="Float64").astype(float)
    # criterion 3's counts follow its share: shown only when the cohort and the still-red reach the threshold
    c3_hidden = [
        _present(r.get("c3_cohort"))
        and not (float(r["c3_cohort"]) >= t and _present(r.get("c3_still_red")) and float(r["c3_still_red"]) >= t)
        for r in records
    ]
    for col in _C3_COUNTS:
        f[col] = pd.array(
            [int(v) if _present(v) and not hide else None for hide, v in zip(c3_hidden, f[col], strict=True)],
            dtype="Int64",
        )
    f["suppressed"] = [p["suppressed"] or hide for p, hide in zip(public, c3_hidden, strict=True)]
    return f


def status_display_frame(status: JoblogStatus, *, threshold: int | None = None) -> pd.DataFrame:
    """The public status table with Danish headers, flagged municipalities first (highest red share).

    ``frame.attrs["kinds"]`` maps the headers to number kinds (for the Excel formats).
    """
    f = public_status(status, threshold=threshold)
    f = f.sort_values(["flagged", "red_share", "kommunekode"], ascending=[False, False, True], na_position="last")
    for col in ("month", "c3_month"):
        f[col] = [format_month(m.date()) if pd.notna(m) else "" for m in f[col]]
    for col in _BOOL:
        f[col] = f[col].map({True: "ja", False: "nej"})
    out = f[[c for c in STATUS_HEADERS if c in f.columns]].rename(columns=STATUS_HEADERS).reset_index(drop=True)
    out.attrs["kinds"] = {STATUS_HEADERS[c]: k for c, k in _KINDS.items()}
    return out


def write_status_csv(
    status: JoblogStatus, path: str | Path, *, dialect: str = "da", threshold: int | None = None
) -> Path:
    frame = status_display_frame(status, threshold=threshold)
    return write_atomic(file_path(path, ()), csv_bytes(frame, dialect=dialect))


def _about(status: JoblogStatus, threshold: int) -> list[tuple[str, object]]:
    th = status.thresholds
    rows = [public_joblog(r, threshold) for r in status.frame.to_dict("records")]
    n = public_national(status.national, rows, threshold) if threshold else status.national
    red = format_number_da(n["red_share"], "pct1") if n["target_group"] else ""
    return [
        ("Opgjort pr.", status.as_of.isoformat()),
        (
            "Seneste offentliggjorte måned",
            f"{month_label_da(status.month)} (offentliggjort {status.published_on.isoformat()})",
        ),
        ("Målgruppe på landsplan", format_number_da(n["target_group"], "persons")),
        ("Rød andel på landsplan (pct.)", red),
        ("Kommuner med handling", n["flagged"]),
        ("Omfattet af opfølgning", f"mindst {th.min_red} røde og en målgruppe over {th.min_target_group}"),
        ("Kriterium 1", f"rød andel ≥ {th.c1_red_share:g} pct. i måneden"),
        ("Kriterium 2", f"rød andel > {th.c2_red_share:g} pct. i {th.c2_months} måneder i træk"),
        (
            "Kriterium 3",
            f"> {th.c3_share:g} pct. af de røde i opgørelsesmåneden fortsat uden "
            f"jobsøgning i målgruppen {th.c3_months_after} måneder efter",
        ),
        ("Undertrykkelse", joblog_suppression_note(threshold) if threshold else "ingen (alle antal vises)"),
    ]


def write_status_excel(status: JoblogStatus, path: str | Path, *, threshold: int | None = None) -> Path:
    t = _threshold(threshold)
    frame = status_display_frame(status, threshold=t)
    wb = xlsx.new_workbook(f"Joblog {format_month(status.month)}")
    used: set[str] = set()
    ws = wb.create_sheet(xlsx.sheet_title(f"Joblog {format_month(status.month)}", used))
    flagged = [v == "ja" for v in frame[STATUS_HEADERS["flagged"]]]
    xlsx.write_table(ws, frame, freeze="C2", highlight=flagged)
    xlsx.write_pairs(wb.create_sheet(xlsx.sheet_title("Om opgørelsen", used)), _about(status, t), widths=(32, 80))
    return xlsx.save(wb, file_path(path, ()))


def export_status(status: JoblogStatus, out_dir: str | Path, *, threshold: int | None = None) -> dict[str, Path]:
    """CSV (Danish dialect) and Excel of the month's public table in ``out_dir``; returns the paths."""
    out = folder_path(out_dir)
    stem = f"joblog_{format_month(status.month)}_pr_{status.as_of.isoformat()}"
    return {
        "csv": write_status_csv(status, out / f"{stem}.csv", threshold=threshold),
        "excel": write_status_excel(status, out / f"{stem}.xlsx", threshold=threshold),
    }


def history_figure(history: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Stacked bars of the smiley shares per month (from :func:`kommunebench.alerts.joblog_history`).

    The red share is the bottom of each stack, so the top of the red bar is the red share itself and
    the dashed criterion lines (red share ≥ criterion 1, > criterion 2, on the same axis in the same
    unit, pct. of the target group) can be read against it; green sits on top.
    """
    labels = [month_label_da(m.date()) for m in history["month"]]
    fig = go.Figure()
    for col, name, colour, pattern in (
        ("red_share", "Rød", "#c62828", "/"),
        ("light_green_share", "Lysegrøn", "#9ccc65", "."),
        ("green_share", "Grøn", "#2e7d32", ""),
    ):
        fig.add_bar(
            x=labels,
            y=history[col].astype(float).round(1),
            name=name,
            marker={"color": colour, "pattern": {"shape": pattern, "fgcolor": "#ffffff", "fgopacity": 0.6}},
            customdata=history["target_group"],
            hovertemplate=f"%{{x}}<br>{name}: %{{y:.1f}} pct.<br>Målgruppe: %{{customdata}}<extra></extra>",
        )
    th = history.attrs.get("thresholds")
    c1, c2 = (th.c1_red_share, th.c2_red_share) if th is not None else (50.0, 40.0)
    for y, text in ((c1, f"Kriterium 1: rød ≥ {c1:g} pct."), (c2, f"Kriterium 2: rød > {c2:g} pct.")):
        fig.add_hline(
            y=y, line_dash="dash", line_color="#111", line_width=2, annotation_text=text, annotation_position="top left"
        )
    navn = history.attrs.get("navn", "")
    fig.update_layout(
        barmode="stack",
        title=title or f"Jobsøgning i jobloggen, {navn}: andel pr. smiley",
        yaxis={"title": "pct. af målgruppen (rød nederst)", "range": [0, 100]},
        separators=",.",
        legend={"orientation": "h", "traceorder": "normal"},
        template="plotly_white",
    )
    return fig


def write_history_chart(history: pd.DataFrame, path: str | Path, *, title: str | None = None) -> Path:
    """A static, self-contained HTML file (plotly.js embedded) of the 12-month smiley shares."""
    html = str(history_figure(history, title=title).to_html(include_plotlyjs=True, full_html=True))
    if "<title>" not in html:
        name = history.attrs.get("navn", "")
        html = html.replace("</head>", f"<title>Joblog {name}</title></head>", 1)
    return write_atomic(file_path(path, ()), html.encode("utf-8"))
