"""How the model stage reads the persons' factor columns: the cheapest exact SQL per stored type.

A factor's level code (0-based, −1 for a value outside its levels) is defined by
:meth:`~kommunebench.model.design.Factor.sql_code`: a ``CASE`` over the stored column. Evaluated
per person inside DuckDB those ``CASE`` chains cost about a fifth of the one pass at full scale
(3.8 M persons, seven factors), so where the stored type allows, the query returns the stored
value as it is and the code is looked up in NumPy:

* a column stored as ``ENUM`` (the loader stores every closed set of texts so):
  ``enum_code(column)`` — the value's position in the ENUM's dictionary — and a table from that
  position to the level code (−1 for a dictionary value that is not a level);
* a banded factor over a ``TINYINT``/``SMALLINT``/``UTINYINT``/``USMALLINT`` column: the value,
  and a table over the type's whole range that applies the bands by exactly the ``CASE``'s rules
  (first band that matches; the lowest open downwards, the highest open upwards);
* anything else (text stored as ``VARCHAR``, wider integers): the ``CASE`` as before.

Only ``NOT NULL`` columns take a table (a missing value stays the ``CASE``'s −1). The codes are
identical either way, so the statistics are too; :func:`factor_reader` decides per column once
per pass from the warehouse's own column types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from kommunebench.model.design import Design, Factor

__all__ = ["FactorReader", "factor_reader", "case_reader", "band_table"]

# stored integer type → the NumPy type Arrow hands it over as
_INTEGERS = {"TINYINT": np.int8, "UTINYINT": np.uint8, "SMALLINT": np.int16, "USMALLINT": np.uint16}


@dataclass(frozen=True, eq=False)
class FactorReader:
    """One SQL expression per factor and, per factor, the table that decodes what it returns.

    ``tables[j]`` is ``None`` when expression ``j`` already gives the level code; else the code
    of the value ``v`` returned is ``tables[j][v]`` (an integer's bits read as unsigned).
    """

    expressions: tuple[str, ...]
    tables: tuple[np.ndarray | None, ...]

    def sql(self) -> str:
        """The select list ``expr AS f0, expr AS f1, …``."""
        return ", ".join(f"{e} AS f{j}" for j, e in enumerate(self.expressions))

    def codes(self, columns: Sequence[np.ndarray]) -> np.ndarray:
        """The level codes of a piece as one (rows × factors) int64 array."""
        m = len(columns[0]) if len(columns) else 0
        f = np.empty((len(columns), m), dtype=np.int64)  # column-major: each column one contiguous copy
        for j, (c, table) in enumerate(zip(columns, self.tables, strict=True)):
            if table is None:
                f[j] = c
            else:
                c = np.asarray(c)
                np.take(table, c.view(np.dtype(f"u{c.dtype.itemsize}")), out=f[j])  # out of range raises
        return f.T


def _case(factor: Factor, alias: str) -> str:
    return f"({factor.sql_code(alias)})::TINYINT"


def case_reader(design: Design, *, alias: str = "p") -> FactorReader:
    """Every factor by its ``CASE`` (for a query whose column types are not known in advance)."""
    return FactorReader(tuple(_case(f, alias) for f in design.factors), (None,) * len(design.factors))


def band_table(factor: Factor, stored: np.dtype) -> np.ndarray:
    """Level code of every value of the integer type ``stored``, indexed by its unsigned bits."""
    assert factor.bands is not None
    unsigned = np.dtype(f"u{stored.itemsize}")
    v = np.arange(2 ** (8 * stored.itemsize), dtype=np.int64).astype(unsigned).view(stored).astype(np.int64)
    out = np.full(len(v), -1, dtype=np.int64)
    taken = np.zeros(len(v), dtype=bool)
    last = len(factor.bands) - 1
    for i, (_, lo, hi) in enumerate(factor.bands):
        match = ~taken
        if i > 0:
            match &= v >= lo
        if i < last:
            match &= v <= hi
        out[match] = i
        taken |= match
    return out


def _enum_table(con: duckdb.DuckDBPyConnection, factor: Factor, stored: str) -> np.ndarray:
    values = con.execute(f"SELECT enum_range(NULL::{stored})").fetchall()[0][0]
    level = {lvl: i for i, lvl in enumerate(factor.levels)}
    return np.array([level.get(str(v), -1) for v in values], dtype=np.int64)


def factor_reader(
    con: duckdb.DuckDBPyConnection, design: Design, *, table: str = "persons", alias: str = "p"
) -> FactorReader:
    """The cheapest exact way to read ``design``'s factors from ``table`` as it is stored now."""
    stored = {
        str(name): (str(kind), str(null) == "NO")
        for name, kind, null, *_ in con.execute(f"DESCRIBE {table}").fetchall()
    }
    expressions: list[str] = []
    tables: list[np.ndarray | None] = []
    for f in design.factors:
        kind, not_null = stored.get(f.column, ("", False))
        col = f"{alias}.{f.column}"
        if not_null and f.bands is None and kind.startswith("ENUM("):
            expressions.append(f"enum_code({col})")
            tables.append(_enum_table(con, f, kind))
        elif not_null and f.bands is not None and kind in _INTEGERS:
            expressions.append(col)
            tables.append(band_table(f, np.dtype(_INTEGERS[kind])))
        else:
            expressions.append(_case(f, alias))
            tables.append(None)
    return FactorReader(tuple(expressions), tuple(tables))
