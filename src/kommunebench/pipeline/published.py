"""The published-data jobs: import jobindsats files, fetch them live, check, rank over time, v3 rows."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from kommunebench import settings
from kommunebench.access import audit, cli_actor, record_actor
from kommunebench.benchmark.published_runs import published_runs, run_artifact
from kommunebench.benchmark.runs import RunRecord
from kommunebench.errors import NotFoundError
from kommunebench.pipeline.config import Store, using
from kommunebench.published import TABLE, ImportReport, Reproduction, import_published, rank_history, reproduce
from kommunebench.published.approximation import Approximation, approximate
from kommunebench.published.client import TOKEN_ENV, FetchResult, JobindsatsClient
from kommunebench.published.coverage import cover
from kommunebench.published.statbank import read_factor

__all__ = [
    "import_jobindsats",
    "fetch_jobindsats",
    "FetchReport",
    "check_published",
    "published_history",
    "published_records",
    "token_from_env",
    "shipped_extract",
    "pair_runs",
    "approximate_published",
]


def import_jobindsats(
    files: Sequence[str | Path], *, db: Store | None = None, actor: str | None = None, role: str | None = None
) -> ImportReport:
    """Validate every file and store each table × period as a published run, audited (all or nothing)."""
    who = actor or cli_actor()

    def audited(con: duckdb.DuckDBPyConnection, record: RunRecord) -> object:
        detail = {k: record.params.get(k) for k in ("table", "period", "source_files", "source_sha256")}
        detail["data_fingerprint"] = record.data_fingerprint
        record_actor(con, "runs", record.run_id, who)
        return audit(con, actor=who, role=role, action="published.import", target=record.run_id, detail=detail)

    with using(db, write=True) as con:
        return import_published(con, files, audit=audited)


def token_from_env(name: str) -> str | None:
    """The key from environment variable ``name`` (None: fall back to the setting)."""
    return os.environ.get(name) or None


def shipped_extract() -> Path:
    """The published 2022QMAT04 list shipped with the package (``published/data/README.md``)."""
    return Path(str(resources.files("kommunebench.published.data").joinpath("Y30R21_2022QMAT04.jsonl")))


@dataclass(frozen=True)
class FetchReport:
    """``file``: the reply as saved; ``combined``: the whole lists laid together from the saved
    pieces of a fetch of some areas (imported); ``missing``: per period not imported, kommunekode →
    the groups it lacks."""

    file: Path
    result: FetchResult
    imported: ImportReport | None
    combined: Path | None = None
    missing: Mapping[str, Mapping[int, tuple[str, ...]]] = field(default_factory=dict)
    areas: tuple[str, ...] = ("*",)
    pieces: Path | None = None  # where the saved pieces are laid together


def _unused(folder: Path, stem: str) -> Path:
    """``folder/stem.json``, or ``stem-2.json``, … when a fetch in the same second saved one."""
    path, n = folder / f"{stem}.json", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.json"
    return path


def _saved_pieces(folder: Path, table: str, newest: Path) -> list[dict]:
    """The v3 documents saved earlier under ``folder`` for ``table`` (oldest first), then ``newest``."""
    docs = []
    older = [p for p in folder.glob(f"{table}_*.json") if p.resolve() != newest.resolve()]
    for path in [*sorted(older, key=lambda p: (p.stat().st_mtime, p.name)), newest]:
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and isinstance(doc.get("columns"), list) and isinstance(doc.get("rows"), list):
            docs.append(doc)
    return docs


def fetch_jobindsats(
    *,
    periods: Sequence[str],
    table: str = TABLE,
    areas: Sequence[str] = ("*",),
    api: str = "v3",
    url: str | None = None,
    token: str | None = None,
    token_name: str = TOKEN_ENV,
    out: Path | None = None,
    refresh: bool = False,
    do_import: bool = True,
    db: Store | None = None,
    actor: str | None = None,
) -> FetchReport:
    """Fetch ``table`` for ``periods`` from the jobindsats API (cached), save it as a v3 JSON file
    under ``<home>/jobindsats/`` (or ``out``) and import it. A fetch of some ``areas`` is laid
    together with the pieces saved before: each period that then makes whole lists (98
    municipalities × 4 groups) is saved as one file and imported; the report names what the
    other periods still miss."""
    base = settings.get_str("jobindsats_url", url)
    if api == "v2" and url is None and base.endswith("/v3"):
        base = base[: -len("v3")] + "v2"
    client = JobindsatsClient(
        base_url=base,
        token=settings.get_str("jobindsats_token", token),
        token_name=token_name if token else TOKEN_ENV,
        api=api,
        retries=settings.get_int("jobindsats_retries"),
        cache_dir=settings.home_dir() / "cache" / "jobindsats",
        refresh=refresh,
    )
    result = client.data(table, periods=list(periods), areas=list(areas))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    part = "" if tuple(areas) == ("*",) else f"_{len(areas)}omr"
    path = (
        Path(out) if out else _unused(settings.home_dir() / "jobindsats", f"{table}_{'_'.join(periods)}{part}_{stamp}")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.as_v3(), ensure_ascii=False), "utf-8")
    if tuple(areas) == ("*",):
        return FetchReport(path, result, import_jobindsats([path], db=db, actor=actor) if do_import else None)
    folder = settings.home_dir() / "jobindsats"
    cov = cover(_saved_pieces(folder, table, path), list(periods))
    whole = cov.complete()
    combined = imported = None
    if whole and do_import:
        combined = _unused(folder, f"{table}_{'_'.join(whole)}_samlet_{stamp}")
        combined.parent.mkdir(parents=True, exist_ok=True)
        combined.write_text(json.dumps(cov.as_v3(whole), ensure_ascii=False), "utf-8")
        imported = import_jobindsats([combined], db=db, actor=actor)
    missing = {p: m for p, m in cov.missing.items() if m}
    return FetchReport(path, result, imported, combined, missing, tuple(areas), folder)


def published_records(*, db: Store | None = None, table: str | None = None) -> list[RunRecord]:
    with using(db) as con:
        return published_runs(con, table)


def _figures(con: duckdb.DuckDBPyConnection, records: list[RunRecord]) -> pd.DataFrame:
    parts = []
    for r in records:
        f = run_artifact(con, r.run_id, "published")
        f.insert(1, "period", r.period)
        parts.append(f)
    return pd.concat(parts, ignore_index=True)


def _latest_per_period(records: list[RunRecord]) -> list[RunRecord]:
    by_period = {r.period: r for r in records}  # oldest first: the newest import of a period wins
    return [by_period[p] for p in sorted(by_period)]


def check_published(*, db: Store | None = None, table: str = TABLE) -> Reproduction:
    """The reproduction report over every stored period of ``table`` (newest import per period)."""
    with using(db) as con:
        records = _latest_per_period(published_runs(con, table))
        if not records:
            raise NotFoundError(f"ingen offentliggjorte kørsler af {table}: 'kommunebench import jobindsats FIL'")
        return reproduce(_figures(con, records), table=table)


def published_history(*, db: Store | None = None, table: str = TABLE) -> pd.DataFrame:
    """Rank over time across the stored periods of ``table``, with the change since the previous one."""
    with using(db) as con:
        records = _latest_per_period(published_runs(con, table))
        slugs = {
            "total": "samlet",
            "a_dagpenge": "a_dagpenge",
            "sygedagpenge": "sygedagpenge",
            "kontanthjaelp": "kontanthjaelp",
        }
        return rank_history(
            {r.period: {a: run_artifact(con, r.run_id, f"list_{s}") for a, s in slugs.items()} for r in records}
        )


def pair_runs(
    records: Sequence[RunRecord], *, own: str | None = None, published: str | None = None
) -> tuple[RunRecord, RunRecord]:
    """The own run and the published run to compare: the given ids, else the newest published run
    that has an own run of the same period and scope (else the newest of each)."""
    by_id = {r.run_id: r for r in records}
    for run_id in (own, published):
        if run_id is not None and run_id.upper() not in by_id:
            raise NotFoundError(f"ukendt kørsel {run_id!r}")
    owns = [r for r in records if not r.is_published]
    pubs = [r for r in records if r.is_published]
    if not owns or not pubs:
        raise NotFoundError("sammenligningen kræver både en egen kørsel og en offentliggjort (jobindsats) kørsel")
    o = by_id[own.upper()] if own else None
    p = by_id[published.upper()] if published else None
    if o is None or p is None:
        for cand_p in reversed(pubs) if p is None else [p]:
            match = [r for r in owns if r.period == cand_p.period and r.scope == cand_p.scope]
            if o is None and match:
                return match[-1], cand_p
            if o is not None and o.period == cand_p.period:
                return o, cand_p
        o, p = o or owns[-1], p or pubs[-1]
    if o.is_published or not p.is_published:
        raise NotFoundError(f"{o.run_id} skal være en egen kørsel og {p.run_id} en offentliggjort")
    return o, p


def approximate_published(
    factor_files: Sequence[str | Path], *, period: str | None = None, db: Store | None = None, table: str = TABLE
) -> Approximation:
    """The public-data approximation for a stored published period (default: the newest)."""
    factors = {Path(f).stem: read_factor(f) for f in factor_files}
    with using(db) as con:
        records = _latest_per_period(published_runs(con, table))
        chosen = [r for r in records if period is None or r.period == period]
        if not chosen:
            raise NotFoundError(f"ingen offentliggjort kørsel af {table} for {period or 'nogen periode'}")
        record = chosen[-1]
        total = run_artifact(con, record.run_id, "list_samlet")
    return approximate(total, factors, period=record.period)
