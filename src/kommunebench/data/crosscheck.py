"""The load's rules that tie input kinds together, checked inside the load's transaction on the
content as it will be after the load (see :mod:`kommunebench.data.load`).

Each rule is first decided on the stored tables (a staged kind's table holds exactly the file's
typed rows), against each person's span of years (the persons key check's by-product, else one
aggregate of the stored persons); only when a rule is broken are the file's rows searched for
the first offender.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from kommunebench.data import reference, warehouse
from kommunebench.data.kpicheck import check_kpi_references
from kommunebench.data.schemas import KINDS
from kommunebench.data.sql import one, q, scalar
from kommunebench.data.validate import Staged, refuse

__all__ = ["check_across"]


def _first_missing(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[int, object, int | None]:
    """(count, first value, its row) of ``sql`` = SELECT value, row FROM ... (row may be NULL);
    the first is the lowest row, then the lowest value."""
    n = scalar(con, f"SELECT count(*) FROM ({sql}) t(v, rn)")
    if not n:
        return 0, None, None
    value, rn = one(con, f"SELECT v, rn FROM ({sql}) t(v, rn) ORDER BY rn NULLS LAST, v LIMIT 1")
    return n, value, rn


class _Years:
    """Each stored person's first and last year (``person_id, lo, hi``), made on first use."""

    def __init__(self, con: duckdb.DuckDBPyConnection, staged: dict[str, Staged]):
        self.con, self.table = con, staged["persons"].span if "persons" in staged else ""
        self.made = ""

    def __call__(self) -> str:
        if not self.table:
            self.made = self.table = "__kb_span_stored_persons"
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE {self.table} AS SELECT person_id, min(year) AS lo, max(year) AS hi "
                f"FROM {KINDS['persons'].table} GROUP BY person_id"
            )
        return self.table


def check_across(con: duckdb.DuckDBPyConnection, staged: dict[str, Staged]) -> None:
    """Rules that tie kinds together, on the content as it will be after the load."""
    years = _Years(con, staged)
    try:
        _check_across(con, staged, years)
    finally:
        if years.made:
            con.execute(f"DROP TABLE IF EXISTS {years.made}")


def _check_across(con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], years: _Years) -> None:
    changed = {k for k, s in staged.items() if s.status == "loaded"}
    bw = KINDS["benefit_weeks"].table
    if "commuting_area_map" in changed:
        s = staged["commuting_area_map"]
        mapped = set(warehouse.municipality_commuting_area(con))
        missing = sorted(m.kommunekode for m in reference.municipalities() if m.kommunekode not in mapped)
        if missing:
            raise refuse(
                s,
                f"commuting_area_map skal omfatte alle 98 kommuner; {len(missing)} mangler",
                column="kommunekode",
                value=missing[0],
                more=len(missing) - 1,
            )
        if "persons" not in staged:
            _stored_in(con, s, "persons", "kommunekode", set(mapped))
        if "joblog" not in staged:
            _stored_in(con, s, "joblog", "kommunekode", set(mapped))
        if "labour_market" not in staged:
            _stored_in(con, s, "labour_market", "commuting_area", warehouse.effective_commuting_areas(con))
    if "benefit_codes" in changed and "benefit_weeks" not in staged:
        codes = {r["code"] for r in warehouse.effective_benefit_codes(con)}
        _stored_in(con, staged["benefit_codes"], "benefit_weeks", "code", codes)

    def persons() -> str:
        return f"(SELECT person_id FROM {years()})"

    if "benefit_weeks" in changed or ("persons" in changed and "benefit_weeks" in staged):
        if _weeks_break(con, staged["benefit_weeks"], years()):
            _check_weeks_persons(con, staged["benefit_weeks"], persons(), years())
    elif "persons" in changed:
        s = staged["persons"]
        n, value, _ = _first_missing(
            con, f"SELECT DISTINCT b.person_id, NULL::BIGINT FROM {bw} b ANTI JOIN {persons()} p USING (person_id)"
        )
        if n:
            raise refuse(
                s,
                f"de gemte benefit_weeks henviser til {n} person(er), som denne "
                "persons-fil ikke har; indlæs de tilhørende benefit_weeks i samme indlæsning",
                column="person_id",
                value=value,
                more=n - 1,
            )
    _check_joblog_persons(con, staged, changed, persons)
    check_kpi_references(con, staged, changed, persons)


def _check_weeks_persons(con: duckdb.DuckDBPyConnection, s: Staged, persons: str, years: str) -> None:
    """The first benefit week (by row in the file) without its person, or outside its years."""
    n, value, rn = _first_missing(
        con, f"SELECT b.person_id, b.__rn FROM {s.typed} b ANTI JOIN {persons} p USING (person_id)"
    )
    if n:
        raise refuse(
            s,
            "personen findes ikke i persons: hvert person_id i benefit_weeks skal "
            "have en række i persons (indlæst samtidig eller allerede gemt)",
            column="person_id",
            row=rn,
            value=value,
            more=n - 1,
        )
    _check_week_years(con, s, years)


def _weeks_break(con: duckdb.DuckDBPyConnection, s: Staged, years: str) -> bool:
    """Whether a stored benefit week lacks its person, or falls outside the person's years.

    Inside the load, a staged kind's table holds exactly the file's typed rows (replaced, or
    unchanged: the same fingerprint), so the stored weeks' span per person (the key check's, else
    one aggregate) decides both rules (the ISO year only grows with the week); only when one is
    broken are the file's rows searched for the first offender (its row number).
    """
    weeks = s.span or (
        f"(SELECT person_id, isoyear(min(week)) AS lo, isoyear(max(week)) AS hi "
        f"FROM {KINDS['benefit_weeks'].table} GROUP BY person_id)"
    )
    missing, outside = one(
        con,
        f"SELECT count_if(p.person_id IS NULL), count_if(b.lo < p.lo OR b.hi > p.hi) "
        f"FROM {weeks} b LEFT JOIN {years} p USING (person_id)",
    )
    return bool(missing or outside)


def _check_week_years(con: duckdb.DuckDBPyConnection, s: Staged, years: str) -> None:
    """A benefit week must fall in a year the person is in persons for (ISO year of the week)."""
    n, value, rn = _first_missing(
        con,
        f"SELECT strftime(b.week, '%G-W%V'), b.__rn FROM {s.typed} b JOIN {years} p USING (person_id) "
        "WHERE isoyear(b.week) < p.lo OR isoyear(b.week) > p.hi",
    )
    if n:
        raise refuse(
            s,
            "ugen ligger uden for personens år: en ydelsesuge skal ligge i et år, "
            "som personen har en række i persons for",
            column="week",
            row=rn,
            value=value,
            more=n - 1,
        )


def _check_joblog_persons(
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], changed: set[str], persons: Callable[[], str]
) -> None:
    """Every person in the joblog must exist in persons (as for benefit_weeks)."""
    if "joblog" in changed or ("persons" in changed and "joblog" in staged):
        s = staged["joblog"]
        stored = f"SELECT 1 FROM {KINDS['joblog'].table} j ANTI JOIN {persons()} p USING (person_id)"
        if not scalar(con, f"SELECT EXISTS ({stored})"):  # the stored rows are the file's (see below)
            return
        n, value, rn = _first_missing(
            con, f"SELECT j.person_id, j.__rn FROM {s.typed} j ANTI JOIN {persons()} p USING (person_id)"
        )
        if n:
            raise refuse(
                s,
                "personen findes ikke i persons: hvert person_id i joblog skal have en række "
                "i persons (indlæst samtidig eller allerede gemt)",
                column="person_id",
                row=rn,
                value=value,
                more=n - 1,
            )
    elif "persons" in changed:
        n, value, _ = _first_missing(
            con,
            f"SELECT DISTINCT j.person_id, NULL::BIGINT FROM {KINDS['joblog'].table} j "
            f"ANTI JOIN {persons()} p USING (person_id)",
        )
        if n:
            raise refuse(
                staged["persons"],
                f"den gemte joblog henviser til {n} person(er), som denne "
                "persons-fil ikke har; indlæs den tilhørende joblog i samme indlæsning",
                column="person_id",
                value=value,
                more=n - 1,
            )


def _stored_in(con: duckdb.DuckDBPyConnection, s: Staged, kind: str, column: str, allowed: set) -> None:
    """Refuse a reference replacement that the stored rows of ``kind`` would contradict."""
    table = KINDS[kind].table
    in_list = ", ".join(str(int(v)) for v in sorted(allowed)) or "NULL"
    n, value, _ = _first_missing(
        con, f"SELECT DISTINCT {q(column)}, NULL::BIGINT FROM {table} WHERE {q(column)} NOT IN ({in_list})"
    )
    if n:
        raise refuse(
            s,
            f"de gemte {kind} bruger {n} {column}-værdi(er), som denne {s.kind.name} "
            f"ikke har; indlæs de tilhørende {kind} i samme indlæsning",
            column=column,
            value=value,
            more=n - 1,
        )
