"""One publishing stage for every output: the same suppression in API JSON, HTML pages, CSV, Excel and report.

The run is the shared scale-0.01 site's R0001 (real small cells); the exports are written by the
pipeline exactly as ``kommunebench run`` writes them. For a suppressed and an unsuppressed
municipality, each of the five outputs is read back into the same small record and compared.
"""

from __future__ import annotations

import csv
from html.parser import HTMLParser
from pathlib import Path

import httpx
import openpyxl
import pytest

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.publish import format_number_da


class _Tables(HTMLParser):
    """Every table row of a page as (attributes of <tr>, [cell texts]), grouped per <table>."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[tuple[dict[str, str | None], list[str]]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append((dict(attrs), []))
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _rows(text: str) -> list[dict[str, str]]:
    """The rows of the first table with a 'Placering' header, as header → text (plus 'kode' if present)."""
    parser = _Tables()
    parser.feed(text)
    for table in parser.tables:
        head = next((cells for _, cells in table if "Placering" in cells), None)
        if head is None:
            continue
        out = []
        for attrs, cells in table:
            if attrs.get("class") == "national":  # "Hele landet" (issue 12): never ranked, not a municipality
                continue
            if cells and cells != head and len(cells) == len(head):
                out.append({**dict(zip(head, cells, strict=True)), "kode": attrs.get("data-kommunekode") or ""})
        return out
    raise AssertionError("no list table in the page")


def _record(rank: object, expected_share: object, diff_pp: object, suppressed: bool) -> dict[str, object]:
    def text(v: object, kind: str) -> str:
        s = format_number_da(v, kind) if v not in (None, "", "–") else ""
        return s.lstrip("+")

    rank_text = "" if rank in (None, "") or str(rank).startswith("–") else str(int(str(rank)))
    return {
        "rank": rank_text,
        "expected_share": text(expected_share, "share"),
        "diff_pp": text(diff_pp, "share"),
        "suppressed": suppressed,
    }


def _num(text: str) -> str | float:
    """A Danish number in a page back to a float ('' for an empty or suppressed cell)."""
    t = text.replace("−", "-").replace("+", "").strip()
    if not t or t.startswith("–"):
        return ""
    return float(t.replace(".", "").replace(",", "."))


@pytest.fixture(scope="module")
def five(tmp_path_factory, request):
    """(suppressed code, published code, {output name: {kommunekode: record}}) for R0001's total list."""
    site = shared_site(tmp_path_factory, request)
    out: dict[str, dict[int, dict[str, object]]] = {}
    with httpx.Client(base_url=site.url, timeout=60) as http:
        rows = http.get("/api/v1/lister/total", params={"run": "R0001"}).json()["rows"]
        page = http.get("/lister/total", params={"run": "R0001"}).text
    out["api"] = {
        r["kommunekode"]: _record(r["rank"], r["expected_share"], r["diff_pp"], r["suppressed"]) for r in rows
    }
    out["page"] = {
        int(r["kode"]): _record(
            r["Placering"],
            _num(r["Forventet andel (pct.)"]),
            _num(r["Forskel (pct.-point)"]),
            "Undertrykt" in r["Placering"],
        )
        for r in _rows(page)
    }
    run = pipeline.open_run("R0001", db=site.db)
    paths = pipeline.export_run(run, tmp_path_factory.mktemp("exports"))
    csv_file = next(Path(paths.csv).glob("*_samlet.csv"))
    with csv_file.open(encoding="utf-8-sig", newline="") as fh:
        out["csv"] = {
            int(r["Kommunekode"]): _record(
                r["Placering"],
                _num(r["Forventet andel (pct.)"]),
                _num(r["Forskel (pct.-point)"]),
                r["Undertrykt"] == "Ja",
            )
            for r in csv.DictReader(fh, delimiter=";")
        }
    ws = openpyxl.load_workbook(paths.excel, read_only=True)["Samlet liste"]
    it = ws.iter_rows(values_only=True)
    head = list(next(it))
    out["excel"] = {}
    for values in it:
        r = dict(zip(head, values, strict=True))
        out["excel"][int(r["Kommunekode"])] = _record(
            r["Placering"], r["Forventet andel (pct.)"], r["Forskel (pct.-point)"], r["Undertrykt"] == "Ja"
        )
    names = {r["navn"]: r["kommunekode"] for r in rows}
    report = Path(paths.html).read_text(encoding="utf-8")
    samlet = report[report.index('<section id="samlet">') : report.index('<section id="ydelsesgrupper">')]
    out["report"] = {
        names[r["Kommune"].removesuffix(" Undertrykt")]: _record(
            r["Placering"],
            _num(r["Forventet andel (pct.)"]),
            _num(r["Forskel (pct.-point)"]),
            "Undertrykt" in " ".join(r.values()),
        )
        for r in _rows(samlet)
    }
    hidden = sorted(c for c, r in out["api"].items() if r["suppressed"])
    shown = [c for c, r in out["api"].items() if not r["suppressed"]]
    assert hidden, "the scale-0.01 site should have a suppressed total"
    return hidden, shown, out


def test_every_output_has_all_98_municipalities(five):
    _, _, out = five
    for name, records in out.items():
        assert len(records) == 98, name


def test_a_suppressed_municipality_is_suppressed_identically_in_all_five_outputs(five):
    hidden, _, out = five
    for code in hidden:
        seen = {name: records[code] for name, records in out.items()}
        assert all(r["suppressed"] for r in seen.values()), (code, seen)
        assert all(r["rank"] == "" and r["diff_pp"] == "" for r in seen.values()), (code, seen)
        assert len({r["expected_share"] for r in seen.values()}) == 1, (code, seen)  # the model figure stays


def test_published_figures_agree_across_all_five_outputs(five):
    _, shown, out = five
    for code in shown:
        seen = {name: records[code] for name, records in out.items()}
        assert len({tuple(sorted(r.items())) for r in seen.values()}) == 1, (code, seen)


def test_suppressed_rows_come_last_so_their_place_does_not_show_their_rank(five):
    hidden, _, out = five
    for name in ("api", "csv", "excel"):
        order = list(out[name])
        assert sorted(order[-len(hidden) :]) == hidden, name
