"""The KPI pipeline's jobs (a third pipeline: data → kpi → publish → report; issue 13).

``build`` is the one write: it (re)builds the KPI stage's derived tables from the loaded inputs,
audited in the same transaction. The reads refuse (in Danish) when those tables were built from
other data than the loaded data. Who may see what is decided at the edges (API: 403), the
publishing stage decides what a public output holds.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd

from kommunebench import kpi, settings
from kommunebench.access import audit, cli_actor
from kommunebench.data import reference
from kommunebench.data.transactions import transaction
from kommunebench.errors import NotFoundError
from kommunebench.kpi import prepare
from kommunebench.kpi.trend import weekly_counts, weekly_trend
from kommunebench.pipeline.config import Store, using
from kommunebench.pipeline.runs import latest_run
from kommunebench.publish import kpi as publish_kpi
from kommunebench.report.kpi import write_kpi_workbook

__all__ = [
    "data_weeks",
    "default_weeks",
    "units",
    "build",
    "is_built",
    "table",
    "faktasider",
    "groups",
    "all_groups",
    "faktaside",
    "public_faktasider",
    "levels",
    "adjusted",
    "offers",
    "trend",
    "workbook",
]


def build(*, db: Store | None = None, actor: str | None = None) -> dict[str, int]:
    """Rebuild the derived KPI tables from the loaded data (audited in the same transaction)."""
    with using(db, write=True) as con, transaction(con, "the KPI tables"):
        counts = prepare.build(con)
        audit(con, actor=actor or cli_actor(), role=None, action="kpi.build", target="kpi_spells", detail=counts)
    return counts


def is_built(*, db: Store | None = None) -> bool:
    with using(db) as con:
        return prepare.is_current(con)


def _ready(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    if not prepare.is_current(con):
        raise NotFoundError("nøgletallene er ikke bygget for de indlæste data: kør 'kommunebench kpi byg'")
    return con


def data_weeks(*, db: Store | None = None) -> kpi.Weeks:
    with using(db) as con:
        return kpi.data_weeks(_ready(con))


def default_weeks(*, db: Store | None = None) -> kpi.Weeks:
    """The last 13 weeks of data (the Faktaside's default period)."""
    last = data_weeks(db=db).last
    return kpi.Weeks(last - dt.timedelta(weeks=12), last)


def units(kommunekode: int, weeks: kpi.Weeks, *, db: Store | None = None) -> pd.DataFrame:
    with using(db) as con:
        return kpi.units(_ready(con), kommunekode, weeks)


def table(
    kommunekode: int, weeks: kpi.Weeks, *, levels: tuple[str, ...] = kpi.ALL_LEVELS, db: Store | None = None
) -> kpi.KpiTable:
    with using(db) as con:
        return kpi.compute(_ready(con), weeks, kommuner=(int(kommunekode),), levels=levels)


def faktasider(weeks: kpi.Weeks, *, db: Store | None = None) -> kpi.KpiTable:
    """Every municipality's Faktaside (level kommune) for one period."""
    with using(db) as con:
        return kpi.compute(_ready(con), weeks, levels=("kommune",))


def all_groups(*, db: Store | None = None) -> dict[int, tuple[list[int], list[int]]]:
    """Every municipality's (klynge members, similar municipalities) from the newest stored run's
    total list; empty without a stored run (then only the country is compared with)."""
    try:
        run = latest_run(db=db)
    except NotFoundError:
        return {}
    kl = run.lists.klynger[run.lists.klynger.area == reference.TOTAL]
    members: dict[int, list[int]] = {}
    for _, g in kl.groupby("klynge"):
        codes = sorted(int(k) for k in g.kommunekode)
        members.update({c: [k for k in codes if k != c] for c in codes})
    sim = run.lists.similar[run.lists.similar.area == reference.TOTAL]
    similar: dict[int, list[int]] = {}
    for code, k in zip(sim.kommunekode.astype(int), sim.similar_kommunekode.astype(int), strict=True):
        similar.setdefault(int(code), []).append(int(k))
    similar = {c: sorted(v) for c, v in similar.items()}
    return {c: (members.get(c, []), similar.get(c, [])) for c in set(members) | set(similar)}


def groups(kommunekode: int, *, db: Store | None = None) -> tuple[list[int], list[int]]:
    """(klynge members, similar municipalities) of the newest stored run's total list, or empty."""
    return all_groups(db=db).get(int(kommunekode), ([], []))


def faktaside(kommunekode: int, weeks: kpi.Weeks, *, db: Store | None = None, threshold: int | None = None) -> dict:
    """The public Faktaside: the municipality's KPIs beside its klynge, similar ones and the country."""
    t = settings.get_int("suppress_below", threshold)
    with using(db) as con:
        all_ = faktasider(weeks, db=con)
        klynge, similar = groups(kommunekode, db=con)
        weekly = _weekly(con, weeks)
    rows = publish_kpi.public_outward(
        all_, kommunekode, klynge=klynge, similar=similar, threshold=t, weekly=weekly, first=weeks.first
    )
    return {"weeks": weeks.label, "rows": rows, "klynge": klynge, "similar": similar}


def _weekly(con: duckdb.DuckDBPyConnection, weeks: kpi.Weeks) -> pd.DataFrame:
    """Weekly counts of every municipality for the span and the same weeks a year before (the
    change KPI compares with them): a count KPI over a span is published only if no week of it is
    small (publish.kpi.small_weeks), so two published spans never difference to a small week."""
    return weekly_counts(_ready(con), kpi.Weeks(weeks.first - dt.timedelta(weeks=52), weeks.last))


def public_faktasider(weeks: kpi.Weeks, *, db: Store | None = None, threshold: int | None = None) -> dict[int, list]:
    """Every municipality's public Faktaside rows for one period, each beside its klynge, similar
    municipalities and the country (the rows of :func:`faktaside`), worked out in one pass."""
    t = settings.get_int("suppress_below", threshold)
    with using(db) as con:
        all_ = faktasider(weeks, db=con)
        weekly = _weekly(con, weeks)
        known = all_groups(db=con)
    codes = sorted(int(c) for c in all_.frame.kommunekode.unique())
    groups_ = {c: known.get(c, ([], [])) for c in codes}
    return publish_kpi.public_outward_all(all_, groups_, threshold=t, weekly=weekly, first=weeks.first)


def levels(kommunekode: int, weeks: kpi.Weeks, *, db: Store | None = None, threshold: int | None = None) -> list:
    """Internal: the municipality's KPIs at all four levels (its own token only; checked at the edge)."""
    t = settings.get_int("suppress_below", threshold)
    return publish_kpi.public_kpi_rows(table(kommunekode, weeks, db=db), kommunekode, threshold=t, internal=True)


def adjusted(
    kommunekode: int, weeks: kpi.Weeks | None = None, *, db: Store | None = None, threshold: int | None = None
) -> list[dict]:
    t = settings.get_int("suppress_below", threshold)
    with using(db) as con:
        return publish_kpi.internal_adjusted(kpi.adjust(_ready(con), kommunekode, weeks), threshold=t)


def offers(kommunekode: int, *, db: Store | None = None, threshold: int | None = None) -> list[dict]:
    t = settings.get_int("suppress_below", threshold)
    with using(db) as con:
        return publish_kpi.internal_offers(kpi.offer_comparison(_ready(con), (int(kommunekode),)), threshold=t)


def trend(
    kommunekode: int,
    weeks: kpi.Weeks,
    *,
    level: str = "kommune",
    unit: str = "",
    db: Store | None = None,
    threshold: int | None = None,
) -> pd.DataFrame:
    """Week by week: the trend KPIs of one unit (suppressed cells empty)."""
    t = settings.get_int("suppress_below", threshold)
    with using(db) as con:
        frame = weekly_trend(_ready(con), int(kommunekode), weeks, level, unit)
    return publish_kpi.public_trend(frame, threshold=t)


def workbook(
    kommunekode: int, weeks: kpi.Weeks, out: Path, *, db: Store | None = None, threshold: int | None = None
) -> Path:
    """The municipality's internal Excel workbook for a period: one sheet per level (+ catalogue)."""
    rows = levels(kommunekode, weeks, db=db, threshold=threshold)
    name = reference.formal_name(kommunekode)
    return write_kpi_workbook(
        publish_kpi.frame_of(rows),
        out,
        title=f"{name}: nøgletal {weeks.label}",
        catalogue=pd.DataFrame(publish_kpi.catalogue_rows()),
        made=dt.date.today(),
    )
