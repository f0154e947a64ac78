"""Compute the catalogue's KPIs for a period at the four levels (see :mod:`.catalogue`).

``compute(con, weeks, kommuner=..., levels=...)`` returns a :class:`KpiTable`: one row per
municipality, level, unit and KPI with its numerator, denominator and value (numerator ÷
denominator × the KPI's factor; empty when the denominator is 0). Every KPI is a ratio of two
counts or sums, so a figure can be checked by hand and small denominators can be suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from kommunebench.data.kpischemas import OFFER_TYPES
from kommunebench.errors import InsufficientDataError
from kommunebench.kpi import queries
from kommunebench.kpi.catalogue import ALL_LEVELS, CATALOGUE, kpi
from kommunebench.kpi.weeks import Weeks

__all__ = ["KpiTable", "compute"]

_KEY = ["kommunekode", "level", "unit"]
# KPI key → (numerator measure, denominator measure); a number is a constant denominator.
_RATIOS: dict[str, tuple[str, str | float]] = {
    "samtaler_pr_borger": ("held", "caseload"),
    "samtale_3_mdr": ("c13_num", "c13_den"),
    "samtale_6_mdr": ("c26_num", "c26_den"),
    "udeblivelser": ("no_show", "held_or_no_show"),
    "joblog_soegning": ("jl_num", "jl_den"),
    "aktiveringsgrad": ("active_any", "caseload"),
    **{f"aktivering_{t}": (f"active_{t}", "caseload") for t in OFFER_TYPES},
    "tilbud_varighed": ("started_weeks", "started"),
    "pris_pr_tilbud": ("started_cost", "started"),
    "pris_pr_selvforsoerget": ("started_cost", "exits"),
    "sagsbehandlere_pr_100": ("fte", "at_end"),
    "forsoergelsestryk": ("weeks_p", "n_weeks"),
    "forsoergelsestryk_udvikling": ("weeks_change", "weeks_prev"),
    "i_job_uddannelse": ("exits", 1.0),
    "gns_varighed": ("ended_weeks", "ended"),
    "fastholdelse_13": ("ret13_num", "ret13_den"),
    "fastholdelse_26": ("ret26_num", "ret26_den"),
    "tilbagefald_26": ("relapse26", "ret26_den"),
    "progression": ("prog_num", "prog_den"),
}


@dataclass(frozen=True)
class KpiTable:
    """KPIs of one period: ``frame`` has kommunekode, level, unit, kpi, numerator, denominator, value."""

    weeks: Weeks
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def value(self, key: str, *, kommunekode: int, level: str = "kommune", unit: str = "") -> float:
        f = self.frame
        row = f[(f.kpi == key) & (f.kommunekode == kommunekode) & (f.level == level) & (f.unit == unit)]
        return float(row.value.iloc[0]) if len(row) else float("nan")

    def summary(self) -> str:
        lines = [f"Nøgletal {self.weeks.label}: {len(self.frame):,} tal"]
        top = self.frame[self.frame.level == "kommune"]
        for r in top.itertuples():
            lines.append(f"  {r.kommunekode} {kpi(str(r.kpi)).name}: {r.value:.2f}")
        return "\n".join(lines)


def _run(con: duckdb.DuckDBPyConnection, base: str, measures: dict[str, str], levels: tuple[str, ...]) -> pd.DataFrame:
    return con.execute(queries.grouped(base, measures, levels)).df()


def compute(
    con: duckdb.DuckDBPyConnection,
    weeks: Weeks,
    *,
    kommuner: tuple[int, ...] | None = None,
    levels: tuple[str, ...] = ALL_LEVELS,
    keys: tuple[str, ...] | None = None,
) -> KpiTable:
    """The KPIs ``keys`` (default all) of ``weeks`` for ``kommuner`` (default all) at ``levels``."""
    bad = [lv for lv in levels if lv not in ALL_LEVELS]
    if bad or not levels:
        raise InsufficientDataError(f"ukendt niveau {bad[0] if bad else ''!r}; brug {', '.join(ALL_LEVELS)}")
    wanted = tuple(keys) if keys is not None else tuple(k.key for k in CATALOGUE)
    for k in wanted:
        kpi(k)
    parts = [_run(con, *queries.spells_sql(weeks, kommuner), levels)]
    if any(k.startswith(("samtale", "udebliv")) for k in wanted):
        parts.append(_run(con, *queries.conversations_sql(weeks, kommuner), levels))
        for n in (13, 26):
            sql, m = queries.contact_sql(weeks, kommuner, n)
            parts.append(_run(con, sql, m, levels).rename(columns={"num": f"c{n}_num", "den": f"c{n}_den"}))
    if any(k.startswith(("aktiv", "tilbud", "pris")) for k in wanted):
        parts.append(_run(con, *queries.offers_sql(weeks, kommuner), levels))
    if "joblog_soegning" in wanted:
        parts.append(_run(con, *queries.joblog_sql(weeks, kommuner), levels))
    if "progression" in wanted:
        parts.append(_run(con, *queries.progression_sql(weeks, kommuner), levels))
    if "sagsbehandlere_pr_100" in wanted:
        staff = con.execute(queries.staff_sql(weeks, kommuner)).df()
        staff["level"] = np.where(staff.dep.isna(), "kommune", "afdeling")
        staff["unit"] = staff.dep.fillna("")
        parts.append(staff.drop(columns="dep"))
    wide = parts[0]
    for p in parts[1:]:
        wide = wide.merge(p, on=_KEY, how="outer")
    return KpiTable(weeks, _long(wide, weeks, wanted, levels))


def _long(wide: pd.DataFrame, weeks: Weeks, wanted: tuple[str, ...], levels: tuple[str, ...]) -> pd.DataFrame:
    w = wide.copy()
    w["n_weeks"] = float(weeks.n_weeks)
    if "held" in w:
        w["held_or_no_show"] = w["held"].fillna(0) + w["no_show"].fillna(0)
    if "started_days" in w:
        w["started_weeks"] = w["started_days"] / 7.0
    w["weeks_change"] = w["weeks_p"] - w["weeks_prev"]
    w["relapse26"] = w["ret26_den"] - w["ret26_num"]
    rows = []
    for key in wanted:
        k = kpi(key)
        num_col, den = _RATIOS[key]
        if num_col not in w:
            continue
        sub = w[w.level.isin([lv for lv in k.levels if lv in levels])]
        num = sub[num_col].astype(float).fillna(0.0)
        d = pd.Series(float(den), index=sub.index) if not isinstance(den, str) else sub[den].astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(d > 0, num / d * k.factor, np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "kommunekode": sub.kommunekode.astype(int),
                    "level": sub.level,
                    "unit": sub.unit,
                    "kpi": key,
                    "numerator": num,
                    "denominator": d.fillna(0.0),
                    "value": value,
                }
            )
        )
    out = (
        pd.concat(rows, ignore_index=True)
        if rows
        else pd.DataFrame(columns=[*_KEY, "kpi", "numerator", "denominator", "value"])
    )
    order = {lv: i for i, lv in enumerate(ALL_LEVELS)}
    out = out.sort_values(
        ["kommunekode", "level", "unit", "kpi"], key=lambda s: s.map(order) if s.name == "level" else s
    )
    return out.reset_index(drop=True)


def data_weeks(con: duckdb.DuckDBPyConnection) -> Weeks:
    """The weeks the derived tables cover (first to last week of benefit data)."""
    a, b = con.execute("SELECT min(start_week), max(data_last_week) FROM kpi_spells").fetchone() or (None, None)
    if a is None or b is None:
        raise InsufficientDataError("ingen forløb på jobcenterydelser i de indlæste data")
    return Weeks(a, b)


def units(con: duckdb.DuckDBPyConnection, kommunekode: int, weeks: Weeks) -> pd.DataFrame:
    """Department, target group and caseworker combinations with citizens in the period."""
    return con.execute(
        "SELECT department, target_group, coalesce(CAST(caseworker_id AS VARCHAR), 'uden') AS caseworker, "
        "count(DISTINCT person_id) AS citizens FROM kpi_spells WHERE kommunekode = ? AND start_week <= ? "
        "AND end_week >= ? GROUP BY ALL ORDER BY ALL",
        [int(kommunekode), weeks.last, weeks.first],
    ).df()
