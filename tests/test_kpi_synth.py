"""The synthetic KPI inputs: deterministic per seed, loadable, and consistent with the benefit weeks."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import duckdb
import numpy as np
import pytest

from kommunebench.data.synth.kpidata import KpiSynth
from kpi_site import shared_kpi_site

FILES = ("caseworkers", "case_assignments", "offers", "conversations", "truth_kpi")


def _digest(folder) -> dict[str, str]:
    return {f: hashlib.sha256((folder / f"{f}.parquet").read_bytes()).hexdigest() for f in FILES}


def _kpi_files(folder, seed: int, draw) -> dict[str, str]:
    folder.mkdir()
    mondays = [dt.date(2022, 1, 3) + dt.timedelta(weeks=i) for i in range(104)]
    k = KpiSynth(folder, seed, mondays, 0.01)
    for kk, (ids, p, w, c) in draw.items():
        k.add(kk, ids, p, w, c)
    k.close()
    return _digest(folder)


def test_same_seed_same_kpi_files(tmp_path):
    seed = random.randrange(1, 10**6)
    print(f"seed={seed}")
    rng = np.random.default_rng(seed)
    draw = {}
    for kk in (101, 147, 825):  # 825: nobody on a jobcentre benefit
        n = 0 if kk == 825 else 400
        p = np.sort(rng.integers(0, max(n, 1), 3000 if n else 0)).astype(np.int32)
        w = rng.integers(0, 104, p.size).astype(np.int16)
        order = np.lexsort((w, p))
        p, w = p[order], w[order]
        keep = np.r_[True, (p[1:] != p[:-1]) | (w[1:] != w[:-1])] if p.size else np.zeros(0, bool)
        codes = rng.choice(np.array([111, 890, 701, 702, 765, 783, 651], np.int16), int(keep.sum()))
        draw[kk] = (np.arange(max(n, 1), dtype=np.int64) + kk * 10_000, p[keep], w[keep], codes)
    a, b = _kpi_files(tmp_path / "a", seed, draw), _kpi_files(tmp_path / "b", seed, draw)
    assert a == b
    assert _kpi_files(tmp_path / "c", seed + 1, draw) != a


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_kpi_site(tmp_path_factory, request)


def test_kpi_inputs_are_consistent_with_the_weeks(site):
    """On the shared scale-0.01 snapshot (random seed, printed by the site)."""
    print(f"seed={site.seed}")
    d = str(site.snapshot)
    con = duckdb.connect()
    con.execute(
        f"""CREATE TEMP TABLE wk AS SELECT person_id,
            CAST(strptime(CAST(week AS VARCHAR) || '-1', '%G-W%V-%u') AS DATE) AS monday
        FROM '{d}/benefit_weeks.parquet'
        WHERE code IN (111,112,131,141,890,893,775,701,702,703,704,705,760,763,765,781)"""
    )
    con.execute(f"CREATE TEMP TABLE a AS SELECT * FROM '{d}/case_assignments.parquet'")
    # every assignment starts and ends with its spell (a run of weeks on a jobcentre benefit)
    starts = "ON wk.person_id = a.person_id AND wk.monday = a.valid_from"
    ends = "ON wk.person_id = a.person_id AND wk.monday = a.valid_to - 6"
    after = "ON wk.person_id = a.person_id AND wk.monday = a.valid_to + 1"
    assert con.execute(f"SELECT count(*) FROM a ANTI JOIN wk {starts}").fetchone()[0] == 0
    assert con.execute(f"SELECT count(*) FROM a ANTI JOIN wk {ends}").fetchone()[0] == 0
    assert con.execute(f"SELECT count(*) FROM a SEMI JOIN wk {after}").fetchone()[0] == 0
    # conversations and offers of a person start inside one of its assignments
    for table, col in (("conversations", "date"), ("offers", "start_date")):
        outside = con.execute(
            f"SELECT count(*) FROM '{d}/{table}.parquet' x ANTI JOIN a "
            f"ON a.person_id = x.person_id AND x.{col} BETWEEN a.valid_from AND a.valid_to"
        ).fetchone()[0]
        assert outside == 0, table
    rate = con.execute(f"SELECT avg((status = 'no_show')::INT) FROM '{d}/conversations.parquet'").fetchone()[0]
    assert 0.03 < rate < 0.25
