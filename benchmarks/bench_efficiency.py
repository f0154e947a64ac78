"""Time the DEA stage: 98 municipalities × both variants × both orientations × 2,000 bootstrap replications.

    python benchmarks/bench_efficiency.py                 # 2,000 replications, 2 worker processes
    python benchmarks/bench_efficiency.py --jobs 1        # one process
    python benchmarks/bench_efficiency.py --replications 200 --rts crs
    python benchmarks/bench_efficiency.py --calibration none   # without the interval's calibration

Synthetic data shaped like the real thing: per municipality a cost per fuldtidsperson (lognormal
around 40,000 kr., sd 25 %), a frontier of løfteevne per area that rises with the cost, a random
mix over the three areas and a planted efficiency exp(−|N(0, 0.12)|); the municipal frame
(kommunekode, area, population, actual, expected) and the cost table are built from that and fed
through ``loefteevne_data`` → ``compute_efficiency`` exactly as a user would, with Ærø, Samsø and
Langeland left out of the reference set. Prints the wall seconds per model and in total, the peak
resident memory of this process (``resource.getrusage``) and of the worker processes: they are
started by multiprocessing's fork server, i.e. they are not children of this process and
``RUSAGE_CHILDREN`` cannot see them, so their high-water marks (VmHWM) are sampled from /proc.
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kommunebench.benchmark import MINISTRY_AREAS
from kommunebench.data import reference
from kommunebench.efficiency import compute_efficiency, loefteevne_data

EXCLUDED = ("Ærø", "Samsø", "Langeland")


def synthetic(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A municipal frame and a cost table for the 98 municipalities."""
    rng = np.random.default_rng(seed)
    munis = reference.municipalities()
    n = len(munis)
    cost = 40_000 * np.exp(rng.normal(0, 0.25, n))
    level = 0.75 + 0.3 * np.sqrt(cost / 40_000)
    mix = rng.dirichlet(np.full(3, 12.0), n) * 3
    efficiency = np.exp(-np.abs(rng.normal(0, 0.12, n)))
    loefteevne = level[:, None] * mix * efficiency[:, None]
    base = np.array([0.02, 0.025, 0.03])
    rows = []
    persons = np.zeros(n)
    for i, m in enumerate(munis):
        for a, area in enumerate(MINISTRY_AREAS):
            actual = m.pop_16_66 * base[a] * rng.uniform(0.7, 1.3)
            persons[i] += actual
            rows.append((m.kommunekode, area, m.pop_16_66, actual, actual * loefteevne[i, a]))
    municipal = pd.DataFrame(rows, columns=["kommunekode", "area", "population", "actual", "expected"])
    costs = pd.DataFrame({"kommunekode": [m.kommunekode for m in munis], "cost_kr": cost * persons})
    return municipal, costs


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendant_peaks() -> dict[int, float]:
    """VmHWM in MB of every process below this one (Linux /proc; empty elsewhere)."""
    parent: dict[int, int] = {}
    peak: dict[int, float] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(entry.name)
        parent[pid] = int(fields["PPid"])
        peak[pid] = int(fields.get("VmHWM", "0 kB").split()[0]) / 1024
    me, out = os.getpid(), {}
    for pid in peak:
        p = parent.get(pid, 0)
        while p > 1 and p != me:
            p = parent.get(p, 0)
        if p == me:
            out[pid] = peak[pid]
    return out


class _Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, float] = {}
        self.stop = threading.Event()

        self.cpu: dict[int, float] = {}

    def run(self) -> None:
        while not self.stop.wait(0.2):
            for pid, mb in _descendant_peaks().items():
                self.peaks[pid] = max(mb, self.peaks.get(pid, 0.0))
                self.cpu[pid] = max(_cpu_seconds(pid), self.cpu.get(pid, 0.0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--replications", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--rts", choices=("vrs", "crs"), default="vrs")
    ap.add_argument("--seed", type=int, default=20181102)
    ap.add_argument("--method", choices=("subsampling", "smoothed"), default="subsampling")
    ap.add_argument(
        "--calibration", choices=("default", "none", "level", "level_free", "rate"), default="default",
        help="the subsampling interval's two-level calibration (default: the library's default)",
    )  # fmt: skip
    args = ap.parse_args()
    municipal, costs = synthetic(args.seed)
    models = {
        "uden_udgifter": loefteevne_data(municipal, variant="uden_udgifter"),
        "med_udgifter": loefteevne_data(municipal, variant="med_udgifter", costs=costs),
    }
    total = 0.0
    sampler = _Sampler()
    sampler.start()
    print(
        f"{len(municipal) // 3} units, {args.replications} replications ({args.method}), rts={args.rts}, "
        f"jobs={args.jobs}, load average before: {os.getloadavg()[0]:.2f}"
    )
    critical = 0.0  # CPU seconds on the longest path: this process + the busiest worker of each model
    for name, data in models.items():
        for orientation in ("output", "input"):
            seen = set(sampler.cpu)
            main0 = _cpu_seconds(os.getpid())
            t0 = time.perf_counter()
            res = compute_efficiency(
                data,
                orientation=orientation,
                rts=args.rts,
                exclude=EXCLUDED,
                bootstrap=args.replications,
                bootstrap_method=args.method,
                calibration=None if args.calibration == "default" else args.calibration,
                seed=args.seed,
                n_jobs=args.jobs,
            )
            wall = time.perf_counter() - t0
            total += wall
            time.sleep(0.3)  # let the sampler read the finished workers' last figures
            # the worker pools of one model run one after the other (the subsampling's, then the
            # calibration's), each with --jobs workers started in a row: the busiest worker of each pool
            new = sorted(pid for pid in sampler.cpu if pid not in seen)
            pools = [new[i : i + args.jobs] for i in range(0, len(new), args.jobs)]
            busiest = sum(max(sampler.cpu[pid] for pid in pool) for pool in pools)
            critical += _cpu_seconds(os.getpid()) - main0 + busiest
            s = res.scores
            b = res.bootstrap
            assert b is not None
            cal = b.calibration
            how = "" if cal is None else f", level {b.level:.3f} (K {cal.pseudo_samples}, B' {cal.inner_replications})"
            print(
                f"  {name:<14} {orientation:<6} {wall:7.2f} s   efficient {int(s.efficient.sum()):>2}, "
                f"mean score {np.nanmean(s.score):.3f}, bias-corrected {np.nanmean(b.bias_corrected):.3f}, "
                f"{b.method}, m {b.subsample}{how}"
            )
    sampler.stop.set()
    cpu = _cpu_seconds(os.getpid()) + sum(sampler.cpu.values())
    print(f"total wall: {total:.2f} s (load average after: {os.getloadavg()[0]:.2f})")
    print(
        f"CPU seconds (this process + workers, sampled every 0.2 s): {cpu:.1f} s; on two otherwise idle "
        f"cores the wall time would be about {cpu / 2:.0f}-{cpu:.0f} s"
    )
    print(
        f"CPU seconds on the critical path (this process + the busiest worker of each pool): {critical:.1f} s "
        "= the wall time on two otherwise idle cores, if each worker had a core of its own"
    )
    workers = max(sampler.peaks.values(), default=0.0)
    print(
        f"peak RSS: this process {_peak_mb(resource.RUSAGE_SELF):.0f} MB (getrusage); "
        f"largest other process {workers:.0f} MB (fork server or worker, /proc VmHWM)"
    )


if __name__ == "__main__":
    main()
