"""``synth --scale`` above 1: municipalities simulated in person chunks, deterministic per seed.

The chunked path is exercised at a tiny scale by a small ``chunk_persons`` (above scale 1 the
chunk is a municipality's real population): the snapshot is reproducible, complete and loads.
"""

from __future__ import annotations

import hashlib

import duckdb
import pyarrow.parquet as pq
import pytest

from kommunebench.data import reference
from kommunebench.data.load import load
from kommunebench.data.synth import MAX_SCALE, generate
from kommunebench.data.synth.chunks import chunk_sizes

SCALE, SEED = 0.003, 31


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_chunk_sizes_cover_the_persons():
    assert chunk_sizes(10, 4) == [4, 4, 2] and chunk_sizes(8, 4) == [4, 4] and chunk_sizes(3, 4) == [3]
    assert MAX_SCALE >= 3


def test_chunked_snapshot_is_complete_and_loads(tmp_path):
    print("seed", SEED)
    a = generate(tmp_path / "a", scale=SCALE, seed=SEED, chunk_persons=40)
    con = duckdb.connect()
    second = a.years[1]
    in_pop = dict(
        con.execute(
            f"SELECT kommunekode, count(*) FROM '{a.out_dir}/persons.parquet' "
            f"WHERE year = {second} AND age BETWEEN 16 AND 66 GROUP BY 1"
        ).fetchall()
    )
    assert in_pop == {m.kommunekode: max(1, round(m.pop_16_66 * SCALE)) for m in reference.municipalities()}
    assert max(in_pop.values()) > 3 * 40  # the large municipalities really were chunked
    ids = f"SELECT count(DISTINCT person_id), count(*) FROM '{a.out_dir}/persons.parquet' WHERE year = {second}"
    assert con.execute(ids).fetchone() == (a.n_persons, a.n_persons)
    truth = pq.read_table(a.out_dir / "truth_effects.parquet").to_pylist()
    assert len(truth) == 98 * 4 * 2 and all(abs(r["effect_pp"]) < 5 for r in truth)
    report = load(tmp_path / "wh.duckdb", a.out_dir, snapshot_id="chunked")
    assert report["persons"].rows == 2 * a.n_persons


@pytest.mark.slow
def test_chunked_snapshot_is_reproducible_and_differs_from_one_chunk(tmp_path):
    a = generate(tmp_path / "a", scale=SCALE, seed=SEED, chunk_persons=40)
    b = generate(tmp_path / "b", scale=SCALE, seed=SEED, chunk_persons=40)
    one = generate(tmp_path / "one", scale=SCALE, seed=SEED)
    for name in ("persons.parquet", "benefit_weeks.parquet", "truth_effects.parquet", "joblog.parquet"):
        assert _digest(a.out_dir / name) == _digest(b.out_dir / name), name
    assert _digest(a.out_dir / "benefit_weeks.parquet") != _digest(one.out_dir / "benefit_weeks.parquet")


@pytest.mark.slow
def test_scale_above_one_generates_more_persons_than_the_population(tmp_path):
    res = generate(tmp_path / "big", scale=1.05, seed=SEED)
    n_in = sum(max(1, round(m.pop_16_66 * 1.05)) for m in reference.municipalities())
    assert n_in > sum(m.pop_16_66 for m in reference.municipalities())
    assert res.n_persons >= n_in
