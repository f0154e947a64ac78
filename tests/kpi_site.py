"""A small real site for the KPI API and browser tests: the synthetic Denmark at scale 0.01 with
its KPI inputs, one stored run (for klynger), the KPI tables built, and tokens for København (101),
Frederiksberg (147) and an analyst. Served by uvicorn on 127.0.0.1 (see kb_server.start)."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

from kb_server import Running, start
from kommunebench import access, pipeline
from kommunebench.benchmark.runs import execute_run
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate


@dataclass
class KpiSite:
    db: Path
    url: str
    tokens: dict[str, str]
    running: Running
    snapshot: Path
    seed: int


def build_site(folder: Path, *, seed: int) -> KpiSite:
    snap = generate(folder / "snap", scale=0.01, seed=seed)
    db = folder / "warehouse.duckdb"
    load(db, snap.out_dir)
    con = warehouse.connect(db)
    try:
        execute_run(con, period="2023QMAT04")
        pipeline.kpi.build(db=con, actor="test")
        tokens = {}
        for key, name, role in (
            ("kk", "KK", "municipality:101"),
            ("fr", "FRB", "municipality:147"),
            ("an", "A", "analyst"),
        ):
            tokens[key], _ = access.create_token(con, name=name, role=role, created_by="test")
    finally:
        con.close()
    running = start(db)
    return KpiSite(db, running.url, tokens, running, snap.out_dir, seed)


_SITE: KpiSite | None = None


def shared_kpi_site(tmp_path_factory, request) -> KpiSite:
    """One site per test session (random seed, printed), stopped at the end of the session."""
    global _SITE
    if _SITE is None:
        seed = int(os.environ.get("KPI_SITE_SEED") or random.randrange(1, 10**6))  # set to replay a failure
        print(f"kpi site seed={seed}")
        _SITE = build_site(tmp_path_factory.mktemp("kpi_site"), seed=seed)

        def stop() -> None:
            global _SITE
            if _SITE is not None:
                _SITE.running.stop()
                _SITE = None

        request.addfinalizer(stop)
    return _SITE
