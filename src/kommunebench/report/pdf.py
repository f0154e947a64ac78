"""The municipality report as PDF (fpdf2, pure Python): 3 A4 pages for the meeting room.

Page 1: key figures per list and skærpet tilsyn; page 2: why the expected level is what it is
(the drivers) and what changed since the previous run (rank change, change in the difference
and its parts: actual, composition, labour market, coefficients; suppressed in either run →
"Undertrykt"); page 3: similar municipalities, klynge and the joblog's last months. Every figure
comes from the public view (:mod:`kommunebench.publish`), rounded and suppressed as everywhere
else, and is formatted by :mod:`kommunebench.publish.format`. The PDF's core font (Helvetica) has
the Danish letters; the few characters outside its encoding (en dash, minus, ≤) are replaced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fpdf import FPDF

from kommunebench.benchmark.drivers import Drivers
from kommunebench.data.reference import Municipality
from kommunebench.publish import (
    AREA_LABELS,
    ATTRIBUTION,
    TOTAL,
    PublicRun,
    format_number_da,
    klynge_block,
    period_text,
    potential_block,
    signed_da,
    similar_rows,
    tilsyn_block,
)
from kommunebench.publish.change import change_block
from kommunebench.publish.drivers import drivers_block

__all__ = ["municipality_pdf_bytes"]

PARTS_NOTE = "De fire sidste kolonner er ændringen i forskellen delt op; de summerer til ændringen."
NOTE_CHANGE = (
    "Ændringen i forskellen er opdelt eksakt i ændringen i den faktiske andel og ændringen i den forventede "
    "andel fordelt på sammensætning, arbejdsmarked og modellens koefficienter."
)

_REPLACE = {"–": "-", "−": "-", "≤": "<=", "≥": ">=", "…": "...", "\u2009": " "}


def _t(text: object) -> str:
    s = str(text)
    for a, b in _REPLACE.items():
        s = s.replace(a, b)
    return s.encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.title_text = title
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7)
        self.set_text_color(90)
        self.cell(0, 5, _t(f"{self.title_text} · {ATTRIBUTION} · Side {self.page_no()} af {{nb}}"), align="C")
        self.set_text_color(0)


def _h1(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, _t(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _h2(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.multi_cell(0, 6, _t(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _p(pdf: FPDF, text: str, size: float = 9.5) -> None:
    pdf.set_font("Helvetica", size=size)
    pdf.multi_cell(0, 4.8, _t(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _table(pdf: FPDF, head: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]) -> None:
    pdf.set_font("Helvetica", size=8.5)
    align = ["LEFT", *(["RIGHT"] * (len(head) - 1))]
    with pdf.table(col_widths=tuple(widths), text_align=tuple(align), line_height=5, first_row_as_headings=True) as t:
        r = t.row()
        for h in head:
            r.cell(_t(h))
        for row in rows:
            r = t.row()
            for v in row:
                r.cell(_t(v))
    pdf.ln(2)


def _potential_text(value: float | None) -> str:
    """Never "-0,0": a potential that is not above 0 means no saving (fewer than expected)."""
    if value is None:
        return "vises ikke (kommunens tal er undertrykt)."
    if value <= 0:
        return "ingen besparelse (færre end forventet)."
    return f"{format_number_da(value, 'mio')} mio. kr. (flere på forsørgelse end forventet)."


def _key_figures(pdf: FPDF, view: PublicRun, kode: int) -> None:
    rows = []
    for name in view.lists:
        r = view.row(name, kode)
        rows.append(
            [
                AREA_LABELS.get(name, name),
                "Undertrykt" if r["suppressed"] else format_number_da(r["rank"], "rank"),
                format_number_da(r["expected_share"], "share"),
                format_number_da(r["actual_share"], "share", missing="-"),
                signed_da(r["diff_pp"]),
                signed_da(r["potential_mio_kr"], "mio"),
            ]
        )
    head = [
        "Ydelsesgruppe",
        "Placering",
        "Forventet (pct.)",
        "Faktisk (pct.)",
        "Forskel (pct.-point)",
        "Potentiale (mio. kr.)",
    ]
    _table(pdf, head, rows, (52, 20, 24, 22, 28, 28))
    pot = potential_block(view, kode)
    _p(pdf, "Besparelsespotentiale i alt: " + _potential_text(pot["total_mio_kr"]))
    _h2(pdf, "Skærpet tilsyn")
    _p(pdf, tilsyn_block(view, kode)["note"])
    _p(pdf, view.suppression_note, 8)


def _drivers(pdf: FPDF, view: PublicRun, drivers: Drivers | None, kode: int) -> None:
    blocks = [drivers_block(view, drivers, kode, name) for name in view.lists]
    first = blocks[0]
    if not first["available"]:
        _p(pdf, first["note"])
        return
    _p(pdf, first["sentence"], 11)
    head = ["Rammevilkår", *(b["list_label"] for b in blocks)]
    rows: list[list[object]] = [
        ["Landsgennemsnit (pct.)", *(format_number_da(b.get("national_share"), "share") for b in blocks)]
    ]
    for i, g in enumerate(first["groups"]):
        rows.append(
            [
                str(g["label"]).capitalize(),
                *(signed_da(b["groups"][i]["contribution_pp"]) if b["available"] else "-" for b in blocks),
            ]
        )
    rows.append(["Forventet andel (pct.)", *(format_number_da(b.get("expected_share"), "share") for b in blocks)])
    rest = (174 - 46) / max(len(blocks), 1)
    _table(pdf, head, rows, (46, *([rest] * len(blocks))))
    _p(
        pdf,
        "Bidrag i pct.-point til forskellen mellem kommunens forventede andel og landsgennemsnittet. " + first["note"],
        8,
    )


def _change_row(block: Mapping[str, Any], label: str) -> list[object]:
    if not block["available"]:
        return [label, "Undertrykt" if block["previous_run_id"] else "-", *(["-"] * 6)]
    before, now = block["rank_previous"], block["rank"]
    ranks = "-" if before is None or now is None else f"{before} -> {now}"
    return [
        label,
        ranks,
        signed_da(block["rank_change"], "rank"),
        signed_da(block["diff_pp_change"]),
        *(signed_da(p["change_pp"]) for p in block["parts"]),
    ]


def _change(pdf: FPDF, view: PublicRun, kode: int) -> None:
    """Rank change, change in the difference and its four parts per list (suppressed cells stay empty)."""
    blocks = [change_block(view, kode, name) for name in view.lists]
    first = blocks[0]
    if first["previous_run_id"] is None:
        _p(pdf, first["note"])
        return
    _p(pdf, f"Sammenlignet med kørsel {first['previous_run_id']} ({first['previous_period']}).")
    if first["available"]:
        _p(pdf, first["sentence"], 10.5)
    head = [
        "Ydelsesgruppe",
        "Placering før -> nu",
        "Ændring i placering",
        "Ændring i forskel (pct.-point)",
        "Faktisk andel",
        "Sammensætning",
        "Arbejdsmarked",
        "Koefficienter",
    ]
    rows = [_change_row(b, AREA_LABELS.get(b["list"], b["list"])) for b in blocks]
    _table(pdf, head, rows, (33, 17, 17, 19, 15, 27, 25, 21))
    notes = [PARTS_NOTE, first["note"] if first["available"] else NOTE_CHANGE]
    if any(not b["available"] for b in blocks):
        notes.append("Undertrykt: tallene er undertrykt (for få personer) i en af kørslerne.")
    _p(pdf, " ".join(notes) + " + på placeringen er en bevægelse op mod nr. 1.", 8)


def _similar(pdf: FPDF, view: PublicRun, kode: int) -> None:
    rows = [
        [
            s["navn"],
            format_number_da(s["expected_share"], "share"),
            signed_da(s["diff_pp"]),
            format_number_da(s["rank"], "rank", missing="-"),
        ]
        for s in similar_rows(view, kode, TOTAL)
    ]
    _table(pdf, ["Lignende kommune", "Forventet (pct.)", "Forskel (pct.-point)", "Placering"], rows, (70, 34, 36, 34))
    k = klynge_block(view, kode, TOTAL)
    _p(
        pdf,
        f"Klynge {k['klynge']} af {view.n_klynger}: {k['size']} kommuner med forventet andel "
        f"{format_number_da(k['lower'], 'share')}-{format_number_da(k['upper'], 'share')} pct.",
    )


def municipality_pdf_bytes(
    view: PublicRun,
    drivers: Drivers | None,
    m: Municipality,
    joblog: Sequence[Mapping[str, Any]],
    *,
    run_id: str,
) -> bytes:
    """The municipality report (see the module doc) as PDF bytes."""
    title = f"{m.formelt_navn} - benchmark {view.period}"
    pdf = _Report(title)
    pdf.set_title(_t(title))
    pdf.set_author("kommunebench")
    pdf.set_lang("da-DK")
    pdf.add_page()
    _h1(pdf, f"{m.formelt_navn}: beskæftigelsesindsatsen")
    _p(
        pdf,
        f"Benchmark for {period_text(view.period)} ({view.period}), kørsel {run_id}. "
        f"Kommunekode {m.kommunekode}, {m.regionsnavn}.",
    )
    _h2(pdf, "Nøgletal")
    _key_figures(pdf, view, m.kommunekode)
    pdf.add_page()
    _h2(pdf, "Hvorfor er det forventede niveau som det er?")
    _drivers(pdf, view, drivers, m.kommunekode)
    _h2(pdf, "Hvad er ændret siden sidst, og hvorfor?")
    _change(pdf, view, m.kommunekode)
    pdf.add_page()
    _h2(pdf, "Lignende kommuner og klynge (ydelsesgrupper i alt)")
    _similar(pdf, view, m.kommunekode)
    _h2(pdf, "Joblog: de seneste måneder")
    if joblog:
        rows = [
            [
                j["month_label"],
                format_number_da(j["target_group"], "count", missing="-"),
                format_number_da(j["red_share"], "pct1", missing="-"),
                j["criteria"],
            ]
            for j in joblog
        ]
        _table(pdf, ["Måned", "Målgruppe", "Rød (pct.)", "Handlingskriterier"], rows, (44, 30, 30, 70))
    else:
        _p(pdf, "Ingen joblogdata for kommunen.")
    _p(pdf, "Sådan beregnes benchmarket: se metodesiden (/metode) eller rapportens afsnit af samme navn.", 8)
    return bytes(pdf.output())
