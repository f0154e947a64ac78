"""The KPI workbook of one municipality and period: one sheet per level, the catalogue, "Om".

Made from the publishing stage's rows (:mod:`kommunebench.publish.kpi`): suppressed cells are
empty. It holds caseworker figures, so it is an internal workbook for the municipality itself.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kommunebench.report import xlsx
from kommunebench.report.common import file_path

__all__ = ["write_kpi_workbook", "LEVEL_SHEETS"]

LEVEL_SHEETS = (
    ("kommune", "Faktaside"),
    ("afdeling", "Afdelinger"),
    ("maalgruppe", "Målgrupper"),
    ("sagsbehandler", "Sagsbehandlere"),
)
_UNIT_HEADER = {"kommune": None, "afdeling": "Afdeling", "maalgruppe": "Målgruppe", "sagsbehandler": "Sagsbehandler"}


def _sheet(rows: pd.DataFrame, level: str) -> pd.DataFrame:
    f = rows[rows.level == level]
    if f.empty:
        return pd.DataFrame(columns=["Nøgletal", "Værdi", "Enhed", "Type", "Undertrykt"])
    wide = f.pivot_table(index="unit", columns="name", values="value", aggfunc="first", dropna=False, sort=False)
    if level == "kommune":
        out = pd.DataFrame(
            {
                "Nøgletal": f.name.to_numpy(),
                "Værdi": f.value.to_numpy(),
                "Enhed": f.unit_text.to_numpy(),
                "Type": f.kind.to_numpy(),
                "Undertrykt": ["Ja" if s else "Nej" for s in f.suppressed],
            }
        )
        out.attrs["kinds"] = {"Værdi": "pct1"}
        return out
    wide = wide.reset_index().rename(columns={"unit": _UNIT_HEADER[level] or "Enhed"})
    wide.attrs["kinds"] = {c: "pct1" for c in wide.columns[1:]}
    return wide


def write_kpi_workbook(
    rows: pd.DataFrame, path: str | Path, *, title: str, catalogue: pd.DataFrame, made: dt.date
) -> Path:
    """Write the workbook and return its path (atomically, like every report file)."""
    p = file_path(path, (".xlsx",))
    wb = xlsx.new_workbook(title)
    used: set[str] = set()
    for level, name in LEVEL_SHEETS:
        xlsx.write_table(wb.create_sheet(xlsx.sheet_title(name, used)), _sheet(rows, level))
    cat = catalogue.rename(
        columns={
            "key": "Nøgle",
            "name": "Navn",
            "definition": "Definition",
            "unit_text": "Enhed",
            "kind": "Type",
            "direction": "Retning",
            "source": "Datakilde",
            "levels": "Niveauer",
        }
    )
    cat["Niveauer"] = cat["Niveauer"].map(", ".join)
    xlsx.write_table(wb.create_sheet(xlsx.sheet_title("Katalog", used)), cat)
    about = [
        ("Titel", title),
        ("Dannet", made.isoformat()),
        ("Fortrolighed", "Intern: indeholder tal pr. sagsbehandler; må ikke offentliggøres."),
        ("Små tal", "Tal, der bygger på færre borgere end grænsen for små tal, er tomme."),
    ]
    xlsx.write_pairs(wb.create_sheet(xlsx.sheet_title(xlsx.META_SHEET, used)), about)
    return xlsx.save(wb, p)
