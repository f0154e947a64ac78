"""The pipeline: the jobs a user runs, orchestrating the stages (``docs/architecture.md``).

Two pipelines share the warehouse: the benchmark (``data → model → benchmark → publish → report``)
and the joblog follow-up (``data → alerts → publish → report``). The CLI and the API only parse,
call these jobs and print or serialise what they return. Every job takes ``db``: a warehouse path
(default: the ``db`` setting) or an open connection; every write is audited in its transaction.
"""

from kommunebench.pipeline import joblog, kpi, official, published, tokens
from kommunebench.pipeline.config import ExportPaths, RunConfig, Store, using
from kommunebench.pipeline.data import (
    PreparedPeriod,
    current_loads,
    default_synth_dir,
    load_data,
    loaded_summary,
    parse_sources,
    partition_snapshot,
    prepare_periods,
    synthesize,
)
from kommunebench.pipeline.demo import DemoResult, demo
from kommunebench.pipeline.quarterly import QuarterlyResult, load_and_run
from kommunebench.pipeline.runs import (
    export_run,
    latest_run,
    list_runs,
    open_run,
    previous_for,
    publish_run,
    run_and_export,
    run_benchmark,
    run_folder,
)

__all__ = [
    "current_loads",
    "DemoResult",
    "ExportPaths",
    "RunConfig",
    "Store",
    "default_synth_dir",
    "demo",
    "export_run",
    "joblog",
    "kpi",
    "latest_run",
    "list_runs",
    "load_and_run",
    "load_data",
    "loaded_summary",
    "open_run",
    "official",
    "parse_sources",
    "partition_snapshot",
    "PreparedPeriod",
    "prepare_periods",
    "previous_for",
    "published",
    "QuarterlyResult",
    "publish_run",
    "run_and_export",
    "run_benchmark",
    "run_folder",
    "synthesize",
    "tokens",
    "using",
]
