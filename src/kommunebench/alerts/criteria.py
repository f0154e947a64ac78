"""The action criteria of STAR's joblog follow-up (seed 002) as pure functions over monthly counts.

Eligibility
    A municipality-month is *eligible* only if its red count is **at least** ``min_red`` (20)
    and its target group is **over** ``min_target_group`` (40). Municipalities with a target
    group of 40 or fewer are not followed up monthly; they go on the yearly review list.

Criterion 1 — *strakshandling* (immediate action)
    In an eligible month the red share is **at or above** ``c1_red_share`` (50 %).

Criterion 2 — *handling efter observation* (after observation)
    In an eligible month the red share is **above** ``c2_red_share`` (40 %, strict) in that month
    and in each of the ``c2_months - 1`` calendar months right before it (three consecutive
    months in all). A month without data (no target group) breaks the streak; eligibility is
    required of the month evaluated (the month the action would answer), not of the earlier ones.

Criterion 3 — *handling ved fortsat ingen jobsøgning* (continued no job search)
    The cohort of measurement month ``m`` are the persons in the municipality's target group who
    are red (0 searches) in ``m``. Of this cohort, those still in the same municipality's target
    group with 0 searches in month ``m + c3_months_after`` (the third month after) are counted.
    The criterion is met when ``m`` is eligible and that count is **more than** ``c3_share``
    (25 %) of the cohort. Persons who left the target group by then (a job, another benefit, an
    exemption, a move) count in the cohort as no longer without job search: the denominator is
    fixed at the measurement month and never depends on later data. The criterion for ``m`` can
    only be evaluated once month ``m + 3`` is published.

Shares are percentages; boundaries are compared exactly with whole-number arithmetic
(``100 · red >= 50 · target group``), so 25 red of 50 is exactly 50 % and meets criterion 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from kommunebench import settings
from kommunebench.errors import ConfigError

__all__ = ["CRITERIA", "Thresholds", "resolve_thresholds", "criterion_text", "evaluate_months", "criteria_keys"]

CRITERIA: dict[str, str] = {
    "1": "Strakshandling",
    "2": "Handling efter observation",
    "3": "Handling ved fortsat ingen jobsøgning",
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The numbers of the joblog rules (defaults: the settings of the same name, ``joblog_*``)."""

    green_searches: int = 6
    min_red: int = 20
    min_target_group: int = 40
    c1_red_share: float = 50.0
    c2_red_share: float = 40.0
    c2_months: int = 3
    c3_share: float = 25.0
    c3_months_after: int = 3
    publication_lag: int = 3

    @classmethod
    def from_settings(cls, **overrides: Any) -> Thresholds:
        """The settings ``joblog_<field>``, with ``overrides`` replacing fields."""
        base = cls(
            green_searches=settings.get_int("joblog_green_searches"),
            min_red=settings.get_int("joblog_min_red"),
            min_target_group=settings.get_int("joblog_min_target_group"),
            c1_red_share=settings.get_float("joblog_c1_red_share"),
            c2_red_share=settings.get_float("joblog_c2_red_share"),
            c2_months=settings.get_int("joblog_c2_months"),
            c3_share=settings.get_float("joblog_c3_share"),
            c3_months_after=settings.get_int("joblog_c3_months_after"),
            publication_lag=settings.get_int("joblog_publication_lag"),
        )
        return replace(base, **overrides).checked()

    def checked(self) -> Thresholds:
        ints = ("green_searches", "min_red", "min_target_group", "c2_months", "c3_months_after", "publication_lag")
        for name in ints:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ConfigError(f"joblog threshold {name} must be a whole number ≥ 0, got {v!r}")
        for name in ("c1_red_share", "c2_red_share", "c3_share"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
                raise ConfigError(f"joblog threshold {name} must be a percentage 0-100, got {v!r}")
        if self.green_searches < 1 or self.c2_months < 1 or self.c3_months_after < 1:
            raise ConfigError("joblog thresholds green_searches, c2_months and c3_months_after must be at least 1")
        if self.publication_lag > 24:
            raise ConfigError(f"joblog publication_lag must be at most 24, got {self.publication_lag}")
        return self


def resolve_thresholds(thresholds: Thresholds | Mapping | None) -> Thresholds:
    """``None`` → the settings; a mapping → the settings with those fields replaced."""
    if thresholds is None:
        return Thresholds.from_settings()
    if isinstance(thresholds, Thresholds):
        return thresholds.checked()
    if isinstance(thresholds, Mapping):
        unknown = set(thresholds) - {f.name for f in fields(Thresholds)}
        if unknown:
            raise ConfigError(
                f"unknown joblog threshold(s) {', '.join(sorted(unknown))}; known: "
                f"{', '.join(f.name for f in fields(Thresholds))}"
            )
        return Thresholds.from_settings(**thresholds)
    raise ConfigError(f"thresholds must be a Thresholds or a mapping, got {type(thresholds).__name__}")


def _pct(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def criterion_text(key: str, th: Thresholds) -> str:
    """The rule of criterion ``key`` in Danish, with the numbers in force."""
    if key == "1":
        return (
            f"Andelen af borgere uden registreret jobsøgning (rød smiley) er {_pct(th.c1_red_share)} "
            "pct. eller højere i en måned."
        )
    if key == "2":
        return (
            f"Andelen af borgere uden registreret jobsøgning (rød smiley) har været over "
            f"{_pct(th.c2_red_share)} pct. i {th.c2_months} sammenhængende måneder."
        )
    if key == "3":
        return (
            f"Mere end {_pct(th.c3_share)} pct. af borgerne uden registreret jobsøgning i "
            f"opgørelsesmåneden har fortsat ingen jobsøgning i {_ordinal(th.c3_months_after)} "
            "måned efter opgørelsesmåneden."
        )
    raise ConfigError(f"ukendt kriterium {key!r}: vælg 1, 2 eller 3")


def _ordinal(n: int) -> str:
    return {1: "første", 2: "anden", 3: "tredje", 4: "fjerde", 5: "femte", 6: "sjette"}.get(n, f"{n}.")


def criteria_keys(value) -> tuple[str, ...]:
    """Normalise ``1``, ``"1"``, ``"1,3"``, ``[1, "3"]`` to ``("1", "3")``; ``None``/"" → ()."""
    if value is None:
        return ()
    items = (
        value.replace(";", ",").split(",")
        if isinstance(value, str)
        else ([value] if isinstance(value, (int, np.integer)) else list(value))
    )
    keys = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        if text not in CRITERIA:
            raise ConfigError(f"ukendt kriterium {item!r}: vælg 1, 2 eller 3")
        keys.append(text)
    return tuple(sorted(set(keys)))


def evaluate_months(grid: pd.DataFrame, th: Thresholds, *, last_published: pd.Timestamp | None = None) -> pd.DataFrame:
    """Add shares, eligibility and the criteria to a complete grid of municipality-months.

    ``grid`` has one row per municipality and calendar month (no gaps; months without data have a
    target group of 0) with ``kommunekode, month, target_group, green, light_green, red`` and the
    criterion-3 cohort counts ``c3_cohort, c3_still_in_group, c3_still_red`` of the row as the
    measurement month. ``last_published`` is the latest month that may be used: criterion 3 of
    month ``m`` is evaluated only if ``m + c3_months_after <= last_published`` (else NA).
    The streak of criterion 2 only counts months inside the grid.
    """
    f = grid.sort_values(["kommunekode", "month"], kind="stable").reset_index(drop=True)
    tg = f["target_group"].to_numpy(np.int64)
    red = f["red"].to_numpy(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for col in ("green", "light_green", "red"):
            f[f"{col}_share"] = np.where(tg > 0, 100.0 * f[col].to_numpy(np.float64) / tg, np.nan)
    eligible = (red >= th.min_red) & (tg > th.min_target_group)
    f["eligible"] = eligible
    f["review_list"] = tg <= th.min_target_group
    f["criterion_1"] = eligible & (100 * red >= th.c1_red_share * tg)
    over = pd.Series((tg > 0) & (100 * red > th.c2_red_share * tg), index=f.index)
    breaks = (~over).groupby(f["kommunekode"]).cumsum()
    f["c2_run"] = over.astype(np.int64).groupby([f["kommunekode"], breaks]).cumsum().to_numpy()
    f["criterion_2"] = eligible & (f["c2_run"].to_numpy() >= th.c2_months)
    cohort = f["c3_cohort"].to_numpy(np.int64)
    still = f["c3_still_red"].to_numpy(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        f["c3_share"] = np.where(cohort > 0, 100.0 * still / np.maximum(cohort, 1), np.nan)
    if last_published is None:
        available = np.ones(len(f), bool)
    else:
        follow_up = f["month"] + pd.DateOffset(months=th.c3_months_after)
        available = (follow_up <= pd.Timestamp(last_published)).to_numpy()
    c3 = eligible & (100 * still > th.c3_share * cohort)
    f["c3_evaluable"] = available
    f["criterion_3"] = pd.array(np.where(available, c3, False), dtype="boolean")
    f.loc[~available, "criterion_3"] = pd.NA
    f.loc[~available, "c3_share"] = np.nan
    for col in ("c3_cohort", "c3_still_in_group", "c3_still_red"):
        f[col] = pd.array(f[col].to_numpy(np.int64), dtype="Int64")
        f.loc[~available, col] = pd.NA
    return f
