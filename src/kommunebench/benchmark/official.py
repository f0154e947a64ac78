"""The official run of each period and scope, and which run the public sees by default.

Per period and scope one stored run can be marked **official** (``kommunebench publish RUN`` or
``kommunebench run … --officiel``). The marks live in ``official_runs`` (warehouse migration 9):
marking another run of the same period and scope *replaces* the mark (the old row gets
``replaced_at`` and ``replaced_by``), so the history of marks is kept. The caller audits the mark
in the same transaction (:mod:`kommunebench.pipeline.official`).

What the public sees by default (:func:`default_run`) never follows "the newest run":

* the official run of the most recent period that has one;
* if no run is official: the **first** own run (not a projection, not a re-run) of the most
  recent period — and the outputs say that it is not official;
* projections (``--base-period``, "fremskrivning") and re-runs ("genkørsel") are only shown when
  asked for by run id, or marked official (a re-run can be; a projection cannot).

The time series ("Placering over tid") has one point per period (:func:`period_runs`), and the
change since last time compares with the previous official run of the same scope
(:func:`previous_run`). Everything below the first two functions is pure over run records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import duckdb

from kommunebench.benchmark.runs import RunRecord
from kommunebench.data.periods import Period
from kommunebench.errors import ConfigError

__all__ = [
    "KIND_LABELS",
    "MarkResult",
    "OfficialMark",
    "RunStatus",
    "default_run",
    "mark_official",
    "official_marks",
    "period_runs",
    "previous_run",
    "published_series",
    "run_statuses",
]

#: run kind → Danish label
KIND_LABELS: Mapping[str, str] = {
    "kørsel": "kørsel",
    "genkørsel": "genkørsel",
    "fremskrivning": "fremskrivning",
    "offentliggjort": "offentliggjorte tal",
}


@dataclass(frozen=True)
class OfficialMark:
    mark_id: int
    period: str
    scope: str
    run_id: str
    marked_at: dt.datetime
    marked_by: str
    replaced_at: dt.datetime | None
    replaced_by: int | None

    @property
    def current(self) -> bool:
        return self.replaced_at is None


@dataclass(frozen=True)
class RunStatus:
    """How a run stands: its kind, whether it is official, and a Danish sentence for the outputs."""

    run_id: str
    kind: str  # kørsel, genkørsel, fremskrivning, offentliggjort
    official: bool

    @property
    def label(self) -> str:
        return "officiel kørsel" if self.official else KIND_LABELS[self.kind]

    def note(self, *, default: bool) -> str:
        """The sentence shown beside the run (``default``: it was shown without being asked for)."""
        if self.official:
            return f"Kørsel {self.run_id} er den officielle kørsel for perioden."
        what = "" if self.kind == "kørsel" else f" ({KIND_LABELS[self.kind]})"
        head = f"Kørsel {self.run_id}{what} er ikke markeret som officiel"
        if default:
            return head + "; ingen kørsel er officiel endnu, så den første kørsel af den nyeste periode vises."
        return head + "."


def official_marks(con: duckdb.DuckDBPyConnection, *, current_only: bool = False) -> list[OfficialMark]:
    """Every mark (or only the current ones), oldest first."""
    where = " WHERE replaced_at IS NULL" if current_only else ""
    rows = con.execute(f"SELECT * FROM official_runs{where} ORDER BY mark_id").fetchall()
    return [OfficialMark(*r) for r in rows]


@dataclass(frozen=True)
class MarkResult:
    mark: OfficialMark
    replaced: OfficialMark | None
    changed: bool  # False: the run was official already (nothing written)


def mark_official(con: duckdb.DuckDBPyConnection, record: RunRecord, *, actor: str) -> MarkResult:
    """Mark ``record`` official for its period and scope (replacing the current mark, kept as history).

    Runs inside the caller's transaction (which also writes the audit row). A projection or a run
    of published figures cannot be official (ConfigError); marking the current official run again
    changes nothing and returns its mark.
    """
    if record.base_period:
        raise ConfigError(
            f"kørsel {record.run_id} er en fremskrivning (basisperiode {record.base_period}) og kan ikke være officiel"
        )
    if record.is_published:
        raise ConfigError(f"kørsel {record.run_id} er offentliggjorte tal, ikke en kørsel af modellen")
    current = [
        m for m in official_marks(con, current_only=True) if (m.period, m.scope) == (record.period, record.scope)
    ]
    if current and current[0].run_id == record.run_id:
        return MarkResult(current[0], None, False)
    row = con.execute("SELECT coalesce(max(mark_id), 0) + 1 FROM official_runs").fetchone()
    mark_id = int(row[0]) if row else 1
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    con.execute(
        "INSERT INTO official_runs VALUES (?, ?, ?, ?, ?, ?, NULL, NULL)",
        [mark_id, record.period, record.scope, record.run_id, now, actor],
    )
    for old in current:
        con.execute(
            "UPDATE official_runs SET replaced_at = ?, replaced_by = ? WHERE mark_id = ?", [now, mark_id, old.mark_id]
        )
    new = OfficialMark(mark_id, record.period, record.scope, record.run_id, now, actor, None, None)
    return MarkResult(new, current[0] if current else None, True)


# ------------------------------------------------------------------------------ pure selection


def _end(record: RunRecord) -> tuple[int, int]:
    return Period.parse(record.period).quarters[-1]


def _own(record: RunRecord) -> bool:
    return not record.base_period and not record.is_published


def run_statuses(records: Sequence[RunRecord], official: Iterable[str]) -> dict[str, RunStatus]:
    """Run id → status: a run is a *genkørsel* when an earlier own run of its period and scope exists."""
    marked = set(official)
    seen: set[tuple[str, str]] = set()
    out = {}
    for r in sorted(records, key=lambda r: r.run_id):
        if r.is_published:
            kind = "offentliggjort"
        elif r.base_period:
            kind = "fremskrivning"
        else:
            kind = "genkørsel" if (r.period, r.scope) in seen else "kørsel"
            seen.add((r.period, r.scope))
        out[r.run_id] = RunStatus(r.run_id, kind, r.run_id in marked)
    return out


def period_runs(records: Sequence[RunRecord], official: Iterable[str], *, scope: str | None = None) -> list[RunRecord]:
    """One run per period (of ``scope``), oldest period first: the official one, else the first own run."""
    marked = set(official)
    best: dict[tuple[str, str], RunRecord] = {}
    for r in sorted(records, key=lambda r: r.run_id):
        if not _own(r) or (scope is not None and r.scope != scope):
            continue
        key = (r.period, r.scope)
        if key not in best or (r.run_id in marked and best[key].run_id not in marked):
            best[key] = r
    return sorted(best.values(), key=lambda r: (_end(r), r.period, r.scope, r.run_id))


def default_run(records: Sequence[RunRecord], official: Iterable[str]) -> RunRecord | None:
    """The run the public sees without asking (see the module doc)."""
    marked = set(official)
    reps = period_runs(records, marked)
    chosen = [r for r in reps if r.run_id in marked] or reps
    if chosen:
        return chosen[-1]
    return max(records, key=lambda r: (_end(r), r.run_id)) if records else None


def published_series(records: Sequence[RunRecord], *, table: object = None) -> list[RunRecord]:
    """One run of published figures per period (of ``table``; None = any), oldest period first:
    the newest import of the period (a re-import with other figures replaces the earlier one)."""
    latest: dict[str, RunRecord] = {}
    for r in sorted(records, key=lambda r: r.run_id):
        if r.is_published and (table is None or r.params.get("table") == table):
            latest[r.period] = r
    return sorted(latest.values(), key=lambda r: (_end(r), r.run_id))


def previous_run(records: Sequence[RunRecord], official: Iterable[str], current: RunRecord) -> RunRecord | None:
    """The run to compare ``current`` with: the previous official run of its scope (an earlier
    period), else the previous period's first run; ``None`` when there is no earlier period. A run
    of published figures is compared with the published run of the previous imported period of the
    same table (never with an own run: the ranks of the two are not comparable)."""
    if current.is_published:
        end = _end(current)
        before = [r for r in published_series(records, table=current.params.get("table")) if _end(r) < end]
        return before[-1] if before else None
    marked = set(official)
    end = _end(current)
    earlier = [r for r in period_runs(records, marked, scope=current.scope) if _end(r) < end]
    chosen = [r for r in earlier if r.run_id in marked] or earlier
    return chosen[-1] if chosen else None
