"""Validation harness: N seeds × scenarios × scale → recovery of the planted truth.

    PYTHONPATH=src python benchmarks/validate_truth.py --scale 0.3 --seeds 5 --csv validate.csv

Seeds are drawn at random unless given (``--seed-list 1,2,3``) and printed. Prints a progress
line per replication (scenario × seed), appends each replication's rows to ``<csv>_partial.csv``
as soon as it is done, and resumes from that file when run again (the same seeds: given, or
read back from it). Seed-major order: an interrupted run has every scenario for the seeds done.
The calibration of the synthetic Denmark is computed once per seed (it does not depend on the
scenario or the scale). At the end it prints the table (means over seeds per scenario and area)
and writes it (and every replication) as CSV.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kommunebench.pipeline.validate import SCENARIOS, ValidationResult, validate_truth


def markdown(table: pd.DataFrame) -> str:
    """The harness table as Markdown (2 decimals; empty where a metric does not apply)."""
    cols = list(table.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in table.itertuples(index=False):
        cells = [
            f"{v:.2f}" if isinstance(v, float) and not np.isnan(v) else ("" if isinstance(v, float) else str(v))
            for v in row
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--seeds", type=int, default=5, help="number of random seeds")
    ap.add_argument("--seed-list", default="", help="explicit comma-separated seeds")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--redraws", type=int, default=1, help="replications per seed (new outcomes, same persons/effects)")
    ap.add_argument("--csv", type=Path, default=Path("validate_truth.csv"))
    ap.add_argument(
        "--combine",
        nargs="+",
        type=Path,
        help="only combine these replication CSVs (e.g. several processes' *_partial.csv) into one Markdown table",
    )
    args = ap.parse_args()
    if args.combine:
        reps = pd.concat([pd.read_csv(p) for p in args.combine]).drop_duplicates()
        print(markdown(ValidationResult(reps, float(reps.scale.iloc[0]), 0.9).table()))
        return
    partial = args.csv.with_name(args.csv.stem + "_partial.csv")
    if args.seed_list:
        seeds = [int(s) for s in args.seed_list.split(",")]
    elif partial.exists():  # resume an interrupted run with its own seeds
        prev = pd.read_csv(partial)
        seeds = sorted({int(s) for s in prev.loc[prev.scale == args.scale, "seed"]})
        seeds += [int(s) for s in np.random.default_rng().integers(1, 2**31, max(0, args.seeds - len(seeds)))]
    else:
        seeds = [int(s) for s in np.random.default_rng().integers(1, 2**31, args.seeds)]
    print(f"seeds {seeds}; scale {args.scale}; load average {os.getloadavg()[0]:.2f}", flush=True)
    started = time.perf_counter()
    res = validate_truth(
        scenarios=args.scenarios.split(","),
        seeds=seeds,
        scale=args.scale,
        partial_csv=partial,
        redraws=args.redraws,
        progress=lambda what, done, total: print(
            f"  {done}/{total} {what} ({time.perf_counter() - started:.0f} s)", flush=True
        ),
    )
    print(markdown(res.table()))
    res.to_csv(args.csv)
    print(f"wrote {args.csv} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
