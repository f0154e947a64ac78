"""What the uncertainty costs at full scale, and how fast the rank sets are.

    python benchmarks/bench_uncertainty.py                 # build 3.8 M persons in a temp dir, run
    python benchmarks/bench_uncertainty.py --db w.duckdb   # use (or build, if missing) this file

Each measurement runs in a fresh Python process (peak RSS is its own):

* ``model`` — the model stage as it is (per-municipality Gram matrices, cross-products kept);
* ``uncertainty`` — on top of ``model``: intervals (clustered jackknife), robustness
  specifications and funnel, then the rank sets with ``--draws`` draws for each list.

The model stage's kernel counts persons per municipality and combination of factor levels
(``model/kernel.py``), so the per-municipality Gram matrices the uncertainty stage needs are part
of the one pass itself; the old comparison with a single Gram matrix (stages ``baseline`` and
``kernel``, which swapped the accumulation) no longer applies and was removed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_model  # noqa: E402  (the same national-size warehouse builder)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fit(db: str, period: str):
    import duckdb

    from kommunebench.model import fit_benchmark

    code_areas, ca = bench_model._inputs()
    con = duckdb.connect(db, read_only=True)
    t0 = time.perf_counter()
    fit = fit_benchmark(con, period, scope="2019", code_areas=code_areas, commuting_area_of=ca, total=False)
    return fit, time.perf_counter() - t0


def stage(name: str, db: str, period: str, draws: int) -> dict:
    import numpy as np

    cpu0 = time.process_time()
    fit, seconds = _fit(db, period)
    out = {
        "stage": name,
        "fit_seconds": round(seconds, 3),
        "fit_cpu_seconds": round(time.process_time() - cpu0, 3),
        "n": fit.model.n,
    }
    if name == "uncertainty":
        from kommunebench.uncertainty import difference_uncertainty, funnel, rank_sets, robustness

        t0, c0 = time.perf_counter(), time.process_time()
        unc = difference_uncertainty(fit)
        c1 = time.process_time()
        rob = robustness(fit)
        c2 = time.process_time()
        for a in range(len(unc.areas)):
            funnel(unc.diff_pp[a], unc.se_pp[a], fit.crossproducts.population)
        out["intervals_robustness_funnel_seconds"] = round(time.perf_counter() - t0, 3)
        out["cpu_seconds"] = {
            "intervals": round(c1 - c0, 3),
            "robustness": round(c2 - c1, 3),
            "funnel": round(time.process_time() - c2, 3),
        }
        out["lm_absorbed_share"] = dict(zip(unc.areas, np.round(rob.absorbed_share, 3).tolist(), strict=True))
        ranks = {}
        for a, area in enumerate(unc.areas):
            t0, c0 = time.perf_counter(), time.process_time()
            rank_sets(unc.diff_pp[a], unc.cov_pp[a], draws=draws, seed=a)
            ranks[area] = {"wall": round(time.perf_counter() - t0, 3), "cpu": round(time.process_time() - c0, 3)}
        out["rank_sets_seconds"] = ranks
    out["peak_rss_mb"] = round(_peak_mb(), 1)
    return out


def _child(*args: str) -> dict:
    res = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db")
    ap.add_argument("--persons", type=int, default=3_800_000)
    ap.add_argument("--period", default="2023QMAT04")
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--stage", choices=["model", "uncertainty"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.stage:
        print(json.dumps(stage(a.stage, a.db, a.period, a.draws)))
        return
    tmp = None
    db = a.db
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench_unc_")
        db = str(Path(tmp.name) / "warehouse.duckdb")
    if not Path(db).exists():
        print(f"building {a.persons:,} persons into {db} …", flush=True)
        subprocess.run(
            [sys.executable, bench_model.__file__, "--stage", "build", "--db", db, "--persons", str(a.persons)],
            check=True,
            capture_output=True,
        )
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for _ in range(a.repeat):
        for name in ("model", "uncertainty"):
            print(json.dumps(_child("--stage", name, "--db", db, "--period", a.period, "--draws", str(a.draws))))
    print(f"load average {os.getloadavg()[0]:.2f}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
