"""Drill 4 (issue 10): every write is audited with a verified actor, in the write's transaction.

The CLI in a subprocess and the API over ASGI, on one real warehouse: each write leaves one audit
row whose actor the product verified (the OS user for the CLI, the token for the API) — never the
self-asserted ``--by`` — and the trail's MAC chain verifies.
"""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from conftest import write_inputs, write_joblog
from kommunebench import access, pipeline
from kommunebench.api import create_app
from kommunebench.data.transactions import session


def _cli(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {
        **os.environ,
        "KOMMUNEBENCH_DB": str(db),
        "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run([sys.executable, "-m", "kommunebench.cli", *args], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_drill_4_every_write_is_audited_with_a_verified_actor(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KOMMUNEBENCH_KEY_DIR", str(tmp_path / "keys"))
    db = tmp_path / "warehouse.duckdb"
    snap = write_inputs(tmp_path / "snap")
    write_joblog(snap)
    _cli(["load", str(snap)], db)
    _cli(["joblog", "log-action", "101", "--action", "phone_call", "--data-month", "2023-01", "--by", "Mallory"], db)
    token, row = pipeline.tokens.create_token(name="Analytiker", role="analyst", db=db)
    with TestClient(create_app(db)) as client:
        body = {"kommunekode": 101, "action": "meeting", "data_month": "2023-01", "note": "møde"}
        r = client.post("/api/v1/joblog/sagslog", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    with session(db) as con:
        assert access.verify_audit_log(con) == []
        trail = list(reversed(access.audit_rows(con, limit=100)))
        log = pipeline.joblog.case_log(db=con)
    cli_user = f"cli:{getpass.getuser()}"
    assert [(a["action"], a["actor"]) for a in trail] == [
        ("load", cli_user),
        ("case_log.create", cli_user),  # not "Mallory": --by only names the entry's author
        ("token.create", cli_user),
        ("case_log.create", f"Analytiker (token {row['token_id']})"),
    ]
    entries = {int(e) for e in log["id"]}
    assert {a["detail"]["case_log_id"] for a in trail if a["action"] == "case_log.create"} == entries
