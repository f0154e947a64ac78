"""Drills 5, 6 and 10 (issue 10): token hygiene, the body limit, and the smaller leaks at the edge.

The real app over a real (tiny) warehouse, called over ASGI with starlette's test client.
"""

from __future__ import annotations

import statistics
import time

import pytest
from fastapi.testclient import TestClient

from conftest import write_inputs, write_joblog
from kommunebench import access, pipeline
from kommunebench.access.ratelimit import Limiter
from kommunebench.api import create_app
from kommunebench.data import snapshot
from kommunebench.data.transactions import session
from kommunebench.errors import AuthenticationError

CASE = {"kommunekode": 101, "action": "phone_call", "data_month": "2023-01", "note": "ringet"}


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setenv("KOMMUNEBENCH_KEY_DIR", str(tmp_path / "keys"))
    db = tmp_path / "wh" / "warehouse.duckdb"
    snap = write_inputs(tmp_path / "snap")
    write_joblog(snap)
    pipeline.load_data(snap, db=db)
    analyst, _ = pipeline.tokens.create_token(name="Analytiker", role="analyst", db=db)
    muni, _ = pipeline.tokens.create_token(name="Kbh", role="municipality:101", db=db)
    with TestClient(create_app(db)) as client:
        yield db, client, {"analyst": analyst, "muni": muni}


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_drill_6_oversized_bodies_get_413_before_authentication(site) -> None:
    _, client, _ = site
    big = b"x" * (8 * 1024 * 1024)
    r = client.post("/api/v1/joblog/sagslog", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    assert r.json()["error"]["code"] == "too_large"

    def chunks():
        for _ in range(64):
            yield b"y" * (128 * 1024)

    r = client.post("/api/v1/joblog/sagslog", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_drill_5_guessing_backs_off_per_token_id_and_address(site) -> None:
    _, client, tokens = site
    token_id = tokens["analyst"].split("_")[1]
    wrong = f"kb_{token_id}_{'A' * 43}"
    statuses = [client.get("/api/v1/me", headers=_auth(wrong)).status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5
    assert statuses[-1] == 429, statuses
    r = client.get("/api/v1/me", headers=_auth(wrong))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


def test_drill_5_unknown_ids_cost_as_much_as_known_ones(site) -> None:
    db, _, tokens = site
    with session(db) as con:
        table = access.token_table(con)
    token_id = tokens["analyst"].split("_")[1]
    limiter = Limiter(free=10_000)

    def timed(token: str) -> float:
        t0 = time.perf_counter()
        with pytest.raises(AuthenticationError):
            access.verify_token(token, table, limiter=limiter)
        return time.perf_counter() - t0

    known = statistics.median(timed(f"kb_{token_id}_{'B' * 43}") for _ in range(5))
    unknown = statistics.median(timed(f"kb_{'0' * 12}_{'B' * 43}") for _ in range(5))
    assert 0.5 < unknown / known < 2, f"known id {known * 1000:.1f} ms, unknown id {unknown * 1000:.1f} ms"


def test_drill_5_session_cookie_is_opaque_and_token_ids_stay_hidden(site) -> None:
    _, client, tokens = site
    r = client.post("/api/v1/session", headers=_auth(tokens["muni"]))
    assert r.status_code == 200
    cookie = r.cookies.get("kb_session")
    assert cookie and tokens["muni"] not in cookie and tokens["muni"].split("_")[1] not in cookie
    assert client.get("/api/v1/me").status_code == 200  # the cookie alone logs in
    assert client.post("/api/v1/joblog/sagslog", json=CASE, headers=_auth(tokens["analyst"])).status_code == 201
    client.cookies.clear()
    r = client.get("/api/v1/joblog/sagslog?kommune=101", headers=_auth(tokens["muni"]))
    assert r.status_code == 200, r.text
    assert r.json()["entries"]
    assert tokens["analyst"].split("_")[1] not in r.text
    client.cookies.set("kb_session", cookie)
    client.delete("/api/v1/session")
    client.cookies.set("kb_session", cookie)
    assert client.get("/api/v1/me").status_code == 401  # logged out: the id is dead


def test_drill_10_busy_bodies_name_no_path_or_process(site, monkeypatch) -> None:
    db, client, tokens = site
    monkeypatch.setenv("KOMMUNEBENCH_WRITE_WAIT", "0.3")
    with snapshot.writer_lock(db, wait=1):
        r = client.post("/api/v1/joblog/sagslog", json=CASE, headers=_auth(tokens["analyst"]))
    assert r.status_code == 503
    assert str(db.parent) not in r.text and "PID" not in r.text and "process" not in r.text


def test_drill_10_smaller_leaks(site) -> None:
    _, client, tokens = site
    r = client.get("/api/v1/kommuner/101/intern", headers=_auth(tokens["muni"]))
    assert "no-store" in r.headers.get("cache-control", "")
    r = client.get("/api/v1/lister/samlet", params={"run": "R" + "9" * 50_000})
    assert r.status_code in (404, 422) and len(r.text) < 2000
    r = client.head("/")
    assert r.status_code == 200 and r.content == b""
    doc = client.get("/api/v1/openapi.json").json()
    assert {} in doc["paths"]["/api/v1/joblog"]["get"]["security"]
    assert "phone_call" in str(doc["components"]["schemas"]["CaseLogIn"]["properties"]["action"])
