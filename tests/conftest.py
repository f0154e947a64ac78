"""Small generic fixtures: a tiny valid set of input files and a way to compare warehouses."""

from __future__ import annotations

import compileall
import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import kommunebench
from kommunebench.data import reference
from kommunebench.data.schemas import (
    EDUCATIONS,
    FAMILY_TYPES,
    KINDS,
    LABOUR_MARKET_VARIABLES,
    ORIGINS,
    SEXES,
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Byte-compile the package once, as ``pip install .`` does. Many tests start the command
    line in a subprocess; from a source checkout on a machine that sets
    ``PYTHONDONTWRITEBYTECODE`` each of them would compile ≈ 220 modules again (≈ 0.4 s)."""
    compileall.compile_dir(Path(kommunebench.__file__).parent, quiet=1)


N_PERSONS = 50
WEEKS = [f"2023-W{w:02d}" for w in range(1, 11)]
QUARTERS = ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]


def tiny_rows() -> dict[str, list[dict]]:
    """Rows (Python values, ``week`` as ``YYYY-Www`` text) of a small valid input set."""
    munis = reference.municipalities()
    codes = [c["code"] for c in reference.benefit_codes()]
    persons = [
        {
            "person_id": i,
            "year": 2023,
            "kommunekode": munis[(i * 7) % len(munis)].kommunekode,
            "age": 16 + (i * 3) % 51,
            "sex": SEXES[i % 2],
            "origin": ORIGINS[i % 3],
            "education": EDUCATIONS[i % 6],
            "family_type": FAMILY_TYPES[i % 5],
            "health_contacts": i % 4,
            "prior_benefit_weeks": (i * 11) % 158,
        }
        for i in range(1, N_PERSONS + 1)
    ]
    benefit_weeks = [
        {"person_id": i, "week": w, "code": codes[(i + j) % len(codes)]}
        for i in range(1, 21)
        for j, w in enumerate(WEEKS)
        if (i + j) % 3
    ]
    labour_market = [
        {
            "commuting_area": a["commuting_area"],
            "quarter": qu,
            **{
                v: round(1.5 + (a["commuting_area"] * 1.37 + k * 2.1 + n) % 40, 2)
                for n, v in enumerate(LABOUR_MARKET_VARIABLES)
            },
        }
        for a in reference.commuting_areas()
        for k, qu in enumerate(QUARTERS)
    ]
    return {"persons": persons, "benefit_weeks": benefit_weeks, "labour_market": labour_market}


_ARROW = {
    "BIGINT": pa.int64(),
    "SMALLINT": pa.int16(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "BOOLEAN": pa.bool_(),
}


def arrow_table(kind: str, rows: list[dict]) -> pa.Table:
    """A typed table of ``rows`` following the schema (``week`` stays text)."""
    k = KINDS[kind]
    cols = {}
    for c in k.columns:
        typ = pa.string() if c.name == "week" else _ARROW[c.sql_type]
        cols[c.name] = pa.array([r[c.name] for r in rows], type=typ)
    return pa.table(cols)


def write_parquet(path: Path, kind: str, rows: list[dict]) -> Path:
    pq.write_table(arrow_table(kind, rows), path)
    return path


def write_csv(
    path: Path,
    rows: list[dict],
    *,
    columns: list[str] | None = None,
    delimiter: str = ",",
    decimal_comma: bool = False,
    bom: bool = False,
) -> Path:
    """Rows as CSV text (any value is written as ``str``; None as an empty field)."""
    columns = columns or list(rows[0])
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            out = []
            for c in columns:
                v = r.get(c)
                text = "" if v is None else str(v)
                if decimal_comma and isinstance(v, float):
                    text = text.replace(".", ",")
                out.append(text)
            w.writerow(out)
    return path


def write_inputs(folder: Path, fmt: str = "parquet", rows: dict | None = None) -> Path:
    """Write the tiny valid set (or ``rows``) into ``folder`` as ``<kind>.<fmt>``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = rows or tiny_rows()
    for kind, rs in rows.items():
        if fmt == "parquet":
            write_parquet(folder / f"{kind}.parquet", kind, rs)
        else:
            write_csv(folder / f"{kind}.csv", rs)
    return folder


def write_joblog(folder: Path, month: str = "2023-01") -> Path:
    """A joblog for ``month`` beside the tiny valid set in ``folder`` (every 2023 person in the
    target group, 6 searches): so case-log actions about that data month are accepted."""
    ids = [(r["person_id"], r["kommunekode"]) for r in tiny_rows()["persons"] if r["year"] == 2023]
    rows = [
        {
            "person_id": pid,
            "kommunekode": code,
            "month": dt.date.fromisoformat(month + "-01"),
            "in_target_group": True,
            "availability_weight": 1.0,
            "searches": 6,
        }
        for pid, code in ids
    ]
    return write_parquet(folder / "joblog.parquet", "joblog", rows)


def table_contents(db: Path | duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every table of the warehouse, rows sorted: to compare a warehouse before and after."""
    con = duckdb.connect(str(db), read_only=True) if isinstance(db, Path) else db
    try:
        names = [
            r[0]
            for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()
        ]
        return {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        if isinstance(db, Path):
            con.close()


@pytest.fixture
def inputs(tmp_path) -> Path:
    """A folder with the tiny valid set as Parquet."""
    return write_inputs(tmp_path / "snapshot")


@pytest.fixture(scope="session")
def _loaded_template(tmp_path_factory) -> Path:
    from kommunebench.data.load import load

    base = tmp_path_factory.mktemp("template")
    db = base / "warehouse.duckdb"
    load(db, write_inputs(base / "snapshot"), snapshot_id="base")
    return db


@pytest.fixture
def loaded_db(_loaded_template, tmp_path) -> Path:
    """A warehouse file (a fresh copy per test) holding the tiny valid set as snapshot 'base'."""
    db = tmp_path / "wh" / "warehouse.duckdb"
    db.parent.mkdir()
    shutil.copy(_loaded_template, db)
    return db


__all__ = ["tiny_rows", "arrow_table", "write_parquet", "write_csv", "write_inputs", "table_contents"]
