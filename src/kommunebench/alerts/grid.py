"""Reading the joblog: the latest published month as of a date, and the monthly counts per
municipality (the complete grid that :func:`~kommunebench.alerts.criteria.evaluate_months`
evaluates). Reads no month after the last one asked for."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from kommunebench.alerts.calendar import (
    add_months,
    date_label_da,
    latest_published_month,
    month_label_da,
    publication_date,
)
from kommunebench.alerts.criteria import Thresholds
from kommunebench.data import reference
from kommunebench.data.sql import one, scalar
from kommunebench.errors import NotFoundError

__all__ = ["latest_month", "monthly_grid"]


def _has_rows(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(scalar(con, "SELECT count(*) > 0 FROM (SELECT 1 FROM joblog LIMIT 1)"))


def latest_month(con: duckdb.DuckDBPyConnection, as_of: dt.date, th: Thresholds) -> dt.date:
    """The latest data month published on or before ``as_of``."""
    last_cal = latest_published_month(as_of, th.publication_lag)
    row = one(con, "SELECT max(month), min(month) FROM joblog WHERE month <= ?", [last_cal])
    if row[0] is None:
        if not _has_rows(con):
            raise NotFoundError(
                "der er ingen joblogdata indlæst: indlæs først en joblogfil "
                "('kommunebench load joblog=FIL' eller en snapshot-mappe)"
            )
        first = scalar(con, "SELECT min(month) FROM joblog")
        raise NotFoundError(
            f"ingen joblogmåned er offentliggjort pr. {date_label_da(as_of)}: den første måned i data, "
            f"{month_label_da(first)}, offentliggøres {date_label_da(publication_date(first, th.publication_lag))}"
        )
    return row[0]


def monthly_grid(
    con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date, th: Thresholds, *, kommunekode: int | None = None
) -> pd.DataFrame:
    """Counts per municipality and month from ``first`` to ``last`` (inclusive), every month and
    municipality present (zeros where no data), with the criterion-3 cohort counts of each month
    whose follow-up month is at or before ``last``. Reads no month after ``last``."""
    where_k = "" if kommunekode is None else f" AND kommunekode = {int(kommunekode)}"
    g = int(th.green_searches)
    counts = con.execute(
        f"""
        SELECT kommunekode, month, count(*) AS target_group,
               count_if(searches >= greatest(1, ceil({g} * availability_weight - 1e-9))) AS green,
               count_if(searches = 0) AS red
        FROM joblog WHERE in_target_group AND month BETWEEN ? AND ?{where_k}
        GROUP BY ALL""",
        [first, last],
    ).df()
    k = int(th.c3_months_after)
    last_cohort = add_months(last, -k)
    a_k = where_k.replace("kommunekode", "a.kommunekode")
    cohorts = con.execute(
        f"""
        SELECT a.kommunekode, a.month, count(*) AS c3_cohort,
               count(b.person_id) AS c3_still_in_group, count_if(b.searches = 0) AS c3_still_red
        FROM joblog a LEFT JOIN joblog b
          ON b.person_id = a.person_id AND b.kommunekode = a.kommunekode AND b.in_target_group
         AND b.month = CAST(a.month + INTERVAL {k} MONTH AS DATE) AND b.month <= ?
        WHERE a.in_target_group AND a.searches = 0 AND a.month BETWEEN ? AND ?{a_k}
        GROUP BY ALL""",
        [last, first, last_cohort],
    ).df()
    codes = [int(kommunekode)] if kommunekode is not None else [m.kommunekode for m in reference.municipalities()]
    n = (last.year - first.year) * 12 + last.month - first.month + 1
    months = [add_months(first, i) for i in range(max(n, 0))]
    grid = pd.DataFrame({"kommunekode": np.repeat(codes, len(months)), "month": pd.to_datetime(months * len(codes))})
    for frame in (counts, cohorts):
        frame["month"] = pd.to_datetime(frame["month"])
        frame["kommunekode"] = frame["kommunekode"].astype(np.int64)
    grid = grid.merge(counts, on=["kommunekode", "month"], how="left").merge(
        cohorts, on=["kommunekode", "month"], how="left"
    )
    cols = ["target_group", "green", "red", "c3_cohort", "c3_still_in_group", "c3_still_red"]
    grid[cols] = grid[cols].fillna(0).astype(np.int64)
    grid["light_green"] = grid["target_group"] - grid["green"] - grid["red"]
    return grid
