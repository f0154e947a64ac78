"""Store one table × period of published figures as a *published run* (``runs`` + artifacts).

A published run sits beside the own runs (same ids ``R0001``…, same tables), so every view that
opens a run opens it. Its record says where the figures came from: ``params.source =
"published"``, the table, the file, its shape and SHA-256, and ``data_fingerprint`` is a SHA-256
over the period's validated figures; ``model_version`` names the publisher. Importing the same
figures again stores nothing new (:func:`find_published_run`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Mapping
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from kommunebench import __version__
from kommunebench.benchmark.potential import period_end
from kommunebench.benchmark.published_lists import PUBLISHED_COLUMNS, build_published_lists, total_vs_areas
from kommunebench.benchmark.runs import (
    RUN_COLUMNS,
    RunRecord,
    StoredRun,
    _next_id,
    _parquet_bytes,
    _results_hash,
    list_runs,
)
from kommunebench.data import reference, warehouse
from kommunebench.data.periods import Period
from kommunebench.errors import NotFoundError

__all__ = ["PUBLISHER", "store_published_run", "find_published_run", "published_runs", "run_artifact"]

PUBLISHER = "offentliggjort: jobindsats.dk, STAR (Beskæftigelsesministeriets benchmark)"


def published_runs(con: duckdb.DuckDBPyConnection, table: str | None = None) -> list[RunRecord]:
    """The published runs (of ``table``), oldest first."""
    return [r for r in list_runs(con) if r.is_published and (table is None or r.params.get("table") == table)]


def run_artifact(con: duckdb.DuckDBPyConnection, run_id: str, name: str) -> pd.DataFrame:
    """One stored result frame of a run as stored (``published``, ``list_samlet``, ``list_<area>``)."""
    row = con.execute("SELECT parquet FROM run_artifacts WHERE run_id = ? AND name = ?", [run_id, name]).fetchone()
    if row is None:
        raise NotFoundError(f"kørsel {run_id} har ikke resultatet {name!r}")
    return pq.read_table(io.BytesIO(row[0])).to_pandas()


def find_published_run(
    con: duckdb.DuckDBPyConnection, *, table: str, period: str, fingerprint: str
) -> RunRecord | None:
    for r in published_runs(con, table):
        if r.period == period and r.data_fingerprint == fingerprint:
            return r
    return None


def store_published_run(
    con: duckdb.DuckDBPyConnection,
    figures: pd.DataFrame,
    *,
    table: str,
    period: str,
    fingerprint: str,
    source: Mapping[str, Any],
    k_similar: int = 5,
    n_klynger: int = 5,
    audit: Callable[[duckdb.DuckDBPyConnection, RunRecord], object] | None = None,
) -> StoredRun:
    """Build the lists of one period's published ``figures`` and store them as a run.

    Runs inside the caller's transaction (no commit here): an import of several periods is one
    transaction. ``audit(con, record)`` is called for the stored run.
    """
    p = Period.parse(period)
    started = dt.datetime.now(dt.UTC)
    cost_date = period_end(p)
    costs = reference.costs(
        cost_date,
        tuple((r["area"], r["valid_from"], float(r["dkk_per_fuldtidsperson"])) for r in warehouse.effective_costs(con)),
    )
    frame = figures[list(PUBLISHED_COLUMNS)].sort_values(["area", "kommunekode"]).reset_index(drop=True)
    lists = build_published_lists(frame, period=p.label, costs=costs, k_similar=k_similar, n_klynger=n_klynger)
    gaps = total_vs_areas(frame)
    frames = {f"list_{slug}": f for slug, _, f in lists.list_specs()}
    frames["published"] = frame
    frames["total_vs_areas"] = gaps
    blobs = {name: _parquet_bytes(f) for name, f in frames.items()}
    params = {
        "source": "published",
        "table": table,
        **{f"source_{k}": v for k, v in source.items()},
        "period": p.label,
        "k_similar": k_similar,
        "n_klynger": n_klynger,
        "cost_date": cost_date.isoformat(),
        "costs_dkk_per_fuldtidsperson": costs,
        "totals_differing_from_areas": int((gaps["share_gap_pp"] > 0).sum()),
        "totals_beyond_rounding": [int(c) for c in gaps.loc[gaps["beyond_rounding"], "kommunekode"]],
    }
    record = RunRecord(
        _next_id(con),
        started.replace(tzinfo=None),
        p.label,
        "2019",
        None,
        params,
        fingerprint,
        __version__,
        f"{PUBLISHER}, tabel {table}",
        _results_hash(blobs),
        round((dt.datetime.now(dt.UTC) - started).total_seconds(), 3),
    )
    con.execute(
        f"INSERT INTO runs ({', '.join(RUN_COLUMNS[:11])}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            record.run_id,
            record.created_at,
            record.period,
            record.scope,
            None,
            json.dumps(params, ensure_ascii=False, sort_keys=True),
            record.data_fingerprint,
            record.package_version,
            record.model_version,
            record.results_sha256,
            record.seconds,
        ],
    )
    con.executemany(
        "INSERT INTO run_artifacts VALUES (?, ?, ?)",
        [(record.run_id, name, blob) for name, blob in sorted(blobs.items())],
    )
    if audit is not None:
        audit(con, record)
    return StoredRun(record, lists, frames)
