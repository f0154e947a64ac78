"""Drill 1b (issue 10): a revocation is in force before its warehouse write, and only adds refusals.

``token revoke`` first names the token on the deny list beside the warehouse
(``access/revocations.py``), then stores the revocation; the server refuses a token named in
either. Here the warehouse write is held up by another writer: the API (in-process, over ASGI)
refuses the token while the write waits, the write then lands with its audit row, and deleting
the deny list afterwards revives nothing.
"""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient

from conftest import write_inputs
from kommunebench import pipeline
from kommunebench.access import revocations
from kommunebench.api import create_app
from kommunebench.data import snapshot
from kommunebench.data.transactions import session


def test_revocation_is_in_force_while_its_warehouse_write_waits(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KOMMUNEBENCH_KEY_DIR", str(tmp_path / "keys"))
    db = tmp_path / "warehouse.duckdb"
    pipeline.load_data(write_inputs(tmp_path / "snap"), db=db)
    token, row = pipeline.tokens.create_token(name="x", role="analyst", db=db)
    other, _ = pipeline.tokens.create_token(name="y", role="analyst", db=db)
    auth = {"Authorization": f"Bearer {token}"}
    release, held = threading.Event(), threading.Event()

    def long_writer() -> None:
        with snapshot.writer_lock(db, wait=30):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=long_writer)
    holder.start()
    assert held.wait(30)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(pipeline.tokens.revoke_token(row["token_id"], db=db)))
    with TestClient(create_app(db)) as client:
        assert client.get("/api/v1/me", headers=auth).status_code == 200
        worker.start()
        deadline = time.monotonic() + 10
        while client.get("/api/v1/me", headers=auth).status_code != 401:
            assert time.monotonic() < deadline, "the deny list was not written"
            time.sleep(0.02)
        assert not done, "revoke should still wait for the other writer"
        with session(db) as con:  # not yet in the warehouse: refused through the deny list alone
            assert con.execute(
                "SELECT revoked_at FROM api_tokens WHERE token_id = ?", [row["token_id"]]
            ).fetchone() == (None,)
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 200
        release.set()
        worker.join(30)
        holder.join(30)
        assert done and done[0]["revoked_at"] is not None
        revocations.deny_list_path(db).unlink()  # deleting the list revives nothing
        assert client.get("/api/v1/me", headers=auth).status_code == 401
    with session(db) as con:
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY audit_id").fetchall()]
    assert actions[-1] == "token.revoke"
