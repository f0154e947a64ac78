"""Every write is audited in the same transaction as the write, from every edge (CLI and pipeline).

A real warehouse (synthetic Denmark at scale 0.01): the CLI loads it, runs the benchmark and logs
a case action; each write leaves exactly one audit row naming the CLI user. An audit that fails
takes its write with it: the warehouse is byte-for-byte the same as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from conftest import table_contents
from kommunebench import pipeline
from kommunebench.benchmark.runs import execute_run
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.errors import KommunebenchError
from kommunebench.model import IncrementalEngine


def _cli(args: list[str], db, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KOMMUNEBENCH_DB": str(db), "KOMMUNEBENCH_HOME": str(db.parent), "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "kommunebench.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def _audit(db) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT actor, role, action, target, detail FROM audit_log ORDER BY audit_id").fetchall()
    finally:
        con.close()
    return [{"actor": a, "role": r, "action": x, "target": t, "detail": json.loads(d)} for a, r, x, t, d in rows]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("audit")
    snap = pipeline.synthesize(root / "snap", scale=0.01, seed=7)
    db = root / "warehouse.duckdb"
    _cli(["load", str(snap.out_dir)], db)
    _cli(["run", "--period", "2023QMAT04", "--out", str(root / "exports")], db)
    _cli(
        [
            "joblog",
            "log-action",
            "101",
            "--action",
            "phone_call",
            "--data-month",
            "2023-07",
            "--by",
            "Anna",
            "--criterion",
            "1",
            "--on",
            "2023-10-05",
        ],
        db,
    )
    return root, snap, db


def test_each_cli_write_leaves_one_audit_row_naming_the_cli_user(site):
    _, _, db = site
    rows = _audit(db)
    assert [r["action"] for r in rows] == ["load", "run.create", "case_log.create"]
    assert all(r["actor"].startswith("cli:") for r in rows)
    load_row, run_row, case_row = rows
    assert set(load_row["detail"]["kinds"]) >= {"persons", "benefit_weeks", "labour_market", "joblog"}
    assert run_row["target"] == "R0001" and run_row["detail"]["period"] == "2023QMAT04"
    assert case_row["target"] == "kommune 101" and case_row["detail"]["criterion"] == "1"
    con = warehouse.connect(db, read_only=True)
    try:
        recorded_by = con.execute("SELECT recorded_by FROM joblog_case_log").fetchall()
    finally:
        con.close()
    assert recorded_by == [("Anna",)]  # the entry names its author; the audit row names who wrote it


def test_reloading_the_same_snapshot_writes_nothing_and_audits_nothing(site):
    _, snap, db = site
    before = len(_audit(db))
    assert "allerede indlæst" in _cli(["load", str(snap.out_dir)], db).stdout
    assert len(_audit(db)) == before


class _AuditFailed(KommunebenchError):
    pass


def _failing_audit(*_args: object) -> None:
    raise _AuditFailed("the audit trail refused the row")


@pytest.mark.parametrize("engine", ["default", "incremental"])
def test_a_run_whose_audit_fails_is_not_stored(site, tmp_path, engine):
    """Nothing of the run stays, also not the quarter blocks the incremental engine stores on the way."""
    _, _, db = site
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    before = table_contents(copy)
    con = warehouse.connect(copy)
    kw = {"engine": IncrementalEngine()} if engine == "incremental" else {}
    try:
        with pytest.raises(_AuditFailed):
            execute_run(con, period="2023QMAT02", audit=_failing_audit, **kw)
    finally:
        con.close()
    assert table_contents(copy) == before


def test_a_load_whose_audit_fails_changes_nothing(site, tmp_path):
    root, _, db = site
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    other = pipeline.synthesize(tmp_path / "other", scale=0.005, seed=8)
    before = table_contents(copy)
    with pytest.raises(_AuditFailed):
        load(copy, other.out_dir, audit=_failing_audit)
    assert table_contents(copy) == before
