"""Besparelsespotentiale: what the gap to the expected level costs, in mio. kr.

Per municipality and area: ``(actual − expected) fuldtidspersoner × annual cost per fuldtidsperson
of the area``; the municipality's potential is the sum over the areas of the ministry's total.
**Positive = more persons on public support than expected** (the municipality could save that much
by reaching its expected level); negative = below expected. The national potential is the sum over
the municipalities with a positive potential (those below expected cannot "give back").

Sanity check against the ministry's first list (Nov 2018): Nyborg had 1,620 actual and 1,840
expected fuldtidspersoner, 220 fewer than expected, printed as −16.3 mio. kr. With the shipped
2018 costs (64,000 / 78,000 / 82,000 kr. for A-dagpenge / sygedagpenge / kontanthjælp) an even
split of the 220 persons gives:

>>> round(-220 / 3 * (64_000 + 78_000 + 82_000) / 1e6, 1)
-16.4

The costs are a dated, configurable table (``refdata/costs.csv``); they are assumptions of the
right order of magnitude, not official figures.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.errors import ConfigError, ReferenceDataError

__all__ = ["Potential", "period_end", "resolve_costs", "compute_potential"]


@dataclass(frozen=True, eq=False)
class Potential:
    """Savings potential per municipality (``frame``) and nationally (``national_mio_kr``).

    ``frame`` columns: kommunekode, navn, regionskode, regionsnavn, ``diff_<area>`` (persons,
    actual − expected), ``potential_<area>_mio_kr``, ``potential_mio_kr`` (sum over
    ``total_areas``) and, when extra areas are present, ``potential_incl_extra_mio_kr``; sorted by
    ``potential_mio_kr`` descending, ties by kommunekode.
    """

    frame: pd.DataFrame
    national_mio_kr: float
    national_incl_extra_mio_kr: float | None
    costs: Mapping[str, float] = field(default_factory=dict)
    cost_date: dt.date | None = None
    total_areas: tuple[str, ...] = ()
    extra_areas: tuple[str, ...] = ()

    @property
    def n_above_expected(self) -> int:
        return int((self.frame["potential_mio_kr"] > 0).sum())


def period_end(period: str | Period) -> dt.date:
    """Last calendar day of a ``YYYYQMATqq`` period (``2022QMAT04`` → 2022-12-31)."""
    p = period if isinstance(period, Period) else Period.parse(period)
    month = 3 * p.quarter
    return dt.date(p.year, month, calendar.monthrange(p.year, month)[1])


def resolve_costs(
    areas,
    *,
    period: str | Period,
    cost_date: dt.date | None = None,
    costs: Mapping[str, float] | None = None,
) -> tuple[dict[str, float], dt.date | None]:
    """Cost per fuldtidsperson for each area, from ``costs`` or the dated reference table."""
    if costs is not None and cost_date is not None:
        raise ConfigError("give either cost_date (to look costs up) or costs, not both")
    if costs is not None:
        if not isinstance(costs, Mapping):
            raise ConfigError("costs must be a mapping area -> kr. per fuldtidsperson")
        table = dict(costs)
        used_date = None
    else:
        if cost_date is None:
            cost_date = period_end(period)
        elif not isinstance(cost_date, dt.date) or isinstance(cost_date, dt.datetime):
            raise ConfigError(f"cost_date must be a datetime.date, got {cost_date!r}")
        table = reference.costs(cost_date)
        used_date = cost_date
    out: dict[str, float] = {}
    for area in areas:
        if area not in table:
            where = "the given costs" if costs is not None else f"the cost table on {used_date}"
            raise ReferenceDataError(f"no cost per fuldtidsperson for area {area!r} in {where}")
        value = table[area]
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"cost for {area!r} is not a number: {value!r}") from None
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"cost for {area!r} must be a finite number >= 0, got {value!r}")
        out[area] = value
    return out, used_date


def compute_potential(
    wide: pd.DataFrame,
    *,
    areas: tuple[str, ...],
    total_areas: tuple[str, ...],
    costs: Mapping[str, float],
    cost_date: dt.date | None,
) -> Potential:
    """Potential from a frame with kommunekode, navn, region and ``actual_<a>``/``expected_<a>``."""
    out = wide[["kommunekode", "navn", "regionskode", "regionsnavn"]].copy()
    for a in areas:
        d = wide[f"actual_{a}"].to_numpy(dtype=float) - wide[f"expected_{a}"].to_numpy(dtype=float)
        out[f"diff_{a}"] = d
    for a in areas:
        out[f"potential_{a}_mio_kr"] = out[f"diff_{a}"] * costs[a] / 1e6
    out["potential_mio_kr"] = out[[f"potential_{a}_mio_kr" for a in total_areas]].sum(axis=1)
    extra = tuple(a for a in areas if a not in total_areas)
    national_extra = None
    if extra:
        cols = [f"potential_{a}_mio_kr" for a in areas]
        out["potential_incl_extra_mio_kr"] = out[cols].sum(axis=1)
        v = out["potential_incl_extra_mio_kr"].to_numpy()
        national_extra = float(v[v > 0].sum())
    v = out["potential_mio_kr"].to_numpy()
    national = float(v[v > 0].sum())
    out["_key"] = -np.round(v, 9)
    out = out.sort_values(["_key", "kommunekode"]).drop(columns="_key").reset_index(drop=True)
    return Potential(
        frame=out,
        national_mio_kr=national,
        national_incl_extra_mio_kr=national_extra,
        costs=MappingProxyType(dict(costs)),
        cost_date=cost_date,
        total_areas=tuple(total_areas),
        extra_areas=extra,
    )
