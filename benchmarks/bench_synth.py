"""Time and peak memory of the synthetic Denmark generator.

    python benchmarks/bench_synth.py --scale 1 --out /tmp/synth_full

Prints wall time, peak resident memory of this process, rows and file sizes.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from kommunebench.data.synth import generate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20181102)
    ap.add_argument("--out", type=Path, default=Path("/tmp/kommunebench-synth-bench"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    res = generate(args.out, scale=args.scale, seed=args.seed)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"scale {args.scale}: {res.n_persons:,} persons, {res.n_person_years:,} person-years, "
        f"{res.n_benefit_weeks:,} benefit weeks"
    )
    print(f"wall time {wall:.1f} s, peak RSS {peak_mb:,.0f} MB")
    for f in sorted(args.out.iterdir()):
        print(f"  {f.name:28s} {f.stat().st_size / 1e6:10.1f} MB")
    print("national shares (pct):", res.national_shares)


if __name__ == "__main__":
    main()
