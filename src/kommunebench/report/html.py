"""A self-contained static HTML report in Danish (map, lists, top/bottom, run metadata).

One file, viewable offline: plotly.js and the table-sort script (``report/assets/sortable.js``,
the same file the dashboard serves) are embedded inline — no CDN, no tiles, no fonts from the
network. The map (:func:`kommunebench.report.map_figure`) is a ``go.Choropleth`` on a hidden
``geo`` subplot with the shipped municipality borders; because plotly.js fetches a base-map
topojson for geojson choropleths even when the base map is hidden, the page registers an empty one
under the expected name first, so nothing is ever fetched. The figure JSON is stored in
``<script type="application/json" id="kb-map-figure">``.

The report renders the public view of the run (:func:`kommunebench.publish.public_view`): a
suppressed municipality shows "–" and "Undertrykt" in the tables and is grey on the map. The page
is the Jinja2 template ``report.html`` of the shared environment (:func:`kommunebench.report.environment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from plotly.offline import get_plotlyjs

from kommunebench.publish import AREA_LABELS, ATTRIBUTION, ROUNDING_NOTE, TOTAL, PublicRun, display_frame, period_lead
from kommunebench.publish.change import largest_moves, national_display
from kommunebench.publish.efficiency import PublicEfficiency
from kommunebench.publish.jobindsats import total_gap_note
from kommunebench.publish.method import method_sections
from kommunebench.report.common import as_view, file_path, write_atomic
from kommunebench.report.efficiency import efficiency_context
from kommunebench.report.env import asset_text, environment, missing
from kommunebench.report.excel import meta_rows
from kommunebench.report.exports import CONFIDENTIAL
from kommunebench.report.figures import TOPOJSON_NAME, figure_json, map_figure
from kommunebench.report.funnel import FUNNEL_ELEMENT_ID, funnel_figure_json

__all__ = ["write_html_report", "FIGURE_ELEMENT_ID", "report_context"]

FIGURE_ELEMENT_ID = "kb-map-figure"
TEMPLATE = "report.html"
_TABLE_COLUMNS = [
    "Placering",
    "Kommune",
    "Region",
    "Forventet antal",
    "Faktisk antal",
    "Forskel (antal)",
    "Forventet andel (pct.)",
    "Faktisk andel (pct.)",
    "Forskel (pct.-point)",
    "Ændring i placering",
    "Besparelsespotentiale (mio. kr.)",
    "Resultatmål ikke opfyldt",
    "Standardfejl (pct.-point)",
    "Placering, bedst mulige (90 %)",
    "Placering, dårligst mulige (90 %)",
    "Vurdering",
]
_SHORT_COLUMNS = [
    "Placering",
    "Kommune",
    "Region",
    "Forskel (pct.-point)",
    "Placering, bedst mulige (90 %)",
    "Placering, dårligst mulige (90 %)",
    "Vurdering",
]
_TILSYN_COLUMNS = ["Kommune", "Region", "Forventet andel (pct.)", "Faktisk andel (pct.)", "Forskel (pct.-point)"]
_SIGNED = {"Forskel (antal)", "Forskel (pct.-point)", "Besparelsespotentiale (mio. kr.)"}
_NUMERIC = {"count", "share", "mio", "rank", "persons", "id"}


def _plain(value: object) -> object:
    """A display value for the template: plain Python, ``None`` for an empty cell."""
    if missing(value) or value == "":
        return None
    return value.item() if isinstance(value, np.generic) else value


def _flags(frame: pd.DataFrame, column: str) -> list[bool]:
    """A nullable boolean column as plain bools (empty = False)."""
    if column not in frame:
        return [False] * len(frame)
    return [bool(v) if not missing(v) else False for v in frame[column]]


def table(
    frame: pd.DataFrame,
    *,
    columns: list[str] | None = None,
    sortable: bool = True,
    national: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The template's table of a public frame: headers, kinds and the display values of each row;
    ``national`` adds the never-ranked "Hele landet" row as the table's foot."""
    d = display_frame(frame)
    kinds = d.attrs["kinds"]
    cols = [c for c in (columns or list(d.columns)) if c in d.columns]
    head = [{"label": c, "kind": kinds[c], "num": kinds[c] in _NUMERIC, "signed": c in _SIGNED} for c in cols]
    suppressed = _flags(frame, "suppressed")
    rows = [
        {"suppressed": supp, "cells": [_plain(v) for v in values]}
        for supp, values in zip(suppressed, d[cols].itertuples(index=False, name=None), strict=True)
    ]
    foot = None
    if national is not None:
        cells = national_display(national)
        foot = [cells.get(c, "") for c in cols]
    return {"sortable": sortable, "head": head, "rows": rows, "foot": foot}


def _notes(pv: PublicRun, n_failed: int) -> tuple[str, str]:
    total = (
        "Ydelsesgrupper i alt = "
        + " + ".join(AREA_LABELS[a] for a in pv.total_areas).rstrip(".")
        + ". "
        + (
            "Førtidspension og fleksjob (udvidet scope) vises separat og indgår ikke i totalen, "
            "placeringen eller skærpet tilsyn. "
            if pv.extra_areas
            else ""
        )
        + ROUNDING_NOTE
        + " Besparelsespotentiale: (faktisk − forventet) fuldtidspersoner × "
        "omkostning pr. fuldtidsperson; positivt = flere end forventet."
    )
    tilsyn = (
        "Resultatmålet er ikke opfyldt, når kommunens faktiske andel (ydelsesgrupper i alt) er "
        "højere end den forventede for et kalenderår; kun for disse kommuner vurderes "
        "fokusmålene. "
        + (
            f"{n_failed} kommuner opfylder ikke resultatmålet i {pv.period}."
            if pv.facts.tilsyn_applicable
            else f"{pv.period} er ikke et kalenderår, så listen er kun vejledende."
        )
    )
    return total, tilsyn


def uncertainty_notes(pv: PublicRun) -> list[str]:
    """Plain-language notes on the run's uncertainty (empty when none is stored)."""
    s = pv.uncertainty_summary
    if s is None or not len(s):
        return []
    t = s[s["area"] == TOTAL].iloc[0] if TOTAL in set(s["area"]) else s.iloc[0]
    notes = [
        f"Hver forskel har et {t['level'] * 100:.0f} %-interval og hver placering et interval af placeringer "
        f"med {t['level'] * 100:.0f} % sikkerhed. I alt-listen er {int(t['n_better'])} kommuner "
        f"signifikant bedre og {int(t['n_worse'])} signifikant dårligere end forventet; resten kan ikke "
        "skelnes fra det forventede.",
        "Tragtdiagrammet viser forskellen mod befolkningen med 95 %- og 99,8 %-grænser, der tager højde "
        "for, at kommunerne reelt er forskellige (Spiegelhalter 2005).",
    ]
    f = pv.ranked(TOTAL)
    if "surely_tau_best" in f.columns:
        for col, words in (("surely_tau_best", "bedste"), ("surely_tau_worst", "dårligste")):
            names = [str(n) for n, b in zip(f["navn"], f[col], strict=True) if b is True or b == 1]
            notes.append(
                f"Sikkert blandt de {int(t['tau'])} {words} (simultant, {t['level'] * 100:.0f} %): "
                + (", ".join(names) if names else "ingen kommune kan udpeges med den sikkerhed")
                + "."
            )
    if t["lm_warning"]:
        notes.append(str(t["lm_warning"]))
    return notes


def report_context(pv: PublicRun, *, n_top: int = 10) -> dict[str, Any]:
    """Everything ``report.html`` shows (plotly.js and the figure excluded)."""
    top, bottom = pv.top(n_top), pv.bottom(n_top)  # validates n_top
    failed = pv.tilsyn[np.array(_flags(pv.tilsyn, "result_target_failed"), dtype=bool)]
    total_note, tilsyn_note = _notes(pv, len(failed))
    if pv.record is not None and pv.record.is_published:
        gap = total_gap_note(pv.lists[TOTAL])
        total_note = (
            "Offentliggjort liste (jobindsats.dk, STAR): totalen er den offentliggjorte. "
            + (f"{gap} " if gap else "")
            + total_note
        )
    areas = [
        {
            "area": a,
            "label": AREA_LABELS.get(a, a),
            "extra": a in pv.extra_areas,
            "table": table(pv.lists[a], columns=_TABLE_COLUMNS, national=pv.national.get(a)),
        }
        for a in pv.areas
    ]
    n_hidden = len(pv.mask.get(TOTAL, frozenset()))
    return {
        "title": f"Benchmark af kommunernes beskæftigelsesindsats {pv.period}",
        "lead": period_lead(pv.period),
        "facts": pv.facts,
        "n_top": n_top,
        "top": table(top, columns=_SHORT_COLUMNS, sortable=False),
        "bottom": table(bottom, columns=_SHORT_COLUMNS, sortable=False),
        "total_note": total_note,
        "overall": table(pv.lists[TOTAL], columns=_TABLE_COLUMNS, national=pv.national.get(TOTAL)),
        "moves": largest_moves(pv) if pv.previous is not None else None,
        "previous": pv.previous,
        "areas": areas,
        "tilsyn_note": tilsyn_note,
        "tilsyn": table(failed, columns=_TILSYN_COLUMNS),
        "suppression_note": pv.suppression_note,
        "threshold": pv.threshold,
        "any_suppressed": any(pv.mask.values()),
        "n_suppressed_total": n_hidden,
        "meta": meta_rows(pv),
        "attribution": ATTRIBUTION + ". Christiansø er ikke en kommune og vises gråt.",
        "figure_element_id": FIGURE_ELEMENT_ID,
        "topojson_name": TOPOJSON_NAME,
    }


def write_html_report(
    view: object,
    path: str | Path,
    *,
    run_meta: Mapping[str, object] | None = None,
    n_top: int = 10,
    efficiency: PublicEfficiency | None = None,
    confidential: bool = False,
) -> Path:
    """Write the self-contained Danish HTML report to ``path`` and return it.

    ``view`` is a :class:`~kommunebench.publish.PublicRun` or ``BenchmarkLists`` (published with
    the ``suppress_below`` setting; ``run_meta`` for these only). Contents: headline figures, the
    map (total; menu per area), top and bottom ``n_top``, the overall list, one list per area, the
    skærpet tilsyn screen, "Om kørslen" and the attribution; with ``efficiency`` (the public DEA
    view of the same run) also the section "Omkostningseffektivitet (DEA) ved siden af ranglisten".
    ``confidential=True`` puts the marking "Fortroligt – ikke til offentliggørelse" at the top and
    bottom of the page and in its title.
    """
    pv = as_view(view, run_meta)
    context = report_context(pv, n_top=n_top)
    if efficiency is not None:
        context.update(efficiency_context(efficiency))
    path = file_path(path, (".html", ".htm"))
    page = (
        environment()
        .get_template(TEMPLATE)
        .render(
            **context,
            plotlyjs=get_plotlyjs(),
            sortable_js=asset_text("sortable.js"),
            figure_json=figure_json(map_figure(pv)),
            confidential=CONFIDENTIAL if confidential else "",
            funnel_json=funnel_figure_json(pv),
            funnel_element_id=FUNNEL_ELEMENT_ID,
            uncertainty_notes=uncertainty_notes(pv),
            method=method_sections(pv, [pv.period]),
        )
    )
    return write_atomic(path, page.encode("utf-8"))
