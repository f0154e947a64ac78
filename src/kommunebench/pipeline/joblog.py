"""The joblog pipeline's jobs (a second pipeline, parallel to the benchmark one: data → alerts).

Reads take ``db`` (a path or an open connection) and return the alerts stage's results; the one
write, :func:`record_case_action`, stores a case-log entry and its audit row in one transaction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from kommunebench import alerts
from kommunebench.access import audit, cli_actor
from kommunebench.alerts.persons import joblog_persons
from kommunebench.data import reference
from kommunebench.errors import ConfigError
from kommunebench.pipeline.config import Store, using

__all__ = [
    "evaluate",
    "status",
    "history",
    "case_log",
    "propose",
    "letter",
    "letter_warning",
    "review_list",
    "record_case_action",
    "persons",
]


def evaluate(as_of: dt.date, *, db: Store | None = None) -> alerts.JoblogEvaluation:
    """Everything the follow-up needs as of a date: status, criteria, review list, proposals."""
    with using(db) as con:
        return alerts.evaluate(con, as_of)


def status(as_of: dt.date, *, db: Store | None = None) -> alerts.JoblogStatus:
    with using(db) as con:
        return alerts.joblog_status(con, as_of)


def history(kommune: int | str, *, as_of: dt.date, months: int = 12, db: Store | None = None) -> pd.DataFrame:
    with using(db) as con:
        return alerts.joblog_history(con, kommune, as_of=as_of, months=months)


def case_log(kommune: int | str | None = None, *, db: Store | None = None) -> pd.DataFrame:
    """The case log (verified against its hash chain)."""
    with using(db) as con:
        return alerts.case_log(con, kommune)


def propose(kommune: int | str, *, as_of: dt.date, db: Store | None = None) -> alerts.Proposal:
    with using(db) as con:
        return alerts.propose_next_step(con, kommune, as_of=as_of)


def letter(
    kommune: int | str,
    *,
    as_of: dt.date,
    action: str = "letter_manager",
    criterion: str | None = None,
    template: Path | None = None,
    db: Store | None = None,
) -> str:
    with using(db) as con:
        return alerts.draft_letter(con, kommune, as_of=as_of, action=action, criterion=criterion, template=template)


def letter_warning(kommune: int | str, *, as_of: dt.date, db: Store | None = None) -> str | None:
    """A Danish warning when the municipality meets no action criterion as of ``as_of`` (else ``None``)."""
    with using(db) as con:
        st = alerts.joblog_status(con, as_of)
    code = reference.resolve_municipality(kommune)
    row = st.frame.set_index("kommunekode").loc[code]
    if bool(row["flagged"]):
        return None
    return (
        f"{reference.formal_name(code)} opfylder intet handlingskriterium i {alerts.month_label_da(st.month)} "
        f"(status pr. {alerts.date_label_da(st.as_of)}); brevet henviser ikke til et opfyldt kriterium."
    )


def _replayed(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any] | None:
    """The case-log entry an earlier request with the same idempotency key stored (else ``None``)."""
    row = con.execute(
        "SELECT audit_id, json_extract_string(detail, '$.case_log_id') FROM audit_log "
        "WHERE action = 'case_log.create' AND json_extract_string(detail, '$.idempotency_key') = ? "
        "ORDER BY audit_id LIMIT 1",
        [key],
    ).fetchone()
    if row is None:
        return None
    log = alerts.case_log(con)
    entry: dict[str, Any] = {str(k): v for k, v in log[log["id"] == int(row[1])].to_dict("records")[0].items()}
    entry["data_month"] = pd.Timestamp(entry["data_month"]).date()
    entry["action_date"] = pd.Timestamp(entry["action_date"]).date()
    return {**entry, "id": int(entry["id"]), "kommunekode": int(entry["kommunekode"]), "audit_id": int(row[0])}


def review_list(year: int, *, as_of: dt.date | None = None, db: Store | None = None) -> pd.DataFrame:
    with using(db) as con:
        return alerts.review_list(con, year, as_of=as_of)


def persons(kommunekode: int, *, month: str | None = None, db: Store | None = None) -> Any:
    """A municipality's own joblog persons of a month (person-level: restricted views only)."""
    with using(db) as con:
        return joblog_persons(con, kommunekode, month=month)


def record_case_action(
    *,
    kommunekode: int | str,
    action: str,
    criterion: str | None,
    data_month: str | dt.date,
    note: str,
    on: dt.date | str | None = None,
    recorded_by: str | None = None,
    actor: str | None = None,
    role: str | None = None,
    idempotency_key: str | None = None,
    db: Store | None = None,
) -> dict[str, Any]:
    """Append a case-log entry and its audit row in one transaction; returns the entry with ``audit_id``.

    ``idempotency_key`` (the web form's one-time key): a second request with the same key appends
    nothing and returns the entry the first stored, marked ``replayed``.

    ``actor`` is who makes the write (an API token's name and id; default ``cli:<user>``),
    ``recorded_by`` who the entry names as its author (default: the actor).
    """
    who = actor or cli_actor()

    def audited(con: duckdb.DuckDBPyConnection, entry: dict[str, Any]) -> int:
        detail = {
            "case_log_id": entry["id"],
            "kommunekode": entry["kommunekode"],
            "action": entry["action"],
            "criterion": entry["criterion"],
            "data_month": str(entry["data_month"])[:7],
            "action_date": str(entry["action_date"]),
            "note": entry["note"],
        }
        if idempotency_key:
            detail["idempotency_key"] = idempotency_key
        return audit(
            con, actor=who, role=role, action="case_log.create", target=f"kommune {entry['kommunekode']}", detail=detail
        )

    with using(db, write=True) as con:
        if idempotency_key:
            earlier = _replayed(con, idempotency_key)
            if earlier is not None:
                same = (earlier["kommunekode"], earlier["action"]) == (
                    reference.resolve_municipality(kommunekode),
                    action,
                )
                if not same or earlier["data_month"] != alerts.parse_month(data_month):
                    raise ConfigError(
                        "formularens engangsnøgle er allerede brugt til en anden registrering; genindlæs siden"
                    )
                return {**earlier, "replayed": True}
        return alerts.log_action(
            con,
            kommunekode=kommunekode,
            action=action,
            criterion=criterion,
            data_month=data_month,
            note=note,
            recorded_by=recorded_by or who,
            on=on,
            audit=audited,
        )
