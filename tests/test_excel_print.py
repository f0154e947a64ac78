"""The Excel workbook's overall list printed through LibreOffice (issue 12, item 5): at most 4 A4 landscape
pages with every column and the header row on every page.

Needs LibreOffice Calc (``soffice``; Debian: ``apt-get install -y --no-install-recommends
libreoffice-calc-nogui``, which ``.ci/run`` installs when ``soffice`` is missing); skipped otherwise.
The sheet is printed on its own (a copy of the workbook with only that sheet, page setup kept) with
a private LibreOffice profile, so parallel runs do not share one.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import openpyxl
import pytest
from pypdf import PdfReader

from kb_server import shared_site
from kommunebench import pipeline, report

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
SHEET = "Samlet liste"
A4 = (841.89, 595.28)  # landscape, points

pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (apt-get install -y --no-install-recommends libreoffice-calc-nogui)",
)


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


def _words(text: str) -> str:
    """Whitespace as one space, none after a hyphen (LibreOffice wraps "pct.-point" after the hyphen)."""
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text)).strip()


def test_the_overall_list_prints_on_at_most_four_a4_landscape_pages_with_every_column(site, tmp_path):
    view = pipeline.publish_run(pipeline.open_run("R0001", db=site.db), threshold=5)
    book = openpyxl.load_workbook(report.write_excel(view, tmp_path / "benchmark.xlsx"))
    headers = [str(c.value) for c in book[SHEET][1] if c.value is not None]
    assert len(headers) >= 10
    for name in book.sheetnames:
        if name != SHEET:
            del book[name]
    sheet = tmp_path / "samlet.xlsx"
    book.save(sheet)
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path)]
        + [str(sheet)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = tmp_path / "samlet.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stdout + done.stderr
    reader = PdfReader(pdf)
    assert 1 <= len(reader.pages) <= 4
    for page in reader.pages:
        size = (float(page.mediabox.width), float(page.mediabox.height))
        if page.get("/Rotate", 0) in (90, 270):
            size = size[::-1]
        assert size == pytest.approx(A4, abs=2), size
    texts = [_words(page.extract_text()) for page in reader.pages]
    for number, text in enumerate(texts, start=1):  # every column's header on every page (print titles)
        missing = [h for h in headers if _words(h) not in text]
        assert not missing, f"page {number} lacks the columns {missing}"
    # and every municipality of the list is printed
    names = [str(r[1].value) for r in book[SHEET].iter_rows(min_row=2) if r[1].value]
    everything = " ".join(texts)
    assert sum(n.split(" (")[0] in everything for n in names) == len(names)
