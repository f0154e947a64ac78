"""The input jobs: synthesise a Denmark, load a snapshot (audited), and summarise what is loaded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb

from kommunebench import settings
from kommunebench.access import audit, cli_actor, record_actor
from kommunebench.data import summary, warehouse
from kommunebench.data.load import LoadReport
from kommunebench.data.load import load as _load
from kommunebench.data.periods import Period
from kommunebench.data.synth import SynthResult, generate
from kommunebench.data.synth.effects import EffectSpec
from kommunebench.engines import write_bucketed, write_partitioned
from kommunebench.errors import ConfigError, NotFoundError
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
