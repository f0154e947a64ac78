"""Publishing the KPI stage: the public Faktaside and a municipality's internal views.

Rules (``threshold`` = the ``suppress_below`` setting):

* **Public** output (Faktasider, the outward comparison, the KPI catalogue) holds the
  **municipality level only**: never a department, target group or caseworker.
* **Internal** output (for the municipality's own token) adds department, target group and
  caseworker — caseworker figures appear nowhere else.
* **Small cells**, in both: a figure resting on 1 to threshold − 1 citizens, events or spells (its
  denominator; for a count or a weekly average its numerator) is suppressed: shown empty and
  flagged. A klynge or similar-municipality mean with a suppressed member is not published (it
  would give the member back by differencing).
* Values are rounded to the KPI's decimals (half away from zero).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from kommunebench.kpi import CATALOGUE, LEVEL_NAMES, OFFER_NAMES, Adjusted, KpiTable, OfferComparison, kpi
from kommunebench.kpi.outward import outward_all
from kommunebench.publish.rounding import round_half_away

NUMBER_KINDS = {0: "count", 1: "pct1", 2: "share"}  # decimals → the Danish formatter's kind
# The count KPIs and their weekly term (kommunebench.kpi.trend.weekly_counts): a span is the sum of its weeks.
WEEKLY_TERMS = {"forsoergelsestryk": "on_benefit", "i_job_uddannelse": "exits"}

__all__ = [
    "NUMBER_KINDS",
    "KpiRow",
    "public_kpi_rows",
    "public_outward",
    "public_outward_all",
    "small_weeks",
    "WEEKLY_TERMS",
    "internal_adjusted",
    "internal_offers",
    "catalogue_rows",
    "frame_of",
]


@dataclass(frozen=True, slots=True)
class KpiRow:
    level: str
    level_name: str
    unit: str
    kpi: str
    name: str
    unit_text: str
    kind: str
    value: float | None
    suppressed: bool
    decimals: int = 1


def _small(basis: float, threshold: int) -> bool:
    return 0 < basis < threshold


def _round(value: float, decimals: int) -> float | None:
    return None if not math.isfinite(value) else float(round_half_away(value, decimals))


def _basis(row: dict[str, Any]) -> float:
    return float(row["numerator"] if kpi(str(row["kpi"])).is_count else row["denominator"])


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def public_kpi_rows(table: KpiTable, kommunekode: int, *, threshold: int, internal: bool = False) -> list[KpiRow]:
    """The rows of one municipality: level kommune (public) or all four levels (internal)."""
    f = table.frame[table.frame.kommunekode == kommunekode]
    if not internal:
        f = f[f.level == "kommune"]
    small = _small_cells(f, threshold)
    cols = [f[c].astype(str).to_numpy() for c in ("level", "unit", "kpi")]
    out = []
    for level, unit, key, value, hidden in zip(*cols, f["value"].to_numpy(float), small, strict=True):
        k = kpi(key)
        shown = None if hidden else _round(float(value), k.decimals)
        out.append(
            KpiRow(level, LEVEL_NAMES[level], unit, k.key, k.name, k.unit, k.kind, shown, bool(hidden), k.decimals)
        )
    return out


def _small_cells(f: pd.DataFrame, threshold: int) -> np.ndarray:
    """Per row of a KPI frame: its basis (see :func:`_basis`) is 1 to threshold − 1."""
    counts = [k.key for k in CATALOGUE if k.is_count]
    is_count = np.isin(f["kpi"].astype(str).to_numpy(), counts)
    basis = np.where(is_count, f["numerator"].to_numpy(float), f["denominator"].to_numpy(float))
    return np.asarray((basis > 0) & (basis < threshold))


def small_weeks(weekly: pd.DataFrame | None, threshold: int, *, first: dt.date | None = None) -> set[tuple[int, str]]:
    """(kommunekode, count KPI) whose span has a week with 1 to threshold − 1 citizens or exits.

    ``weekly``: :func:`kommunebench.kpi.trend.weekly_counts` of the span (and, for the change
    KPI, of the same weeks a year before; ``first`` is the span's first week: earlier weeks only
    close the change KPI).
    """
    out: set[tuple[int, str]] = set()
    if weekly is None or weekly.empty:
        return out
    w = weekly.assign(week=pd.to_datetime(weekly["week"]))
    now = w if first is None else w[w["week"] >= pd.Timestamp(first)]
    for key, column in WEEKLY_TERMS.items():
        for code in now.loc[now[column].between(1, threshold - 1), "kommunekode"].unique():
            out.add((int(code), key))
    for code in w.loc[w["on_benefit"].between(1, threshold - 1), "kommunekode"].unique():
        out.add((int(code), "forsoergelsestryk_udvikling"))  # this year's or last year's weeks
    return out


def public_outward(
    faktasider: KpiTable,
    kommunekode: int,
    *,
    klynge: Collection[int],
    similar: Collection[int],
    threshold: int,
    weekly: pd.DataFrame | None = None,
    first: dt.date | None = None,
) -> list[dict]:
    """Each KPI of the municipality beside its klynge, similar municipalities and the country.

    ``weekly`` (:func:`small_weeks`): a count KPI is hidden for a municipality with a small week in
    the span, and the country's figure of a count KPI is the sum over the published municipalities.
    """
    groups = {int(kommunekode): (klynge, similar)}
    return public_outward_all(faktasider, groups, threshold=threshold, weekly=weekly, first=first)[int(kommunekode)]


def _hidden(f: pd.DataFrame, threshold: int) -> set[tuple[int, str]]:
    """(kommunekode, kpi) of the small cells of municipality-level rows ``f``."""
    small = _small_cells(f, threshold)
    codes, keys = f["kommunekode"].to_numpy()[small], f["kpi"].astype(str).to_numpy()[small]
    return {(int(c), str(k)) for c, k in zip(codes, keys, strict=True)}


def public_outward_all(
    faktasider: KpiTable,
    groups: Mapping[int, tuple[Collection[int], Collection[int]]],
    *,
    threshold: int,
    weekly: pd.DataFrame | None = None,
    first: dt.date | None = None,
) -> dict[int, list[dict]]:
    """:func:`public_outward` of every municipality of ``groups`` (code → (klynge, similar)) at once:
    the small cells, the country and the group means are worked out once for all of them."""
    f = faktasider.frame[faktasider.frame.level == "kommune"]
    hidden = _hidden(f, threshold) | small_weeks(weekly, threshold, first=first)
    land = _published_land(f, hidden)
    table = outward_all(faktasider, groups)
    out: dict[int, list[dict]] = {int(c): [] for c in groups}
    cols = [table[c].to_numpy() for c in ("kommunekode", "kpi", "kommune", "klynge", "lignende", "land")]
    for code, key, own, kl, lig, country in zip(*cols, strict=True):
        k = kpi(str(key))
        klynge, similar = groups[int(code)]

        def shown(value: float, members: Collection[int], key: str = k.key, dec: int = k.decimals) -> float | None:
            return None if any((int(m), key) in hidden for m in members) else _round(float(value), dec)

        out[int(code)].append(
            {
                "kpi": k.key,
                "name": k.name,
                "decimals": k.decimals,
                "unit_text": k.unit,
                "kind": k.kind,
                "direction": k.direction,
                "kommune": shown(own, [int(code)]),
                "klynge": shown(kl, klynge),
                "lignende": shown(lig, similar),
                "land": _round(float(land.get(k.key, country)), k.decimals),
            }
        )
    return out


def _published_land(f: pd.DataFrame, hidden: set[tuple[int, str]]) -> dict[str, float]:
    """The country's figure of each count KPI as the sum over the published municipalities: the
    country less the published ones would otherwise give the hidden ones back."""
    out = {}
    for key in WEEKLY_TERMS:
        g = f[f["kpi"] == key]
        if len(g):
            shown = [float(v) for c, v in zip(g["kommunekode"], g["value"], strict=True) if (int(c), key) not in hidden]
            out[key] = float(np.nansum(shown)) if shown else float("nan")
    return out


def internal_adjusted(adjusted: Adjusted, *, threshold: int) -> list[dict]:
    """The case-mix-adjusted comparison (internal: it has caseworkers); small units suppressed."""
    out = []
    for r in _records(adjusted.frame):
        hidden = _small(float(r["spells"]), threshold)
        vals = {
            c: None if hidden else _round(float(r[c]), 1)
            for c in ("actual_pct", "expected_pct", "diff_pp", "lo_pp", "hi_pp")
        }
        vals |= {c: None if hidden else _round(float(r[c]), 2) for c in ("odds_ratio", "or_lo", "or_hi")}
        out.append(
            {
                "level": str(r["level"]),
                "level_name": LEVEL_NAMES[str(r["level"])],
                "unit": str(r["unit"]),
                "spells": int(r["spells"]),
                "suppressed": hidden,
                **vals,
            }
        )
    return out


def internal_offers(comparison: OfferComparison, *, threshold: int) -> list[dict]:
    out = []
    for r in _records(comparison.frame):
        hidden = _small(float(r["participants"]), threshold)
        vals = {c: None if hidden else _round(float(r[c]), 1) for c in ("exit_pct", "diff_pp", "lo_pp", "hi_pp")}
        name = OFFER_NAMES.get(str(r["offer_type"]), str(r["offer_type"]))
        out.append(
            {
                "offer_type": str(r["offer_type"]),
                "name": name,
                "participants": int(r["participants"]),
                "suppressed": hidden,
                **vals,
            }
        )
    return out


def public_trend(frame: pd.DataFrame, *, threshold: int) -> pd.DataFrame:
    """A weekly trend (week, kpi, numerator, denominator, value) with small cells empty, rounded."""
    rows = _records(frame)
    values = [
        None if _small(_basis(r), threshold) else _round(float(r["value"]), kpi(str(r["kpi"])).decimals) for r in rows
    ]
    return pd.DataFrame({"week": [r["week"] for r in rows], "kpi": [r["kpi"] for r in rows], "value": values})


def catalogue_rows() -> list[dict]:
    return [
        {
            "key": k.key,
            "name": k.name,
            "definition": k.definition,
            "unit_text": k.unit,
            "kind": k.kind,
            "direction": k.direction,
            "source": k.source,
            "levels": [LEVEL_NAMES[lv] for lv in k.levels],
        }
        for k in CATALOGUE
    ]


def frame_of(rows: list[KpiRow]) -> pd.DataFrame:
    return pd.DataFrame([asdict(r) for r in rows])
