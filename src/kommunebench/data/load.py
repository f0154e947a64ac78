"""Load input files into the warehouse: validate everything, then replace, all in one transaction.

``load(db, sources)`` takes a directory (files named ``<kind>.parquet`` or ``<kind>.csv``, kinds
from :data:`kommunebench.data.schemas.KINDS`) or a mapping kind → path.

Semantics
---------
* **Replace.** Each loaded kind *replaces* that kind's stored content (registers arrive as full
  extracts; a persons file holding 2022 and 2023 replaces all stored persons). Kinds not in the
  load keep their content. Order inside one load: reference overrides (``benefit_codes``,
  ``costs``, ``commuting_area_map``), ``persons``, ``labour_market``, ``benefit_weeks``,
  ``joblog``, ``admin_costs`` — so each
  kind is checked against the reference tables as they will be after the load.
* **Atomic.** The whole load is one transaction. Any refusal (a :class:`ValidationError`) or
  failure rolls it back: the warehouse content is exactly as before.
* **Idempotent.** Every kind gets a content fingerprint: SHA-256 over the kind, its columns and
  types, the row count and the sum (as HUGEINT) of DuckDB's ``hash()`` of each typed row. It does
  not depend on the file format, the row order, the delimiter or a decimal comma. (It does depend
  on DuckDB's hash function: after a DuckDB upgrade an identical file may be reported "loaded"
  once more, which is harmless.) A kind whose fingerprint equals its current one is reported
  ``"unchanged"`` and not rewritten; if every kind is unchanged the report has
  ``already_loaded=True`` and names the snapshot (id and time) that loaded that content.
* **History.** Each loaded kind is recorded in ``loads`` with the snapshot id (default: UTC
  time + the first 8 characters of the load's fingerprint), the file, format, row count,
  fingerprint, time and duration; it becomes the kind's current load.
* **Columns.** Column names are matched ignoring case and surrounding blanks. Every schema
  column is required; **extra columns are refused** (a misspelt column shows up as one missing
  and one unexpected, both named in the message). Column order is free.
* **Files.** CSV: UTF-8 (a BOM is allowed; checked by a streaming decode that reports the line
  and byte offset of the first bad byte), a header line, delimiter ``,`` or ``;`` (the one the
  header uses more); with ``;`` a decimal comma is accepted in numeric columns. Parquet: read as
  typed, then checked with the same TRY_CAST rules (a Parquet DOUBLE 1.5 is not a whole number).
  ``week`` is ``YYYY-Www`` text and is stored as the Monday DATE of that ISO week; ``month``
  (joblog) is ``YYYY-MM`` text and is stored as the DATE of the month's first day. In a
  directory, other files (``truth_effects.parquet``, ``manifest.json``, ...) are ignored and
  listed in ``LoadReport.ignored``; a file named after a kind with another extension
  (``persons.xlsx``) is refused, as is a directory without any recognised file.
* **Refusals** name the file, the 1-based data row (and for CSV the physical line) or the key,
  the column, the rule and the offending value, and how many more rows break the same rule.
  Checked: missing/extra/duplicate columns; empty file or header without rows; encoding; ragged
  CSV rows; NULL in a required column; wrong type; min/max of the schema; allowed values; ISO
  weeks that do not exist; quarters not ``YYYYQn``; unknown kommunekode (the effective
  commuting-area map, i.e. the 98 municipalities); unknown commuting area; benefit codes not in
  the effective code table; duplicate keys (for ``benefit_weeks``, a repeated row and two
  different codes in one week are told apart); persons in ``benefit_weeks`` missing from
  ``persons`` (the ones in the same load, else the stored ones), and likewise persons in the
  ``joblog``; joblog months not ``YYYY-MM``, target-group flags not true/false, availability
  weights not above 0 and at most 1; a ``persons`` (or reference)
  replacement that stored data would then contradict; a commuting-area map that does not cover
  all 98 municipalities; a snapshot id already used for a kind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kommunebench.data import reference, warehouse
from kommunebench.data.crosscheck import check_across
from kommunebench.data.filecheck import check_manifest
from kommunebench.data.keycheck import check_keys
from kommunebench.data.kpischemas import KPI_KIND_NAMES
from kommunebench.data.schemas import KINDS
from kommunebench.data.sources import find_sources, format_of
from kommunebench.data.sql import scalar, transaction
from kommunebench.data.storage import replace_table
from kommunebench.data.transactions import session
from kommunebench.data.validate import Staged, check_rows, check_weeks, stage
from kommunebench.errors import ValidationError, WarehouseError

__all__ = ["LOAD_ORDER", "KindReport", "LoadAudit", "LoadReport", "find_sources", "load"]

LOAD_ORDER = (
    "benefit_codes", "costs", "commuting_area_map", "persons", "labour_market", "benefit_weeks", "joblog",
    "admin_costs",
)  # fmt: skip
# The KPI kinds (issue 13) come last, caseworkers before the kinds that refer to them.
LOAD_ORDER = (*LOAD_ORDER, *KPI_KIND_NAMES)  # type: ignore[assignment]  # a longer tuple of str
_WEEKMAP = "__kb_weekmap"
Progress = Callable[[str, float], None]
#: ``audit(con, snapshot_id, {kind: fingerprint})`` of the kinds a load stores, called inside the
#: load's transaction before the commit (a load that stores nothing calls no audit).
LoadAudit = Callable[[duckdb.DuckDBPyConnection, str, dict[str, str]], object]


@dataclass(frozen=True, slots=True)
class KindReport:
    kind: str
    file: str
    format: str
    rows: int
    fingerprint: str
    status: str  # "loaded" | "unchanged"
    seconds: float


@dataclass(frozen=True, slots=True)
class LoadReport:
    snapshot_id: str
    kinds: tuple[KindReport, ...]
    seconds: float
    already_loaded: bool
    loaded_at: dt.datetime  # UTC; for an already loaded snapshot: when it was loaded
    ignored: tuple[str, ...] = ()

    def __getitem__(self, kind: str) -> KindReport:
        for k in self.kinds:
            if k.kind == kind:
                return k
        raise KeyError(kind)

    @property
    def loaded(self) -> tuple[str, ...]:
        return tuple(k.kind for k in self.kinds if k.status == "loaded")

    def summary(self) -> str:
        if self.already_loaded:
            return (
                f"snapshot {self.snapshot_id} is already loaded (loaded "
                f"{self.loaded_at:%Y-%m-%d %H:%M:%S} UTC); nothing changed"
            )
        parts = [f"{k.kind} {k.rows:,} rows ({k.status})" for k in self.kinds]
        return f"snapshot {self.snapshot_id}: " + ", ".join(parts) + f" in {self.seconds:.1f} s"


# ------------------------------------------------------------------------------ load


class _Progress:
    def __init__(self, callback: Progress | None, files: dict[str, Path]):
        self.callback = callback
        self.weights = {k: max(p.stat().st_size, 1) for k, p in files.items()}
        self.total = sum(self.weights.values()) * 1.05
        self.done = 0.0

    def step(self, message: str, kind: str | None = None, share: float = 0.0) -> None:
        if self.callback is not None:
            self.callback(message, min(self.done / self.total, 1.0))
        if kind is not None:
            self.done += self.weights[kind] * share

    def finish(self, message: str) -> None:
        if self.callback is not None:
            self.callback(message, 1.0)


def _fingerprint(kind: str, n: int, hsum: int) -> str:
    cols = ",".join(f"{c.name}:{c.sql_type}" for c in KINDS[kind].columns)
    text = f"{kind}|{cols}|{n}|{hsum:x}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _reference_sets(con, kind: str) -> dict[str, tuple[set, str]]:
    """Column → (allowed values, rule) for the rules that depend on the reference tables."""
    if kind in ("persons", "joblog", "admin_costs", "caseworkers"):
        return {
            "kommunekode": (
                set(warehouse.municipality_commuting_area(con)),
                "ukendt kommunekode: ikke en af de 98 kommuner",
            )
        }
    if kind == "commuting_area_map":
        return {
            "kommunekode": (
                {m.kommunekode for m in reference.municipalities()},
                "ukendt kommunekode: ikke en af de 98 kommuner",
            )
        }
    if kind == "labour_market":
        return {"commuting_area": (warehouse.effective_commuting_areas(con), "ukendt pendlingsområde (commuting_area)")}
    if kind == "benefit_weeks":
        return {
            "code": (
                {r["code"] for r in warehouse.effective_benefit_codes(con)},
                "ukendt ydelseskode: findes ikke i tabellen over ydelseskoder",
            )
        }
    return {}


def load(
    db: str | Path | duckdb.DuckDBPyConnection,
    sources: str | Path | Mapping[str, str | Path],
    *,
    snapshot_id: str | None = None,
    progress: Progress | None = None,
    audit: LoadAudit | None = None,
) -> LoadReport:
    """Validate and load ``sources`` into the warehouse ``db`` (see the module docstring).

    ``audit(con, snapshot_id, {kind: fingerprint})`` runs inside the load's transaction, after the
    data and the load history are written: if it raises, the whole load is rolled back.
    """
    t0 = time.perf_counter()
    if snapshot_id is not None and (
        not str(snapshot_id).strip() or len(str(snapshot_id)) > 200 or not str(snapshot_id).isprintable()
    ):
        raise ValidationError(f"ugyldigt snapshot-id {snapshot_id!r}: brug 1-200 synlige tegn")
    files, ignored = find_sources(sources)
    if not isinstance(sources, Mapping) and Path(sources).is_dir():
        check_manifest(Path(sources), files.values())  # SHA256SUMS beside the files, when there is one
    if isinstance(db, duckdb.DuckDBPyConnection):
        return _load(db, files, ignored, snapshot_id, _Progress(progress, files), t0, audit)
    with session(Path(db), write=True) as con:
        return _load(con, files, ignored, snapshot_id, _Progress(progress, files), t0, audit)


def _failed(first: str) -> str:
    return f"the load failed and was rolled back: {first}"


def _load(con, files, ignored, snapshot_id, prog: _Progress, t0: float, audit: LoadAudit | None) -> LoadReport:
    current = {d["kind"]: d for d in warehouse.current_loads(con)}
    staged: list[Staged] = []
    try:
        # Staging happens before the transaction: CSV files become temporary tables whose rowid
        # (the row number) is only dense once committed. Temporary objects are no warehouse
        # content; they are dropped at the end whatever happens.
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_WEEKMAP} (txt VARCHAR, monday DATE)")
        for kind in (k for k in LOAD_ORDER if k in files):
            tk = time.perf_counter()
            s = Staged(KINDS[kind], files[kind], format_of(files[kind]))
            staged.append(s)
            prog.step(f"{kind}: læser {s.name}", kind, 0.4)
            stage(con, s, _WEEKMAP)
            s.seconds = time.perf_counter() - tk
        with transaction(con, failure=_failed):
            snapshot, at, already = _check_and_store(con, staged, current, snapshot_id, prog, audit)
        if not already:
            prog.finish("loaded")
        return _report(staged, snapshot, at, ignored, t0, already)  # timed after the commit
    except duckdb.Error as exc:  # while staging, before the transaction
        raise WarehouseError(_failed(str(exc).splitlines()[0])) from exc
    finally:
        _drop_temp(con, staged)


def _check_and_store(
    con, staged: list[Staged], current: dict, snapshot_id, prog: _Progress, audit: LoadAudit | None
) -> tuple[str, dt.datetime, bool]:
    """Inside the load's transaction: check every staged kind, store the changed ones, record and audit."""
    for s in staged:
        tk = time.perf_counter()
        _check_and_store_kind(con, s, current.get(s.kind.name), prog)
        s.seconds += time.perf_counter() - tk
    prog.step("kontrollerer henvisninger mellem datatyperne")
    check_across(con, {s.kind.name: s for s in staged})
    loaded = [s for s in staged if s.status == "loaded"]
    if not loaded:  # nothing changed: the transaction commits no write
        latest = max((current[s.kind.name] for s in staged), key=lambda d: d["loaded_at"])
        return str(latest["snapshot_id"]), latest["loaded_at"], True
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if snapshot_id is None:
        combined = hashlib.sha256("|".join(s.fingerprint for s in loaded).encode()).hexdigest()
        snapshot_id = f"{now:%Y%m%dT%H%M%SZ}-{combined[:8]}"
    prog.step("registrerer indlæsningen")
    _record(con, loaded, str(snapshot_id), now)
    if audit is not None:
        audit(con, str(snapshot_id), {s.kind.name: s.fingerprint for s in loaded})
    return str(snapshot_id), now, False


def _check_and_store_kind(con, s: Staged, current: dict | None, prog: _Progress) -> None:
    """Check one staged kind and store it when its content changed.

    A table with a key constraint would refuse a duplicate with DuckDB's message: its file is
    checked first. Else, when the content surely changed (no current load, or another row count:
    the count is part of the fingerprint), the file's typed rows are stored first and the rules
    read the stored columns, far cheaper than more passes over the file (the offending rows are
    then found in the file); a refusal rolls the whole load back either way. Otherwise the file
    is checked and fingerprinted first, so that unchanged content is not rewritten.
    """
    kind, table = s.kind.name, s.kind.table
    prog.step(f"{kind}: kontrollerer {s.rows:,} rækker".replace(",", "."), kind, 0.2)
    sets = _reference_sets(con, kind)
    if kind == "benefit_weeks":
        check_weeks(con, s, _WEEKMAP)
    keyed = _has_key_constraint(con, table)
    if not keyed and (current is None or current["n_rows"] != s.rows):
        prog.step(f"{kind}: gemmer {s.rows:,} rækker".replace(",", "."), kind, 0.2)
        _store(con, s, sets)
        prog.step(f"{kind}: kontrollerer {s.rows:,} gemte rækker".replace(",", "."))
        s.fingerprint, s.status = _fingerprint(kind, *check_rows(con, s, sets, stored=table)), "loaded"
        prog.step(f"{kind}: kontrollerer nøgler", kind, 0.2)
        check_keys(con, s, stored=table)
        return
    s.fingerprint = _fingerprint(kind, *check_rows(con, s, sets))
    if current is not None and current["fingerprint"] == s.fingerprint:
        s.status = "unchanged"
        prog.step(f"{kind}: uændret", kind, 0.4)
        return
    s.status = "loaded"
    if keyed:
        prog.step(f"{kind}: kontrollerer nøgler", kind, 0.2)
        check_keys(con, s)
    prog.step(f"{kind}: gemmer {s.rows:,} rækker".replace(",", "."), kind, 0.2)
    _store(con, s, sets)
    if not keyed:
        prog.step(f"{kind}: kontrollerer nøgler", kind, 0.2)
        check_keys(con, s, stored=table)


def _store(con, s: Staged, sets: dict[str, tuple[set, str]]) -> None:
    """Replace the kind's table by the file's typed rows. When the insert fails before the rules
    ran (a missing value in a NOT NULL column), the transaction is rolled back and the file is
    checked outside it, to refuse it by the rule it breaks."""
    try:
        enums = {c.name: c.allowed for c in s.kind.columns if c.allowed and c.sql_type == "VARCHAR"}
        replace_table(con, s.kind.table, list(s.kind.column_names), s.typed, s.rows, enums=enums)
    except duckdb.Error:
        if s.status:  # checked already: the failure is no broken rule
            raise
        con.rollback()  # the failed statement ended the transaction's usefulness
        if s.kind.name == "benefit_weeks":
            check_weeks(con, s, _WEEKMAP)  # the rollback emptied the week map
        check_rows(con, s, sets)  # raises the refusal
        raise


def _has_key_constraint(con, table: str) -> bool:
    sql = (
        "SELECT count(*) FROM duckdb_constraints() WHERE table_name = ? "
        "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')"
    )
    return bool(scalar(con, sql, [table]))


def _record(con, loaded: list[Staged], snapshot_id: str, now: dt.datetime) -> None:
    for s in loaded:
        kind = s.kind.name
        used = scalar(con, "SELECT count(*) FROM loads WHERE snapshot_id = ? AND kind = ?", [snapshot_id, kind])
        if used:
            raise ValidationError(
                f"snapshot-id {snapshot_id!r} er allerede brugt til {kind}; "
                "vælg et andet (eller intet: så laves et nyt)",
                file=s.name,
            )
        con.execute("UPDATE loads SET is_current = false WHERE kind = ? AND is_current", [kind])
        con.execute(
            "INSERT INTO loads (snapshot_id, kind, source_file, file_format, fingerprint, n_rows, loaded_at, "
            "seconds, is_current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, true)",
            [snapshot_id, kind, str(s.path.resolve()), s.fmt, s.fingerprint, s.rows, now, round(s.seconds, 3)],
        )


def _report(staged, snapshot_id, loaded_at, ignored, t0, already) -> LoadReport:
    kinds = tuple(
        KindReport(s.kind.name, s.name, s.fmt, s.rows, s.fingerprint, s.status, round(s.seconds, 3)) for s in staged
    )
    return LoadReport(snapshot_id, kinds, round(time.perf_counter() - t0, 3), already, loaded_at, tuple(ignored))


def _drop_temp(con, staged: list[Staged]) -> None:
    objs = [o for s in staged for o in reversed(s.temp)] + [("TABLE", _WEEKMAP)]
    for what, name in objs:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP {what} IF EXISTS {name}")
