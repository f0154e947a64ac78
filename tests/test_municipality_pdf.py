"""The municipality PDF report: 2-4 A4 pages with the key figures, drivers, the change since the previous
run, similar municipalities and joblog, from the CLI (``kommunebench rapport``) and as a download from the web."""

from __future__ import annotations

import io

import httpx
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.cli import app
from kommunebench.data import reference
from kommunebench.publish import AREA_LABELS, TOTAL, signed_da
from kommunebench.publish.change import change_block
from kommunebench.report.pdf import municipality_pdf_bytes


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_cli_writes_a_two_to_four_page_a4_report(site, view, tmp_path):
    out = tmp_path / "aarhus.pdf"
    result = CliRunner().invoke(app, ["rapport", "Aarhus", "--out", str(out), "--run", "R0001", "--db", str(site.db)])
    assert result.exit_code == 0, result.output
    assert "Rapporten er skrevet til" in result.output
    reader = PdfReader(out)
    assert 2 <= len(reader.pages) <= 4
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595.28) < 1 and abs(float(page.mediabox.height) - 841.89) < 1
    text = _text(reader)
    headings = ("Nøgletal", "Hvorfor er det forventede niveau", "Hvad er ændret siden sidst", "Lignende kommuner")
    for heading in ("Aarhus Kommune", *headings, "Joblog"):
        assert heading in text, heading
    row = view.row(TOTAL, 751)
    assert _share(row["expected_share"]) in text
    assert "Jeres forventede andel er" in text and "Side 1 af" in text
    potential = row["potential_mio_kr"]
    assert ("ingen besparelse (færre end forventet)" in text) == (potential is not None and potential <= 0)
    assert "-0,0 mio" not in text


@pytest.fixture(scope="module")
def view(site):
    """R0001's public view compared with the run the report compares it with (as the report builds it)."""
    run = pipeline.open_run("R0001", db=site.db)
    return pipeline.publish_run(run, threshold=5, previous=pipeline.runs.previous_for(run, db=site.db))


def _change_line(view, kode: int, name: str) -> str:
    """The change table's row of one list as the PDF's text shows it (from the published change block)."""
    b = change_block(view, kode, name)
    if not b["available"]:
        return f"{AREA_LABELS[name]} Undertrykt - - - - - -"
    parts = " ".join(signed_da(p["change_pp"]) for p in b["parts"])
    ranks = f"{b['rank_previous']} -> {b['rank']} {signed_da(b['rank_change'], 'rank')}"
    return f"{AREA_LABELS[name]} {ranks} {signed_da(b['diff_pp_change'])} {parts}"


def test_the_change_section_shows_rank_change_and_its_parts_and_keeps_suppressed_cells_empty(view):
    assert view.previous is not None and view.changes is not None
    changes = view.changes
    hidden = changes[(changes["kommunekode"] > 0) & changes["suppressed"]]
    assert not hidden.empty  # the scale-0.01 Denmark has cells suppressed in one of the runs
    kode = int(hidden["kommunekode"].iloc[0])
    for k in (751, kode):
        body = municipality_pdf_bytes(view, None, reference.municipality(k), [], run_id="R0001")
        reader = PdfReader(io.BytesIO(body))
        assert 2 <= len(reader.pages) <= 4
        text = " ".join(_text(reader).split())
        assert f"Sammenlignet med kørsel {view.previous.run_id}" in text
        lines = [_change_line(view, k, name) for name in view.lists]
        for line in lines:
            assert line in text, (k, line)
    assert any("Undertrykt" in line for line in lines)  # the last municipality's suppressed cells


def _share(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def test_the_municipality_page_links_the_pdf_download(site):
    with httpx.Client(base_url=site.url, timeout=120) as http:
        page = http.get("/kommuner/101").text
        assert 'id="kb-report-pdf"' in page and "/kommuner/101/rapport.pdf" in page
        res = http.get("/kommuner/101/rapport.pdf")
        assert res.status_code == 200 and res.headers["content-type"] == "application/pdf"
        assert "attachment" in res.headers["content-disposition"]
        reader = PdfReader(io.BytesIO(res.content))
        assert 2 <= len(reader.pages) <= 4 and "Københavns Kommune" in _text(reader)
        assert http.get("/kommuner/999/rapport.pdf").status_code == 404
