"""Letters as real Word documents: the CLI's ``joblog letter --out X.docx`` writes a .docx python-docx reads back."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
from typer.testing import CliRunner

from kb_server import shared_site
from kommunebench.cli import app
from kommunebench.report.letters import letter_docx_bytes


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


def test_a_letter_is_a_real_docx_with_the_drafts_paragraphs(site, tmp_path):
    out = tmp_path / "brev.docx"
    result = CliRunner().invoke(app, ["joblog", "letter", "101", "--out", str(out), "--db", str(site.db)])
    assert result.exit_code == 0, result.output
    assert "Brevudkast skrevet til" in result.output
    assert zipfile.is_zipfile(out) and "word/document.xml" in zipfile.ZipFile(out).namelist()
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Jobcenter København" in text and "Vedr.:" in text and "{{" not in text
    vedr = next(p for p in document.paragraphs if p.text.startswith("Vedr."))
    assert vedr.runs[0].bold
    assert document.core_properties.language == "da-DK"
    section = document.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.01 and abs(section.page_height.cm - 29.7) < 0.01


def test_blocks_become_paragraphs_and_indented_blocks_are_indented():
    data = letter_docx_bytes("Til X\nJobcenter X\n\nVedr.: Y\n\n  Kriterium 1\n  Bevis\n\nHilsen", title="Brev")

    document = docx.Document(io.BytesIO(data))
    assert [p.text for p in document.paragraphs] == ["Til X\nJobcenter X", "Vedr.: Y", "Kriterium 1\nBevis", "Hilsen"]
    assert document.paragraphs[2].paragraph_format.left_indent is not None
