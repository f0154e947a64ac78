"""The model stage by engine: DuckDB (embedded) vs Spark local[2], and incremental periods.

    python benchmarks/bench_engines.py --work /tmp/kb-engines --scale 1     # full scale (≈ 3.8 M)
    python benchmarks/bench_engines.py --work /tmp/kb-engines --scale 0.3

Every measurement is a fresh Python process (peak RSS its own). Steps:

1. ``synth --partitioned`` (once per work folder) and a load of the snapshot with the benefit
   weeks up to the quarter before ``--period``'s last (the "old" data);
2. the load-time step of ``kommunebench load --forbered`` (``pipeline.prepare_periods``: every
   quarter's per-person weeks and the previous period's blocks), then the incremental engine fits
   the previous period (stored blocks only);
3. the full benefit weeks are loaded (one more quarter) — timed, that is the load — and the
   ``--forbered`` step again (the new quarter and the blocks touching it);
4. the model stage (``fit_benchmark``, all areas) for ``--period``: DuckDB engine, incremental
   engine (after the ``--forbered`` step: stored blocks only; then again), Spark ``local[2]`` on the
   co-bucketed copy (``--buckets``, written under ``--work``/bucketed when missing or in an older
   layout), on the flat files, on the partitioned copy, and as Spark SQL aggregates (the JVM
   start timed apart; CPU seconds of the whole process tree — JVM and Python workers — beside
   each model stage);
5. the coefficients, expected counts and ranks of every engine against the DuckDB engine's.

With ``--loaded DIR`` (a work folder already through steps 1-3, used read-only; its warehouse is
copied into ``--work``) only step 4's DuckDB engine and Spark modes run, ``--repeat`` times
alternating:

    python benchmarks/bench_engines.py --work /tmp/kb-b --loaded /tmp/kb-engines --spark spark-buckets
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from bytecode import ensure_bytecode  # the script's folder (benchmarks/) is on sys.path

from kommunebench.benchmark.ranking import rank_as_published
from kommunebench.data.periods import Period, format_iso_week
from kommunebench.engines import write_bucketed, write_partitioned
from kommunebench.engines.bucketed import bucket_count, bucket_rows
from kommunebench.errors import ConfigError

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
what, db, period, out = sys.argv[1:5]
from kommunebench.data import reference, warehouse
from kommunebench.model import ONE_PASS, IncrementalEngine, fit_benchmark
info = {}
def tree_cpu():  # CPU seconds of this process and all its descendants (the JVM, Python workers)
    import os
    stats = {}
    for d in os.listdir("/proc"):
        try:
            f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
            stats[int(d)] = (int(f[1]), sum(map(int, f[11:15])))
        except (ValueError, OSError):
            pass
    todo, total = [os.getpid()], 0
    while todo:
        p = todo.pop()
        total += stats.get(p, (0, 0))[1]
        todo += [c for c, (pp, _) in stats.items() if pp == p]
    return total / os.sysconf("SC_CLK_TCK")
if what == "load":
    from kommunebench.data.load import load
    load(db, json.loads(period))
    print(json.dumps({"seconds": time.perf_counter() - t0,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    raise SystemExit
con = warehouse.connect(db)
kw = dict(scope="2019", code_areas=reference.code_areas("2019", warehouse.effective_benefit_codes(con)),
          commuting_area_of=warehouse.municipality_commuting_area(con), total=False)
if what.startswith("spark"):
    from kommunebench.engines import SparkEngine, spark_session
    from pathlib import Path
    t1 = time.perf_counter()
    session = spark_session("local[2]")
    session.range(1).count()
    if what == "spark-buckets-warm":  # the Python workers started (and the task's imports) before
        from kommunebench.engines import bucketed
        session.sparkContext.parallelize(range(4), 4).map(lambda x: bucketed.BUCKETS).collect()
        what = "spark-buckets"
    info["jvm_seconds"] = time.perf_counter() - t1
    snap = Path(sys.argv[5])
    engine = SparkEngine(session=session, source=snap if what in ("spark-parts", "spark-buckets") else None)
    if what == "spark-buckets":  # the co-bucketed copy (under --work/bucketed)
        engine.source = Path(sys.argv[6])
    if what in ("spark", "spark-sql"):  # the flat files: hide the partitioned copy
        engine.source = snap / "flat"
elif what in ("incremental", "prepare"):
    engine = IncrementalEngine()
else:
    engine = ONE_PASS  # the one pass, also where stored blocks exist
if what == "spark-sql":  # the alternative: Spark SQL aggregates SUM(e_i * e_j) per municipality
    from kommunebench.data.periods import Period
    from kommunebench.engines.spark import _spark_sql, _sources
    from kommunebench.model import DEFAULT_DESIGN
    from kommunebench.model.fit import _areas_of
    per = Period.parse(period)
    _, area_codes = _areas_of(kw["code_areas"], "2019")
    persons, weeks, parts = _sources(con, engine.source)
    session.read.parquet(persons).createOrReplaceTempView("kb_persons")
    session.read.parquet(weeks).createOrReplaceTempView("kb_benefit_weeks")
    session.sql(_spark_sql(DEFAULT_DESIGN, area_codes, per, parts)).createOrReplaceTempView("kb_rows")
    e = [f"CAST(f{j} = {i} AS INT)" for j, f in enumerate(DEFAULT_DESIGN.factors)
         for i, lvl in enumerate(f.levels) if lvl != f.reference] + [f"w{a}" for a in range(len(area_codes))]
    aggs = ", ".join(f"sum(CAST({x} * {y} AS BIGINT))" for i, x in enumerate(e) for y in e[i:])
    t1, c1 = time.perf_counter(), tree_cpu()
    rows = session.sql(f"SELECT kommunekode, count(*), {aggs} FROM kb_rows GROUP BY kommunekode").collect()
    info["model_seconds"], info["model_cpu_seconds"] = time.perf_counter() - t1, tree_cpu() - c1
    info["groups"], info["aggregates"] = len(rows), len(e) * (len(e) + 1) // 2
    print(json.dumps({"seconds": time.perf_counter() - t0,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **info}))
    raise SystemExit
if what == "prepare":  # the load-time part of the incremental engine (kommunebench load --forbered)
    con.close()
    from kommunebench.pipeline import prepare_periods
    t1, c1 = time.perf_counter(), tree_cpu()
    prep = prepare_periods(db=db, actor="bench")
    print(json.dumps({"seconds": time.perf_counter() - t1, "cpu_seconds": tree_cpu() - c1, "period": prep.period,
                      "quarters": prep.scans.get("benefit_weeks", 0), "scans": prep.scans}))
    raise SystemExit
t1, c1 = time.perf_counter(), tree_cpu()
fit = fit_benchmark(con, period, engine=engine, **kw)
info["model_seconds"], info["model_cpu_seconds"] = time.perf_counter() - t1, tree_cpu() - c1
if what == "incremental":
    info["scans"] = dict(engine.scans)
con.close()
fit.municipal.to_parquet(out)
pd_coef = fit.model.to_frame()
pd_coef.to_parquet(out + ".coef")
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **info}))
"""


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    at = out.stdout.rfind('{"seconds"')
    if at < 0:
        raise SystemExit(f"no result from {args[0]}:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    return json.loads(out.stdout[at:].splitlines()[0])


def _current_copy(root: Path) -> bool:
    """Whether ``root`` is a co-bucketed copy in the current layout (an older one is written again)."""
    try:
        bucket_count(root)
    except ConfigError:
        return False
    return True


def _load_avg() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _ranks(municipal: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for area, f in municipal.groupby("area"):
        f = f.sort_values("kommunekode")
        out[area] = rank_as_published(f["expected"] / f["population"], f["actual"] / f["population"], f["kommunekode"])
    return pd.DataFrame(out)


def _compare(name: str, base: str, other: str) -> str:
    a, b = pd.read_parquet(base), pd.read_parquet(other)
    ca, cb = pd.read_parquet(base + ".coef"), pd.read_parquet(other + ".coef")
    num = ca.select_dtypes("number").to_numpy(float)
    numb = cb.select_dtypes("number").to_numpy(float)
    ok = ~np.isnan(num) & (num != 0)
    rel = float(np.max(np.abs(numb[ok] - num[ok]) / np.abs(num[ok]))) if ok.any() else 0.0
    same_exp = bool(np.array_equal(a["expected"].to_numpy(), b["expected"].to_numpy()))
    same_rank = bool((_ranks(a).to_numpy() == _ranks(b).to_numpy()).all())
    return f"{name}: max rel. coefficient diff {rel:.1e}, expected equal {same_exp}, ranks identical {same_rank}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/kommunebench-engines"))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--period", default="2023QMAT04")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument(
        "--spark",
        default="spark-buckets,spark,spark-parts,spark-sql",
        help="Spark measurements: co-bucketed copy (spark-buckets-warm: Python workers started with "
        "the session), flat files, parts, SQL aggregates",
    )
    ap.add_argument("--buckets", type=int, default=64, help="buckets of the co-bucketed copy (spark-buckets)")
    ap.add_argument(
        "--loaded",
        type=Path,
        help="a work folder already through steps 1-3 (snapshot/ + warehouse.duckdb), used read-only: its "
        "warehouse is copied into --work and only the duckdb engine and the Spark modes are measured",
    )
    ap.add_argument("--repeat", type=int, default=1, help="measure the duckdb/Spark rounds this often (alternating)")
    a = ap.parse_args()
    print(ensure_bytecode())

    p = Period.parse(a.period)
    snap, db, res = a.work / "snapshot", a.work / "warehouse.duckdb", a.work / "results"
    res.mkdir(parents=True, exist_ok=True)
    if a.loaded:
        snap = a.loaded / "snapshot"
        shutil.copy(a.loaded / "warehouse.duckdb", db)
    else:
        _prepare(a, snap, db, res, p)
    bucketed = a.work / "bucketed"  # the co-bucketed copy apart: spark-parts reads the snapshot folder
    if not a.no_spark and "spark-buckets" in a.spark and not _current_copy(bucketed / "buckets"):
        bucketed.mkdir(exist_ok=True)
        for kind in ("persons", "benefit_weeks"):
            if not (bucketed / f"{kind}.parquet").exists():
                (bucketed / f"{kind}.parquet").symlink_to((snap / f"{kind}.parquet").resolve())
        t0 = time.perf_counter()
        write_bucketed(bucketed, buckets=a.buckets)
        print(f"co-bucketed copy ({a.buckets} buckets by person): {time.perf_counter() - t0:.1f} s ({_load_avg()})")
        print(f"  {bucket_rows(bucketed / 'buckets', 'benefit_weeks'):,} benefit-week rows as quarterly counts")

    runs = [("duckdb", [])] + ([] if a.loaded else [("incremental", []), ("incremental-again", [])])
    if not a.no_spark:
        runs += [(name, [str(snap), str(bucketed)]) for name in a.spark.split(",")]
    for i in range(a.repeat):
        for name, extra in runs:
            what = "incremental" if name.startswith("incremental") else name
            tag = name if a.repeat == 1 else f"{name}-{i + 1}"
            r = _child(what, str(db), p.label, str(res / f"{tag}.parquet"), *extra)
            more = f", scans {r['scans']}" if "scans" in r else ""
            if "aggregates" in r:
                more = f" (Spark SQL: {r['aggregates']} SUM(e_i*e_j) aggregates × {r['groups']} municipalities)"
            jvm = f", JVM + session start {r['jvm_seconds']:.1f} s" if "jvm_seconds" in r else ""
            print(
                f"{tag:18s} {p.label}: model stage {r['model_seconds']:.2f} s in process "
                f"({r['model_cpu_seconds']:.1f} CPU s, process tree){jvm}, whole process "
                f"{r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB{more} ({_load_avg()})",
                flush=True,
            )
    base = "duckdb" if a.repeat == 1 else "duckdb-1"
    for i in range(a.repeat):
        for name, _ in runs:
            tag = name if a.repeat == 1 else f"{name}-{i + 1}"
            if name == "spark-sql" or tag == base:
                continue
            print(_compare(tag, str(res / f"{base}.parquet"), str(res / f"{tag}.parquet")))
    shutil.rmtree(res)


def _prepare(a: argparse.Namespace, snap: Path, db: Path, res: Path, p: Period) -> None:
    """Steps 1-3 of the module doc: synth, the early load, the incremental engine, the new quarter."""
    prev = Period(p.year - (p.quarter == 1), 4 if p.quarter == 1 else p.quarter - 1)
    if not (snap / "persons.parquet").exists():
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "kommunebench.cli", "synth", "--out", str(snap), "--scale", str(a.scale)],
            check=True,
            capture_output=True,
        )
        print(f"synth scale {a.scale}: {time.perf_counter() - t0:.1f} s ({_load_avg()})")
    if not (snap / "parts").exists():
        t0 = time.perf_counter()
        write_partitioned(snap)
        print(f"partitioned copy (year × municipality): {time.perf_counter() - t0:.1f} s ({_load_avg()})")
    flat = snap / "flat"
    flat.mkdir(exist_ok=True)
    for kind in ("persons", "benefit_weeks"):
        if not (flat / f"{kind}.parquet").exists():
            os.link(snap / f"{kind}.parquet", flat / f"{kind}.parquet")
    early = a.work / "early" / "benefit_weeks.parquet"
    early.parent.mkdir(exist_ok=True)
    # the period ending one quarter earlier ends the week before --period's last quarter starts
    last_q_first = format_iso_week(prev.last_week + dt.timedelta(weeks=1))
    duckdb.sql(
        f"COPY (SELECT * FROM read_parquet('{snap / 'benefit_weeks.parquet'}') WHERE week < '{last_q_first}') "
        f"TO '{early}' (FORMAT PARQUET, COMPRESSION zstd)"
    )
    if db.exists():
        db.unlink()
    files = {k: str(snap / f"{k}.parquet") for k in ("persons", "labour_market")}
    r = _child("load", str(db), json.dumps({**files, "benefit_weeks": str(early)}), "")
    print(f"load (weeks before {last_q_first}): {r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB ({_load_avg()})")
    r = _child("prepare", str(db), p.label, "")
    print(
        f"load --forbered step ({r['period']}: every stored quarter, the period's blocks): {r['seconds']:.2f} s, "
        f"{r['cpu_seconds']:.1f} CPU s, scans {r['scans']} ({_load_avg()})"
    )
    r = _child("incremental", str(db), prev.label, str(res / "prev.parquet"))
    print(
        f"incremental {prev.label}, first period of the population year: model stage {r['model_seconds']:.2f} s, "
        f"scans {r['scans']} ({_load_avg()})"
    )
    r = _child("load", str(db), json.dumps({"benefit_weeks": str(snap / "benefit_weeks.parquet")}), "")
    print(f"load of one more quarter (all benefit weeks): {r['seconds']:.1f} s ({_load_avg()})")
    r = _child("prepare", str(db), p.label, "")
    print(
        f"load --forbered step after the load ({r['period']}: the new quarter's per-person weeks and the blocks "
        f"touching it): {r['seconds']:.2f} s, {r['cpu_seconds']:.1f} CPU s, scans {r['scans']} ({_load_avg()})"
    )


if __name__ == "__main__":
    main()
