"""The municipality PDF report: 2-4 A4 pages with the key figures, drivers, similar municipalities and joblog,
from the CLI (``kommunebench rapport``) and as a download from the web."""

from __future__ import annotations

import io

import httpx
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.cli import app
from kommunebench.publish import TOTAL


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_cli_writes_a_two_to_four_page_a4_report(site, tmp_path):
    out = tmp_path / "aarhus.pdf"
    result = CliRunner().invoke(app, ["rapport", "Aarhus", "--out", str(out), "--run", "R0001", "--db", str(site.db)])
    assert result.exit_code == 0, result.output
    assert "Rapporten er skrevet til" in result.output
    reader = PdfReader(out)
    assert 2 <= len(reader.pages) <= 4
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595.28) < 1 and abs(float(page.mediabox.height) - 841.89) < 1
    text = _text(reader)
    for heading in ("Aarhus Kommune", "Nøgletal", "Hvorfor er det forventede niveau", "Lignende kommuner", "Joblog"):
        assert heading in text, heading
    view = pipeline.publish_run(pipeline.open_run("R0001", db=site.db), threshold=5)
    row = view.row(TOTAL, 751)
    assert _share(row["expected_share"]) in text
    assert "Jeres forventede andel er" in text and "Side 1 af" in text
    potential = row["potential_mio_kr"]
    assert ("ingen besparelse (færre end forventet)" in text) == (potential is not None and potential <= 0)
    assert "-0,0 mio" not in text


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
