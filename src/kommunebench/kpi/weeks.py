"""A KPI period: a run of whole ISO weeks, down to a single week.

``parse_weeks`` takes ``YYYY-Www`` (one week), ``YYYY-Www:YYYY-Www`` (a range), ``YYYYQn`` (the
weeks whose Thursday lies in the quarter, as everywhere in the product), ``YYYY-MM`` (the weeks
whose Thursday lies in the month) or ``YYYY`` (the ISO weeks of the year).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kommunebench.data.periods import format_iso_week, parse_iso_week, parse_quarter, weeks_in_year
from kommunebench.errors import ConfigError

__all__ = ["Weeks", "parse_weeks"]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^\d{4}$")
_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True, order=True)
class Weeks:
    """The weeks from the one starting on Monday ``first`` to the one starting on Monday ``last``."""

    first: dt.date
    last: dt.date

    def __post_init__(self) -> None:
        if self.first.weekday() or self.last.weekday() or self.last < self.first:
            raise ConfigError(f"ugyldig periode: {self.first} til {self.last}")

    @property
    def n_weeks(self) -> int:
        return (self.last - self.first).days // 7 + 1

    @property
    def end(self) -> dt.date:
        """The Sunday of the last week."""
        return self.last + 6 * _DAY

    @property
    def label(self) -> str:
        a, b = format_iso_week(self.first), format_iso_week(self.last)
        return a if a == b else f"{a}:{b}"

    def shifted(self, weeks: int) -> Weeks:
        d = dt.timedelta(weeks=weeks)
        return Weeks(self.first + d, self.last + d)

    def single_weeks(self) -> list[Weeks]:
        return [
            Weeks(self.first + dt.timedelta(weeks=i), self.first + dt.timedelta(weeks=i)) for i in range(self.n_weeks)
        ]


def _thursday_range(first_day: dt.date, last_day: dt.date) -> Weeks:
    first_thu = first_day + dt.timedelta(days=(3 - first_day.weekday()) % 7)
    last_thu = last_day - dt.timedelta(days=(last_day.weekday() - 3) % 7)
    return Weeks(first_thu - 3 * _DAY, last_thu - 3 * _DAY)


def parse_weeks(text: str) -> Weeks:
    """A :class:`Weeks` from its text (see the module docstring); refuses anything else in Danish."""
    t = str(text).strip()
    try:
        if ":" in t:
            a, b = t.split(":", 1)
            return Weeks(parse_iso_week(a), parse_iso_week(b))
        if "-W" in t:
            monday = parse_iso_week(t)
            return Weeks(monday, monday)
        if "Q" in t:
            year, quarter = parse_quarter(t)
            nxt = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
            return _thursday_range(dt.date(year, 3 * quarter - 2, 1), nxt - _DAY)
        if m := _MONTH.match(t):
            year, month = int(m.group(1)), int(m.group(2))
            nxt = dt.date(year + (month == 12), 1 if month == 12 else month + 1, 1)
            return _thursday_range(dt.date(year, month, 1), nxt - _DAY)
        if _YEAR.match(t):
            year = int(t)
            return Weeks(dt.date.fromisocalendar(year, 1, 1), dt.date.fromisocalendar(year, weeks_in_year(year), 1))
    except (ValueError, ConfigError) as exc:
        raise ConfigError(f"ugyldig periode {t!r}: {exc}") from None
    raise ConfigError(
        f"ugyldig periode {t!r}: brug en uge (2023-W05), et interval (2023-W01:2023-W13), "
        "et kvartal (2023Q1), en måned (2023-03) eller et år (2023)"
    )
