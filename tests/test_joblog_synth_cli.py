"""The synthetic joblog (size, shape, determinism, criteria that fire) and the ``joblog`` commands,
run as a user runs them: a subprocess on a real warehouse."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys

import duckdb
import numpy as np
import pytest

from kommunebench.alerts import joblog_status
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import FILES, generate
from kommunebench.data.synth import joblog as synth_joblog

SCALE = 0.1


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    base = tmp_path_factory.mktemp("joblog_synth")
    res = generate(base / "snapshot", scale=SCALE, seed=20181102)
    db = base / "home" / "warehouse.duckdb"
    load(db, {"persons": res.out_dir / "persons.parquet", "joblog": res.out_dir / "joblog.parquet"})
    return res, db


def test_the_synthetic_joblog_has_the_national_size_and_shape(synth):
    res, _ = synth
    assert "joblog.parquet" in FILES and res.n_joblog_rows > 0
    con = duckdb.connect()
    path = res.out_dir / "joblog.parquet"
    months = con.execute(f"SELECT month, count_if(in_target_group) FROM '{path}' GROUP BY 1 ORDER BY 1").fetchall()
    assert [m for m, _ in months] == [f"{y}-{m:02d}" for y in res.years for m in range(1, 13)]
    mean = sum(n for _, n in months) / len(months)
    assert abs(mean - 14_000 * SCALE) < 0.15 * 14_000 * SCALE, mean
    weights = dict(con.execute(f"SELECT availability_weight, count(*) FROM '{path}' GROUP BY 1").fetchall())
    assert set(weights) == {1.0, 0.5, 0.25} and weights[1.0] > 0.75 * sum(weights.values())
    red = con.execute(f"SELECT avg((searches = 0)::INT) FROM '{path}' WHERE in_target_group").fetchone()[0]
    assert 0.15 < red < 0.35
    # Every municipality of some size has joblog persons; at scale 0.1 the smallest islands (Læsø
    # ~190, Samsø ~440 persons) have only a handful on kontanthjælp, jobparat, and may have none.
    persons = res.out_dir / "persons.parquet"
    missing = con.execute(f"""
        SELECT kommunekode, count(*) FROM '{persons}'
        WHERE kommunekode NOT IN (SELECT DISTINCT kommunekode FROM '{path}') GROUP BY 1""").fetchall()
    assert all(n < 500 for _, n in missing), missing
    assert con.execute(f"SELECT count(DISTINCT kommunekode) FROM '{path}'").fetchone()[0] >= 95
    # Every person-month is drawn from persons on kontanthjælp, jobparat (701) in that month.
    orphans = con.execute(f"""
        WITH w AS (SELECT DISTINCT person_id,
                          strftime(CAST(strptime(week || '-4', '%G-W%V-%u') AS DATE), '%Y-%m') AS month
                   FROM '{res.out_dir / "benefit_weeks.parquet"}' WHERE code = 701)
        SELECT count(*) FROM '{path}' j ANTI JOIN w USING (person_id, month)""").fetchone()[0]
    assert orphans == 0


def test_the_synthetic_joblog_is_deterministic_per_municipality_stream():
    """Same seed and municipality → the same rows (the whole snapshot's byte-identity, joblog.parquet
    included, is checked in test_synth); another seed or municipality → other rows."""
    first = 2022
    mondays = [
        dt.date.fromisocalendar(y, w, 1)
        for y in (first, first + 1)
        for w in range(1, dt.date(y, 12, 28).isocalendar()[1] + 1)
    ]
    week_month = synth_joblog.week_months(mondays, first)
    labels = synth_joblog.month_labels(first, 24)
    draw = np.random.default_rng(1)
    n = 400
    person_idx = np.repeat(np.arange(n), len(mondays))
    week_idx = np.tile(np.arange(len(mondays)), n)
    codes = np.where(draw.random(person_idx.size) < 0.3, 701, 702).astype(np.int16)
    ids = np.arange(n, dtype=np.int64) * 7 + 3

    def rows(seed, code):
        return synth_joblog.municipality_joblog(
            code,
            ids,
            person_idx,
            week_idx,
            codes,
            week_month,
            labels,
            np.random.default_rng([seed, code, synth_joblog.STREAM]),
        )

    a, b = rows(5, 751), rows(5, 751)
    assert a.equals(b) and a.num_rows > 0
    assert not a.equals(rows(6, 751)) and not a.equals(rows(5, 461))
    assert set(a["month"].to_pylist()) <= set(labels.to_pylist())


def test_all_three_criteria_fire_somewhere(synth):
    _, db = synth
    con = warehouse.connect(db, read_only=True)
    fired = {k: set() for k in "123"}
    for i in range(21):  # as of the 1st of each month from July 2022 to March 2024
        st = joblog_status(con, dt.date(2022 + (6 + i) // 12, (6 + i) % 12 + 1, 1))
        for k in fired:
            fired[k] |= set(st.frame.loc[st.frame[f"criterion_{k}"], "kommunekode"])
    con.close()
    assert all(fired.values()), fired
    assert 101 in fired["2"] and 101 in fired["3"]  # København: a streak and persistence


def _run(args, db, check=True):
    env = {**os.environ, "KOMMUNEBENCH_DB": str(db), "KOMMUNEBENCH_HOME": str(db.parent), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "kommunebench.cli", "joblog", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def test_status_command_with_export(synth, tmp_path):
    _, db = synth
    out = _run(["status", "--as-of", "2023-10-01", "--export", str(tmp_path / "exp")], db).stdout
    assert "Joblog juli 2023" in out and "Hele landet" in out and "København" in out
    lines = [ln for ln in out.splitlines() if "│" in ln and "Kode" not in ln]
    assert "101" in lines[0] or "851" in lines[0]  # flagged first
    csvs = list((tmp_path / "exp").glob("joblog_2023-07_pr_2023-10-01.csv"))
    assert csvs and (tmp_path / "exp" / "joblog_2023-07_pr_2023-10-01.xlsx").is_file()
    with csvs[0].open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == 98 and rows[0]["Handling"] == "ja" and "Rød (pct.)" in rows[0]


def test_history_chart_log_action_propose_letter_and_review(synth, tmp_path):
    _, db = synth
    out = _run(["history", "Aarhus", "--as-of", "2023-10-01", "--chart", str(tmp_path / "aarhus.html")], db).stdout
    assert "Joblog Aarhus (751)" in out and "juli 2023" in out and "august 2022" in out
    html = (tmp_path / "aarhus.html").read_text("utf-8")
    assert "Plotly.newPlot" in html and '<script src="http' not in html and len(html) > 1_000_000
    out = _run(
        [
            "log-action",
            "København",
            "--action",
            "phone_call",
            "--criterion",
            "2",
            "--data-month",
            "2023-07",
            "--note",
            "Drøftet med jobcentret",
            "--by",
            "Analytiker A",
            "--on",
            "2023-10-02",
        ],
        db,
    ).stdout
    assert "Registreret som nr. 1" in out and "København" in out
    assert "Drøftet med jobcentret" in _run(["case-log"], db).stdout
    out = _run(["propose", "101", "--as-of", "2023-10-05"], db).stdout
    assert "Ingen handling" in out and "1. februar 2024" in " ".join(out.split())
    letter = tmp_path / "brev.txt"
    _run(["letter", "København", "--as-of", "2023-10-01", "--out", str(letter)], db)
    assert "Jobcenter København" in letter.read_text("utf-8")
    out = _run(["letter", "Aarhus", "--as-of", "2023-10-01", "--action", "minister_letter"], db).stdout
    assert "Kære borgmester" in out
    out = _run(["review-list", "--year", "2023"], db).stdout
    assert "Årlig gennemgang 2023" in out and "Læsø" in out and "kommuner på listen" in out


def test_joblog_command_errors_are_one_line(synth):
    _, db = synth
    for args, text in (
        (["history", "Atlantis"], "Ukendt kommune 'Atlantis'"),
        (["status", "--as-of", "2023-13-01"], "ikke en dato"),
        (["status", "--as-of", "2021-01-01"], "ingen joblogmåned er offentliggjort"),
        (
            ["log-action", "101", "--action", "fax", "--data-month", "2023-01", "--by", "A", "--on", "2023-05-01"],
            "ukendt handling",
        ),
    ):
        proc = _run(args, db, check=False)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert text in proc.stderr and "Traceback" not in proc.stderr
