"""A self-contained static HTML report in Danish (map, lists, top/bottom, run metadata).

One file, viewable offline: plotly.js is embedded inline (no CDN, no tiles, no fonts from the
network). The map is a ``go.Choropleth`` on a hidden ``geo`` subplot with the shipped municipality
borders (``featureidkey="properties.kommunekode"``, ``fitbounds="locations"``); because plotly.js
fetches a base-map topojson for geojson choropleths even when the base map is hidden, the page
registers an empty one under the expected name first, so nothing is ever fetched. The figure JSON
is stored in ``<script type="application/json" id="kb-map-figure">``: trace 0 has the 98
municipalities (coloured by the total difference in pct. points on a diverging scale centred on 0,
switchable per area in a menu), trace 1 is Christiansø (411, not a municipality) in grey.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from kommunebench import __version__
from kommunebench.benchmark.display import display_frame, format_number_da
from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.data.reference import AREA_LABELS, ATTRIBUTION
from kommunebench.report._meta import ROUNDING_NOTE, check_lists, run_meta_rows

__all__ = ["write_html_report", "map_figure", "FIGURE_ELEMENT_ID"]

FIGURE_ELEMENT_ID = "kb-map-figure"
_GEO_SCOPE, _GEO_RESOLUTION = "europe", 50
_TOPOJSON_NAME = f"{_GEO_SCOPE}_{_GEO_RESOLUTION}m"
_TABLE_COLUMNS = ["Placering", "Kommune", "Region", "Forventet antal", "Faktisk antal",
                  "Forskel (antal)", "Forventet andel (pct.)", "Faktisk andel (pct.)",
                  "Forskel (pct.-point)", "Besparelsespotentiale (mio. kr.)",
                  "Resultatmål ikke opfyldt"]
_SIGNED = {"Forskel (antal)", "Forskel (pct.-point)", "Besparelsespotentiale (mio. kr.)"}
_NUMERIC = {"count", "share", "mio", "rank", "persons", "id"}


def _hover_rows(frame: pd.DataFrame) -> tuple[list, list]:
    """Codes and customdata [navn, placering, forventet, faktisk, forskel] as Danish text."""
    f = frame.sort_values("kommunekode")
    d = display_frame(f)
    custom = [[navn, int(rank), format_number_da(e, "share"), format_number_da(a, "share"),
               format_number_da(diff, "share")]
              for navn, rank, e, a, diff in zip(d["Kommune"], d["Placering"],
                                                 d["Forventet andel (pct.)"],
                                                 d["Faktisk andel (pct.)"],
                                                 d["Forskel (pct.-point)"], strict=True)]
    return [int(c) for c in f["kommunekode"]], custom


def _range(frame: pd.DataFrame) -> float:
    m = float(np.abs(frame["diff_pp"].to_numpy(dtype=float)).max())
    return m if m > 0 else 1.0


def map_figure(lists: BenchmarkLists) -> go.Figure:
    """The choropleth of Denmark (see the module docstring for the trace layout)."""
    lists = check_lists(lists)
    geo = reference.boundaries()
    features = geo["features"]
    munis = {"type": "FeatureCollection",
             "features": [f for f in features if f["properties"].get("is_municipality", True)]}
    others = [f for f in features if not f["properties"].get("is_municipality", True)]
    hover = ("<b>%{customdata[0]}</b><br>Placering: %{customdata[1]}<br>"
             "Forventet andel: %{customdata[2]} pct.<br>Faktisk andel: %{customdata[3]} pct.<br>"
             "Forskel: %{customdata[4]} pct.-point<extra></extra>")
    frames = {reference.TOTAL: lists.overall, **lists.by_area}
    codes, custom = _hover_rows(lists.overall)
    z = lists.overall.set_index("kommunekode").loc[codes, "diff_pp"].to_numpy(dtype=float)
    zmax = _range(lists.overall)
    fig = go.Figure()
    fig.add_trace(go.Choropleth(
        geojson=munis, featureidkey="properties.kommunekode", locations=codes, z=z.tolist(),
        zmin=-zmax, zmax=zmax, zmid=0, colorscale="RdBu_r", customdata=custom,
        hovertemplate=hover, marker={"line": {"color": "white", "width": 0.5}},
        colorbar={"title": {"text": "Forskel<br>(pct.-point)"}, "ticksuffix": "", "len": 0.75},
        name=AREA_LABELS[reference.TOTAL]))
    if others:
        fig.add_trace(go.Choropleth(
            geojson={"type": "FeatureCollection", "features": others},
            featureidkey="properties.kommunekode",
            locations=[int(f["properties"]["kommunekode"]) for f in others], z=[0] * len(others),
            colorscale=[[0, "#b8b8b8"], [1, "#b8b8b8"]], showscale=False,
            customdata=[[f["properties"].get("navn", "")] for f in others],
            hovertemplate="<b>%{customdata[0]}</b><br>Ikke en kommune; indgår ikke<extra></extra>",
            marker={"line": {"color": "white", "width": 0.5}}, name="Ikke en kommune"))
    buttons = []
    for area, frame in frames.items():
        a_codes, a_custom = _hover_rows(frame)
        a_z = frame.set_index("kommunekode").loc[a_codes, "diff_pp"].to_numpy(dtype=float)
        r = _range(frame)
        buttons.append({"label": AREA_LABELS[area], "method": "restyle",
                        "args": [{"z": [a_z.tolist()], "customdata": [a_custom],
                                  "zmin": [-r], "zmax": [r], "name": [AREA_LABELS[area]]}, [0]]})
    # Denmark's extent (Bornholm included); fixed rather than fitbounds so the country fills the frame.
    fig.update_geos(visible=False, projection_type="mercator", lonaxis_range=[7.9, 15.3],
                    lataxis_range=[54.5, 57.8], center={"lon": 11.6, "lat": 56.15},
                    scope=_GEO_SCOPE, resolution=_GEO_RESOLUTION, bgcolor="rgba(0,0,0,0)")
    fig.update_layout(
        margin={"l": 0, "r": 0, "t": 40, "b": 0}, separators=",.", dragmode="pan", height=620,
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"},
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 0.01, "y": 0.99,
                      "xanchor": "left", "yanchor": "top", "showactive": True}],
        title={"text": f"Benchmark {lists.period}: faktisk − forventet andel", "x": 0.5})
    return fig


def _table(frame: pd.DataFrame, *, columns: list[str] | None = None, sortable: bool = True) -> str:
    d = display_frame(frame)
    kinds = d.attrs["kinds"]
    cols = [c for c in (columns or list(d.columns)) if c in d.columns]
    head = "".join(f'<th class="num" scope="col">{html.escape(c)}</th>' if kinds[c] in _NUMERIC
                   else f'<th scope="col">{html.escape(c)}</th>' for c in cols)
    body = []
    for row in d[cols].itertuples(index=False, name=None):
        cells = []
        for c, v in zip(cols, row, strict=True):
            kind = kinds[c]
            text = html.escape(format_number_da(v, kind))
            if kind in _NUMERIC:
                cls = "num"
                if c in _SIGNED and float(v) != 0:
                    cls += " neg" if float(v) < 0 else " pos"
                cells.append(f'<td class="{cls}" data-sort="{float(v)!r}">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cls = ' class="sortable"' if sortable else ""
    return (f"<table{cls}><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(body)
            + "\n</tbody></table>")


def _template() -> Template:
    text = (resources.files("kommunebench.report").joinpath("templates/report.html")
            .read_text(encoding="utf-8"))
    return Template(text)


def _json_for_script(obj_json: str) -> str:
    return obj_json.replace("</", "<\\/").replace("<!--", "<\\!--")


def write_html_report(lists: BenchmarkLists, path: str | Path, *,
                      run_meta: Mapping | None = None, n_top: int = 10) -> Path:
    """Write the self-contained Danish HTML report to ``path`` and return it.

    Contents: headline figures, the map (total; menu per area), top and bottom ``n_top``, the
    overall list, one list per area, the skærpet tilsyn screen, "Om kørslen" and the attribution.
    """
    lists = check_lists(lists)
    meta_rows = run_meta_rows(lists, run_meta)
    top, bottom = lists.top(n_top), lists.bottom(n_top)  # validates n_top
    path = Path(path)
    if path.suffix.lower() not in {".html", ".htm"}:
        path = path.with_suffix(".html")
    path.parent.mkdir(parents=True, exist_ok=True)

    fig_json = pio.to_json(map_figure(lists), validate=True, pretty=False)
    pot = lists.potential
    st = lists.skaerpet_tilsyn
    fmt = format_number_da
    facts = [
        (f"{len(lists.overall)}", "kommuner rangeret"),
        (fmt(pot.national_mio_kr, "mio") + " mio. kr.", "samlet besparelsespotentiale"),
        (f"{pot.n_above_expected}", "kommuner over forventet niveau"),
        (f"{len(st.failed)}", "opfylder ikke resultatmålet" + ("" if st.applicable
                                                                else " (vejledende)")),
    ]
    total_note = (
        "Ydelsesgrupper i alt = " + " + ".join(AREA_LABELS[a] for a in lists.total_areas) + ". "
        + ("Førtidspension og fleksjob (udvidet scope) vises separat og indgår ikke i totalen, "
           "placeringen eller skærpet tilsyn. " if lists.extra_areas else "")
        + ROUNDING_NOTE + " Besparelsespotentiale: (faktisk − forventet) fuldtidspersoner × "
        "omkostning pr. fuldtidsperson; positivt = flere end forventet.")
    areas = []
    for area, frame in lists.by_area.items():
        note = (' <span class="note">(udvidet scope; indgår ikke i totalen)</span>'
                if area in lists.extra_areas else "")
        areas.append(f'<details id="liste-{html.escape(area)}"><summary>'
                     f"{html.escape(AREA_LABELS[area])}{note}</summary>"
                     f'<div class="tablewrap">{_table(frame, columns=_TABLE_COLUMNS)}</div>'
                     "</details>")
    failed = st.frame[st.frame["result_target_failed"]]
    tilsyn_note = (
        "Resultatmålet er ikke opfyldt, når kommunens faktiske andel (ydelsesgrupper i alt) er "
        "højere end den forventede for et kalenderår; kun for disse kommuner vurderes "
        "fokusmålene. " + (f"{len(failed)} kommuner opfylder ikke resultatmålet i {lists.period}."
                           if st.applicable else
                           f"{lists.period} er ikke et kalenderår, så listen er kun vejledende."))
    page = _template().substitute(
        title=html.escape(f"Benchmark af kommunernes beskæftigelsesindsats {lists.period}"),
        lead=html.escape(_period_text(lists.period)),
        version=html.escape(__version__),
        facts="".join(f"<li><b>{html.escape(v)}</b>{html.escape(t)}</li>" for v, t in facts),
        n_top=str(int(n_top)),
        top_table=_table(top, columns=_TABLE_COLUMNS[:3] + ["Forskel (pct.-point)"],
                         sortable=False),
        bottom_table=_table(bottom, columns=_TABLE_COLUMNS[:3] + ["Forskel (pct.-point)"],
                            sortable=False),
        total_note=html.escape(total_note),
        overall_table=_table(lists.overall, columns=_TABLE_COLUMNS),
        area_sections="\n".join(areas),
        tilsyn_note=html.escape(tilsyn_note),
        tilsyn_table=_table(failed, columns=["Kommune", "Region", "Forventet andel (pct.)",
                                             "Faktisk andel (pct.)", "Forskel (pct.-point)"]),
        meta="".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in meta_rows),
        attribution=html.escape(ATTRIBUTION + ". Christiansø er ikke en kommune og vises gråt."),
        plotlyjs=get_plotlyjs(),
        figure_json=_json_for_script(fig_json),
        topojson_name=_TOPOJSON_NAME,
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def _period_text(period: str) -> str:
    p = Period.parse(period)
    (y0, q0), (y1, q1) = p.quarters[0], p.quarters[-1]
    return (f"Forventet og faktisk andel af de 16-66-årige på offentlig forsørgelse "
            f"(fuldtidspersoner), {y0} {q0}. kvt. – {y1} {q1}. kvt. Placering 1 = størst "
            "negativ forskel (færrest i forhold til det forventede).")
