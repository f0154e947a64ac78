"""Stored benchmark runs: parameters, data fingerprint, versions and results kept together.

A *run* fits the model for one period and scope, builds all lists, and stores in the warehouse:

* ``runs`` — id, time, period, scope, base period, parameters (JSON, incl. the costs used), the
  data fingerprint of the loaded snapshot, package and model versions, and a SHA-256 over the
  results;
* ``run_artifacts`` — every result frame (each list, the coefficients, the per-municipality
  expected/actual counts) as a Parquet blob.

Both tables are created by warehouse migration 2.

The same inputs give byte-identical artifacts and so the same ``results_sha256``: that is the
reproducibility check (``kommunebench runs`` shows it). Run ids are ``R0001``, ``R0002``, … per
warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kommunebench import __version__
from kommunebench.benchmark.drivers import DESIGN_SUMS, design_sums_frame
from kommunebench.benchmark.lists import BenchmarkLists, build_lists
from kommunebench.benchmark.potential import period_end
from kommunebench.benchmark.published_lists import build_published_lists
from kommunebench.data import reference, warehouse
from kommunebench.data.periods import Period
from kommunebench.data.transactions import transaction
from kommunebench.errors import ConfigError, NotFoundError, WarehouseError
from kommunebench.model import DEFAULT_ENGINE, BenchmarkFit, StatsEngine, fit_benchmark
from kommunebench.model.threads import pinned_blas
from kommunebench.uncertainty import UncertaintyOptions, run_frames

__all__ = ["MODEL_VERSION", "RUN_COLUMNS", "RunRecord", "StoredRun", "execute_run", "list_runs", "load_run"]

MODEL_VERSION = "ols-linear-probability/v1 (design: schemas bands + LM period means, no municipality effects)"


UNCERTAINTY = UncertaintyOptions()
# The columns of ``runs`` in RunRecord order (``actor``: who ran it, filled in the run's transaction).
RUN_COLUMNS = (
    "run_id",
    "created_at",
    "period",
    "scope",
    "base_period",
    "params",
    "data_fingerprint",
    "package_version",
    "model_version",
    "results_sha256",
    "seconds",
    "actor",
)


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    created_at: dt.datetime
    period: str
    scope: str
    base_period: str | None
    params: dict
    data_fingerprint: str
    package_version: str
    model_version: str
    results_sha256: str
    seconds: float | None
    actor: str | None = None  # the verified actor of the write (API token or cli:<user>)

    @property
    def is_published(self) -> bool:
        """A run of published figures (jobindsats), not of our own model."""
        return self.params.get("source") == "published"

    def meta(self) -> dict[str, str]:
        """Metadata for exports (Excel 'Om kørslen', the HTML report)."""
        return {
            "run_id": self.run_id,
            "period": self.period,
            "scope": self.scope,
            "base_period": self.base_period or "",
            "data_fingerprint": self.data_fingerprint,
            "model": self.model_version,
            "package_version": self.package_version,
            "created": self.created_at.isoformat(timespec="seconds"),
            "results_sha256": self.results_sha256,
            "cost_date": str(self.params.get("cost_date") or ""),
        }


@dataclass(frozen=True)
class StoredRun:
    record: RunRecord
    lists: BenchmarkLists
    artifacts: dict[str, pd.DataFrame]
    fit: BenchmarkFit | None = None  # present right after execution, not when loaded back


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    table = table.replace_schema_metadata(None)  # no pandas metadata: bytes depend on data only
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", write_statistics=False)
    return buf.getvalue()


def _results_hash(blobs: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(blobs):
        h.update(name.encode())
        h.update(hashlib.sha256(blobs[name]).digest())
    return h.hexdigest()


def _next_id(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT COUNT(*) FROM runs").fetchone()
    n = int(row[0]) if row else 0
    return f"R{n + 1:04d}"


def _artifacts(fit: BenchmarkFit, lists: BenchmarkLists) -> dict[str, pd.DataFrame]:
    out = {f"list_{slug}": frame for slug, _, frame in lists.list_specs()}
    out["coefficients"] = fit.model.to_frame()
    out["municipal"] = fit.municipal
    out.update(run_frames(fit, UNCERTAINTY))  # stored with the run: its SEs, intervals, rank sets
    out[DESIGN_SUMS] = design_sums_frame(fit)  # the drivers of the expected level
    return out


def execute_run(
    con: duckdb.DuckDBPyConnection,
    *,
    period: str | Period,
    scope: str = "2019",
    base_period: str | Period | None = None,
    k_similar: int = 5,
    n_klynger: int = 5,
    cost_date: dt.date | None = None,
    progress: Callable[[str, float], None] | None = None,
    audit: Callable[[duckdb.DuckDBPyConnection, RunRecord], object] | None = None,
    engine: StatsEngine = DEFAULT_ENGINE,
) -> StoredRun:
    """Fit, build the lists and store the run; returns it with the fit.

    ``engine`` computes the model's sufficient statistics (stored in the parameters as
    ``engine``; the results do not depend on it).

    ``cost_date`` picks the costs per fuldtidsperson in force on that date (default: the period's
    last day). ``audit(con, record)`` is called inside the transaction that stores the run, so the
    run and its audit row are committed together or not at all.
    """
    started = dt.datetime.now(dt.UTC)
    p = Period.parse(period) if isinstance(period, str) else period
    bp = Period.parse(base_period) if isinstance(base_period, str) else base_period
    if scope not in reference.SCOPES:
        raise ConfigError(f"unknown scope {scope!r}: choose one of {', '.join(reference.SCOPES)}")
    report = progress or (lambda step, frac: None)
    # One transaction from the model stage to the audit row: what an engine stores on the way
    # (the incremental quarter blocks) is committed with the run and its audit row, or not at all.
    with transaction(con, "the run"):
        code_rows = warehouse.effective_benefit_codes(con)
        cost_rows = tuple(
            (r["area"], r["valid_from"], float(r["dkk_per_fuldtidsperson"])) for r in warehouse.effective_costs(con)
        )
        cost_date = cost_date or period_end(p)
        costs = reference.costs(cost_date, cost_rows)
        report("model", 0.0)
        with pinned_blas():  # a busy machine must not over-subscribe the cores (model/threads.py)
            fit = fit_benchmark(
                con,
                p,
                scope=scope,
                code_areas=reference.code_areas(scope, code_rows),
                commuting_area_of=warehouse.municipality_commuting_area(con),
                base_period=bp,
                total=False,
                progress=lambda d, done, total: report("model", done / max(total, 1)),
                engine=engine,
            )
            report("lister", 0.9)
            lists = build_lists(fit.municipal, period=p.label, costs=costs, k_similar=k_similar, n_klynger=n_klynger)
            frames = _artifacts(fit, lists)  # the rank sets' draws and eigendecompositions: pinned too
        blobs = {name: _parquet_bytes(f) for name, f in frames.items()}
        params = {
            "period": p.label,
            "scope": scope,
            "base_period": bp.label if bp else None,
            "k_similar": k_similar,
            "n_klynger": n_klynger,
            "cost_date": cost_date.isoformat(),
            "costs_dkk_per_fuldtidsperson": costs,
            "design": fit.model.design.describe(),
            "uncertainty": UNCERTAINTY.as_dict(),
            "engine": engine.describe(),
        }
        seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
        run_id = _next_id(con)
        record = RunRecord(
            run_id,
            started.replace(tzinfo=None),
            p.label,
            scope,
            bp.label if bp else None,
            params,
            warehouse.data_fingerprint(con),
            __version__,
            MODEL_VERSION,
            _results_hash(blobs),
            round(seconds, 3),
        )
        con.execute(
            f"INSERT INTO runs ({', '.join(RUN_COLUMNS[:11])}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.run_id,
                record.created_at,
                record.period,
                record.scope,
                record.base_period,
                json.dumps(params, ensure_ascii=False, sort_keys=True),
                record.data_fingerprint,
                record.package_version,
                record.model_version,
                record.results_sha256,
                record.seconds,
            ],
        )
        con.executemany(
            "INSERT INTO run_artifacts VALUES (?, ?, ?)", [(run_id, name, blob) for name, blob in sorted(blobs.items())]
        )
        if audit is not None:
            audit(con, record)
    report("gemt", 1.0)
    return StoredRun(record, lists, frames, fit)


def _record(row) -> RunRecord:
    return RunRecord(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), *row[6:12])


def list_runs(con: duckdb.DuckDBPyConnection) -> list[RunRecord]:
    rows = con.execute(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs ORDER BY run_id").fetchall()
    return [_record(r) for r in rows]


def load_run(con: duckdb.DuckDBPyConnection, run_id: str) -> StoredRun:
    """A stored run with its lists rebuilt from the stored per-municipality counts and parameters.

    The rebuilt lists are checked against the stored ones byte for byte (via the results hash).
    """
    row = con.execute(
        f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE run_id = ?", [run_id.strip().upper()]
    ).fetchone()
    if row is None:
        known = ", ".join(r.run_id for r in list_runs(con)[-5:]) or "ingen gemt endnu"
        raise NotFoundError(f"ukendt kørsel {run_id!r} (seneste kørsler: {known})")
    record = _record(row)
    blobs = dict(con.execute("SELECT name, parquet FROM run_artifacts WHERE run_id = ?", [record.run_id]).fetchall())
    frames = {name: pq.read_table(io.BytesIO(b)).to_pandas() for name, b in blobs.items()}
    prm = record.params
    build = build_published_lists if record.is_published else build_lists
    lists = build(
        frames["published" if record.is_published else "municipal"],
        period=record.period,
        costs=prm["costs_dkk_per_fuldtidsperson"],
        k_similar=prm["k_similar"],
        n_klynger=prm["n_klynger"],
    )
    rebuilt = {f"list_{slug}": _parquet_bytes(f) for slug, _, f in lists.list_specs()}
    for name, blob in rebuilt.items():
        if blobs.get(name) != blob:
            raise WarehouseError(
                f"run {record.run_id}: stored list {name} differs from its rebuild; "
                "the warehouse may have been edited outside kommunebench"
            )
    return StoredRun(record, lists, frames)
