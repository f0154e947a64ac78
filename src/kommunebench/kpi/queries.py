"""The SQL of the KPIs: one query per source table, every level at once (GROUPING SETS).

Each function returns ``(sql, measures)``: the query yields ``kommunekode, level, unit`` and one
column per measure. Levels: ``kommune`` (unit ''), ``afdeling`` (department), ``maalgruppe``
(target group), ``sagsbehandler`` (caseworker id, ``uden`` when a spell has none). A spell's
department, target group and caseworker are those of the case assignment in force at its start;
conversations, offers and joblog months count where their spell counts.
"""

from __future__ import annotations

import datetime as dt

from kommunebench.data.kpischemas import OFFER_TYPES
from kommunebench.data.sql import lit
from kommunebench.kpi.weeks import Weeks

__all__ = [
    "grouped",
    "spells_sql",
    "conversations_sql",
    "contact_sql",
    "offers_sql",
    "joblog_sql",
    "staff_sql",
    "progression_sql",
]

_LEVEL_COLS = {"afdeling": "dep", "maalgruppe": "tg", "sagsbehandler": "cw"}
_SELF = "exit_kind IN ('job', 'fleksjob', 'education')"


def _d(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _where_kk(kommuner: tuple[int, ...] | None, col: str = "kommunekode") -> str:
    return "true" if kommuner is None else f"{col} IN ({', '.join(str(int(k)) for k in kommuner) or 'NULL'})"


def grouped(base: str, measures: dict[str, str], levels: tuple[str, ...]) -> str:
    """Aggregate ``base`` (with columns kommunekode, dep, tg, cw) at each level in ``levels``."""
    sets = ["(kommunekode)" if lv == "kommune" else f"(kommunekode, {_LEVEL_COLS[lv]})" for lv in levels]
    used = {lv: c for lv, c in _LEVEL_COLS.items() if lv in levels}
    level = "CASE " + " ".join(f"WHEN grouping({c}) = 0 THEN '{lv}'" for lv, c in used.items()) + " ELSE 'kommune' END"
    unit = "coalesce(CASE " + " ".join(f"WHEN grouping({c}) = 0 THEN {c}" for c in used.values()) + " END, '')"
    if not used:
        level, unit = "'kommune'", "''"
    aggs = ", ".join(f"{expr} AS {name}" for name, expr in measures.items())
    return (
        f"SELECT kommunekode, {level} AS level, {unit} AS unit, {aggs} FROM ({base}) "
        f"GROUP BY GROUPING SETS ({', '.join(sets)})"
    )


def _keys(alias: str = "") -> str:
    p = f"{alias}." if alias else ""
    cw = f"coalesce(CAST({p}caseworker_id AS VARCHAR), 'uden')"
    return f"{p}kommunekode, {p}department AS dep, {p}target_group AS tg, {cw} AS cw"


def _overlap(w: Weeks, start: str = "start_week", end: str = "end_week") -> str:
    return f"greatest(0, (least({end}, {_d(w.last)}) - greatest({start}, {_d(w.first)})) // 7 + 1)"


def spells_sql(w: Weeks, kommuner: tuple[int, ...] | None) -> tuple[str, dict[str, str]]:
    a, b = _d(w.first), _d(w.last)
    prev = w.shifted(-52)
    in_p = f"end_week BETWEEN {a} AND {b}"
    ret = {n: f"end_week + {7 * n} <= data_last_week" for n in (13, 26)}
    measures = {
        "caseload": "bool_or(on_p)::INTEGER",
        "at_end": f"bool_or(start_week <= {b} AND end_week >= {b})::INTEGER",
        "weeks_p": "sum(ov_p)",
        "weeks_prev": "sum(ov_prev)",
        "exits": f"count(*) FILTER ({in_p} AND {_SELF})",
        "ended_weeks": f"sum(weeks) FILTER ({in_p} AND exit_kind <> 'censored' AND NOT left_censored)",
        "ended": f"count(*) FILTER ({in_p} AND exit_kind <> 'censored' AND NOT left_censored)",
    }
    for n, cond in ret.items():
        measures[f"ret{n}_den"] = f"count(*) FILTER ({in_p} AND {_SELF} AND {cond})"
        measures[f"ret{n}_num"] = (
            f"count(*) FILTER ({in_p} AND {_SELF} AND {cond} "
            f"AND (next_start IS NULL OR next_start > end_week + {7 * n}))"
        )
    base = (
        f"SELECT {_keys()}, person_id, start_week, end_week, weeks, exit_kind, next_start, left_censored, "
        f"data_last_week, start_week <= {b} AND end_week >= {a} AS on_p, {_overlap(w)} AS ov_p, "
        f"{_overlap(prev)} AS ov_prev "
        f"FROM kpi_spells WHERE {_where_kk(kommuner)} AND ((end_week >= {a} AND start_week <= {b}) "
        f"OR (end_week >= {_d(prev.first)} AND start_week <= {_d(prev.last)}))"
    )
    base, outer = _per_person(base, measures)
    outer["weeks_prev"] = (
        f"CASE WHEN (SELECT min(start_week) FROM kpi_spells) <= {_d(prev.first)} THEN sum(weeks_prev) END"
    )
    return base, outer


def _per_person(base: str, measures: dict[str, str]) -> tuple[str, dict[str, str]]:
    """Aggregate per unit and person first (a person counts once per unit without DISTINCT), then sum."""
    aggs = ", ".join(f"{expr} AS {name}" for name, expr in measures.items())
    sql = (
        f"SELECT kommunekode, dep, tg, cw, person_id, {aggs} FROM ({base}) GROUP BY kommunekode, dep, tg, cw, person_id"
    )
    return sql, {name: f"sum({name})" for name in measures}


def conversations_sql(w: Weeks, kommuner: tuple[int, ...] | None) -> tuple[str, dict[str, str]]:
    base = (
        f"SELECT {_keys()}, status FROM kpi_conversations WHERE {_where_kk(kommuner)} "
        f"AND date BETWEEN {_d(w.first)} AND {_d(w.end)} AND spell_end >= {_d(w.first)}"
    )
    return base, {
        "held": "count(*) FILTER (status = 'held')",
        "no_show": "count(*) FILTER (status = 'no_show')",
    }


def contact_sql(w: Weeks, kommuner: tuple[int, ...] | None, weeks: int) -> tuple[str, dict[str, str]]:
    """Spells on benefit in the last week that began at least ``weeks`` weeks before it: those with
    a held conversation within those weeks."""
    since = _d(w.last - dt.timedelta(weeks=weeks - 1))
    base = (
        f"SELECT {_keys('s')}, c.spell_id IS NOT NULL AS had FROM kpi_spells s LEFT JOIN (SELECT DISTINCT spell_id "
        f"FROM kpi_conversations WHERE {_where_kk(kommuner)} AND status = 'held' AND date BETWEEN {since} "
        f"AND {_d(w.end)}) c ON c.spell_id = s.spell_id WHERE {_where_kk(kommuner, 's.kommunekode')} "
        f"AND s.start_week <= {since} AND s.end_week >= {_d(w.last)}"
    )
    return base, {"den": "count(*)", "num": "count(*) FILTER (had)"}


def offers_sql(w: Weeks, kommuner: tuple[int, ...] | None) -> tuple[str, dict[str, str]]:
    a, e = _d(w.first), _d(w.end)
    active = f"start_date <= {e} AND end_date >= {a} AND spell_end >= {a} AND spell_start <= {_d(w.last)}"
    started = f"start_date BETWEEN {a} AND {e}"
    measures = {
        "active_any": f"bool_or({active})::INTEGER",
        "started": f"count(*) FILTER ({started})",
        "started_days": f"sum(end_date - start_date + 1) FILTER ({started})",
        "started_cost": f"sum(cost_dkk) FILTER ({started})",
    }
    for t in OFFER_TYPES:
        measures[f"active_{t}"] = f"coalesce(bool_or({active} AND offer_type = {lit(t)}), false)::INTEGER"
    base = (
        f"SELECT {_keys()}, * EXCLUDE (kommunekode) FROM kpi_offers WHERE {_where_kk(kommuner)} "
        f"AND start_date <= {e} AND end_date >= {a}"
    )
    return _per_person(base, measures)


def joblog_sql(w: Weeks, kommuner: tuple[int, ...] | None) -> tuple[str, dict[str, str]]:
    """The period's months are those holding the Thursday of one of its weeks (as a week belongs
    to the month, quarter and year of its Thursday): a quarter of ISO weeks has three months, not
    also the one its last days run into."""
    first_thu, last_thu = w.first + dt.timedelta(days=3), w.last + dt.timedelta(days=3)
    base = (
        f"SELECT {_keys()}, searches FROM kpi_joblog WHERE {_where_kk(kommuner)} "
        f"AND month <= {_d(last_thu)} AND last_day(month) >= {_d(first_thu)}"
    )
    return base, {"jl_den": "count(*)", "jl_num": "count(*) FILTER (searches > 0)"}


def staff_sql(w: Weeks, kommuner: tuple[int, ...] | None) -> str:
    return (
        f"SELECT kommunekode, department AS dep, sum(fte) AS fte FROM caseworkers WHERE {_where_kk(kommuner)} "
        f"AND valid_from <= {_d(w.end)} AND (valid_to IS NULL OR valid_to >= {_d(w.last)}) GROUP BY GROUPING SETS "
        "((kommunekode), (kommunekode, department))"
    )


def progression_sql(w: Weeks, kommuner: tuple[int, ...] | None) -> tuple[str, dict[str, str]]:
    b = _d(w.last)
    last13 = Weeks(w.last - dt.timedelta(weeks=12), w.last)
    prev13 = Weeks(w.last - dt.timedelta(weeks=25), w.last - dt.timedelta(weeks=13))
    base = (
        f"WITH cur AS (SELECT {_keys()}, person_id FROM kpi_spells WHERE {_where_kk(kommuner)} "
        f"AND start_week <= {b} AND end_week >= {b}), "
        f"per AS (SELECT person_id, sum({_overlap(prev13)}) - sum({_overlap(last13)}) AS gain FROM kpi_spells "
        f"WHERE {_where_kk(kommuner)} AND person_id IN (SELECT person_id FROM cur) AND end_week >= {_d(prev13.first)} "
        f"AND start_week <= {b} GROUP BY person_id) SELECT cur.*, per.gain FROM cur JOIN per USING (person_id)"
    )
    return base, {"prog_num": "sum(gain)", "prog_den": "count(*)"}
