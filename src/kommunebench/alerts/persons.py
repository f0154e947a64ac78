"""A municipality's own joblog persons of one month: person-level, for its restricted view only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from kommunebench.alerts.calendar import parse_month
from kommunebench.alerts.joblog import smiley
from kommunebench.data import reference
from kommunebench.errors import NotFoundError

__all__ = ["JoblogPersonRow", "JoblogPersons", "joblog_persons"]


@dataclass(frozen=True)
class JoblogPersonRow:
    person_id: int
    in_target_group: bool
    availability_weight: float
    searches: int
    smiley: str | None


@dataclass(frozen=True)
class JoblogPersons:
    kommunekode: int
    navn: str
    month: dt.date
    months: tuple[dt.date, ...]
    persons: tuple[JoblogPersonRow, ...]

    @property
    def n_target_group(self) -> int:
        return sum(p.in_target_group for p in self.persons)


def joblog_persons(con: duckdb.DuckDBPyConnection, kommunekode: int, *, month: str | None = None) -> JoblogPersons:
    """The persons of one month (default: the latest month in the data) with their smiley."""
    m = reference.municipality(kommunekode)
    months = tuple(
        r[0]
        for r in con.execute(
            "SELECT DISTINCT month FROM joblog WHERE kommunekode = ? ORDER BY 1", [m.kommunekode]
        ).fetchall()
    )
    if not months:
        raise NotFoundError(f"ingen joblogdata for {m.navn} Kommune")
    chosen = parse_month(month) if month else months[-1]
    if chosen not in months:
        raise NotFoundError(
            f"ingen joblogdata for {m.navn} Kommune i {month} (data fra {months[0]:%Y-%m} til {months[-1]:%Y-%m})"
        )
    rows = con.execute(
        "SELECT person_id, in_target_group, availability_weight, searches FROM joblog "
        "WHERE kommunekode = ? AND month = ? ORDER BY person_id",
        [m.kommunekode, chosen],
    ).fetchall()
    persons = tuple(
        JoblogPersonRow(int(p), bool(t), float(w), int(s), smiley(int(s), float(w)) if t else None)
        for p, t, w, s in rows
    )
    return JoblogPersons(m.kommunekode, m.navn, chosen, months, persons)
