"""The official run's jobs: mark a run official (audited), the marks, the run to compare with."""

from __future__ import annotations

from kommunebench.access import cli_actor
from kommunebench.benchmark.official import (
    MarkResult,
    OfficialMark,
    RunStatus,
    default_run,
    official_marks,
    run_statuses,
)
from kommunebench.benchmark.runs import RunRecord
from kommunebench.benchmark.runs import list_runs as _list_runs
from kommunebench.data.transactions import transaction
from kommunebench.errors import NotFoundError
from kommunebench.pipeline.config import Store, using
from kommunebench.pipeline.runs import mark_audited

__all__ = ["publish_official", "marks", "statuses", "official_ids", "default_record"]


def publish_official(
    run_id: str, *, db: Store | None = None, actor: str | None = None, role: str | None = None
) -> MarkResult:
    """``kommunebench publish RUN``: mark the run official for its period and scope, audited in the
    same transaction; a run official already is left as it is (nothing written)."""
    who = actor or cli_actor()
    with using(db, write=True) as con:
        want = run_id.strip().upper()
        records = {r.run_id: r for r in _list_runs(con)}
        if want not in records:
            known = ", ".join(list(records)[-5:]) or "ingen endnu"
            raise NotFoundError(f"ukendt kørsel {run_id!r} (nyeste kørsler: {known})")
        with transaction(con, "the official mark"):
            return mark_audited(con, records[want], actor=who, role=role)


def marks(*, db: Store | None = None) -> list[OfficialMark]:
    """Every official mark, oldest first (the history)."""
    with using(db) as con:
        return official_marks(con)


def official_ids(*, db: Store | None = None) -> set[str]:
    with using(db) as con:
        return {m.run_id for m in official_marks(con, current_only=True)}


def statuses(records: list[RunRecord], *, db: Store | None = None) -> dict[str, RunStatus]:
    return run_statuses(records, official_ids(db=db))


def default_record(*, db: Store | None = None) -> RunRecord | None:
    """The run the public sees by default (:func:`kommunebench.benchmark.official.default_run`)."""
    with using(db) as con:
        return default_run(_list_runs(con), {m.run_id for m in official_marks(con, current_only=True)})
