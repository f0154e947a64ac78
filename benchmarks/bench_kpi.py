"""Timing of the KPI stage (issue 13) on a warehouse with the KPI inputs and its KPI tables built.

    python3 benchmarks/bench_kpi.py --db WAREHOUSE [--week 2023-W20] [--period 2023Q2] [--repeat 3]

Measures (targets at full scale in brackets):

* weekly KPIs at all four levels for København (101) for one week [≤ 2 s];
* every municipality's Faktaside (municipality level) for one period [≤ 10 s];
* the case-mix adjustment for København (not targeted; reported).

Prints the best of ``--repeat`` runs and the load average. Build the tables first with
``kommunebench kpi byg --db WAREHOUSE`` (or ``--build`` here, which is timed too).
"""

from __future__ import annotations

import argparse
import os
import time

from kommunebench.data import warehouse
from kommunebench.data.transactions import transaction
from kommunebench.kpi import adjust, compute, parse_weeks, prepare
from kommunebench.kpi.trend import weekly_trend


def _best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--week", default="2023-W20")
    ap.add_argument("--period", default="2023Q2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--build", action="store_true", help="(re)build the KPI tables first (timed)")
    a = ap.parse_args()
    con = warehouse.connect(a.db, read_only=not a.build)
    if a.build:
        t = time.perf_counter()
        with transaction(con):
            counts = prepare.build(con)
        print(f"build: {time.perf_counter() - t:.1f} s {counts}")
    if not prepare.is_current(con):
        raise SystemExit("the KPI tables are not built for this data: run 'kommunebench kpi byg' (or --build)")
    n_spells = con.execute("SELECT count(*) FROM kpi_spells").fetchone()
    print(f"spells: {n_spells[0]:,}; load average {os.getloadavg()}")
    week, period = parse_weeks(a.week), parse_weeks(a.period)
    s, t = _best(lambda: compute(con, week, kommuner=(101,)), a.repeat)
    print(f"København, week {week.label}, all four levels: {s:.2f} s ({len(t.frame):,} figures) [target ≤ 2 s]")
    s, t = _best(lambda: compute(con, period, levels=("kommune",)), a.repeat)
    n = t.frame.kommunekode.nunique()
    print(f"Faktasider of {n} municipalities, {period.label}: {s:.2f} s [target ≤ 10 s]")
    s, _ = _best(lambda: weekly_trend(con, 101, period, "kommune", ""), a.repeat)
    print(f"weekly trend (4 KPIs), København, {period.n_weeks} weeks: {s:.2f} s")
    s, _ = _best(lambda: adjust(con, 101), 1)
    print(f"case-mix adjustment, København: {s:.2f} s")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
