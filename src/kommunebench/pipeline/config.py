"""What a user asks the pipeline for, checked once at the boundary: :class:`RunConfig`, :class:`ExportPaths`.

Every job takes ``db``: a warehouse path (the job opens and closes the file itself) or an open
DuckDB connection (the caller — the API server with its own connection handling — owns it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kommunebench import settings
from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.data.transactions import session
from kommunebench.errors import ConfigError

__all__ = ["RunConfig", "ExportPaths", "Store", "using"]

Store = Path | duckdb.DuckDBPyConnection


@contextlib.contextmanager
def using(db: Store | None, *, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for one job: ``db`` itself when it is one, else a session on the path (default setting)."""
    if isinstance(db, duckdb.DuckDBPyConnection):
        yield db
        return
    with session(settings.db_path(db), write=write) as con:
        yield con


def _period(value: str | Period | None, what: str) -> Period | None:
    if value is None or isinstance(value, Period):
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{what} skal være en periode som 2023QMAT04, ikke {value!r}")
    return Period.parse(value)


def _positive(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{what} skal være et helt tal >= 1, ikke {value!r}")
    return value


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """The parameters of one benchmark run (see ``kommunebench run --help``).

    ``period`` and ``base_period`` accept ``YYYYQMATqq`` text or a :class:`Period`; ``scope`` is one
    of ``2018``, ``2019``, ``extended`` (default: the ``scope`` setting); ``cost_date`` picks the
    costs per fuldtidsperson (default: the period's last day); ``out_dir`` is where the exports go
    (default ``<home>/runs/<run id>``); ``threshold`` is the publication threshold of the exports
    (default: the ``suppress_below`` setting); ``engine`` computes the model's sufficient
    statistics (``duckdb``, embedded; ``incremental``, from stored quarter blocks; or ``spark``
    on ``master``; ``docs/scale.md``).
    """

    period: Period
    scope: str
    base_period: Period | None = None
    k_similar: int = 5
    n_klynger: int = 5
    cost_date: dt.date | None = None
    out_dir: Path | None = None
    threshold: int = 5
    export_profile: str = "public"
    engine: str = "duckdb"
    master: str | None = None
    official: bool = False  # mark the run official for its period and scope (audited with it)

    def __post_init__(self) -> None:
        if self.engine not in ("duckdb", "incremental", "spark"):
            raise ConfigError(f"ukendt motor {self.engine!r}: vælg duckdb, incremental eller spark")
        if self.master is not None and self.engine != "spark":
            raise ConfigError("--master gælder kun for --engine spark")
        if self.export_profile not in ("public", "internal"):
            raise ConfigError(f"unknown export profile {self.export_profile!r}: choose public or internal")
        if not isinstance(self.period, Period):
            raise ConfigError("RunConfig.period must be a Period: use RunConfig.build(period=...)")
        if self.scope not in reference.SCOPES:
            raise ConfigError(f"unknown scope {self.scope!r}: choose one of {', '.join(reference.SCOPES)}")
        if self.official and self.base_period is not None:
            raise ConfigError("en fremskrivning (--base-period) kan ikke markeres som officiel")
        _positive(self.k_similar, "k_similar")
        _positive(self.n_klynger, "the number of klynger")
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int) or self.threshold < 0:
            raise ConfigError(f"the suppression threshold must be a whole number >= 0, got {self.threshold!r}")

    @classmethod
    def build(
        cls,
        *,
        period: str | Period,
        scope: str | None = None,
        base_period: str | Period | None = None,
        k_similar: int = 5,
        n_klynger: int = 5,
        cost_date: dt.date | None = None,
        out_dir: Path | None = None,
        threshold: int | None = None,
        export_profile: str = "public",
        engine: str = "duckdb",
        master: str | None = None,
        official: bool = False,
    ) -> RunConfig:
        """A config from user input: texts parsed, defaults taken from the settings."""
        p = _period(period, "period")
        assert p is not None
        return cls(
            period=p,
            scope=settings.get_str("scope", scope),
            base_period=_period(base_period, "base period"),
            k_similar=k_similar,
            n_klynger=n_klynger,
            cost_date=cost_date,
            out_dir=out_dir,
            threshold=settings.get_int("suppress_below", threshold),
            export_profile=export_profile,
            engine=engine,
            master=master,
            official=official,
        )


@dataclass(frozen=True)
class ExportPaths:
    """Where :func:`~kommunebench.pipeline.export_run` wrote a run's exports."""

    folder: Path
    csv: Path
    excel: Path
    html: Path

    def items(self) -> list[tuple[str, Path]]:
        return [("csv", self.csv), ("excel", self.excel), ("html", self.html)]
