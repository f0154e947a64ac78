"""Drill 4b (issue 10): loads and runs name their verified actor, in the write's own transaction.

``loads`` and ``runs`` carry an ``actor`` column (the API token's name and id, or ``cli:<user>``
for the command line), filled in the transaction that stores the row, shown by ``status``,
``runs`` and ``show``. A warehouse from before the column gets it on upgrade, its old rows named
from their audit rows.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from conftest import tiny_rows, write_inputs
from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.data import migrations, snapshot, warehouse
from kommunebench.data.transactions import session

CLI_USER = f"cli:{getpass.getuser()}"


def _cli(args: list[str], db: Path) -> str:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {
        **os.environ,
        "KOMMUNEBENCH_DB": str(db),
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        "COLUMNS": "250",
    }
    proc = subprocess.run([sys.executable, "-m", "kommunebench.cli", *args], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_loads_name_the_cli_user_or_the_given_actor_and_status_shows_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KOMMUNEBENCH_KEY_DIR", str(tmp_path / "keys"))
    db = tmp_path / "warehouse.duckdb"
    _cli(["load", str(write_inputs(tmp_path / "a"))], db)
    rows = tiny_rows()
    rows["labour_market"] = [
        {**r, **{k: v + 1 for k, v in r.items() if isinstance(v, float)}} for r in rows["labour_market"]
    ]
    pipeline.load_data(write_inputs(tmp_path / "b", rows=rows), db=db, actor="Anna (token 0123456789ab)")
    loads = {d["kind"]: d["actor"] for d in pipeline.current_loads(db=db)}
    assert loads.pop("labour_market") == "Anna (token 0123456789ab)"
    assert set(loads.values()) == {CLI_USER}
    with session(db) as con:
        history = con.execute("SELECT kind, actor FROM loads ORDER BY loaded_at, kind").fetchall()
        audited = con.execute("SELECT target, actor FROM audit_log WHERE action = 'load' ORDER BY audit_id").fetchall()
    assert all(actor for _, actor in history), history
    stored = {a for _, a in history}
    assert stored == {a for _, a in audited}  # the same actor as the load's audit row
    out = _cli(["status"], db)
    assert "Indlæst af" in out and CLI_USER in out and "Anna (token" in out


def test_runs_name_their_actor_and_runs_and_show_print_it(tmp_path_factory, request, tmp_path, monkeypatch) -> None:
    site = shared_site(tmp_path_factory, request)
    monkeypatch.setenv("KOMMUNEBENCH_KEY_DIR", str(tmp_path / "keys"))
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(snapshot.current_snapshot(site.db) or site.db, db)  # the shared site's last committed state
    rec = pipeline.run_benchmark(pipeline.RunConfig.build(period="2023QMAT04"), db=db, actor="Bo (token abcdefabcdef)")
    records = {r.run_id: r for r in pipeline.list_runs(db=db)}
    assert records[rec.record.run_id].actor == "Bo (token abcdefabcdef)"
    with session(db) as con:
        audited = con.execute("SELECT actor FROM audit_log WHERE target = ?", [rec.record.run_id]).fetchall()
    assert audited == [("Bo (token abcdefabcdef)",)]
    assert "Bo (token abcdefabcdef)" in _cli(["runs"], db)
    assert "Kørt af Bo (token abcdefabcdef)" in _cli(["show", rec.record.run_id], db)


def test_upgrade_adds_the_actor_column_and_names_old_rows_from_their_audit_rows(tmp_path, monkeypatch) -> None:
    """A warehouse written before the column: its rows survive, named from the audit trail."""
    monkeypatch.setenv("KOMMUNEBENCH_KEY_DIR", str(tmp_path / "keys"))
    db = tmp_path / "old.duckdb"
    step = migrations.MIGRATIONS.index(migrations._load_run_actors)
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for m in migrations.MIGRATIONS[:step]:
        m(con) if callable(m) else con.execute(m)
    con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(step)])
    con.execute("INSERT INTO loads VALUES ('S1', 'persons', 'p.parquet', 'parquet', 'f1', 3, now(), 0.1, true)")
    con.execute("INSERT INTO loads VALUES ('S0', 'costs', 'c.parquet', 'parquet', 'f0', 3, now(), 0.1, true)")
    con.execute(
        "INSERT INTO audit_log (recorded_at, actor, action, target) VALUES (now(), 'cli:olduser', 'load', 'S1')"
    )
    con.close()
    con = warehouse.connect(db)
    try:
        rows = dict(con.execute("SELECT snapshot_id, actor FROM loads").fetchall())
        cols = {
            r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'runs'").fetchall()
        }
    finally:
        con.close()
    assert rows == {"S1": "cli:olduser", "S0": None}  # no audit row: unknown, not invented
    assert "actor" in cols
