"""The KPI stage's derived tables, built once per content of the input kinds.

``kpi_spells`` holds every spell on a jobcentre benefit (a run of consecutive ISO weeks with a
code of :data:`~kommunebench.data.kpischemas.JOBCENTRE_GROUPS`) with its municipality (residence
in the year of its start), how it ended (``job`` = the week after has no code, ``fleksjob``,
``education`` = SU, ``other`` = another benefit, ``censored`` = the data end), the start of the
person's next spell, the case assignment in force at its start (caseworker, department, target
group) and the person's characteristics. ``kpi_conversations``, ``kpi_offers`` and ``kpi_joblog``
attach each conversation, offer and joblog month to the spell it falls in (rows outside any spell
are left out); all four are sorted by municipality, so one municipality's KPIs read little.

``kpi_state`` records the content fingerprints they were built from; :func:`is_current` tells
whether they match the current loads (the pipeline rebuilds them when not).
"""

from __future__ import annotations

import hashlib

import duckdb

from kommunebench.data import warehouse
from kommunebench.data.kpischemas import JOBCENTRE_GROUPS
from kommunebench.data.sql import lit, scalar

__all__ = ["SOURCES", "build", "is_current", "source_fingerprint"]

SOURCES = (
    "persons",
    "benefit_weeks",
    "benefit_codes",
    "caseworkers",
    "case_assignments",
    "offers",
    "conversations",
    "joblog",
)
_VERSION = "kpi-2"


def source_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    loads = {d["kind"]: d["fingerprint"] for d in warehouse.current_loads(con)}
    text = _VERSION + "|" + "|".join(f"{k}={loads.get(k, '')}" for k in SOURCES)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    built = scalar(con, "SELECT any_value(built_from) FROM kpi_state WHERE name = 'tables'")
    return built is not None and built == source_fingerprint(con)


def _groups(con: duckdb.DuckDBPyConnection) -> str:
    rows = warehouse.effective_benefit_codes(con)
    return ", ".join(f"({int(r['code'])}, {lit(r['benefit_group'])})" for r in rows) or "(NULL, NULL)"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(lit(v) for v in values)


def build(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)build the derived tables and record their state; returns row counts. Call it inside a
    transaction (with its audit row)."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE __kb_groups (code SMALLINT, grp VARCHAR); "
        f"INSERT INTO __kb_groups VALUES {_groups(con)}"
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE kpi_spells AS
        WITH jc AS (
            SELECT b.person_id, b.week FROM benefit_weeks b JOIN __kb_groups g ON g.code = b.code
            WHERE g.grp IN ({_in(JOBCENTRE_GROUPS)})),
        runs AS (
            SELECT person_id, week, (week - DATE '2000-01-03') // 7
                - row_number() OVER (PARTITION BY person_id ORDER BY week) AS g FROM jc),
        sp AS (SELECT person_id, min(week) AS start_week, max(week) AS end_week FROM runs GROUP BY person_id, g),
        lim AS (SELECT min(week) AS first_week, max(week) AS last_week FROM benefit_weeks),
        fallback AS (SELECT person_id, arg_min(kommunekode, year) AS kk FROM persons GROUP BY person_id)
        SELECT row_number() OVER (ORDER BY coalesce(p.kommunekode, f.kk), sp.start_week, sp.person_id) AS spell_id,
            sp.person_id, coalesce(p.kommunekode, f.kk)::SMALLINT AS kommunekode, sp.start_week, sp.end_week,
            ((sp.end_week - sp.start_week) // 7 + 1)::INTEGER AS weeks,
            sp.start_week = lim.first_week AS left_censored,
            CASE WHEN sp.end_week = lim.last_week THEN 'censored' WHEN nb.code IS NULL THEN 'job'
                 WHEN ng.grp = 'fleksjob' THEN 'fleksjob' WHEN ng.grp = 'su' THEN 'education'
                 ELSE 'other' END AS exit_kind,
            lead(sp.start_week) OVER (PARTITION BY sp.person_id ORDER BY sp.start_week) AS next_start,
            lim.last_week AS data_last_week,
            CASE WHEN a.valid_to IS NULL OR a.valid_to >= sp.start_week THEN a.caseworker_id END AS caseworker_id,
            coalesce(CASE WHEN a.valid_to IS NULL OR a.valid_to >= sp.start_week THEN a.department END, 'Uden afdeling')
                AS department,
            coalesce(CASE WHEN a.valid_to IS NULL OR a.valid_to >= sp.start_week THEN a.target_group END, 'ukendt')
                AS target_group,
            p.age, p.sex, p.origin, p.education, p.family_type, p.health_contacts, p.prior_benefit_weeks
        FROM sp CROSS JOIN lim
        LEFT JOIN persons p ON p.person_id = sp.person_id AND p.year = year(sp.start_week + 3)
        LEFT JOIN fallback f ON f.person_id = sp.person_id
        LEFT JOIN benefit_weeks nb ON nb.person_id = sp.person_id AND nb.week = sp.end_week + 7
        LEFT JOIN __kb_groups ng ON ng.code = nb.code
        ASOF LEFT JOIN case_assignments a ON a.person_id = sp.person_id AND a.valid_from <= sp.start_week
        ORDER BY spell_id"""
    )
    _attach(con)
    con.execute("DROP TABLE IF EXISTS __kb_groups")
    con.execute("DELETE FROM kpi_state WHERE name = 'tables'")
    con.execute("INSERT INTO kpi_state VALUES ('tables', ?, now())", [source_fingerprint(con)])
    tables = ("kpi_spells", "kpi_conversations", "kpi_offers", "kpi_joblog")
    return {t: int(scalar(con, f"SELECT count(*) FROM {t}")) for t in tables}


_KEYS = (
    "s.spell_id, s.kommunekode, s.person_id, s.caseworker_id, s.department, s.target_group, "
    "s.start_week AS spell_start, s.end_week AS spell_end"
)


def _attach(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""CREATE OR REPLACE TABLE kpi_conversations AS
        SELECT {_KEYS}, c.date, c.status FROM conversations c JOIN kpi_spells s
            ON s.person_id = c.person_id AND c.date BETWEEN s.start_week AND s.end_week + 6
        ORDER BY s.kommunekode, c.date"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE kpi_offers AS
        SELECT {_KEYS}, o.start_date, o.end_date, o.offer_type, o.cost_dkk FROM offers o JOIN kpi_spells s
            ON s.person_id = o.person_id AND o.start_date BETWEEN s.start_week AND s.end_week + 6
        ORDER BY s.kommunekode, o.start_date"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE kpi_joblog AS
        SELECT {_KEYS}, j.month, j.searches FROM joblog j JOIN kpi_spells s
            ON s.person_id = j.person_id AND s.start_week <= last_day(j.month) AND s.end_week + 6 >= j.month
        WHERE j.in_target_group
        QUALIFY row_number() OVER (PARTITION BY j.person_id, j.month ORDER BY s.start_week DESC) = 1
        ORDER BY s.kommunekode, j.month"""
    )
