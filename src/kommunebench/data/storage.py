"""How a kind's table is written: each column's compression chosen from a sample, closed sets of
texts as ENUM.

DuckDB picks a column's compression by *analysing* every row with each candidate method before
it compresses; for an integer column the bit-packing analysis alone costs about as much as the
compression it decides on (74 M benefit weeks: 7.2 CPU s with the analysis, 4.8 without). A
load knows its data: a register grouped by person has long runs of the same person, the same
benefit code, the same municipality; a person file in random order has none. So before a large
kind is stored, a sample of its typed rows (the first :data:`SAMPLE_ROWS`, in file order) gives
each integer and date column's runs and range, and the method that stores the sample smaller is
declared on the column (``USING COMPRESSION``): run-length where runs are long, bit-packing
where they are not. A text column with few distinct values in the sample is declared
dictionary + FSST. Other columns (decimals, booleans) keep DuckDB's own choice.

A text column with a closed set of values (``allowed`` in the schema: sex, origin, education,
family type, a conversation's kind and status, ...) is stored as an ``ENUM`` of exactly those
values: one small integer a row instead of a string to compress (8 M persons' four texts:
about 2.3 CPU s less). SQL compares it with text as before (``sex = 'K'``); Python reads it as
text (``fetchall``) or as a category (``fetchdf``). A value outside the set fails the insert,
and the load then refuses the file by the allowed-values rule, as before. The fingerprint hashes
such a column as text, so it does not depend on how the column is stored.

The compression decides only how the same values are laid out on disk, never the values: a wrong
guess costs space and scan time, not correctness. The table is re-created with its columns,
types and NOT NULL as they stand (inside the load's transaction, so a refused load leaves the
former table); a table with any other constraint (a key) is only emptied and refilled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import duckdb

from kommunebench.data.sql import lit, q

__all__ = ["SAMPLE_ROWS", "MIN_ROWS", "replace_table"]

SAMPLE_ROWS = 122_880  # one DuckDB row group
MIN_ROWS = 500_000  # below this, the analysis costs little: the table is only emptied
_MAX_DICT = 4_096  # distinct texts in the sample for dictionary + FSST
_WIDTH = {"SMALLINT": 2, "INTEGER": 4, "BIGINT": 8, "DATE": 4, "TINYINT": 1}
_supported: dict[str, bool] = {}


def replace_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[str],
    source: str,
    rows: int,
    *,
    enums: Mapping[str, Sequence[str]] | None = None,
    min_rows: int = MIN_ROWS,
) -> None:
    """Replace ``table``'s rows by ``SELECT columns FROM source`` (``rows`` of them; ``source``
    has the row number ``__rn``). From ``min_rows`` rows, or whenever ``enums`` names a column,
    the table is re-created with a compression declared per column, and each text column of
    ``enums`` (column → its closed set of values) as an ``ENUM`` of those values (see the module
    docstring)."""
    cols = ", ".join(q(c) for c in columns)
    ddl = None if rows < min_rows and not enums else _ddl(con, table, source, enums or {})
    if ddl is None:
        con.execute(f"DELETE FROM {table}")
    else:
        con.execute(ddl)
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {source}")


def _ddl(con: duckdb.DuckDBPyConnection, table: str, source: str, enums: Mapping[str, Sequence[str]]) -> str | None:
    """The table's definition with a compression per column, or None to keep the table."""
    if not _can_declare(con):
        return None
    others = con.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = ? AND constraint_type <> 'NOT NULL'", [table]
    ).fetchone()
    if others is None or others[0]:
        return None
    described = con.execute(
        "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE table_name = ? "
        "AND NOT internal ORDER BY column_index",
        [table],
    ).fetchall()
    enum = {
        name: f"ENUM({', '.join(lit(v) for v in enums[name])})"
        for name, kind, _ in described
        if (kind == "VARCHAR" or kind.startswith("ENUM(")) and name in enums
    }
    chosen = _choose(con, source, {name: kind for name, kind, _ in described if name not in enum})
    parts = [
        f"{q(name)} {enum.get(name, kind)}{'' if nullable else ' NOT NULL'}"
        + (f" USING COMPRESSION {chosen[name]}" if name in chosen else "")
        for name, kind, nullable in described
    ]
    return f"CREATE OR REPLACE TABLE {table} ({', '.join(parts)})"


def _choose(con: duckdb.DuckDBPyConnection, source: str, types: dict[str, str]) -> dict[str, str]:
    """Column → compression, from the first :data:`SAMPLE_ROWS` rows of ``source`` (with their
    row number ``__rn``)."""
    numeric = [c for c, t in types.items() if t in _WIDTH]
    texts = [c for c, t in types.items() if t == "VARCHAR"]
    if not numeric and not texts:
        return {}
    sample = f"(SELECT * FROM {source} LIMIT {SAMPLE_ROWS})"  # the first rows: the scan keeps file order
    stats = []
    for c in numeric:
        value = f"({q(c)} - DATE '1970-01-01')" if types[c] == "DATE" else f"{q(c)}::HUGEINT"
        stats += [
            f"count_if({q(c)} IS DISTINCT FROM p_{c})",
            f"max({value}) - min({value})",
        ]
    stats += [f"approx_count_distinct({q(c)})" for c in texts]
    lags = ", ".join(f"lag({q(c)}) OVER (ORDER BY __rn) AS p_{c}" for c in numeric) or "1 AS __none"
    row = con.execute(f"SELECT count(*), {', '.join(stats)} FROM (SELECT *, {lags} FROM {sample})").fetchone()
    if row is None or not row[0]:
        return {}
    n, values = int(row[0]), list(row[1:])
    chosen: dict[str, str] = {}
    for i, c in enumerate(numeric):
        runs, spread = values[2 * i], values[2 * i + 1]
        bits = math.ceil(math.log2(int(spread or 0) + 1)) if spread is not None else 0
        width = _WIDTH[types[c]]
        rle = int(runs) * (width + 2)
        packed = n * bits / 8 + n / 2048 * (width + 1)  # a reference value and a width per 2,048
        chosen[c] = "rle" if rle < packed else "bitpacking"
    for j, c in enumerate(texts):
        if values[2 * len(numeric) + j] is not None and values[2 * len(numeric) + j] <= _MAX_DICT:
            chosen[c] = "dict_fsst"
    return chosen


def _can_declare(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this DuckDB takes ``USING COMPRESSION`` with the methods used here."""
    version = duckdb.__version__
    if version not in _supported:
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE __kb_compression (a BIGINT USING COMPRESSION rle, "
                "b BIGINT USING COMPRESSION bitpacking, c VARCHAR USING COMPRESSION dict_fsst)"
            )
            con.execute("DROP TABLE __kb_compression")
            _supported[version] = True
        except duckdb.Error:
            _supported[version] = False
    return _supported[version]
