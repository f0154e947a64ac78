"""``kommunebench import jobindsats FILE…``: validate every file, then store each period as a run.

All or nothing: every file is read and validated first; any refusal (file, row, column, rule)
stores nothing. Then one transaction stores one *published run* per table × period
(:mod:`kommunebench.benchmark.published_runs`) with its audit row; a period whose figures are
already stored (same fingerprint) is skipped. Rows of two files for the same municipality × period
× group must agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from kommunebench.benchmark.published_runs import find_published_run, store_published_run
from kommunebench.benchmark.runs import RunRecord
from kommunebench.data.transactions import transaction
from kommunebench.errors import ValidationError
from kommunebench.published.labels import TABLE
from kommunebench.published.readers import read_bytes, unreadable
from kommunebench.published.records import PublishedFigures, validate

__all__ = ["ImportReport", "read_published", "import_published", "fingerprint"]

Audit = Callable[[duckdb.DuckDBPyConnection, RunRecord], object]


@dataclass(frozen=True)
class ImportReport:
    """What an import did: per file its shape and rows; the runs stored and the periods skipped."""

    files: tuple[tuple[str, str, int, int], ...]  # (file, shape, municipal rows, rows set aside)
    stored: tuple[RunRecord, ...]
    skipped: tuple[tuple[str, str], ...]  # (period, run id already holding the same figures)


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 over one period's validated figures (independent of file shape and row order)."""
    f = frame.drop(columns=["source_row", "source_file"], errors="ignore")
    f = f.sort_values(["period", "area", "kommunekode"]).reset_index(drop=True)
    return hashlib.sha256(f.to_csv(index=False, float_format="%.4f").encode()).hexdigest()


def read_published(files: Sequence[str | Path]) -> list[tuple[PublishedFigures, str]]:
    """Every file read and validated (with its SHA-256); raises the first refusal."""
    out = []
    for f in files:
        p = Path(f)
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise ValidationError(unreadable(exc), file=str(p)) from None
        out.append((validate(read_bytes(str(p), data)), hashlib.sha256(data).hexdigest()))
    return out


def _combined(parts: list[tuple[PublishedFigures, str]]) -> pd.DataFrame:
    frames = [pf.frame.assign(source_file=pf.file) for pf, _ in parts]
    allrows = pd.concat(frames, ignore_index=True)
    keys = ["kommunekode", "period", "area"]
    values = ["expected", "actual", "diff", "expected_share", "actual_share", "diff_pp", "published_rank"]
    uniq = allrows.drop_duplicates([*keys, *values])
    clash = uniq[uniq.duplicated(keys)]
    if len(clash):
        r = clash.iloc[0]
        raise ValidationError(
            "samme kommune × periode × ydelsesgruppe med andre tal end i en tidligere fil",
            file=str(r["source_file"]),
            row=int(r["source_row"]),
            more=len(clash) - 1,
        )
    return uniq.reset_index(drop=True)


def import_published(
    con: duckdb.DuckDBPyConnection,
    files: Sequence[str | Path],
    *,
    audit: Audit | None = None,
    table: str = TABLE,
) -> ImportReport:
    """Validate ``files`` and store every period in them as a published run (one transaction)."""
    parts = read_published(files)
    figures = _combined(parts)
    stored: list[RunRecord] = []
    skipped: list[tuple[str, str]] = []
    with transaction(con, "the published figures"):
        for period, frame in figures.groupby("period", sort=True):
            fp = fingerprint(frame)
            known = find_published_run(con, table=table, period=str(period), fingerprint=fp)
            if known is not None:
                skipped.append((str(period), known.run_id))
                continue
            names = sorted(set(frame["source_file"]))
            shapes = {pf.file: pf.shape for pf, _ in parts}
            shas = {pf.file: sha for pf, sha in parts}
            source = {
                "files": [Path(n).name for n in names],
                "shapes": [shapes[n] for n in names],
                "sha256": [shas[n] for n in names],
                "attribution": "Kilde: jobindsats.dk, STAR",
            }
            run = store_published_run(
                con, frame, table=table, period=str(period), fingerprint=fp, source=source, audit=audit
            )
            stored.append(run.record)
    files_info = tuple((pf.file, pf.shape, len(pf.frame), pf.set_aside) for pf, _ in parts)
    return ImportReport(files_info, tuple(stored), tuple(skipped))
