"""Public joblog figures: a municipality-month's smiley counts with small cells suppressed."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from kommunebench.alerts.calendar import month_label_da

__all__ = ["JOBLOG_CATEGORIES", "public_joblog", "public_national", "criteria_months", "monthly_flags"]

JOBLOG_CATEGORIES = ("green", "light_green", "red")


def public_joblog(row: Mapping, threshold: int) -> dict:
    """A municipality-month of the joblog with small cells suppressed.

    The three categories (green, light green, red) add up to the target group: a category under
    the threshold is suppressed, and then the smallest other ones too until the suppressed
    categories add up to at least the threshold (secondary suppression: the target group minus
    the published categories never brackets a hidden one below the threshold). A target group
    under the threshold suppresses the whole month.
    Criterion 3's share is published only when its cohort and its still-red count both reach the
    threshold. Shares are rounded to 1 decimal.
    """

    def count(name: str) -> int | None:
        v = row.get(name)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)

    tg = count("target_group") or 0
    counts = {c: count(c) or 0 for c in JOBLOG_CATEGORIES}
    if tg < threshold:
        hidden = {"target_group", *JOBLOG_CATEGORIES}
    else:
        hidden = {c for c in JOBLOG_CATEGORIES if counts[c] < threshold}
        while hidden and sum(counts[c] for c in hidden) < threshold and len(hidden) < len(JOBLOG_CATEGORIES):
            rest = sorted((counts[c], c) for c in JOBLOG_CATEGORIES if c not in hidden)
            hidden.add(rest[0][1])
    out: dict = {"target_group": None if "target_group" in hidden else tg}
    for c in JOBLOG_CATEGORIES:
        share = 100.0 * counts[c] / tg if tg else None
        out[c] = None if c in hidden else counts[c]
        out[f"{c}_share"] = None if c in hidden or share is None else round(share, 1)
    c3_ok = (count("c3_cohort") or 0) >= threshold and (count("c3_still_red") or 0) >= threshold
    c3 = row.get("c3_share")
    out["c3_share"] = round(float(c3), 1) if c3_ok and c3 is not None and not pd.isna(c3) else None
    out["suppressed"] = bool(hidden)
    return out


def public_national(national: Mapping, rows: Sequence[Mapping], threshold: int) -> dict:
    """The national joblog figures, unless they give a suppressed cell back.

    ``rows`` are the month's rows as :func:`public_joblog` published them, ``national`` the true
    national sums. For each count, national minus the published cells is the sum of the hidden
    ones; when that is above 0 but below the threshold (one small hidden cell, or a few), every
    national count and share is withheld (``None``); counts of municipalities stay.
    """
    out = dict(national)
    for col in ("target_group", *JOBLOG_CATEGORIES):
        total = national.get(col)
        if total is None or (isinstance(total, float) and math.isnan(total)):
            continue
        published = sum(int(r[col]) for r in rows if r.get(col) is not None)
        if 0 < int(total) - published < threshold:
            for key in ("target_group", *JOBLOG_CATEGORIES, *(f"{c}_share" for c in JOBLOG_CATEGORIES)):
                out[key] = None
            out["suppressed"] = True
            return out
    out["suppressed"] = False
    return out


def criteria_months(row: Mapping, month: dt.date) -> list[dict]:
    """The criteria a municipality meets, each with the data month it refers to.

    Criteria 1 and 2 judge the status month ``month``; criterion 3 judges the cohort of its
    measurement month ``c3_month`` (three months earlier), so "3" alone would point at the wrong
    month. Returns ``[{"key": "1", "month": date, "label": "1 (marts 2023)"}, ...]``.
    """
    out = []
    for key in ("1", "2", "3"):
        if not bool(row.get(f"criterion_{key}") or False):
            continue
        ref = month if key != "3" else _as_date(row.get("c3_month"), month)
        out.append({"key": key, "month": ref, "label": f"{key} ({month_label_da(ref)})"})
    return out


def _as_date(value: object, default: dt.date) -> dt.date:
    if value is None:
        return default
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def monthly_flags(rows: Sequence[Mapping]) -> tuple[list[Mapping], list[Mapping]]:
    """The rows shown under "Månedens flag" and the flagged rows left out of it.

    A municipality whose target group this month is at or under the eligibility limit (on the
    yearly review list) is not followed up monthly, so it is not one of the month's flags even
    when criterion 3 was met for an earlier measurement month; it is named apart instead.
    """
    flagged = [r for r in rows if bool(r.get("flagged"))]
    return [r for r in flagged if not bool(r.get("review_list"))], [r for r in flagged if bool(r.get("review_list"))]
