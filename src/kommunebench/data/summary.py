"""What the warehouse holds: per-municipality counts and national shares per benefit area.

Shares here are *actual* fuldtidspersoner (weeks on benefit ÷ weeks in the period) as a share of
the 16–66 population of the period's reference year — the numerator and denominator of the
ministry's benchmark, before any model. Cells under 5 persons are suppressed in the public output
of later stages; here the counts stay internal to the CLI user who owns the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kommunebench.data import reference, schemas
from kommunebench.data.periods import Period

__all__ = ["LoadedSummary", "loaded_summary", "available_years"]


@dataclass(frozen=True)
class LoadedSummary:
    period: str
    scope: str
    areas: tuple[str, ...]
    rows: list[dict]  # per municipality: kommunekode, navn, population, persons_on_benefit, share per area
    national: dict[str, float]  # share per area and total, pct
    population: int


def available_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [r[0] for r in con.execute("SELECT DISTINCT year FROM persons ORDER BY year").fetchall()]


def loaded_summary(
    con: duckdb.DuckDBPyConnection, period: Period, *, scope: str = "2019", code_rows: tuple[dict, ...] | None = None
) -> LoadedSummary:
    areas = reference.scope_areas(scope)
    mapping = reference.code_areas(scope, code_rows)
    con.execute("CREATE OR REPLACE TEMP TABLE _summary_codes (code SMALLINT, area VARCHAR)")
    con.executemany("INSERT INTO _summary_codes VALUES (?, ?)", list(mapping.items()))
    lo, hi = schemas.BENCHMARK_AGE
    area_cols = ", ".join(f"SUM(w.n) FILTER (WHERE w.area = '{a}') AS \"{a}\"" for a in areas)
    sql = f"""
        WITH pop AS (
            SELECT person_id, kommunekode FROM persons
            WHERE year = ? AND age BETWEEN {lo} AND {hi}
        ), w AS (
            SELECT b.person_id, c.area, COUNT(*)::DOUBLE AS n
            FROM benefit_weeks b JOIN _summary_codes c USING (code)
            WHERE b.week BETWEEN ? AND ?
            GROUP BY ALL
        )
        SELECT p.kommunekode, COUNT(DISTINCT p.person_id) AS population,
               COUNT(DISTINCT w.person_id) AS persons_on_benefit, {area_cols}
        FROM pop p LEFT JOIN w USING (person_id)
        GROUP BY p.kommunekode ORDER BY p.kommunekode
    """
    res = con.execute(sql, [period.population_year, period.first_week, period.last_week]).fetchall()
    rows, totals, pop_total = [], dict.fromkeys(areas, 0.0), 0
    for code, pop, on_benefit, *weeks in res:
        row = {
            "kommunekode": code,
            "navn": reference.municipality(code).navn,
            "population": pop,
            "persons_on_benefit": on_benefit,
        }
        for a, wk in zip(areas, weeks, strict=True):
            fuld = (wk or 0.0) / period.n_weeks
            row[a] = 100 * fuld / pop if pop else float("nan")
            totals[a] += fuld
        row["total"] = sum(row[a] for a in areas)
        rows.append(row)
        pop_total += pop
    national = {a: 100 * totals[a] / pop_total if pop_total else float("nan") for a in areas}
    national["total"] = sum(national.values())
    return LoadedSummary(period.label, scope, areas, rows, national, pop_total)
