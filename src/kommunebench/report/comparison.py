"""The published-vs-own comparison as an Excel workbook (``sammenligning_<own>_<published>.xlsx``)."""

from __future__ import annotations

from pathlib import Path

from kommunebench.publish import ATTRIBUTION
from kommunebench.publish.compare import Comparison
from kommunebench.publish.labels import AREA_LABELS
from kommunebench.report import xlsx
from kommunebench.report.common import write_atomic

__all__ = ["comparison_workbook_bytes", "write_comparison_excel"]


def _about(comp: Comparison) -> list[tuple[str, str]]:
    rows = [
        ("Egen kørsel", f"{comp.own_run} ({comp.own_period})"),
        ("Offentliggjort kørsel", f"{comp.published_run} ({comp.published_period}), jobindsats.dk tabel Y30R21"),
        (
            "Metode",
            "Placeringer og forventede andele pr. kommune i begge lister; Spearmans rangkorrelation over "
            "kommunerne med en placering i begge; forskelle = egen − offentliggjort.",
        ),
        ("Kilde", f"Offentliggjorte tal: jobindsats.dk, STAR. {ATTRIBUTION}"),
    ]
    if not comp.same_period:
        rows.insert(2, ("Bemærk", "De to kørsler dækker forskellige perioder."))
    return rows


def comparison_workbook_bytes(comp: Comparison) -> bytes:
    """Sheets: "Sammenligning" (per list), one per list (per municipality), "Om sammenligningen"."""
    wb = xlsx.new_workbook("Offentliggjort mod egen kørsel")
    used: set[str] = set()
    ws = wb.create_sheet(xlsx.sheet_title("Sammenligning", used))
    xlsx.write_table(ws, comp.display("summary"))
    rows = comp.display("rows")
    area_col = rows.columns[0]
    for area in comp.summary["area"]:
        label = AREA_LABELS.get(area, area)
        sheet = wb.create_sheet(xlsx.sheet_title(label, used))
        part = rows[rows[area_col] == label].reset_index(drop=True)
        part.attrs["kinds"] = rows.attrs["kinds"]
        xlsx.write_table(sheet, part)
    xlsx.write_pairs(wb.create_sheet(xlsx.sheet_title("Om sammenligningen", used)), _about(comp))
    return xlsx.to_bytes(wb)


def write_comparison_excel(comp: Comparison, path: str | Path) -> Path:
    return write_atomic(Path(path), comparison_workbook_bytes(comp))
