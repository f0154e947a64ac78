"""Drill 2b (issue 10): adjacent and overlapping periods bracket no suppressed cell.

* **Two stored runs of overlapping periods.** The shared site holds 2023QMAT04 (calendar 2023)
  and 2023QMAT02 (Q3 2022 – Q2 2023): they share two quarters. Per municipality the attacker
  solves linear programmes over the unknown quarterly counts of every area (≥ 0, at most the
  population per quarter) under everything both runs publish — each published count, each
  suppressed area cell below the threshold, each published total = the sum of its areas — and
  takes the smallest and largest value each suppressed cell can have. A control gives the same
  attack one number a correct publication withholds and checks that it then pins a cell.
* **KPI pages over nested weeks and the country.** The Faktaside answers any run of weeks and
  shows the country beside the municipality. For the count KPIs (forsørgelsestryk, borgere i
  job eller uddannelse) the attacker differences a 13-week span and the same span less its first
  week, and subtracts the published municipalities from the country's figure, within the
  published rounding.

The joblog publishes monthly stocks (target group and categories per month), no sum over months,
so months add no equation beyond each month's own, which the first disclosure drill attacks.
A bracket succeeds when it is narrower than what the rule itself says of a suppressed cell
(below the threshold: width ``THRESHOLD``; a KPI cell 1 to threshold − 1: width ``THRESHOLD`` − 2)
and contains the true value.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from kb_server import shared_site
from kommunebench import kpi, pipeline
from kommunebench.data.periods import Period
from kommunebench.publish import TOTAL
from kpi_site import shared_kpi_site

THRESHOLD = 5
COUNT_KPIS = ("forsoergelsestryk", "i_job_uddannelse")


# ------------------------------------------------------------------ two overlapping stored runs


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, request):
    db = shared_site(tmp_path_factory, request).db
    runs = {r.period: pipeline.open_run(r.run_id, db=db) for r in pipeline.list_runs(db=db)}
    assert {"2023QMAT04", "2023QMAT02"} <= set(runs)
    chosen = [runs["2023QMAT04"], runs["2023QMAT02"]]
    views = [pipeline.publish_run(r, threshold=THRESHOLD) for r in chosen]
    return chosen, views


def _programme(views, runs, code: int, leak: tuple[int, str] | None = None):
    """Variables: one count per (area, quarter); constraints from what the views publish."""
    areas = [a for a in views[0].lists if a != TOTAL]
    total_areas = runs[0].lists.total_areas
    quarters = sorted({q for r in runs for q in Period.parse(r.record.period).quarters})
    index = {(a, q): i for i, (a, q) in enumerate((a, q) for a in areas for q in quarters)}
    eq_a, eq_b, ub_a, ub_b = [], [], [], []
    pop = 0.0

    def row(names: list[str], period: str) -> np.ndarray:
        r = np.zeros(len(index))
        for a in names:
            for q in Period.parse(period).quarters:
                r[index[(a, q)]] = 1.0
        return r

    targets = []
    for k, (view, run) in enumerate(zip(views, runs, strict=True)):
        period = run.record.period
        for name in view.lists:
            f = view.frame(name).set_index("kommunekode").loc[code]
            names = list(total_areas) if name == TOTAL else [name]
            if not pd.isna(f["population"]):
                pop = max(pop, float(f["population"]))
            shown = (k, name) == leak or not bool(f["suppressed"])
            if shown:
                value = float(f["actual"]) if not bool(f["suppressed"]) else float(_true(run, name).loc[code, "actual"])
                eq_a.append(row(names, period))
                eq_b.append(value)
            else:
                targets.append((k, name, row(names, period)))
                if name != TOTAL:  # an area cell is suppressed because it is below the threshold
                    ub_a.append(row(names, period))
                    ub_b.append(THRESHOLD)
    bounds = [(0.0, max(pop, 1.0) * 14 / 52)] * len(index)  # a quarter has at most 14 weeks
    return targets, (eq_a, eq_b, ub_a, ub_b, bounds)


def _true(run, name: str) -> pd.DataFrame:
    frame = run.lists.overall if name == TOTAL else run.lists.by_area[name]
    return frame.set_index("kommunekode")


def _brackets(views, runs, code: int, leak=None) -> list[tuple[int, str, float, float]]:
    targets, (eq_a, eq_b, ub_a, ub_b, bounds) = _programme(views, runs, code, leak)
    # a published count = its value within a float's tolerance (two inequalities each)
    tol = [1e-6 * (1 + abs(b)) for b in eq_b]
    a_ub = [*ub_a, *eq_a, *(-r for r in eq_a)]
    b_ub = [*ub_b, *(b + t for b, t in zip(eq_b, tol, strict=True)), *(-b + t for b, t in zip(eq_b, tol, strict=True))]
    kw = {"A_ub": np.array(a_ub) if a_ub else None, "b_ub": np.array(b_ub) if b_ub else None, "bounds": bounds}
    out = []
    for k, name, c in targets:
        lo, hi = linprog(c, method="highs", **kw), linprog(-c, method="highs", **kw)
        assert lo.status == 0 and hi.status == 0, f"{code}: the programme has no solution ({lo.message})"
        out.append((k, name, float(lo.fun), float(-hi.fun)))
    return out


def test_drill_2b_two_overlapping_runs_bracket_no_suppressed_cell(two_runs) -> None:
    runs, views = two_runs
    codes = sorted({c for v in views for m in v.mask.values() for c in m})
    assert codes, "the shared site should have suppressed cells"
    found, n = [], 0
    for code in codes:
        for k, name, lo, hi in _brackets(views, runs, code):
            n += 1
            truth = float(_true(runs[k], name).loc[code, "actual"])
            if hi - lo < THRESHOLD - 1e-6 and lo - 1e-6 <= truth <= hi + 1e-6:
                found.append(f"{code} {runs[k].record.period} {name}: [{lo:.2f}, {hi:.2f}] ∋ {truth:.3f}")
    assert n, "no suppressed cell was attacked"
    assert not found, f"{len(found)} of {n} suppressed cells bracketed across the two periods: {found[:5]}"


def test_drill_2b_control_the_attack_pins_a_cell_when_one_withheld_total_is_given(two_runs) -> None:
    """The same programme, told one suppressed total, recovers a suppressed area (the attack works)."""
    runs, views = two_runs
    pinned = []
    for code in sorted(views[0].mask[TOTAL]):
        hidden_areas = [a for a in runs[0].lists.total_areas if code in views[0].mask[a]]
        if len(hidden_areas) != 1:
            continue
        for k, name, lo, hi in _brackets(views, runs, code, leak=(0, TOTAL)):
            if (k, name) == (0, hidden_areas[0]) and hi - lo < 1e-3:
                pinned.append(code)
        if pinned:
            break
    assert pinned, "the attack could not pin a suppressed area even given its total"


# ------------------------------------------------------------------ KPI pages: nested weeks, country


@pytest.fixture(scope="module")
def kpi_db(tmp_path_factory, request):
    return shared_kpi_site(tmp_path_factory, request).db


def _faktasider(db, weeks: kpi.Weeks) -> dict[int, dict[str, dict]]:
    """Municipality → KPI → the public Faktaside row (what anyone can fetch for each municipality)."""
    pages = pipeline.kpi.public_faktasider(weeks, db=db, threshold=THRESHOLD)
    return {code: {r["kpi"]: r for r in rows if r["kpi"] in COUNT_KPIS} for code, rows in pages.items()}


def _truth(db, weeks: kpi.Weeks) -> dict[tuple[int, str], float]:
    f = pipeline.kpi.faktasider(weeks, db=db).frame
    f = f[f.kpi.isin(COUNT_KPIS)]
    return {(int(r.kommunekode), str(r.kpi)): float(r.numerator) for r in f.itertuples()}


def _scale(key: str, weeks: kpi.Weeks) -> float:
    """The published value times this is the count (person-weeks or exits) behind it."""
    return float(weeks.n_weeks) if key == "forsoergelsestryk" else 1.0


def _half_unit(row: dict) -> float:
    return 0.5 * 10.0 ** -int(row["decimals"])


def test_drill_2b_kpi_nested_weeks_and_the_country_bracket_no_suppressed_cell(kpi_db) -> None:
    span = pipeline.kpi.default_weeks(db=kpi_db)
    rest = kpi.Weeks(span.first + dt.timedelta(weeks=1), span.last)
    first = kpi.Weeks(span.first, span.first)
    pages = {w: _faktasider(kpi_db, w) for w in (span, rest, first)}
    truth = _truth(kpi_db, first)
    prior = THRESHOLD - 2  # a suppressed KPI count lies in 1 .. threshold − 1
    found, attacked = [], 0
    for (code, key), true in truth.items():
        row = pages[first][code].get(key)
        if row is None or row["kommune"] is not None or not 0 < true < THRESHOLD:
            continue
        attacked += 1
        big, small = pages[span][code][key], pages[rest][code][key]
        if big["kommune"] is not None and small["kommune"] is not None:  # the span less the rest
            mid = big["kommune"] * _scale(key, span) - small["kommune"] * _scale(key, rest)
            err = _half_unit(big) * (_scale(key, span) + _scale(key, rest))
            if 2 * err < prior and mid - err - 1e-9 <= true <= mid + err + 1e-9:
                found.append(f"{code} {key} {first.label}: span − rest = {mid:.2f} ± {err:.2f} ∋ {true:.0f}")
        land = row["land"]
        shown = [p[key]["kommune"] for p in pages[first].values() if p[key]["kommune"] is not None]
        hidden = [c for c, p in pages[first].items() if p[key]["kommune"] is None]
        # one week: both counts are whole numbers, shown exactly (no rounding error to allow for)
        left = round((land - sum(shown)) * _scale(key, first), 6) if land is not None else 0.0
        if left >= 1:  # the country less every published municipality: some hidden count is left
            hi = left - (len(hidden) - 1)  # every other hidden cell holds at least 1
            lo = max(1.0, left - (THRESHOLD - 1) * (len(hidden) - 1))
            if hi - lo < prior and lo - 1e-9 <= true <= hi + 1e-9:
                found.append(f"{code} {key} {first.label}: country − published ∈ [{lo:.2f}, {hi:.2f}] ∋ {true:.0f}")
    print(f"drill 2b KPI: {attacked} suppressed single-week cells attacked")
    assert not found, f"{len(found)} of {attacked} suppressed KPI cells bracketed: {found[:5]}"
