"""ISO weeks, quarters and the ministry's rolling four-quarter periods.

* An ISO week is written ``YYYY-Www`` (``2023-W05``). A week belongs to the month, quarter and year
  that contain its Thursday (the ISO 8601 rule), so every week lies in exactly one quarter.
* A quarter is written ``YYYYQn`` (``2023Q3``).
* A benchmark period is four consecutive quarters, labelled as jobindsats does: ``YYYYQMATqq`` is
  the four quarters ending with quarter ``qq`` of year ``YYYY`` ("moving annual total"). So
  ``2023QMAT04`` is calendar 2023 and ``2023QMAT02`` is Q3 2022 – Q2 2023. Any quarter end may be
  chosen, not only the half-yearly ones the ministry publishes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kommunebench.errors import ReferenceDataError

__all__ = [
    "Period",
    "parse_iso_week",
    "format_iso_week",
    "weeks_in_year",
    "week_quarter",
    "parse_quarter",
]

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_PERIOD = re.compile(r"^(\d{4})QMAT0([1-4])$")


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week of 28 December is the last week of its year."""
    return dt.date(year, 12, 28).isocalendar().week


def parse_iso_week(text: str) -> dt.date:
    """Monday of the ISO week ``YYYY-Www``. Raises ``ValueError`` for a week that does not exist."""
    m = _WEEK.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{text!r} is not an ISO week of the form YYYY-Www")
    year, week = int(m.group(1)), int(m.group(2))
    if not 1 <= week <= weeks_in_year(year):
        raise ValueError(f"{text!r} does not exist: {year} has {weeks_in_year(year)} ISO weeks")
    return dt.date.fromisocalendar(year, week, 1)


def format_iso_week(monday: dt.date) -> str:
    iso = monday.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_quarter(monday: dt.date) -> tuple[int, int]:
    """(year, quarter) of the week starting on ``monday``, by its Thursday."""
    thursday = monday + dt.timedelta(days=3)
    return thursday.year, (thursday.month - 1) // 3 + 1


def parse_quarter(text: str) -> tuple[int, int]:
    m = _QUARTER.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise ValueError(f"{text!r} is not a quarter of the form YYYYQn")
    return int(m.group(1)), int(m.group(2))


def _quarter_weeks(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last Monday of the weeks whose Thursday lies in the quarter."""
    first_day = dt.date(year, 3 * quarter - 2, 1)
    next_q = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    first_thu = first_day + dt.timedelta(days=(3 - first_day.weekday()) % 7)
    last_thu = next_q - dt.timedelta(days=1)
    last_thu -= dt.timedelta(days=(last_thu.weekday() - 3) % 7)
    return first_thu - dt.timedelta(days=3), last_thu - dt.timedelta(days=3)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """Four consecutive quarters ending with quarter ``quarter`` of ``year``."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, label: str) -> Period:
        m = _PERIOD.match(label.strip().upper()) if isinstance(label, str) else None
        if not m:
            raise ReferenceDataError(
                f"perioden {label!r} har ikke formen ÅÅÅÅQMATkk (fx 2023QMAT04 = kalenderåret 2023, "
                "2023QMAT02 = 3. kvt. 2022 – 2. kvt. 2023)"
            )
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def label(self) -> str:
        return f"{self.year}QMAT{self.quarter:02d}"

    def __str__(self) -> str:
        return self.label

    @property
    def quarters(self) -> list[tuple[int, int]]:
        out = []
        y, q = self.year, self.quarter
        for _ in range(4):
            out.append((y, q))
            y, q = (y - 1, 4) if q == 1 else (y, q - 1)
        return out[::-1]

    @property
    def first_week(self) -> dt.date:
        return _quarter_weeks(*self.quarters[0])[0]

    @property
    def last_week(self) -> dt.date:
        return _quarter_weeks(*self.quarters[-1])[1]

    @property
    def n_weeks(self) -> int:
        return (self.last_week - self.first_week).days // 7 + 1

    @property
    def population_year(self) -> int:
        """Reference year of the population: the year the period ends in (status 1 January)."""
        return self.year

    def describe(self) -> str:
        (y0, q0), (y1, q1) = self.quarters[0], self.quarters[-1]
        weeks = f"{format_iso_week(self.first_week)}–{format_iso_week(self.last_week)}"
        return f"{self.label} = {y0}Q{q0}–{y1}Q{q1}, ISO weeks {weeks} ({self.n_weeks} weeks)"
