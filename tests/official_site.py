"""A copy of the shared site with official marks and a re-run (issue 12), for the HTTP and browser tests.

Built once per session from the shared scale-0.01 site (``kb_server``): runs R0001 (2023QMAT04)
and R0002 (2023QMAT02) as there; then R0001 is marked official (``kommunebench publish``) and
R0003, a re-run of 2023QMAT02, is stored *and* marked official in one transaction
(``kommunebench run --officiel``). So the newest run is a re-run of an older period, and the
default must stay R0001 (the official run of the most recent period), compared with R0003.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from kb_server import Running, shared_site, start
from kommunebench import pipeline
from kommunebench.pipeline import RunConfig

ACTOR = "test:chefen"


@dataclass
class OfficialSite:
    db: Path
    url: str
    running: Running


_SITE: OfficialSite | None = None


def official_site(tmp_path_factory, request) -> OfficialSite:
    global _SITE
    if _SITE is None:
        base = shared_site(tmp_path_factory, request)
        db = tmp_path_factory.mktemp("kb-official") / "warehouse.duckdb"
        shutil.copy(base.db, db)
        pipeline.official.publish_official("R0001", db=db, actor=ACTOR)
        pipeline.run_benchmark(RunConfig.build(period="2023QMAT02", official=True), db=db, actor=ACTOR)
        running = start(db)
        _SITE = OfficialSite(db, running.url, running)

        def stop() -> None:
            global _SITE
            if _SITE is not None:
                _SITE.running.stop()
                _SITE = None

        request.addfinalizer(stop)
    return _SITE
