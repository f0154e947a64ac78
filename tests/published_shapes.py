"""The shared Y30R21 extract written in every shape a jobindsats user meets (for the import tests).

The figures are the real published ones (``fixtures/Y30R21-api.jsonl``); the v3, v2, CSV and
Excel *shapes* are made here from them, as no recorded v3 reply exists (see fixtures/README.md).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook

FIXTURES = Path(__file__).parent / "fixtures"
EXTRACT = FIXTURES / "Y30R21-api.jsonl"
SUBSET = FIXTURES / "Y30R21_2022QMAT04.jsonl"

# The download's Danish headers (shorter than the API's labels, as on jobindsats.dk).
CSV_HEADERS = [
    "Område",
    "Periode",
    "Ydelsesgrupper",
    "Forventet antal",
    "Faktisk antal",
    "Forskel mellem forventet og faktisk antal",
    "Forventet andel (pct.)",
    "Faktisk andel (pct.)",
    "Forskel mellem forventet og faktisk andel (pct. point)",
    "Placering på benchmarkranglisten",
]


def records(path: Path = SUBSET, period: str | None = None) -> list[dict[str, Any]]:
    out = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [r for r in out if period is None or r["Periode"] == period]


def columns(recs: list[dict[str, Any]]) -> list[str]:
    return list(recs[0])


def v3(recs: list[dict[str, Any]]) -> dict[str, Any]:
    cols = columns(recs)
    return {"columns": cols, "rows": [[r[c] for c in cols] for r in recs]}


def v2(recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cols = columns(recs)
    return [{"Variables": [{"Label": c} for c in cols], "Data": [[r[c] for c in cols] for r in recs]}]


def _national(recs: list[dict[str, Any]]) -> list[list[Any]]:
    """'Hele landet' and 'Uoplyst område' rows per period × group, as a download has them."""
    cols = columns(recs)
    seen: dict[tuple[str, str], list[Any]] = {}
    for r in recs:
        key = (r["Periode"], r["Ydelsesgrupper"])
        row = seen.setdefault(key, ["Hele landet", key[0], key[1], 0, 0, 0, "7,00", "7,00", "0,00", ""])
        for i in (3, 4, 5):
            row[i] += r[cols[i]]
    out = list(seen.values())
    out += [["Uoplyst område", p, g, "..", "..", "..", "..", "..", "..", ""] for p, g in seen]
    return out


def _danish(value: Any) -> str:
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def write(shape: str, folder: Path, recs: list[dict[str, Any]], name: str = "Y30R21") -> Path:
    """``recs`` written as ``shape`` (v3, v2, jsonl, csv, xlsx) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    cols = columns(recs)
    if shape == "v3":
        path = folder / f"{name}.json"
        path.write_text(json.dumps(v3(recs), ensure_ascii=False), "utf-8")
    elif shape == "v2":
        path = folder / f"{name}_v2.json"
        path.write_text(json.dumps(v2(recs), ensure_ascii=False), "utf-8")
    elif shape == "jsonl":
        path = folder / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    elif shape == "csv":
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(CSV_HEADERS)
            for row in _national(recs):
                w.writerow([_danish(v) for v in row])
            for r in recs:
                w.writerow([_danish(r[c]) for c in cols])
            w.writerow(["Kilde: jobindsats.dk, STAR"])
    elif shape == "xlsx":
        path = folder / f"{name}.xlsx"
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.append(["Forventet og faktisk antal og andel fuldtidspersoner på offentlig forsørgelse (Y30R21)"])
        ws.append([])
        ws.append(CSV_HEADERS)
        for row in _national(recs):
            ws.append(row)
        for r in recs:
            ws.append([r[c] for c in cols])
        wb.save(path)
    else:
        raise ValueError(shape)
    return path
