"""A weekly trend of four KPIs of one unit in one pass (the same definitions as :mod:`.tables`).

For each week of the period: *forsørgelsestryk* (citizens on a jobcentre benefit that week),
*samtaler pr. borger* (held conversations ÷ those citizens), *borgere i job eller uddannelse*
(spells ending that week in self-support) and the *aktiveringsgrad* (citizens in an offer ÷
those citizens × 100). ``tests/test_kpi_hand.py`` checks it equals :func:`compute` week by week.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from kommunebench.kpi.catalogue import kpi
from kommunebench.kpi.weeks import Weeks

__all__ = ["TREND_KPIS", "weekly_trend", "weekly_counts"]

TREND_KPIS = ("forsoergelsestryk", "samtaler_pr_borger", "i_job_uddannelse", "aktiveringsgrad")
_UNIT = {
    "kommune": "true",
    "afdeling": "department = $unit",
    "maalgruppe": "target_group = $unit",
    "sagsbehandler": "coalesce(CAST(caseworker_id AS VARCHAR), 'uden') = $unit",
}


def weekly_trend(con: duckdb.DuckDBPyConnection, kommunekode: int, weeks: Weeks, level: str, unit: str) -> pd.DataFrame:
    """Columns: week (label), kpi, numerator, denominator, value (NaN when the denominator is 0)."""
    where = f"kommunekode = $kk AND {_UNIT[level]}"
    sql = f"""
    WITH wk AS (SELECT CAST(unnest(generate_series($a::TIMESTAMP, $b::TIMESTAMP, INTERVAL 7 DAY)) AS DATE) AS week),
    s AS (SELECT person_id, start_week, end_week, exit_kind FROM kpi_spells
          WHERE {where} AND end_week >= $a AND start_week <= $b),
    load AS (SELECT wk.week, count(s.person_id) AS on_benefit,
                    count(*) FILTER (s.end_week = wk.week AND s.exit_kind IN ('job', 'fleksjob', 'education')) AS exits
             FROM wk LEFT JOIN s ON s.start_week <= wk.week AND s.end_week >= wk.week GROUP BY wk.week),
    conv AS (SELECT CAST(date_trunc('week', date) AS DATE) AS week, count(*) AS held FROM kpi_conversations
             WHERE {where} AND status = 'held' AND date BETWEEN $a AND $e AND spell_end >= date_trunc('week', date)
             GROUP BY 1),
    o AS (SELECT person_id, start_date, end_date, spell_start, spell_end FROM kpi_offers
          WHERE {where} AND start_date <= $e AND end_date >= $a),
    act AS (SELECT wk.week, count(DISTINCT o.person_id) AS active FROM wk JOIN o
            ON o.start_date <= wk.week + 6 AND o.end_date >= wk.week AND o.spell_end >= wk.week
               AND o.spell_start <= wk.week GROUP BY wk.week)
    SELECT load.week, on_benefit, exits, coalesce(held, 0) AS held, coalesce(active, 0) AS active
    FROM load LEFT JOIN conv USING (week) LEFT JOIN act USING (week) ORDER BY load.week"""
    params = {"kk": int(kommunekode), "a": weeks.first, "b": weeks.last, "e": weeks.end}
    if level != "kommune":
        params["unit"] = unit
    w = con.execute(sql, params).df()
    labels = [Weeks(d, d).label for d in pd.to_datetime(w.week).dt.date]
    parts = {
        "forsoergelsestryk": (w.on_benefit, 1.0),
        "samtaler_pr_borger": (w.held, w.on_benefit),
        "i_job_uddannelse": (w.exits, 1.0),
        "aktiveringsgrad": (w.active, w.on_benefit),
    }
    rows = []
    for key, (num, den) in parts.items():
        d = pd.Series(den, index=w.index, dtype=float)
        value = (num.astype(float) / d.where(d > 0)) * kpi(key).factor
        rows.append(
            pd.DataFrame({"week": labels, "kpi": key, "numerator": num.astype(float), "denominator": d, "value": value})
        )
    return pd.concat(rows, ignore_index=True)


def weekly_counts(con: duckdb.DuckDBPyConnection, weeks: Weeks) -> pd.DataFrame:
    """Every municipality, week by week: ``on_benefit`` and ``exits`` (the weekly terms of the two
    count KPIs, forsørgelsestryk and borgere i job eller uddannelse). Columns kommunekode, week,
    on_benefit, exits; weeks without any count are left out."""
    sql = """
    WITH wk AS (SELECT CAST(unnest(generate_series($a::TIMESTAMP, $b::TIMESTAMP, INTERVAL 7 DAY)) AS DATE) AS week),
    s AS (SELECT kommunekode, start_week, end_week, exit_kind FROM kpi_spells WHERE end_week >= $a AND start_week <= $b)
    SELECT s.kommunekode, wk.week, count(*) AS on_benefit,
           count(*) FILTER (s.end_week = wk.week AND s.exit_kind IN ('job', 'fleksjob', 'education')) AS exits
    FROM wk JOIN s ON s.start_week <= wk.week AND s.end_week >= wk.week
    GROUP BY s.kommunekode, wk.week ORDER BY 1, 2"""
    return con.execute(sql, {"a": weeks.first, "b": weeks.last}).df()
