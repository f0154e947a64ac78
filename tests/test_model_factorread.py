"""The factor columns read by stored type give exactly the codes of the design's SQL ``CASE``.

The one pass and the stored blocks read an ``ENUM`` column by its dictionary position and a
banded integer column by its value, and look the level up in NumPy (``model/factorread.py``).
Checked against DuckDB evaluating :meth:`Factor.sql_code` itself: over every value of each
integer type, over an ``ENUM`` whose dictionary is in another order than the levels and holds a
value that is no level, and over whole passes on the same persons stored both ways.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from kommunebench.data import schemas, warehouse
from kommunebench.data.periods import Period
from kommunebench.errors import ValidationError
from kommunebench.model.accumulate import period_statistics
from kommunebench.model.design import DEFAULT_DESIGN, Design, Factor
from kommunebench.model.factorread import band_table, factor_reader
from kommunebench.model.fit import _areas_of
from test_model import CODE_AREAS, COMMUTING, SCOPE, build_warehouse

_TYPES = {"TINYINT": np.int8, "UTINYINT": np.uint8, "SMALLINT": np.int16, "USMALLINT": np.uint16}


def _random_bands(rng: np.random.Generator) -> Factor:
    """Bands with gaps, overlaps and negative bounds: the CASE's first match decides."""
    cuts = np.sort(rng.choice(np.arange(-200, 300), size=8, replace=False))
    bands = [(f"b{i}", int(cuts[2 * i]), int(cuts[2 * i + 1]) + int(rng.integers(-3, 4))) for i in range(4)]
    return Factor.banded("random_band", "x", bands)


@pytest.mark.parametrize("kind", list(_TYPES))
def test_band_tables_equal_the_case_over_every_value_of_the_type(kind):
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print("seed", seed)
    rng = np.random.default_rng(seed)
    factors = [f for f in DEFAULT_DESIGN.factors if f.bands is not None] + [_random_bands(rng)]
    con = duckdb.connect()
    dtype = np.dtype(_TYPES[kind])
    info = np.iinfo(dtype)
    con.execute(f"CREATE TABLE t AS SELECT range::{kind} AS x FROM range({info.min}, {info.max + 1})")
    for f in factors:
        expr = Factor(f.name, "x", f.levels, f.reference, f.bands).sql_code("t")
        x, want = (
            np.array(c) for c in zip(*con.execute(f"SELECT x, {expr} FROM t ORDER BY x").fetchall(), strict=True)
        )
        got = band_table(f, dtype)[x.astype(dtype).view(np.dtype(f"u{dtype.itemsize}"))]
        assert np.array_equal(got, want), f.name


def _codes_both_ways(con: duckdb.DuckDBPyConnection, design: Design) -> tuple[np.ndarray, np.ndarray]:
    reader = factor_reader(con, design, table="t", alias="t")
    case = ", ".join(f"({f.sql_code('t')})::TINYINT" for f in design.factors)
    fast = con.sql(f"SELECT {reader.sql()} FROM t ORDER BY i").to_arrow_reader(1 << 20).read_all()
    got = reader.codes([np.asarray(c.to_numpy(zero_copy_only=False)) for c in fast.columns])
    want = np.array(con.execute(f"SELECT {case} FROM t ORDER BY i").fetchall())
    return got, want


def test_an_enum_is_read_by_its_position_whatever_the_dictionary_order():
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print("seed", seed)
    rng = np.random.default_rng(seed)
    levels = list(schemas.EDUCATIONS)
    dictionary = [*rng.permutation(levels).tolist(), "no_such_level"]
    design = Design(factors=(Factor.of_values("education", "education", levels),), labour_market=())
    con = duckdb.connect()
    enum = "ENUM(" + ", ".join(f"'{v}'" for v in dictionary) + ")"
    con.execute(f"CREATE TABLE t (i INTEGER, education {enum} NOT NULL)")
    values = rng.choice(dictionary, 5_000)
    con.executemany("INSERT INTO t VALUES (?, ?)", [[i, str(v)] for i, v in enumerate(values)])
    reader = factor_reader(con, design, table="t", alias="t")
    assert reader.expressions == ("enum_code(t.education)",)
    got, want = _codes_both_ways(con, design)
    assert np.array_equal(got, want)
    assert (got == -1).sum() == (values == "no_such_level").sum() > 0


def test_text_wide_integers_and_columns_that_allow_missing_keep_the_case():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (i INTEGER, sex VARCHAR NOT NULL, age INTEGER NOT NULL, health_contacts SMALLINT, "
        "origin ENUM('danish', 'western', 'non_western'))"
    )
    con.execute(
        "INSERT INTO t VALUES (0, 'K', 70, NULL, 'western'), (1, 'X', 15, 4, NULL), (2, 'M', 33, 400, 'danish')"
    )
    design = Design(
        factors=tuple(f for f in DEFAULT_DESIGN.factors if f.column in {"sex", "age", "health_contacts", "origin"}),
        labour_market=(),
    )
    reader = factor_reader(con, design, table="t", alias="t")
    assert all(t is None for t in reader.tables)
    assert all("CASE" in e for e in reader.expressions)
    got, want = _codes_both_ways(con, design)
    assert np.array_equal(got, want)
    assert got.tolist() == [[10, 1, 1, -1], [0, -1, -1, 2], [3, 0, 0, 3]]


def test_the_pass_is_bit_identical_on_persons_stored_as_text_or_as_the_loader_stores_them(tmp_path):
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print("seed", seed)
    text, *_ = build_warehouse(tmp_path / "text.duckdb", 6_000, seed=seed)
    text.execute(f"ATTACH '{tmp_path / 'typed.duckdb'}' AS typed")
    columns = []
    for c in schemas.KINDS["persons"].columns:
        kind = "ENUM(" + ", ".join(f"'{v}'" for v in reversed(c.allowed)) + ")" if c.allowed else c.sql_type
        columns.append(f"{c.name} {kind} NOT NULL")
    text.execute(f"CREATE TABLE typed.persons ({', '.join(columns)})")
    text.execute("INSERT INTO typed.persons SELECT * FROM persons")
    for table in ("benefit_weeks", "labour_market"):
        text.execute(f"CREATE TABLE typed.{table} AS SELECT * FROM {table}")
    text.execute("DETACH typed")
    typed = duckdb.connect(str(tmp_path / "typed.duckdb"))
    assert all(t is None for t in factor_reader(text, DEFAULT_DESIGN).tables[1:5])
    assert all(t is not None for t in factor_reader(typed, DEFAULT_DESIGN).tables)

    _, area_codes = _areas_of(CODE_AREAS, SCOPE)
    for label in ("2023QMAT04", "2023QMAT02"):
        a, b = (
            period_statistics(
                con, Period.parse(label), design=DEFAULT_DESIGN, area_codes=area_codes, commuting_area_of=COMMUTING
            )
            for con in (text, typed)
        )
        assert a.n == b.n > 0
        assert np.array_equal(a.sums, b.sums) and a.gram is not None and b.gram is not None
        assert np.array_equal(a.gram, b.gram) and np.array_equal(a.mun_gram, b.mun_gram)

    # a value in no band of a banded factor read by table is refused as by the CASE
    odd = Factor.banded("health_band", "health_contacts", [("0-100", 0, 100), ("300+", 300, 400)])
    design = Design(factors=(odd,), labour_market=DEFAULT_DESIGN.labour_market)
    assert factor_reader(typed, design).tables[0] is not None
    typed.execute(
        "UPDATE persons SET health_contacts = 200 WHERE person_id = "
        "(SELECT min(person_id) FROM persons WHERE year = 2023 AND age BETWEEN 16 AND 66)"
    )
    with pytest.raises(ValidationError, match=": 1 person.* outside the levels of health_band"):
        period_statistics(
            typed, Period.parse("2023QMAT04"), design=design, area_codes=area_codes, commuting_area_of=COMMUTING
        )


def test_a_loaded_warehouse_reads_every_factor_by_table(loaded_db):
    con = warehouse.connect(loaded_db, read_only=True)
    try:
        reader = factor_reader(con, DEFAULT_DESIGN)
    finally:
        con.close()
    assert all(t is not None for t in reader.tables), reader.expressions
    assert not any("CASE" in e for e in reader.expressions)
