"""Letters as real Word documents (.docx, written with python-docx), never text with a .docx name.

A letter draft (:func:`kommunebench.alerts.draft_letter`) is plain Danish text: blocks separated
by blank lines, indented lines for criteria and figures. Here every block becomes a paragraph on
an A4 page (lines of a block kept as line breaks, an indented block indented, the "Vedr.:" line in
bold), with the document's title, author and language set.
"""

from __future__ import annotations

import io
from pathlib import Path

from kommunebench.report.common import file_path, write_atomic

__all__ = ["DOCX_TYPE", "letter_docx_bytes", "write_letter_docx"]

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _blocks(text: str) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            out[-1].append(line.rstrip())
        elif out[-1]:
            out.append([])
    return [b for b in out if b]


def letter_docx_bytes(text: str, *, title: str = "Brev") -> bytes:
    """The letter ``text`` as the bytes of a .docx file (A4 portrait, Calibri 11, Danish)."""
    from docx import Document  # imported here, not at every start of the command line
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    rpr = style.element.get_or_add_rPr()
    lang = rpr.makeelement(qn("w:lang"), {qn("w:val"): "da-DK"})
    rpr.append(lang)
    doc.core_properties.title = title
    doc.core_properties.language = "da-DK"
    doc.core_properties.author = "kommunebench"
    for block in _blocks(text):
        para = doc.add_paragraph()
        if all(line.startswith("  ") for line in block):
            para.paragraph_format.left_indent = Cm(1.0)
        for i, line in enumerate(block):
            run = para.add_run(line.strip())
            run.bold = line.startswith("Vedr.")
            if i < len(block) - 1:
                run.add_break()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def write_letter_docx(text: str, path: str | Path, *, title: str = "Brev") -> Path:
    """Write the letter as a .docx file (atomically) and return its path."""
    return write_atomic(file_path(path, (".docx",)), letter_docx_bytes(text, title=title))
