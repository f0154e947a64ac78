"""Scale-out engines behind the model stage (``docs/scale.md``).

An engine computes a period's sufficient statistics (:class:`kommunebench.model.StatsEngine`);
the solver, lists, uncertainty, exports and API are the same whatever the engine.
:func:`build_engine` turns the ``run`` options ``--engine``/``--master`` into one.
"""

from __future__ import annotations

from pathlib import Path

from kommunebench.engines.bucketed import BUCKETS, write_bucketed
from kommunebench.engines.partition import write_partitioned
from kommunebench.engines.spark import PARTS, SparkEngine, spark_session
from kommunebench.errors import ConfigError
from kommunebench.model.engine import DEFAULT_ENGINE, StatsEngine
from kommunebench.model.incremental import IncrementalEngine

__all__ = [
    "ENGINES",
    "IncrementalEngine",
    "build_engine",
    "SparkEngine",
    "spark_session",
    "write_partitioned",
    "write_bucketed",
    "PARTS",
    "BUCKETS",
]

ENGINES = ("duckdb", "incremental", "spark")


def build_engine(name: str = "duckdb", *, master: str | None = None, source: Path | None = None) -> StatsEngine:
    """The engine called ``name``; ``master`` (Spark only, default ``local[2]``).

    ``duckdb``: the embedded one-pass engine (default); ``incremental``: the same over stored
    quarter blocks (:mod:`kommunebench.model.incremental`); ``spark``: pyspark from Parquet.
    """
    if name not in ENGINES:
        raise ConfigError(f"ukendt motor {name!r}: vælg {' eller '.join(ENGINES)}")
    if name != "spark":
        if master is not None or source is not None:
            raise ConfigError("--master gælder kun for --engine spark")
        return DEFAULT_ENGINE if name == "duckdb" else IncrementalEngine()
    return SparkEngine(master=master or "local[2]", source=source)
