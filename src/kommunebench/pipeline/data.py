"""The input jobs: synthesise a Denmark, load a snapshot (audited), and summarise what is loaded."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kommunebench import settings
from kommunebench.access import audit, cli_actor, record_actor
from kommunebench.data import reference, summary, warehouse
from kommunebench.data.load import LoadReport
from kommunebench.data.load import load as _load
from kommunebench.data.periods import Period, week_quarter
from kommunebench.data.sql import transaction
from kommunebench.data.synth import SynthResult, generate
from kommunebench.data.synth.effects import EffectSpec
from kommunebench.engines import IncrementalEngine, write_bucketed, write_partitioned
from kommunebench.errors import ConfigError, NotFoundError
from kommunebench.model import fit_benchmark
from kommunebench.pipeline.config import Store, using

__all__ = [
    "current_loads",
    "partition_snapshot",
    "synthesize",
    "load_data",
    "loaded_summary",
    "parse_sources",
    "default_synth_dir",
]

Progress = Callable[[str, float], None]


def default_synth_dir() -> Path:
    return settings.home_dir() / "synth"


def synthesize(
    out: Path | None = None,
    *,
    scale: float = 0.02,
    seed: int | None = None,
    zero_effects: bool = False,
    first_year: int = 2022,
    progress: Progress | None = None,
    effects: EffectSpec | None = None,
) -> SynthResult:
    """A synthetic Denmark as Parquet files in ``out`` (default ``<home>/synth``)."""
    return generate(
        out or default_synth_dir(),
        scale=scale,
        seed=settings.get_int("seed", seed),
        zero_effects=zero_effects,
        first_year=first_year,
        progress=progress,
        effects=effects,
    )


def parse_sources(items: list[str]) -> Path | dict[str, Path]:
    """CLI arguments → a snapshot folder, or ``{kind: file}`` from ``KIND=FILE`` / ``KIND.csv`` items."""
    if len(items) == 1 and "=" not in items[0] and Path(items[0]).is_dir():
        return Path(items[0])
    out: dict[str, Path] = {}
    for item in items:
        kind, sep, p = item.partition("=")
        if not sep:
            p, kind = item, Path(item).name.split(".")[0]
        if Path(p).is_dir():
            raise ConfigError(f"{p} er en mappe: angiv én snapshot-mappe alene eller filer som ART=FIL")
        out[kind.strip()] = Path(p)
    return out


def load_data(
    sources: Path | Mapping[str, Path],
    *,
    db: Store | None = None,
    snapshot_id: str | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Validate and load a snapshot, all or nothing; the load and its audit row are one transaction."""
    who = actor or cli_actor()

    def audited(con: duckdb.DuckDBPyConnection, snapshot: str, kinds: dict[str, str]) -> object:
        record_actor(con, "loads", snapshot, who)
        return audit(con, actor=who, role=None, action="load", target=snapshot, detail={"kinds": kinds})

    with using(db, write=True) as con:
        return _load(con, sources, snapshot_id=snapshot_id, progress=progress, audit=audited)


def current_loads(*, db: Store | None = None) -> list[dict]:
    """The current load of each input kind: snapshot, file, rows, when and by whom (``actor``)."""
    with using(db) as con:
        return warehouse.current_loads(con)


def loaded_summary(
    period: str | Period | None = None, scope: str | None = None, *, db: Store | None = None
) -> summary.LoadedSummary:
    """Counts and actual shares per municipality for a period (default: the latest calendar year loaded)."""
    with using(db) as con:
        years = summary.available_years(con)
        if not years:
            raise NotFoundError(
                "datavarehuset har endnu ingen personer: kør 'kommunebench load' (eller 'kommunebench demo')"
            )
        p = Period.parse(period) if isinstance(period, str) else (period or Period(years[-1], 4))
        return summary.loaded_summary(
            con, p, scope=settings.get_str("scope", scope), code_rows=warehouse.effective_benefit_codes(con)
        )


def partition_snapshot(folder: Path) -> Path:
    """``synth --partitioned``: the snapshot's persons and benefit weeks again, partitioned by year
    and municipality under ``folder/parts`` and co-bucketed by person under ``folder/buckets``
    (for the Spark engine, which prefers the buckets; the loader ignores both)."""
    write_bucketed(folder)
    return write_partitioned(folder)


@dataclass(frozen=True)
class PreparedPeriod:
    """What :func:`prepare_periods` stored: the period, and what it had to compute rather than reuse."""

    period: str
    scans: dict[str, int]
    seconds: float


def newest_period(con: duckdb.DuckDBPyConnection) -> Period | None:
    """The rolling period ending with the newest complete quarter of the loaded benefit weeks."""
    row = con.execute("SELECT max(week) FROM benefit_weeks").fetchone()
    if row is None or row[0] is None:
        return None
    newest: dt.date = row[0]
    period = Period(*week_quarter(newest))
    if newest < period.last_week:  # the newest quarter is not complete: the one before it
        y, q = period.year, period.quarter
        period = Period(y - (q == 1), 4 if q == 1 else q - 1)
    return period


def prepare_periods(*, db: Store | None = None, scope: str = "2019", actor: str | None = None) -> PreparedPeriod | None:
    """After a load: store what ``--engine incremental`` needs for the newest rolling period.

    Each new quarter's per-person weeks and the quarter and pair blocks of the period ending with
    the newest complete quarter (default design, ``scope``'s areas), so that ``run --engine
    incremental`` for that period only assembles stored blocks. One transaction with its audit
    row (``model.prepare``); ``None`` when no benefit weeks are loaded.
    """
    who = actor or cli_actor()
    with using(db, write=True) as con:
        period = newest_period(con)
        if period is None:
            return None
        engine = IncrementalEngine()
        t0 = time.perf_counter()
        with transaction(con, "modellens kvartalsblokke"):
            engine.prepare(con)
            fit_benchmark(
                con,
                period,
                scope=scope,
                code_areas=reference.code_areas(scope, warehouse.effective_benefit_codes(con)),
                commuting_area_of=warehouse.municipality_commuting_area(con),
                engine=engine,
            )
            scans = {k: int(v) for k, v in engine.scans.items()}
            audit(con, actor=who, role=None, action="model.prepare", target=period.label, detail={"scans": scans})
        return PreparedPeriod(period=period.label, scans=scans, seconds=time.perf_counter() - t0)
