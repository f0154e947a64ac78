"""Hand-built joblog data for the joblog tests: rows by municipality and month, written as real
files and loaded with the package's loader into a real DuckDB warehouse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from kommunebench.data.load import load

AARHUS, ODENSE, AALBORG, ESBJERG, VEJLE, KOLDING, HORSENS, RANDERS, LAESOE = (
    751,
    461,
    851,
    561,
    630,
    621,
    615,
    730,
    825,
)


def month(text: str) -> dt.date:
    y, m = text.split("-")
    return dt.date(int(y), int(m), 1)


def published(text: str) -> dt.date:
    """The day month ``text`` is published with the default lag of 3 months."""
    m = month(text)
    i = m.year * 12 + m.month - 1 + 3
    return dt.date(i // 12, i % 12 + 1, 1)


class Cases:
    """Collects joblog rows; person ids are ``kommunekode * 100_000 + i`` unless given."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def row(self, pid: int, code: int, m: str, searches: int, *, in_group: bool = True, weight: float = 1.0) -> Cases:
        self.rows.append(
            {
                "person_id": pid,
                "kommunekode": code,
                "month": m,
                "in_target_group": in_group,
                "availability_weight": weight,
                "searches": searches,
            }
        )
        return self

    def month(self, code: int, m: str, *, tg: int, red: int, light: int = 0, first: int = 0) -> Cases:
        """``tg`` persons in the target group: the first ``red`` with 0 searches, then ``light``
        with 3, the rest with 8. Persons are ``first .. first + tg - 1`` of the municipality."""
        for i in range(tg):
            searches = 0 if i < red else (3 if i < red + light else 8)
            self.row(code * 100_000 + first + i, code, m, searches)
        return self

    def share(self, code: int, m: str, pct_red: float, tg: int = 1000) -> Cases:
        return self.month(code, m, tg=tg, red=round(tg * pct_red / 100))

    def persons(self) -> list[int]:
        return sorted({r["person_id"] for r in self.rows})

    def write(self, folder: Path) -> dict[str, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        ids = self.persons()
        codes = {r["person_id"]: r["kommunekode"] for r in self.rows}
        persons = pa.table(
            {
                "person_id": pa.array(ids, pa.int64()),
                "year": pa.array([2023] * len(ids), pa.int16()),
                "kommunekode": pa.array([codes[i] for i in ids], pa.int16()),
                "age": pa.array([30] * len(ids), pa.int16()),
                "sex": ["M"] * len(ids),
                "origin": ["danish"] * len(ids),
                "education": ["basic"] * len(ids),
                "family_type": ["single"] * len(ids),
                "health_contacts": pa.array([0] * len(ids), pa.int16()),
                "prior_benefit_weeks": pa.array([0] * len(ids), pa.int16()),
            }
        )
        joblog = pa.table(
            {
                "person_id": pa.array([r["person_id"] for r in self.rows], pa.int64()),
                "kommunekode": pa.array([r["kommunekode"] for r in self.rows], pa.int16()),
                "month": [r["month"] for r in self.rows],
                "in_target_group": pa.array([r["in_target_group"] for r in self.rows], pa.bool_()),
                "availability_weight": pa.array([r["availability_weight"] for r in self.rows], pa.float64()),
                "searches": pa.array([r["searches"] for r in self.rows], pa.int16()),
            }
        )
        pq.write_table(persons, folder / "persons.parquet")
        pq.write_table(joblog, folder / "joblog.parquet")
        return {"persons": folder / "persons.parquet", "joblog": folder / "joblog.parquet"}

    def load(self, db: Path, folder: Path | None = None) -> Path:
        load(db, self.write(folder or db.parent / "files"))
        return db
