"""A file grouped by person skips the key check's aggregate (data/keyorder.py), and a large kind is
stored with a compression declared per column (data/storage.py). Both must change nothing a
user can see: the same refusals, the same spans, the same stored values."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import tiny_rows, write_inputs
from kommunebench.data import warehouse
from kommunebench.data.filecheck import check_parquet
from kommunebench.data.keyorder import KeyOrder, key_order
from kommunebench.data.kpischemas import CONVERSATION_KINDS
from kommunebench.data.load import load
from kommunebench.data.schemas import KINDS
from kommunebench.data.storage import replace_table
from kommunebench.errors import ValidationError
from kpi_cases import write_case_files


def _monday(year: int, week: int) -> dt.date:
    return dt.date.fromisocalendar(year, week, 1)


def _grouped_weeks(rng: random.Random, persons: int) -> list[tuple[int, str, int]]:
    """Rows (person, week text, code): each person's weeks together and growing, persons with
    pseudonymous ids in random order."""
    ids = rng.sample(range(1, 1 << 40), persons)
    rows = []
    for p in ids:
        start = _monday(2021, 1) + dt.timedelta(weeks=rng.randrange(0, 150))
        weeks = sorted(rng.sample(range(0, 60), rng.randrange(1, 20)))
        for w in weeks:
            y, n, _ = (start + dt.timedelta(weeks=w)).isocalendar()
            rows.append((p, f"{y}-W{n:02d}", 111))
    return rows


def _write(path, rows, row_group: int) -> None:
    table = pa.table(
        {
            "person_id": pa.array([r[0] for r in rows], pa.int64()),
            "week": pa.array([r[1] for r in rows], pa.string()).dictionary_encode(),
            "code": pa.array([r[2] for r in rows], pa.int16()),
        }
    )
    pq.write_table(table, path, row_group_size=row_group)


def _watch(path) -> KeyOrder:
    order = KeyOrder(("person_id", "week"), "week")
    check_parquet(path, distinct=["week"], observe=order)
    return order


def _reference_spans(rows) -> dict[int, tuple[int, int]]:
    spans: dict[int, tuple[int, int]] = {}
    for p, w, _ in rows:
        y = int(w[:4])
        lo, hi = spans.get(p, (y, y))
        spans[p] = (min(lo, y), max(hi, y))
    return spans


def test_a_grouped_file_is_shown_with_the_spans_of_the_aggregate(tmp_path):
    seed = random.SystemRandom().randrange(2**31)
    print(f"seed {seed}")
    rng = random.Random(seed)
    rows = _grouped_weeks(rng, 3_000)
    path = tmp_path / "benefit_weeks.parquet"
    _write(path, rows, row_group=rng.randrange(50, 400))  # groups straddle the row groups
    grouped = _watch(path).result()
    assert grouped is not None and grouped.lo is not None and grouped.hi is not None
    got = {int(p): (int(lo), int(hi)) for p, lo, hi in zip(grouped.heads, grouped.lo, grouped.hi, strict=True)}
    assert got == _reference_spans(rows)
    assert len(grouped.heads) == len({r[0] for r in rows})


@pytest.mark.parametrize("damage", ["repeat_row", "repeat_at_boundary", "split_person", "week_back", "blank_week"])
def test_anything_but_a_grouped_file_says_nothing(damage, tmp_path):
    seed = random.SystemRandom().randrange(2**31)
    print(f"seed {seed} damage {damage}")
    rng = random.Random(seed)
    rows = _grouped_weeks(rng, 400)
    size = 97
    if damage == "repeat_row":
        i = rng.randrange(len(rows))
        rows.insert(i, rows[i])
    elif damage == "repeat_at_boundary":  # a row group's first row repeats the one before it
        i = size * rng.randrange(1, len(rows) // size)
        rows[i] = rows[i - 1]
    elif damage == "split_person":  # a person's last week moved to the end of the file
        p = rows[0][0]
        last = max(i for i, r in enumerate(rows) if r[0] == p)
        if last == 0:
            rows.insert(1, (p, "2030-W01", 111))
            last = 1
        rows.append(rows.pop(last))
    elif damage == "week_back":
        i = next(i for i in range(1, len(rows)) if rows[i][0] == rows[i - 1][0])
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif damage == "blank_week":
        rows[5] = (rows[5][0], " " + rows[5][1], rows[5][2])
    path = tmp_path / "benefit_weeks.parquet"
    _write(path, rows, row_group=size)
    assert _watch(path).result() is None


def test_a_duplicate_at_a_row_group_boundary_is_refused_by_its_rule(tmp_path):
    rows = tiny_rows()
    weeks = sorted(rows["benefit_weeks"], key=lambda r: (r["person_id"], r["week"]))
    i = next(i for i in range(1, len(weeks)) if weeks[i]["person_id"] == weeks[i - 1]["person_id"])
    weeks.insert(i, dict(weeks[i - 1]))  # row i+1 (1-based) repeats row i
    rows["benefit_weeks"] = weeks
    folder = write_inputs(tmp_path / "in", rows=rows)
    table = pq.read_table(folder / "benefit_weeks.parquet")
    pq.write_table(table, folder / "benefit_weeks.parquet", row_group_size=i)  # the repeat opens a row group
    assert _watch(folder / "benefit_weeks.parquet").result() is None  # the aggregate finds it
    db = tmp_path / "w.duckdb"
    warehouse.connect(db).close()
    with pytest.raises(ValidationError, match=f"dobbelt række.*også i række {i}") as err:
        load(db, folder)
    assert err.value.row == i + 1


def test_a_grouped_load_checks_week_years_from_the_groups(tmp_path):
    rows = tiny_rows()
    weeks = sorted(rows["benefit_weeks"], key=lambda r: (r["person_id"], r["week"]))
    p = weeks[-1]["person_id"]
    weeks.append({"person_id": p, "week": "2030-W01", "code": weeks[-1]["code"]})  # a year p is not in
    rows["benefit_weeks"] = weeks
    folder = write_inputs(tmp_path / "in", rows=rows)
    assert _watch(folder / "benefit_weeks.parquet").result() is not None  # the spans come from the groups
    db = tmp_path / "w.duckdb"
    warehouse.connect(db).close()
    with pytest.raises(ValidationError, match="uden for personens år") as err:
        load(db, folder)
    assert err.value.row == len(weeks)
    rows["benefit_weeks"] = weeks[:-1]
    folder = write_inputs(tmp_path / "ok", rows=rows)
    assert "benefit_weeks" in load(db, folder).loaded


def test_a_grouped_persons_file_gives_the_years_the_weeks_are_checked_against(tmp_path):
    rows = tiny_rows()
    persons = []
    for p in rows["persons"]:  # each person in 2022 and 2023, together, years growing
        persons += [dict(p, year=2022), p]
    rows["persons"] = persons
    weeks = sorted(rows["benefit_weeks"], key=lambda r: (r["person_id"], r["week"]))
    p = weeks[0]["person_id"]
    weeks.insert(0, {"person_id": p, "week": "2022-W10", "code": weeks[0]["code"]})  # in p's year 2022
    rows["benefit_weeks"] = weeks
    folder = write_inputs(tmp_path / "in", rows=rows)
    order = KeyOrder(("person_id", "year"), "year")
    check_parquet(folder / "persons.parquet", observe=order)
    grouped = order.result()
    assert grouped is not None and grouped.lo is not None and grouped.hi is not None
    assert set(grouped.lo.tolist()) == {2022} and set(grouped.hi.tolist()) == {2023}
    db = tmp_path / "w.duckdb"
    warehouse.connect(db).close()
    assert "persons" in load(db, folder).loaded
    rows["persons"] = [r for r in persons if not (r["person_id"] == p and r["year"] == 2022)]
    folder = write_inputs(tmp_path / "gone", rows=rows)
    with pytest.raises(ValidationError, match="uden for personens år") as err:
        load(db, folder)
    assert err.value.row == 1 and err.value.file == "benefit_weeks.parquet"


def _compressions(con, table: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for col, comp in con.execute(
        f"SELECT column_name, compression FROM pragma_storage_info('{table}') WHERE segment_type <> 'VALIDITY'"
    ).fetchall():
        out.setdefault(col, set()).add(comp.lower())
    return out


def test_declared_compression_keeps_values_types_and_not_null(tmp_path):
    seed = random.SystemRandom().randrange(2**31)
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    n = 300_000
    runs = np.repeat(rng.integers(1, 1 << 40, n // 30), 30)[:n]  # long runs: run-length
    scattered = rng.integers(0, 1 << 20, n)  # no runs: bit-packing
    db = tmp_path / "s.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE t (a BIGINT NOT NULL, b INTEGER NOT NULL, c VARCHAR NOT NULL, d DATE, e DOUBLE NOT NULL)")
    con.execute("INSERT INTO t VALUES (1, 1, 'x', NULL, 1.5)")  # replaced below
    src = pa.table(
        {
            "__rn": np.arange(1, n + 1),
            "a": runs,
            "b": scattered.astype(np.int32),
            "c": np.array(["ja", "nej", "måske"])[rng.integers(0, 3, n)],
            "d": pa.array(rng.integers(18_000, 20_000, n).astype(np.int32), pa.int32()).cast(pa.date32()),
            "e": rng.random(n),
        }
    )
    con.register("src_arrow", src)
    con.execute("CREATE TEMP TABLE src AS SELECT * FROM src_arrow ORDER BY __rn")
    replace_table(con, "t", ["a", "b", "c", "d", "e"], "src", n, min_rows=0)
    con.execute("CHECKPOINT")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (n,)
    diff = con.execute("SELECT count(*) FROM (SELECT a, b, c, d, e FROM src EXCEPT ALL SELECT * FROM t)").fetchone()
    assert diff == (0,)
    kinds = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 't'").fetchall())
    assert kinds == {"a": "BIGINT", "b": "INTEGER", "c": "VARCHAR", "d": "DATE", "e": "DOUBLE"}
    comp = _compressions(con, "t")
    assert "rle" in comp["a"] and "bitpacking" not in comp["a"]
    assert "bitpacking" in comp["b"] and "rle" not in comp["b"]
    assert comp["c"] == {"dict_fsst"}
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO t VALUES (NULL, 1, 'x', NULL, 1.0)")
    con.execute("INSERT INTO t VALUES (1, 1, 'x', NULL, 1.0)")  # d stays nullable


def test_a_keyed_table_is_only_emptied_and_refilled(tmp_path):
    con = duckdb.connect(str(tmp_path / "k.duckdb"))
    con.execute("CREATE TABLE k (a BIGINT PRIMARY KEY, b VARCHAR NOT NULL)")
    con.execute("INSERT INTO k VALUES (1, 'gammel')")
    con.execute("CREATE TEMP TABLE src AS SELECT range + 1 AS __rn, range AS a, 'ny' AS b FROM range(1000)")
    replace_table(con, "k", ["a", "b"], "src", 1000, min_rows=0)
    assert con.execute("SELECT count(*), min(b) FROM k").fetchone() == (1000, "ny")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO k VALUES (5, 'dobbelt')")


def _conversation_rows(folder) -> list[dict]:
    import pyarrow.csv as pacsv  # noqa: PLC0415  (only these tests read the case files as a table)

    rows = pacsv.read_csv(folder / "conversations.csv").to_pylist()
    return sorted(rows, key=lambda r: (r["person_id"], r["date"], r["kind"]))


def _write_conversations(path, rows, row_group: int | None = None) -> None:
    table = pa.table(
        {
            "person_id": pa.array([r["person_id"] for r in rows], pa.int64()),
            "date": pa.array([r["date"] for r in rows], pa.date32()),
            "kind": pa.array([r["kind"] for r in rows], pa.string()).dictionary_encode(),
            "status": pa.array([r["status"] for r in rows], pa.string()),
            "caseworker_id": pa.array([r["caseworker_id"] for r in rows], pa.int64()),
        }
    )
    pq.write_table(table, path, row_group_size=row_group or len(rows))


def _with_ties(rows: list[dict]) -> list[dict]:
    """Each conversation preceded by one of another kind on the same day (kinds not in order)."""
    kinds = sorted(CONVERSATION_KINDS, reverse=True)
    out = []
    for r in rows:
        other = next(k for k in kinds if k != r["kind"])
        out += [dict(r, kind=other), r]
    return out


def test_conversations_on_one_day_in_any_order_of_kind_are_shown_and_a_repeat_is_refused(tmp_path):
    folder = write_case_files(tmp_path / "files")
    db = tmp_path / "w.duckdb"
    load(db, folder)
    rows = _with_ties(_conversation_rows(folder))
    kind = KINDS["conversations"]
    good = tmp_path / "conversations.parquet"
    _write_conversations(good, rows)
    order = key_order(kind, {c: c for c in kind.column_names})
    assert order is not None
    check_parquet(good, distinct=["kind"], observe=order)
    assert order.result() is not None  # shown: the aggregate is skipped
    assert load(db, {"conversations": good}).loaded == ("conversations",)
    i = next(i for i in range(2, len(rows)) if rows[i]["person_id"] == rows[i - 2]["person_id"]) - 1
    bad_rows = rows[: i + 1] + [dict(rows[i - 1])] + rows[i + 1 :]  # a, b, a on one day
    assert bad_rows[i + 1]["date"] == bad_rows[i]["date"] == bad_rows[i - 1]["date"]
    bad = tmp_path / "bad" / "conversations.parquet"
    bad.parent.mkdir()
    _write_conversations(bad, bad_rows)
    order = key_order(kind, {c: c for c in kind.column_names})
    assert order is not None
    check_parquet(bad, distinct=["kind"], observe=order)
    assert order.result() is None
    with pytest.raises(ValidationError, match="dobbelt nøgle") as err:
        load(db, {"conversations": bad})
    assert err.value.row == i + 2


def test_a_run_of_ties_across_row_groups_says_nothing(tmp_path):
    folder = write_case_files(tmp_path / "files")
    rows = _with_ties(_conversation_rows(folder))
    path = tmp_path / "conversations.parquet"
    _write_conversations(path, rows, row_group=1)  # every tie run straddles a border
    kind = KINDS["conversations"]
    order = key_order(kind, {c: c for c in kind.column_names})
    assert order is not None
    check_parquet(path, distinct=["kind"], observe=order)
    assert order.result() is None


def test_only_a_column_stored_as_text_is_compared_as_text(tmp_path):
    rows = [(1, "uge 2", 111), (1, "uge 1", 111), (2, "uge 1", 111)]  # not a week: compared as text only if stored so
    path = tmp_path / "w.parquet"
    _write(path, rows, row_group=10)
    assert _watch(path).result() is None
    order = KeyOrder(("person_id", "week"), texts=("week",))
    check_parquet(path, distinct=["week"], observe=order)
    assert order.result() is None  # "uge 2" before "uge 1": not growing, and no ties beside it
    rows = [(1, "uge 1", 111), (1, "uge 2", 111), (2, "uge 1", 111)]
    _write(path, rows, row_group=10)
    order = KeyOrder(("person_id", "week"), texts=("week",))
    check_parquet(path, distinct=["week"], observe=order)
    assert order.result() is not None
    assert _watch(path).result() is None  # a week column holding such texts is never shown
