"""Months and the joblog publication calendar.

A *month* is represented by the ``datetime.date`` of its first day. Data for month ``m`` are
published on the first day of month ``m + lag`` (setting ``joblog_publication_lag``, default 3:
January's data on 1 April). An evaluation *as of* a date ``d`` may use month ``m`` only if
``publication_date(m) <= d``; the latest such month is :func:`latest_published_month`.
"""

from __future__ import annotations

import datetime as dt
import re

from kommunebench import settings
from kommunebench.errors import ConfigError

__all__ = [
    "MONTHS_DA",
    "month_start",
    "add_months",
    "months_between",
    "parse_month",
    "parse_date",
    "format_month",
    "month_label_da",
    "date_label_da",
    "publication_lag",
    "publication_date",
    "latest_published_month",
    "is_published",
]

MONTHS_DA = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_start(d: dt.date) -> dt.date:
    """The first day of the month of ``d``."""
    return dt.date(d.year, d.month, 1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after (before, if negative) ``month``'s month."""
    i = month.year * 12 + month.month - 1 + int(n)
    return dt.date(i // 12, i % 12 + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    """Whole months from ``a``'s month to ``b``'s month (``b`` later → positive)."""
    return (b.year - a.year) * 12 + b.month - a.month


def parse_month(value: str | dt.date) -> dt.date:
    """A month from ``YYYY-MM`` text or a date (any day of the month); returns its first day."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return month_start(value)
    text = str(value).strip()
    m = _MONTH.match(text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        try:
            return month_start(dt.date.fromisoformat(text))
        except ValueError:
            raise ConfigError(f"{value!r} er ikke en måned: skriv ÅÅÅÅ-MM (fx 2023-01)") from None
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def parse_date(value: str | dt.date | None, *, what: str = "datoen") -> dt.date:
    """A date from ``YYYY-MM-DD`` text or a date; ``None`` means today."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{what} {value!r} er ikke en dato: skriv ÅÅÅÅ-MM-DD") from None


def format_month(month: dt.date) -> str:
    """``YYYY-MM``."""
    return f"{month.year:04d}-{month.month:02d}"


def month_label_da(month: dt.date) -> str:
    """``januar 2023``."""
    return f"{MONTHS_DA[month.month - 1]} {month.year}"


def date_label_da(d: dt.date) -> str:
    """``1. april 2023``."""
    return f"{d.day}. {MONTHS_DA[d.month - 1]} {d.year}"


def publication_lag(explicit: int | None = None) -> int:
    lag = settings.get_int("joblog_publication_lag", explicit)
    if not 0 <= lag <= 24:
        raise ConfigError(f"joblog_publication_lag must be between 0 and 24 months, got {lag}")
    return lag


def publication_date(month: dt.date, lag: int | None = None) -> dt.date:
    """The day the data of ``month`` are published: the first day of month ``month + lag``."""
    return add_months(month_start(month), publication_lag(lag))


def latest_published_month(as_of: dt.date, lag: int | None = None) -> dt.date:
    """The latest month whose data are published on or before ``as_of``."""
    return add_months(month_start(as_of), -publication_lag(lag))


def is_published(month: dt.date, as_of: dt.date, lag: int | None = None) -> bool:
    return publication_date(month, lag) <= as_of
