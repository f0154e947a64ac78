"""The KPI input kinds: validation refusals (file, row, column, rule) and all-or-nothing loads."""

from __future__ import annotations

import csv
import shutil

import pytest

from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.errors import ValidationError
from kpi_cases import write_case_files

TABLES = ("caseworkers", "case_assignments", "offers", "conversations", "persons", "loads")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = write_case_files(tmp_path_factory.mktemp("kpi_load") / "files")
    db = folder.parent / "base.duckdb"
    load(db, folder)
    return folder, db


def _copy(base, tmp_path):
    folder, db = base
    shutil.copy(db, tmp_path / "w.duckdb")
    return folder, tmp_path / "w.duckdb"


def _edit(src, dst, row: int, column: str, value: str) -> None:
    with src.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[row - 1][column] = value
    with dst.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def _counts(db) -> dict[str, int]:
    con = warehouse.connect(db, read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


@pytest.mark.parametrize(
    ("kind", "row", "column", "value", "rule"),
    [
        ("caseworkers", 2, "fte", "0", "over 0"),
        ("caseworkers", 3, "kommunekode", "411", "ukendt kommunekode"),
        ("caseworkers", 1, "valid_to", "2022-12-01", "før valid_from"),
        ("case_assignments", 4, "target_group", "alle", "ikke en tilladt værdi"),
        ("case_assignments", 2, "caseworker_id", "99", "caseworker_id findes ikke i caseworkers"),
        ("case_assignments", 5, "valid_from", "2023-13-01", "ikke en dato"),
        ("offers", 2, "end_date", "2023-02-01", "before start_date"),
        ("offers", 1, "offer_type", "kursus", "ikke en tilladt værdi"),
        ("offers", 3, "cost_dkk", "-5", "mindst 0"),
        ("offers", 1, "person_id", "77", "person_id findes ikke i persons"),
        ("conversations", 6, "status", "maybe", "ikke en tilladt værdi"),
        ("conversations", 2, "caseworker_id", "42", "caseworker_id findes ikke i caseworkers"),
    ],
)
def test_refusals_name_file_row_column_and_rule(base, tmp_path, kind, row, column, value, rule):
    folder, db = _copy(base, tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    _edit(folder / f"{kind}.csv", bad / f"{kind}.csv", row, column, value)
    sources = {kind: bad / f"{kind}.csv"}
    if kind == "caseworkers":  # the stored assignments still refer to every caseworker
        sources["case_assignments"] = folder / "case_assignments.csv"
    before = _counts(db)
    with pytest.raises(ValidationError) as exc:
        load(db, sources)
    err = exc.value
    assert err.file == f"{kind}.csv" and err.column == column and rule in err.rule, str(err)
    assert err.row == row, str(err)
    assert _counts(db) == before  # all or nothing


def test_a_duplicate_key_is_refused(base, tmp_path):
    folder, db = _copy(base, tmp_path)
    bad = tmp_path / "conversations.csv"
    _edit(folder / "conversations.csv", bad, 2, "date", "2023-01-10")  # same person, day and kind as row 1
    with pytest.raises(ValidationError, match="dobbelt nøgle"):
        load(db, {"conversations": bad})


def test_replacing_caseworkers_that_stored_rows_use_is_refused(base, tmp_path):
    folder, db = _copy(base, tmp_path)
    only = tmp_path / "caseworkers.csv"
    with (folder / "caseworkers.csv").open(encoding="utf-8") as f:
        lines = f.readlines()
    only.write_text("".join(lines[:2]), encoding="utf-8")  # caseworker 1 only
    before = _counts(db)
    with pytest.raises(ValidationError, match="de gemte case_assignments henviser til"):
        load(db, {"caseworkers": only})
    assert _counts(db) == before


def test_a_good_reload_is_unchanged_and_a_new_one_replaces(base, tmp_path):
    folder, db = _copy(base, tmp_path)
    rep = load(db, {"offers": folder / "offers.csv"})
    assert rep.already_loaded
    fewer = tmp_path / "offers.csv"
    with (folder / "offers.csv").open(encoding="utf-8") as f:
        fewer.write_text("".join(f.readlines()[:2]), encoding="utf-8")
    assert load(db, {"offers": fewer})["offers"].status == "loaded"
    assert _counts(db)["offers"] == 1
