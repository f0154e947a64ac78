"""Timing of the KPI stage (issue 13) on a warehouse with the KPI inputs and its KPI tables built.

    python3 benchmarks/bench_kpi.py --db WAREHOUSE [--week 2023-W20] [--period 2023Q2] [--repeat 3]
                                    [--threads N] [--build]

Measures (targets at full scale in brackets):

* weekly KPIs at all four levels for København (101) for one week [≤ 2 s]: the computation
  (``kpi.compute``) and the internal view as published (``pipeline.kpi.levels``: + suppression
  and rounding);
* every municipality's Faktaside (municipality level) for one period [≤ 10 s]: the computation
  and the published pages (``pipeline.kpi.public_faktasider``: + the weekly small-cell check and
  the outward comparison of all 98);
* the weekly trend of a unit and the case-mix adjustment for København (not targeted; reported).

For each figure it prints the best wall time of ``--repeat`` runs, the CPU seconds of that run
(``time.process_time``: every thread of this process, DuckDB's included) and the 1-minute load
average just before it: the machine is shared, so wall time alone says little. ``--threads``
sets DuckDB's thread count (default: DuckDB's own). The warehouse is opened read-only unless
``--build`` (re)builds the KPI tables first (timed too; or ``kommunebench kpi byg --db``).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

from kommunebench.data import warehouse
from kommunebench.data.transactions import transaction
from kommunebench.kpi import adjust, compute, parse_weeks, prepare
from kommunebench.kpi.trend import weekly_trend
from kommunebench.pipeline import kpi as jobs


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, float, float, object]:
    """(wall s, CPU s, load average before) of the fastest of ``repeat`` runs, and its result."""
    best: tuple[float, float, float, object] | None = None
    for _ in range(repeat):
        load = os.getloadavg()[0]
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        if best is None or wall < best[0]:
            best = (wall, cpu, load, out)
    assert best is not None
    return best


def _line(what: str, wall: float, cpu: float, load: float, target: str = "") -> None:
    print(f"{what}: {wall:.2f} s wall, {cpu:.2f} s CPU, load average {load:.2f}{target}")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--week", default="2023-W20")
    ap.add_argument("--period", default="2023Q2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default)")
    ap.add_argument("--build", action="store_true", help="(re)build the KPI tables first (timed)")
    a = ap.parse_args()
    con = warehouse.connect(a.db, read_only=not a.build)
    if a.threads:
        con.execute(f"SET threads = {int(a.threads)}")
    print(f"DuckDB threads: {con.execute('SELECT current_setting(?)', ['threads']).fetchone()}; cores {os.cpu_count()}")
    if a.build:
        load, t, c = os.getloadavg()[0], time.perf_counter(), time.process_time()
        with transaction(con):
            counts = prepare.build(con)
        _line(f"build {counts}", time.perf_counter() - t, time.process_time() - c, load)
    if not prepare.is_current(con):
        raise SystemExit("the KPI tables are not built for this data: run 'kommunebench kpi byg' (or --build)")
    n_spells = con.execute("SELECT count(*) FROM kpi_spells").fetchone()
    n_conv = con.execute("SELECT count(*) FROM kpi_conversations").fetchone()
    print(f"spells: {n_spells[0]:,}; conversations in spells: {n_conv[0]:,}")
    week, period = parse_weeks(a.week), parse_weeks(a.period)
    wall, cpu, load, t = _best(lambda: compute(con, week, kommuner=(101,)), a.repeat)
    _line(f"København, week {week.label}, all four levels ({len(t.frame):,} figures)", wall, cpu, load, " [≤ 2 s]")
    wall, cpu, load, rows = _best(lambda: jobs.levels(101, week, db=con), a.repeat)
    _line(f"  the same as published (internal view, {len(rows):,} rows)", wall, cpu, load, " [≤ 2 s]")
    wall, cpu, load, t = _best(lambda: compute(con, period, levels=("kommune",)), a.repeat)
    n = t.frame.kommunekode.nunique()
    _line(f"Faktasider of {n} municipalities, {period.label}", wall, cpu, load, " [≤ 10 s]")
    wall, cpu, load, pages = _best(lambda: jobs.public_faktasider(period, db=con), a.repeat)
    _line(f"  the same as published ({len(pages)} public pages)", wall, cpu, load, " [≤ 10 s]")
    wall, cpu, load, _ = _best(lambda: weekly_trend(con, 101, period, "kommune", ""), a.repeat)
    _line(f"weekly trend (4 KPIs), København, {period.n_weeks} weeks", wall, cpu, load)
    wall, cpu, load, _ = _best(lambda: adjust(con, 101), 1)
    _line("case-mix adjustment, København", wall, cpu, load)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
