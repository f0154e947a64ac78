"""End-to-end figures at national scale: synth → load → model stage → `kommunebench run`.

    python benchmarks/bench_run.py --work /tmp/kb-bench           # full scale (≈ 3.8 M persons)
    python benchmarks/bench_run.py --work /tmp/kb-bench --scale 0.1 --sm-rows 0

Each stage runs in its own process, so each peak RSS is that stage's own. The model stage and the
statsmodels side-by-side (formula interface, one area, same design) come from
``benchmarks/bench_model.py`` run on the loaded warehouse. Targets (issue 3): model stage ≤ 5 s
and ≤ 1.5 GB peak; ``run`` end to end ≤ 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
stage, arg1, arg2 = sys.argv[1:4]
if stage == "synth":
    from kommunebench.data.synth import generate
    r = generate(arg1, scale=float(arg2))
    info = {"persons": r.n_persons, "benefit_weeks": r.n_benefit_weeks}
elif stage == "load":
    from kommunebench.data.load import load
    rep = load(arg2, arg1)
    info = {k.kind: k.rows for k in rep.kinds}
elif stage == "run":
    from kommunebench.data import warehouse
    from kommunebench.benchmark.runs import execute_run
    con = warehouse.connect(arg1)
    s = execute_run(con, period=arg2)
    con.close()
    info = {"run_id": s.record.run_id, "results_sha256": s.record.results_sha256[:12]}
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **info}))
"""


def _child(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/kommunebench-bench"))
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--period", default="2023QMAT04")
    ap.add_argument("--sm-rows", default="-1", help="statsmodels rows (-1 = all persons, 0 = skip)")
    a = ap.parse_args()
    snap, db = a.work / "snapshot", a.work / "warehouse.duckdb"
    a.work.mkdir(parents=True, exist_ok=True)
    if not (snap / "persons.parquet").exists():
        r = _child("synth", str(snap), str(a.scale))
        print(
            f"synth  scale {a.scale}: {r['persons']:,} persons, {r['benefit_weeks']:,} benefit weeks; "
            f"{r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB"
        )
    if db.exists():
        db.unlink()
    r = _child("load", str(snap), str(db))
    print(
        f"load:  {r['seconds']:.1f} s, peak {r['peak_mb']:,.0f} MB; rows "
        + ", ".join(f"{k} {v:,}" for k, v in r.items() if k not in ("seconds", "peak_mb"))
        + f"; database file {db.stat().st_size / 1e6:,.0f} MB"
    )
    t0 = time.perf_counter()
    r = _child("run", str(db), a.period)
    wall = time.perf_counter() - t0
    print(
        f"run {a.period} end to end (fit all areas, lists, store): {r['seconds']:.1f} s in-process, "
        f"{wall:.1f} s with Python start-up; peak {r['peak_mb']:,.0f} MB; run {r['run_id']} "
        f"results {r['results_sha256']} → target ≤ 60 s {'OK' if wall <= 60 else 'MISSED'}"
    )
    t0 = time.perf_counter()
    exe = shutil.which("kommunebench")
    if exe:
        subprocess.run(
            [exe, "run", "--period", a.period, "--db", str(db), "--out", str(a.work / "export")],
            check=True,
            capture_output=True,
            env={**os.environ, "KOMMUNEBENCH_HOME": str(a.work)},
        )
        print(f"`kommunebench run` CLI incl. CSV, Excel and HTML exports: {time.perf_counter() - t0:.1f} s")
    print("\nmodel stage and statsmodels side by side (benchmarks/bench_model.py):", flush=True)
    subprocess.run(
        [sys.executable, str(HERE / "bench_model.py"), "--db", str(db), "--period", a.period, "--sm-rows", a.sm_rows],
        check=True,
    )


if __name__ == "__main__":
    main()
