"""Public joblog figures: a municipality-month's smiley counts with small cells suppressed."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

__all__ = ["JOBLOG_CATEGORIES", "public_joblog", "public_national"]

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
