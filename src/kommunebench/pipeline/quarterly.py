"""The quarterly job in one process: load a snapshot, optionally prepare the newest period's
blocks, and store the benchmark run of the newest (or a given) period.

It is ``kommunebench load`` followed by ``kommunebench run`` (without the exports), in one writer
session: the load and the run are still two transactions, each with its audit row (a refused
run leaves the load committed, as two commands would), but the warehouse is opened, checkpointed
and published to its readers once, and the process starts once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kommunebench.benchmark.runs import StoredRun
from kommunebench.data.load import LoadReport
from kommunebench.errors import NotFoundError
from kommunebench.pipeline.config import RunConfig, Store, using
from kommunebench.pipeline.data import PreparedPeriod, load_data, newest_period, prepare_periods
from kommunebench.pipeline.runs import run_benchmark

__all__ = ["QuarterlyResult", "load_and_run"]

Progress = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class QuarterlyResult:
    """What :func:`load_and_run` did: the load, the prepared blocks (if asked for), the run."""

    load: LoadReport
    prepared: PreparedPeriod | None
    run: StoredRun
    config: RunConfig


def load_and_run(
    sources: Path | Mapping[str, Path],
    *,
    db: Store | None = None,
    snapshot_id: str | None = None,
    period: str | None = None,
    scope: str | None = None,
    prepare: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> QuarterlyResult:
    """Load ``sources``, then run the benchmark for ``period`` (default: the rolling period that
    ends with the newest complete quarter of the loaded benefit weeks)."""
    with using(db, write=True) as con:
        report = load_data(sources, db=con, snapshot_id=snapshot_id, actor=actor, progress=progress)
        chosen = period or newest_period(con)
        if chosen is None:
            raise NotFoundError("ingen ydelsesuger i datavarehuset: intet at køre benchmarken på")
        config = RunConfig.build(period=chosen, scope=scope)
        prepared = prepare_periods(db=con, scope=config.scope, actor=actor) if prepare else None
        stored = run_benchmark(config, db=con, actor=actor, progress=progress)
    return QuarterlyResult(report, prepared, stored, config)
