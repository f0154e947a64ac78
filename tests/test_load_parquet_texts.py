"""Text columns of Parquet files: their distinct values are read with the file's integrity check
(the week texts, and whether a text column has anything to trim). Whatever the encoding (plain
text or a dictionary, with or without unused entries), the stored content, the fingerprint and
the refusals must be those of the same rows as CSV."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import arrow_table, table_contents, tiny_rows, write_csv, write_inputs
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.errors import ValidationError


def _as_dictionary(table: pa.Table, column: str, extra: list[str] | None = None) -> pa.Table:
    """``column`` dictionary-encoded, its dictionary holding ``extra`` entries no row uses."""
    values = table.column(column).combine_chunks()
    entries = sorted({v for v in values.to_pylist() if v is not None}) + (extra or [])
    indices = pc.index_in(values, value_set=pa.array(entries, pa.string())).cast(pa.int32())
    encoded = pa.DictionaryArray.from_arrays(indices, pa.array(entries, pa.string()))
    return table.set_column(table.schema.get_field_index(column), column, encoded)


def _write(folder, kind, rows, *, dictionary=(), extra=None):
    folder.mkdir(parents=True, exist_ok=True)
    table = arrow_table(kind, rows)
    for column in dictionary:
        table = _as_dictionary(table, column, extra)
    pq.write_table(table, folder / f"{kind}.parquet", row_group_size=max(len(rows) // 3, 1))
    return folder / f"{kind}.parquet"


def _stored(db, table):
    return sorted(table_contents(db)[table])


@pytest.mark.parametrize("dictionary", [False, True])
def test_padded_texts_are_stored_trimmed_with_the_fingerprint_of_clean_texts(dictionary, tmp_path):
    rows = tiny_rows()
    clean = load(tmp_path / "clean.duckdb", write_inputs(tmp_path / "clean", "parquet", rows))
    padded = {k: [dict(r) for r in v] for k, v in rows.items()}
    padded["persons"][4]["sex"] = f"  {padded['persons'][4]['sex']} "
    padded["benefit_weeks"][7]["week"] = f" {padded['benefit_weeks'][7]['week']}"
    folder = tmp_path / "padded"
    cols = {"persons": ("sex", "origin"), "benefit_weeks": ("week",)} if dictionary else {}
    sources = {k: _write(folder, k, v, dictionary=cols.get(k, ())) for k, v in padded.items()}
    report = load(tmp_path / "padded.duckdb", sources)
    assert [k.fingerprint for k in report.kinds] == [k.fingerprint for k in clean.kinds]
    for table in ("persons", "benefit_weeks"):
        assert _stored(tmp_path / "padded.duckdb", table) == _stored(tmp_path / "clean.duckdb", table)


@pytest.mark.parametrize("dictionary", [False, True])
def test_an_empty_text_is_refused_as_missing_by_row(dictionary, tmp_path):
    rows = tiny_rows()
    rows["persons"][5]["origin"] = ""
    valid = write_inputs(tmp_path / "valid")
    sources = {
        "persons": _write(tmp_path / "bad", "persons", rows["persons"], dictionary=("origin",) if dictionary else ()),
        "benefit_weeks": valid / "benefit_weeks.parquet",
        "labour_market": valid / "labour_market.parquet",
    }
    db = tmp_path / "w.duckdb"
    warehouse.connect(db).close()
    before = table_contents(db)
    with pytest.raises(ValidationError) as err:
        load(db, sources)
    assert (err.value.file, err.value.row, err.value.column) == ("persons.parquet", 6, "origin")
    assert "manglende værdi" in str(err.value)
    assert table_contents(db) == before


@pytest.mark.parametrize("dictionary", [False, True])
@pytest.mark.parametrize(("week", "words"), [("2022-W53", ["52 ISO-uger"]), ("2023-5", ["YYYY-Www"])])
def test_a_bad_week_in_parquet_is_refused_like_in_csv(dictionary, week, words, tmp_path):
    rows = tiny_rows()
    rows["benefit_weeks"][3]["week"] = week
    valid = write_inputs(tmp_path / "valid")
    refusals = []
    for fmt in ("csv", "parquet"):
        folder = tmp_path / fmt
        if fmt == "csv":
            folder.mkdir()
            bw = write_csv(folder / "benefit_weeks.csv", rows["benefit_weeks"])
        else:
            bw = _write(folder, "benefit_weeks", rows["benefit_weeks"], dictionary=("week",) if dictionary else ())
        sources = {"benefit_weeks": bw, "persons": valid / "persons.parquet"}
        with pytest.raises(ValidationError) as err:
            load(tmp_path / f"{fmt}.duckdb", sources)
        e = err.value
        assert (e.row, e.column, e.value) == (4, "week", week) and all(w in str(e) for w in words), str(e)
        refusals.append(str(e).replace(f"benefit_weeks.{fmt}", "FILE").replace(" (linje 5)", ""))
    assert refusals[0] == refusals[1]


def test_unused_dictionary_entries_are_no_values_of_the_file(tmp_path):
    """A dictionary may hold entries no row uses (a writer's categories): they are not refused."""
    rows = tiny_rows()
    folder = tmp_path / "dict"
    sources = {
        "persons": _write(folder, "persons", rows["persons"], dictionary=("sex",), extra=["X", " "]),
        "benefit_weeks": _write(
            folder, "benefit_weeks", rows["benefit_weeks"], dictionary=("week",), extra=["2023-W99"]
        ),
        "labour_market": _write(folder, "labour_market", rows["labour_market"]),
    }
    report = load(tmp_path / "w.duckdb", sources)
    clean = load(tmp_path / "clean.duckdb", write_inputs(tmp_path / "clean", "parquet", rows))
    assert [k.fingerprint for k in report.kinds] == [k.fingerprint for k in clean.kinds]
