"""Time ``joblog status`` for one date at full scale.

    python benchmarks/bench_joblog.py [--snapshot DIR] [--db PATH] [--as-of 2023-10-01] [--repeat 5]

Without ``--snapshot`` a full-scale synthetic Denmark (``scale=1``, ~3.8 M persons, ~14,000 in the
joblog target group a month) is generated into a temporary folder first; its ``persons`` and
``joblog`` are loaded into the warehouse (``--db``, default a temporary file). Then the status is
computed ``--repeat`` times in this process (:func:`kommunebench.alerts.joblog_status`, median
printed) and once as a user runs it (``kommunebench joblog status`` in a subprocess, wall time
including Python start-up).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kommunebench.alerts import joblog_status
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snapshot", type=Path, help="snapshot folder with persons + joblog (default: generate)")
    ap.add_argument("--db", type=Path, help="warehouse file (default: a temporary one)")
    ap.add_argument("--as-of", default="2023-10-01", help="evaluation date")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        snapshot = args.snapshot
        if snapshot is None:
            t0 = time.perf_counter()
            res = generate(Path(tmp) / "synth", scale=1.0)
            snapshot = res.out_dir
            print(
                f"generated scale 1: {res.n_persons:,} persons, {res.n_joblog_rows:,} joblog rows "
                f"in {time.perf_counter() - t0:.1f} s"
            )
        db = args.db or Path(tmp) / "warehouse.duckdb"
        t0 = time.perf_counter()
        rep = load(db, {"persons": snapshot / "persons.parquet", "joblog": snapshot / "joblog.parquet"})
        print(f"{rep.summary()} (wall {time.perf_counter() - t0:.1f} s)")

        con = warehouse.connect(db, read_only=True)
        try:
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                st = joblog_status(con, args.as_of)
                times.append(time.perf_counter() - t0)
        finally:
            con.close()
        print(st.summary())
        print(
            f"joblog_status (in process): median {statistics.median(times):.3f} s, "
            f"min {min(times):.3f} s over {len(times)} runs"
        )
        env = {**os.environ, "KOMMUNEBENCH_DB": str(db), "COLUMNS": "200"}
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "kommunebench.cli", "joblog", "status", "--as-of", args.as_of],
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - t0
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        print(f"kommunebench joblog status --as-of {args.as_of} (subprocess, wall): {wall:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
