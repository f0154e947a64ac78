"""Validation harness: N seeds × scenarios × scale → recovery of the planted truth.

    PYTHONPATH=src python benchmarks/validate_truth.py --scale 0.3 --seeds 5 --csv validate.csv

Seeds are drawn at random unless given (``--seed-list 1,2,3``) and printed. Prints the table
(means over seeds per scenario and area) and writes it (and every replication) as CSV.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kommunebench.pipeline.validate import SCENARIOS, validate_truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.02)
    ap.add_argument("--seeds", type=int, default=5, help="number of random seeds")
    ap.add_argument("--seed-list", default="", help="explicit comma-separated seeds")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--csv", type=Path, default=Path("validate_truth.csv"))
    args = ap.parse_args()
    if args.seed_list:
        seeds = [int(s) for s in args.seed_list.split(",")]
    else:
        seeds = [int(s) for s in np.random.default_rng().integers(1, 2**31, args.seeds)]
    print(f"seeds {seeds}; scale {args.scale}; load average {os.getloadavg()[0]:.2f}", flush=True)
    started = time.perf_counter()
    res = validate_truth(
        scenarios=args.scenarios.split(","),
        seeds=seeds,
        scale=args.scale,
        partial_csv=args.csv.with_name(args.csv.stem + "_partial.csv"),
        progress=lambda what, done, total: print(
            f"  {done}/{total} {what} ({time.perf_counter() - started:.0f} s)", flush=True
        ),
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(res.table().round(3).to_string(index=False))
    res.to_csv(args.csv)
    print(f"wrote {args.csv} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
