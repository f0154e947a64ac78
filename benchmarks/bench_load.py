"""Time a full load of a snapshot directory into a warehouse.

    python benchmarks/bench_load.py --snapshot DIR --db PATH [--threads N] [--memory-limit 4GB]

Prints each step's wall and CPU seconds (the step named on a line is the one that took them), the
load average, the wall time, the process's CPU time (all threads: on a busy machine the steadier
figure), the peak resident memory (``ru_maxrss`` of this process, and of child processes if any
ran), the rows per kind, the file sizes and the database file size. A full-scale snapshot
directory comes from ``kommunebench.data.synth.generate(out_dir, scale=1)``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

from kommunebench.data import warehouse
from kommunebench.data.load import load


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--snapshot", required=True, type=Path, help="snapshot directory to load")
    ap.add_argument("--db", required=True, type=Path, help="warehouse file (created if missing)")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: setting)")
    ap.add_argument("--memory-limit", default=None, help="DuckDB memory limit, e.g. 4GB")
    ap.add_argument("--fresh", action="store_true", help="delete the warehouse file first")
    ap.add_argument("--quiet", action="store_true", help="no per-step progress lines")
    args = ap.parse_args(argv)

    if args.fresh:
        for p in (args.db, args.db.with_name(args.db.name + ".wal")):
            p.unlink(missing_ok=True)
    t0, cpu0 = time.perf_counter(), time.process_time()
    last = [t0, cpu0, "start"]
    print(f"load average {os.getloadavg()[0]:.2f} at the start", flush=True)

    def step_done() -> None:
        now, cpu = time.perf_counter(), time.process_time()
        if not args.quiet:
            print(f"  {now - t0:7.1f} s  {now - last[0]:6.2f} s  {cpu - last[1]:6.2f} CPU s  {last[2]}", flush=True)
        last[:2] = [now, cpu]

    def progress(message: str, fraction: float) -> None:
        step_done()
        last[2] = message

    con = warehouse.connect(args.db, threads=args.threads, memory_limit=args.memory_limit)
    try:
        report = load(con, args.snapshot, progress=progress)
        step_done()
    finally:
        con.close()
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    print(f"load average {os.getloadavg()[0]:.2f} at the end")

    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    unit = 1 if sys.platform == "darwin" else 1024
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * unit

    print(report.summary())
    print(f"wall time        {wall:8.1f} s")
    print(f"CPU time         {cpu:8.1f} s (this process, all threads)")
    print(
        f"peak RSS         {_mb(rss_self)} (this process)"
        + (f", {_mb(rss_children)} (children)" if rss_children else "")
    )
    for k in report.kinds:
        size = (args.snapshot / k.file).stat().st_size
        print(f"  {k.kind:20s} {k.rows:>12,} rows  {k.format:8s} {_mb(size):>12}  {k.seconds:7.1f} s  {k.status}")
    db_size = args.db.stat().st_size
    wal = args.db.with_name(args.db.name + ".wal")
    print(f"database file    {_mb(db_size)}" + (f" (+ WAL {_mb(wal.stat().st_size)})" if wal.exists() else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
