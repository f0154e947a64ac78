"""The load's rules that tie input kinds together, checked inside the load's transaction on the
content as it will be after the load (see :mod:`kommunebench.data.load`)."""

from __future__ import annotations

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


def check_across(con: duckdb.DuckDBPyConnection, staged: dict[str, Staged]) -> None:
    """Rules that tie kinds together, on the content as it will be after the load."""
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
    persons = f"(SELECT DISTINCT person_id FROM {KINDS['persons'].table})"
    if "benefit_weeks" in changed or ("persons" in changed and "benefit_weeks" in staged):
        if _weeks_break(con):
            _check_weeks_persons(con, staged["benefit_weeks"], persons)
    elif "persons" in changed:
        s = staged["persons"]
        n, value, _ = _first_missing(
            con, f"SELECT DISTINCT b.person_id, NULL::BIGINT FROM {bw} b ANTI JOIN {persons} p USING (person_id)"
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
    check_kpi_references(con, staged, changed)


def _check_weeks_persons(con: duckdb.DuckDBPyConnection, s: Staged, persons: str) -> None:
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
    _check_week_years(con, s)


def _weeks_break(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a stored benefit week lacks its person, or falls outside the person's years.

    Inside the load, a staged kind's table holds exactly the file's typed rows (replaced, or
    unchanged: the same fingerprint), so one pass over the stored columns decides both rules;
    only when one is broken are the file's rows searched for the first offender (its row number).
    """
    years = f"(SELECT person_id, min(year) AS lo, max(year) AS hi FROM {KINDS['persons'].table} GROUP BY person_id)"
    missing, outside = one(
        con,
        f"SELECT count_if(p.person_id IS NULL), count_if(isoyear(b.week) < p.lo OR isoyear(b.week) > p.hi) "
        f"FROM {KINDS['benefit_weeks'].table} b LEFT JOIN {years} p USING (person_id)",
    )
    return bool(missing or outside)


def _check_week_years(con: duckdb.DuckDBPyConnection, s: Staged) -> None:
    """A benefit week must fall in a year the person is in persons for (ISO year of the week)."""
    years = f"(SELECT person_id, min(year) AS lo, max(year) AS hi FROM {KINDS['persons'].table} GROUP BY person_id)"
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
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], changed: set[str], persons: str
) -> None:
    """Every person in the joblog must exist in persons (as for benefit_weeks)."""
    if "joblog" in changed or ("persons" in changed and "joblog" in staged):
        s = staged["joblog"]
        stored = f"SELECT 1 FROM {KINDS['joblog'].table} j ANTI JOIN {persons} p USING (person_id)"
        if not scalar(con, f"SELECT EXISTS ({stored})"):  # the stored rows are the file's (see below)
            return
        n, value, rn = _first_missing(
            con, f"SELECT j.person_id, j.__rn FROM {s.typed} j ANTI JOIN {persons} p USING (person_id)"
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
            f"ANTI JOIN {persons} p USING (person_id)",
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
