"""A real kommunebench server for the API and browser tests (shared by both modules).

One small real warehouse per test session: the synthetic Denmark at scale 0.01 (with its joblog),
loaded, two stored runs (calendar year and Q3-Q2) and four tokens (analyst, municipality 101,
municipality 147, and a revoked analyst token). The app runs under uvicorn in a thread on
127.0.0.1 with a free port.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from kommunebench import access
from kommunebench.api import create_app
from kommunebench.benchmark.runs import execute_run
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate

PERIODS = ("2023QMAT04", "2023QMAT02")


@dataclass
class Running:
    url: str
    server: uvicorn.Server
    thread: threading.Thread
    app: object

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@dataclass
class Site:
    db: Path
    url: str
    tokens: dict[str, str]
    token_ids: dict[str, str]
    running: Running
    extra: list = field(default_factory=list)
    snapshot: Path | None = None  # the loaded Parquet snapshot (the Spark engine reads it)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(db: Path, **app_kw) -> Running:
    """Serve ``create_app(db)`` on 127.0.0.1 in a daemon thread; returns when it accepts requests."""
    app = create_app(db, **app_kw)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True, name=f"kb-server-{port}")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return Running(f"http://127.0.0.1:{port}", server, thread, app)


def build_warehouse(folder: Path, *, keep_snapshot: bool = False) -> tuple[Path, dict[str, str], dict[str, str]]:
    snap = generate(folder / "snap", scale=0.01)
    db = folder / "warehouse.duckdb"
    load(db, snap.out_dir)
    con = warehouse.connect(db)
    try:
        for period in PERIODS:
            execute_run(con, period=period)
        tokens, ids = {}, {}
        for key, name, role in (
            ("analyst", "Anna Analytiker", "analyst"),
            ("kk", "Københavns Kommune IT", "municipality:101"),
            ("fr", "Frederiksberg IT", "municipality:Frederiksberg"),
            ("revoked", "Gammel nøgle", "analyst"),
        ):
            tokens[key], row = access.create_token(con, name=name, role=role, created_by="test")
            ids[key] = row["token_id"]
        access.revoke_token(con, ids["revoked"], revoked_by="test")
    finally:
        con.close()
    if not keep_snapshot:
        shutil.rmtree(folder / "snap")
    return db, tokens, ids


_SITE: Site | None = None


def shared_site(tmp_path_factory, request) -> Site:
    """The session's site, built on first use and stopped at the end of the session."""
    global _SITE
    if _SITE is None:
        folder = tmp_path_factory.mktemp("kb-site")
        db, tokens, ids = build_warehouse(folder, keep_snapshot=True)
        running = start(db)
        _SITE = Site(db, running.url, tokens, ids, running, snapshot=folder / "snap")

        def stop() -> None:
            global _SITE
            if _SITE is not None:
                _SITE.running.stop()
                _SITE = None

        request.addfinalizer(stop)
    return _SITE
