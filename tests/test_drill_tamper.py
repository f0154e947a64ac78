"""Drill 3 (issue 10): the case log and the audit trail cannot be forged or wiped undetected.

A forger with write access to the warehouse file (not to the key folder) tries four forgeries on
each log: edit an entry and recompute the chain with the product's former hash (SHA-256), truncate
and move the head, delete an entry and re-chain, wipe the log and its head. Each is detected and
reported as tampering (IntegrityError; HTTP 500 ``integrity_error``), never as "503, retry".
"""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import pytest
from fastapi.testclient import TestClient

from conftest import write_inputs, write_joblog
from kommunebench import access, pipeline
from kommunebench.api import create_app
from kommunebench.data.migrations import CASE_FIELDS, case_fields
from kommunebench.data.transactions import session
from kommunebench.errors import IntegrityError

FORGERIES = ("rehash", "truncate", "delete_rechain", "wipe")


def _sha(prev: str, fields: list) -> str:
    return hashlib.sha256(json.dumps([prev, *fields], ensure_ascii=False).encode()).hexdigest()


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("KOMMUNEBENCH_KEY_DIR", str(tmp_path / "keys"))
    db = tmp_path / "wh" / "warehouse.duckdb"
    snap = write_inputs(tmp_path / "snap")
    write_joblog(snap)
    pipeline.load_data(snap, db=db)
    for i in range(3):
        pipeline.joblog.record_case_action(
            kommunekode=101, action="phone_call", criterion=None, data_month="2023-01", note=f"n{i}", db=db
        )
    token, _ = pipeline.tokens.create_token(name="a", role="analyst", db=db)
    return db, token


def _forge(db, forgery: str, table: str, key: str, mac: str, prev: str, fields: str) -> None:
    """Tamper with the warehouse file directly, as someone with write access to it could."""
    con = duckdb.connect(str(db))
    try:
        rows = con.execute(f"SELECT {key}, {fields}, {mac} FROM {table} ORDER BY {key}").fetchall()
        ids = [r[0] for r in rows]
        if forgery == "rehash":
            con.execute(f"UPDATE {table} SET {fields.split(', ')[-1]} = 'forged' WHERE {key} = ?", [ids[1]])
        elif forgery == "truncate":
            con.execute(f"DELETE FROM {table} WHERE {key} = ?", [ids[-1]])
        elif forgery == "delete_rechain":
            con.execute(f"DELETE FROM {table} WHERE {key} = ?", [ids[1]])
        else:
            con.execute(f"DELETE FROM {table}")
        head = ""
        if forgery in ("rehash", "delete_rechain"):  # recompute every link with the former public hash
            case_log = table == "joblog_case_log"
            select = ", ".join(CASE_FIELDS) if case_log else f"{key}, {fields}"
            found = con.execute(f"SELECT {select} FROM {table} ORDER BY {key}").fetchall()
            for r in found:
                if case_log:  # exactly the product's former SHA-256 link, and every entry declared "legacy"
                    h = _sha(head, case_fields(dict(zip(CASE_FIELDS, r, strict=True))))
                else:
                    h = _sha(head, [str(v) for v in r[1:]])
                con.execute(f"UPDATE {table} SET {prev} = ?, {mac} = ? WHERE {key} = ?", [head, h, r[0]])
                head = h
            if case_log:
                con.execute("DELETE FROM meta WHERE key = 'case_log_legacy'")
                con.execute("INSERT INTO meta VALUES ('case_log_legacy', ?)", [str(len(found))])
        elif forgery == "truncate":
            head = str(rows[-2][-1])
        if table == "joblog_case_log":
            con.execute("DELETE FROM meta WHERE key = 'case_log_head'")
            if forgery != "wipe":
                con.execute("INSERT INTO meta VALUES ('case_log_head', ?)", [head])
    finally:
        con.close()
    shutil.rmtree(db.with_name(db.name + ".read"), ignore_errors=True)  # readers fall back to the file


@pytest.mark.parametrize("forgery", FORGERIES)
def test_drill_3_case_log_forgeries_are_detected(site, forgery) -> None:
    db, token = site
    cols = "kommunekode, action_date, action, criterion, data_month, note"
    _forge(db, forgery, "joblog_case_log", "id", "entry_hash", "prev_hash", cols)
    with pytest.raises(IntegrityError), session(db) as con:
        pipeline.joblog.case_log(db=con)
    with TestClient(create_app(db)) as client:
        r = client.get("/api/v1/joblog/sagslog", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 500, r.text
    assert r.json()["error"]["code"] == "integrity_error"
    assert str(db) not in r.text


@pytest.mark.parametrize("forgery", FORGERIES)
def test_drill_3_audit_trail_forgeries_are_detected(site, forgery) -> None:
    db, token = site
    cols = "recorded_at, actor, role, action, target, detail"
    try:
        _forge(db, forgery, "audit_log", "audit_id", "mac", "prev_mac", cols)
    except duckdb.BinderException:  # the old schema has no MAC columns: forge without them
        pytest.fail("the audit trail has no chain at all")
    with pytest.raises(IntegrityError), session(db) as con:
        access.audit_rows(con)
    with TestClient(create_app(db)) as client:
        r = client.get("/api/v1/revision", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 500, r.text
    assert r.json()["error"]["code"] == "integrity_error"


def test_drill_3_untouched_logs_verify_and_keep_growing(site) -> None:
    db, token = site
    with session(db) as con:
        assert len(pipeline.joblog.case_log(db=con)) == 3
        assert not access.verify_audit_log(con)
    with TestClient(create_app(db)) as client:
        r = client.get("/api/v1/revision", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert len(r.json()["entries"]) >= 5  # load, 3 case-log entries, token
