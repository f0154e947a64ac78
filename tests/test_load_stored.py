"""The loader's store-first path: a kind whose content surely changed (no current load, or another
row count) is stored first and its rules read the stored columns. The refusals must be exactly
those of the check-first path (test_load.py's cases run there against a loaded warehouse whose
row counts match): same file, row, column and rule, and nothing stored on a refusal."""

from __future__ import annotations

import csv
import shutil

import pytest

from conftest import table_contents, tiny_rows, write_csv, write_inputs
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.errors import ValidationError
from kpi_cases import write_case_files
from test_load import CASES

# The cases of test_load.py that load persons and/or benefit_weeks files on their own merits
# (the others test the reference kinds, the file level or replacements of stored content).
STORED_CASES = [
    "person_id_not_integer",
    "person_id_decimal_text",
    "person_id_float_parquet",
    "age_not_numeric",
    "kommunekode_unknown",
    "age_out_of_range",
    "sex_not_allowed",
    "prior_weeks_above_max",
    "null_required",
    "more_rows_counted",
    "week_53_missing",
    "week_malformed",
    "week_duplicate_same_code",
    "week_two_codes",
    "benefit_code_unknown",
    "person_not_in_persons",
    "person_missing_in_same_load",
    "duplicate_person_key",
]


def _fresh(path):
    warehouse.connect(path).close()
    return path


def _progress():
    calls: list[str] = []
    return calls, lambda message, fraction: calls.append(message)


@pytest.mark.parametrize("case", STORED_CASES)
def test_a_new_warehouse_refuses_as_the_loaded_one_does(case, tmp_path):
    build, words, row, column = CASES[case]
    folder = tmp_path / "bad"
    folder.mkdir()
    sources = dict(build(folder))
    valid = write_inputs(tmp_path / "valid")
    for kind in ("persons", "benefit_weeks", "labour_market"):
        sources.setdefault(kind, valid / f"{kind}.parquet")
    db = _fresh(tmp_path / "w.duckdb")
    before = table_contents(db)
    calls, progress = _progress()
    with pytest.raises(ValidationError) as err:
        load(db, sources, progress=progress)
    message = str(err.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    if row is not None:
        assert err.value.row == row, message
    if column is not None:
        assert err.value.column == column, message
    assert any("gemmer" in m for m in calls)  # the store-first path was taken
    assert table_contents(db) == before


def _weeks(person_weeks):
    return [{"person_id": p, "week": w, "code": 111} for p, w in person_weeks]


@pytest.mark.parametrize("duplicate", [False, True])
def test_a_person_whose_weeks_span_more_than_127_weeks_is_checked_by_key(duplicate, tmp_path):
    rows = tiny_rows()
    extra = dict(rows["persons"][0], year=2020)  # person 1 also in 2020: weeks from 2020-W02 are his
    rows["persons"].append(extra)
    rows["benefit_weeks"] = [w for w in rows["benefit_weeks"] if w["person_id"] != 1]
    n_before = len(rows["benefit_weeks"])
    # 160 weeks from first to last; 2022-W24 is 127 weeks after 2020-W02 (the same bit modulo 127)
    wide = [(1, "2020-W02"), (1, "2020-W03"), (1, "2022-W24"), (1, "2023-W05")]
    if duplicate:
        wide.append((1, "2020-W03"))
    rows["benefit_weeks"] += _weeks(wide)
    folder = tmp_path / "in"
    folder.mkdir()
    sources = {k: write_csv(folder / f"{k}.csv", v) for k, v in rows.items()}
    db = _fresh(tmp_path / "w.duckdb")
    if not duplicate:
        assert load(db, sources).loaded == ("persons", "labour_market", "benefit_weeks")
        return
    n, first = len(rows["benefit_weeks"]), n_before + 2
    with pytest.raises(ValidationError, match=f"dobbelt række.*også i række {first}") as err:
        load(db, sources)
    assert err.value.row == n and err.value.file == "benefit_weeks.csv"


def _edit(src, dst, row: int, column: str, value: str) -> None:
    with src.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[row - 1][column] = value
    with dst.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture(scope="module")
def kpi_files(tmp_path_factory):
    return write_case_files(tmp_path_factory.mktemp("kpi_stored") / "files")


@pytest.mark.parametrize(
    ("kind", "row", "column", "value", "rule"),
    [
        ("caseworkers", 2, "valid_to", "2023-02-30", "ikke en dato"),  # a nullable column: read from the file
        ("case_assignments", 5, "valid_from", "2023-13-01", "ikke en dato"),  # NOT NULL: the insert fails
        ("case_assignments", 2, "caseworker_id", "99", "caseworker_id findes ikke i caseworkers"),
        ("offers", 3, "cost_dkk", "-5", "mindst 0"),
        ("conversations", 1, "person_id", "77", "person_id findes ikke i persons"),
    ],
)
def test_kpi_kinds_in_a_new_warehouse_refuse_by_file_row_column_and_rule(
    kpi_files, tmp_path, kind, row, column, value, rule
):
    folder = tmp_path / "files"
    shutil.copytree(kpi_files, folder)
    _edit(kpi_files / f"{kind}.csv", folder / f"{kind}.csv", row, column, value)
    db = _fresh(tmp_path / "w.duckdb")
    before = table_contents(db)
    with pytest.raises(ValidationError) as exc:
        load(db, folder)
    err = exc.value
    assert err.file == f"{kind}.csv" and err.column == column and rule in err.rule, str(err)
    assert err.row == row, str(err)
    assert table_contents(db) == before
