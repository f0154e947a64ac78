"""The joblog benchmark: smileys per person-month, counts and shares per municipality and month,
the status as of a date, a municipality's history and the yearly review list.

Smileys (per person and month in the target group, ``w`` = availability weight, 0 < w ≤ 1)
    * **red**: 0 registered job searches — always, whatever ``w``;
    * **green**: at least ``ceil(6 · w)`` searches (never less than 1): 6 for a fully available
      person, 3 for ``w = 0.5``, 2 for ``w = 0.25``, 1 for ``w ≤ 1/6``;
    * **light green**: anything in between (1–5 searches when fully available). For a very low
      weight (green threshold 1) there is no light green.
    The 6 is the setting ``joblog_green_searches``.

As of a date
    Every evaluation is *as of* a date and only uses months published by then (see
    :mod:`kommunebench.alerts.calendar`): the status month is the latest month in the data whose
    publication date is on or before the as-of date, and criterion 3's follow-up month must
    itself be published. No row of a later month is read.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kommunebench.alerts.calendar import add_months, month_label_da, parse_date, publication_date
from kommunebench.alerts.criteria import CRITERIA, Thresholds, evaluate_months, resolve_thresholds
from kommunebench.alerts.grid import latest_month, monthly_grid
from kommunebench.data import reference
from kommunebench.errors import ConfigError, NotFoundError

__all__ = [
    "SMILEYS",
    "green_threshold",
    "smiley",
    "JoblogStatus",
    "joblog_status",
    "joblog_history",
    "review_list",
    "monthly_grid",
    "latest_month",
]

SMILEYS = {"green": "Grøn", "light_green": "Lysegrøn", "red": "Rød"}
STATUS_COLUMNS = (
    "kommunekode",
    "navn",
    "month",
    "target_group",
    "green",
    "light_green",
    "red",
    "green_share",
    "light_green_share",
    "red_share",
    "eligible",
    "c2_run",
    "criterion_1",
    "criterion_2",
    "c3_month",
    "c3_cohort",
    "c3_still_in_group",
    "c3_still_red",
    "c3_share",
    "criterion_3",
    "criteria",
    "flagged",
    "review_list",
)


def green_threshold(weight: float, green_searches: int = 6) -> int:
    """Searches needed for a green smiley at availability weight ``weight``: ``ceil(6·w)``, ≥ 1."""
    if not 0 < weight <= 1:
        raise ConfigError(f"availability weight must be above 0 and at most 1, got {weight}")
    return max(1, math.ceil(green_searches * weight - 1e-9))


def smiley(searches: int, weight: float = 1.0, green_searches: int = 6) -> str:
    """``"red"``, ``"light_green"`` or ``"green"`` for one person-month (see the module docstring)."""
    if searches < 0:
        raise ConfigError(f"searches must be ≥ 0, got {searches}")
    if searches == 0:
        return "red"
    return "green" if searches >= green_threshold(weight, green_searches) else "light_green"


def _navn(codes) -> list[str]:
    return [reference.municipality(int(c)).navn for c in codes]


def _criteria_text(f: pd.DataFrame) -> pd.Series:
    parts = [f[f"criterion_{k}"].fillna(False).astype(bool).map({True: k, False: ""}) for k in CRITERIA]
    return pd.Series([", ".join(p for p in ps if p) for ps in zip(*parts, strict=True)], index=f.index)


# ----------------------------------------------------------------------------- status


@dataclass(frozen=True)
class JoblogStatus:
    """The joblog status as of a date: one row per municipality for the latest published month.

    ``frame`` columns: ``kommunekode, navn, month`` (the status month), the counts
    ``target_group, green, light_green, red`` and their shares in pct. ``*_share``; ``eligible``
    (red ≥ 20 and target group > 40); ``c2_run`` (consecutive months up to this one with a red
    share over 40 %); ``criterion_1``, ``criterion_2``; criterion 3 of the latest evaluable
    measurement month ``c3_month`` (= month − 3) with its cohort counts ``c3_cohort,
    c3_still_in_group, c3_still_red`` and ``c3_share``; ``criterion_3``; ``criteria`` ("1, 3");
    ``flagged`` (any criterion met) and ``review_list`` (target group ≤ 40 this month).
    """

    as_of: dt.date
    month: dt.date
    frame: pd.DataFrame
    national: dict
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def flagged(self) -> pd.DataFrame:
        """The flagged municipalities, highest red share first."""
        f = self.frame[self.frame["flagged"]]
        return f.sort_values(["red_share", "kommunekode"], ascending=[False, True]).reset_index(drop=True)

    @property
    def published_on(self) -> dt.date:
        return publication_date(self.month, self.thresholds.publication_lag)

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        n = self.national
        return (
            f"Joblog as of {self.as_of.isoformat()}: {month_label_da(self.month)} (published "
            f"{self.published_on.isoformat()}); national target group {n['target_group']:,}, "
            f"red {n['red_share']:.1f} %; {n['flagged']} municipalities flagged "
            f"(criterion 1: {n['criterion_1']}, 2: {n['criterion_2']}, 3: {n['criterion_3']}), "
            f"{n['review_list']} at or under {self.thresholds.min_target_group} in the target group"
        )


def _national(row: pd.DataFrame) -> dict[str, int | float]:
    tg = int(row["target_group"].sum())
    out: dict[str, int | float] = {"target_group": tg}
    for col in ("green", "light_green", "red"):
        c = int(row[col].sum())
        out[col] = c
        out[f"{col}_share"] = 100.0 * c / tg if tg else float("nan")
    for col in ("eligible", "criterion_1", "criterion_2", "criterion_3", "flagged", "review_list"):
        out[col] = int(row[col].fillna(False).astype(bool).sum())
    return out


def joblog_status(con, as_of: dt.date | str, *, thresholds: Thresholds | Mapping | None = None) -> JoblogStatus:
    """The status of every municipality as of ``as_of`` (see :class:`JoblogStatus`)."""
    as_of = parse_date(as_of, what="as-of date")
    th = resolve_thresholds(thresholds)
    month = latest_month(con, as_of, th)
    back = max(th.c2_months - 1, th.c3_months_after)
    ev = evaluate_months(monthly_grid(con, add_months(month, -back), month, th), th, last_published=pd.Timestamp(month))
    frame = _status_rows(ev, month, th)
    national = {"month": month, **_national(frame)}
    return JoblogStatus(as_of, month, frame, national, th)


def _status_rows(ev: pd.DataFrame, month: dt.date, th: Thresholds) -> pd.DataFrame:
    now = ev[ev["month"] == pd.Timestamp(month)].set_index("kommunekode")
    c3m = pd.Timestamp(add_months(month, -th.c3_months_after))
    c3 = ev[ev["month"] == c3m].set_index("kommunekode")
    f = now.drop(
        columns=["c3_cohort", "c3_still_in_group", "c3_still_red", "c3_share", "criterion_3", "c3_evaluable"]
    ).copy()
    f["c3_month"] = c3m
    for col in ("c3_cohort", "c3_still_in_group", "c3_still_red", "c3_share"):
        f[col] = c3[col].reindex(f.index)
    f["criterion_3"] = c3["criterion_3"].reindex(f.index).fillna(False).astype(bool)
    for col in ("criterion_1", "criterion_2", "eligible", "review_list"):
        f[col] = f[col].astype(bool)
    f = f.reset_index()
    f["navn"] = _navn(f["kommunekode"])
    f["criteria"] = _criteria_text(f)
    f["flagged"] = f["criterion_1"] | f["criterion_2"] | f["criterion_3"]
    return f[list(STATUS_COLUMNS)].sort_values("kommunekode").reset_index(drop=True)


# ----------------------------------------------------------------------------- history

HISTORY_COLUMNS = (
    "month",
    "published_on",
    "target_group",
    "green",
    "light_green",
    "red",
    "green_share",
    "light_green_share",
    "red_share",
    "eligible",
    "review_list",
    "criterion_1",
    "c2_run",
    "criterion_2",
    "c3_cohort",
    "c3_still_in_group",
    "c3_still_red",
    "c3_share",
    "criterion_3",
    "criteria",
)


def joblog_history(
    con,
    kommunekode: int | str,
    *,
    as_of: dt.date | str,
    months: int = 12,
    thresholds: Thresholds | Mapping | None = None,
) -> pd.DataFrame:
    """A municipality's last ``months`` published months as of ``as_of``, oldest first.

    One row per month: counts and shares, ``eligible``, ``criterion_1``, ``c2_run``,
    ``criterion_2`` and criterion 3 with the row as measurement month (``<NA>`` while its follow-up
    month is not yet published), ``criteria`` and ``published_on``. Months before the first
    month in the data are left out.
    """
    code = reference.resolve_municipality(kommunekode)
    as_of = parse_date(as_of, what="as-of date")
    if not 1 <= int(months) <= 240:
        raise ConfigError(f"antal måneder skal være mellem 1 og 240, ikke {months}")
    th = resolve_thresholds(thresholds)
    month = latest_month(con, as_of, th)
    first = add_months(month, -(int(months) - 1))
    grid = monthly_grid(con, add_months(first, -(th.c2_months - 1)), month, th, kommunekode=code)
    ev = evaluate_months(grid, th, last_published=pd.Timestamp(month))
    data_start = con.execute("SELECT min(month) FROM joblog").fetchone()[0]
    ev = ev[(ev["month"] >= pd.Timestamp(first)) & (ev["month"] >= pd.Timestamp(data_start))].copy()
    ev["published_on"] = [publication_date(m.date(), th.publication_lag) for m in ev["month"]]
    ev["criteria"] = _criteria_text(ev)
    for col in ("criterion_1", "criterion_2", "eligible", "review_list"):
        ev[col] = ev[col].astype(bool)
    out = ev[list(HISTORY_COLUMNS)].reset_index(drop=True)
    out.attrs.update(kommunekode=code, navn=reference.municipality(code).navn, as_of=as_of, month=month, thresholds=th)
    return out


# ----------------------------------------------------------------------------- yearly review

REVIEW_COLUMNS = (
    "kommunekode",
    "navn",
    "year",
    "months",
    "months_at_or_under",
    "min_target_group",
    "mean_target_group",
    "max_target_group",
    "person_months",
    "red",
    "red_share",
    "max_red_share",
    "months_red_share_c1",
    "max_c2_run",
)


def review_list(
    con, year: int, *, as_of: dt.date | str | None = None, thresholds: Thresholds | Mapping | None = None
) -> pd.DataFrame:
    """The yearly review list: municipalities with a target group of 40 or fewer.

    Definition: a municipality is on the list of ``year`` if in **at least one** of the year's
    months published by ``as_of`` its target group was ``min_target_group`` (40) or fewer — i.e.
    every month in which it was outside the monthly follow-up is reviewed once a year. ``as_of``
    defaults to the day December's data are published (1 March of the next year with the default
    lag). Per municipality: the number of published months and of months at or under 40, the
    target group's min/mean/max, the year's red share (red person-months / person-months), the
    highest monthly red share, the months at or over the criterion-1 share and the longest run of
    months over the criterion-2 share — all without the eligibility rule, for the review.
    Sorted by the year's red share, highest first.
    """
    year = int(year)
    th = resolve_thresholds(thresholds)
    as_of = (
        publication_date(dt.date(year, 12, 1), th.publication_lag)
        if as_of is None
        else parse_date(as_of, what="as-of date")
    )
    month = latest_month(con, as_of, th)
    if month < dt.date(year, 1, 1):
        raise NotFoundError(
            f"ingen joblogmåned i {year} er offentliggjort pr. {as_of.isoformat()} "
            f"(januar {year} offentliggøres "
            f"{publication_date(dt.date(year, 1, 1), th.publication_lag).isoformat()})"
        )
    last = min(month, dt.date(year, 12, 1))
    ev = evaluate_months(monthly_grid(con, dt.date(year, 1, 1), last, th), th)
    has_data = con.execute(
        "SELECT count(*) FROM joblog WHERE month BETWEEN ? AND ?", [dt.date(year, 1, 1), last]
    ).fetchone()[0]
    if not has_data:
        raise NotFoundError(f"datavarehuset har ingen joblogdata for {year}")
    ev["at_or_under"] = ev["target_group"] <= th.min_target_group
    ev["c1_share"] = 100 * ev["red"] >= th.c1_red_share * ev["target_group"]
    ev["c1_share"] &= ev["target_group"] > 0
    g = ev.groupby("kommunekode")
    out = pd.DataFrame(
        {
            "months": g.size(),
            "months_at_or_under": g["at_or_under"].sum(),
            "min_target_group": g["target_group"].min(),
            "mean_target_group": g["target_group"].mean(),
            "max_target_group": g["target_group"].max(),
            "person_months": g["target_group"].sum(),
            "red": g["red"].sum(),
            "max_red_share": g["red_share"].max(),
            "months_red_share_c1": g["c1_share"].sum(),
            "max_c2_run": g["c2_run"].max(),
        }
    ).reset_index()
    out = out[out["months_at_or_under"] > 0].copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["red_share"] = np.where(
            out["person_months"] > 0, 100.0 * out["red"] / out["person_months"].clip(lower=1), np.nan
        )
    out["year"] = year
    out["navn"] = _navn(out["kommunekode"])
    out = (
        out[list(REVIEW_COLUMNS)]
        .sort_values(["red_share", "kommunekode"], ascending=[False, True], na_position="last")
        .reset_index(drop=True)
    )
    out.attrs.update(year=year, as_of=as_of, last_month=last)
    return out
