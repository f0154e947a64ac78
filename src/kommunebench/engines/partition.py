"""The partitioned Parquet copy of a snapshot, for engines that read in parallel (Spark).

``<snapshot>/parts/persons/year=Y/kommunekode=K/*.parquet`` and
``<snapshot>/parts/benefit_weeks/year=Y/kommunekode=K/*.parquet``: persons by population year
and residence municipality; benefit weeks by the ISO year of the week and the person's
municipality in that year (0 when the person has no row that year). The partition columns live
in the folder names (Hive style), so a reader prunes whole years before reading a byte. The
loader ignores the ``parts`` folder: the flat files stay the snapshot that is loaded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from kommunebench.errors import ConfigError

__all__ = ["write_partitioned"]

PARTS = "parts"


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_partitioned(snapshot: Path) -> Path:
    """Write ``snapshot/parts`` from ``persons.parquet`` and ``benefit_weeks.parquet``; returns it."""
    snapshot = Path(snapshot)
    persons, weeks = snapshot / "persons.parquet", snapshot / "benefit_weeks.parquet"
    if not persons.is_file() or not weeks.is_file():
        raise ConfigError(f"{snapshot} har ikke persons.parquet og benefit_weeks.parquet")
    out = snapshot / PARTS
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT * FROM read_parquet({_lit(persons)})) TO {_lit(out / 'persons')} "
            "(FORMAT PARQUET, PARTITION_BY (year, kommunekode), COMPRESSION zstd)"
        )
        con.execute(
            f"COPY (SELECT w.*, CAST(left(w.week, 4) AS INTEGER) AS year, coalesce(p.kommunekode, 0) AS kommunekode "
            f"FROM read_parquet({_lit(weeks)}) w LEFT JOIN read_parquet({_lit(persons)}) p "
            f"ON p.person_id = w.person_id AND p.year = CAST(left(w.week, 4) AS INTEGER)) "
            f"TO {_lit(out / 'benefit_weeks')} (FORMAT PARQUET, PARTITION_BY (year, kommunekode), COMPRESSION zstd)"
        )
    finally:
        con.close()
    return out
