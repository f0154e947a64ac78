"""Loading the joblog input kind: formats, refusals (each atomic) and cross-checks with persons."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import table_contents, write_csv
from joblog_cases import AARHUS, ODENSE, Cases
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.schemas import KINDS
from kommunebench.errors import ValidationError

COLUMNS = list(KINDS["joblog"].column_names)


def _cases() -> Cases:
    return Cases().month(AARHUS, "2023-01", tg=5, red=2, light=1).month(ODENSE, "2023-02", tg=3, red=1)


@pytest.fixture
def base(tmp_path):
    """A warehouse holding persons and a joblog, and the files they came from."""
    c = _cases()
    files = c.write(tmp_path / "base")
    db = tmp_path / "wh" / "warehouse.duckdb"
    load(db, files, snapshot_id="base")
    return db, c, files


def test_joblog_loads_from_parquet_and_csv_with_the_same_fingerprint(base, tmp_path):
    db, c, _ = base
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT person_id, kommunekode, month, in_target_group, availability_weight, searches "
        "FROM joblog ORDER BY person_id, month"
    ).fetchall()
    con.close()
    assert len(rows) == 8 and rows[0][2] == dt.date(2023, 2, 1) and rows[0][3] is True  # Odense first
    assert sorted(r[5] for r in rows if r[1] == AARHUS) == [0, 0, 3, 8, 8]
    # The same content as ';'-CSV with a decimal comma, other boolean spellings and another row order.
    csv_rows = [
        {
            **r,
            "in_target_group": "TRUE" if r["in_target_group"] else "0",
            "availability_weight": str(r["availability_weight"]).replace(".", ","),
        }
        for r in reversed(c.rows)
    ]
    path = write_csv(tmp_path / "joblog.csv", csv_rows, columns=COLUMNS, delimiter=";")
    rep = load(db, {"joblog": path})
    assert rep.already_loaded and rep["joblog"].status == "unchanged"
    con = warehouse.connect(db, read_only=True)
    loads = {d["kind"]: d for d in warehouse.current_loads(con)}
    assert loads["joblog"]["n_rows"] == 8
    con.close()


def test_parquet_dates_on_a_months_first_day_are_months(base, tmp_path):
    db, c, _ = base
    t = pq.read_table(tmp_path / "base" / "joblog.parquet")
    as_dates = t.set_column(2, "month", pa.array([dt.date(2023, int(m[5:]), 1) for m in t["month"].to_pylist()]))
    pq.write_table(as_dates, tmp_path / "d.parquet")
    assert load(db, {"joblog": tmp_path / "d.parquet"}).already_loaded
    mid = t.set_column(2, "month", pa.array([dt.date(2023, 1, 15)] * t.num_rows))
    pq.write_table(mid, tmp_path / "mid.parquet")
    with pytest.raises(ValidationError, match="måned.*første dag"):
        load(db, {"joblog": tmp_path / "mid.parquet"})


BAD = [
    ("month", "2023-13", "ikke en måned på formen YYYY-MM"),
    ("month", "2023-1", "ikke en måned på formen YYYY-MM"),
    ("month", "", "manglende værdi"),
    ("availability_weight", "0", "skal være over 0"),
    ("availability_weight", "1.5", "mellem 0 og 1"),
    ("in_target_group", "maybe", "ikke sand/falsk"),
    ("searches", "-1", "mellem 0 og 999"),
    ("searches", "2.5", "ikke et helt tal"),
    ("kommunekode", "411", "ukendt kommunekode"),
]


@pytest.mark.parametrize("column, value, rule", BAD)
def test_bad_joblog_rows_are_refused_and_nothing_changes(base, tmp_path, column, value, rule):
    db, c, _ = base
    before = table_contents(db)
    rows = [dict(r) for r in c.rows]
    rows[3][column] = value
    path = write_csv(tmp_path / "joblog.csv", rows, columns=COLUMNS)
    with pytest.raises(ValidationError) as err:
        load(db, {"joblog": path})
    msg = str(err.value)
    assert rule in msg and "joblog.csv" in msg and "række 4" in msg and "linje 5" in msg
    assert f"'{column}'" in msg
    assert table_contents(db) == before


def test_duplicates_unknown_persons_and_atomicity_across_kinds(base, tmp_path):
    db, c, _ = base
    before = table_contents(db)
    rows = [dict(r) for r in c.rows] + [dict(c.rows[0], searches=4)]
    with pytest.raises(ValidationError, match=r"dobbelt nøgle: \(person_id, month\)"):
        load(db, {"joblog": write_csv(tmp_path / "joblog.csv", rows, columns=COLUMNS)})
    # A new persons file together with a joblog naming a person it lacks: neither is stored.
    more = Cases().month(AARHUS, "2023-01", tg=8, red=2)
    files = more.write(tmp_path / "more")
    stranger = [dict(r) for r in more.rows] + [dict(more.rows[0], person_id=999_999_999)]
    write_csv(tmp_path / "more" / "joblog.csv", stranger, columns=COLUMNS)
    with pytest.raises(ValidationError, match="personen findes ikke i persons"):
        load(db, {"persons": files["persons"], "joblog": tmp_path / "more" / "joblog.csv"})
    assert table_contents(db) == before
    # A persons replacement that the stored joblog would then contradict is refused.
    fewer = Cases().month(AARHUS, "2023-01", tg=2, red=1).write(tmp_path / "fewer")
    with pytest.raises(ValidationError, match="gemte joblog henviser til"):
        load(db, {"persons": fewer["persons"]})
    assert table_contents(db) == before
