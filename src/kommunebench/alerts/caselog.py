"""The follow-up case log: an append-only record of the agency's contacts with municipalities.

Each entry: the municipality, the date of the action, the action (:data:`ACTIONS`), the
criterion or criteria it answers (``"1"``, ``"2"``, ``"3"``, ``"1,3"``, or none), the data month it
answers, a note, who recorded it (``recorded_by``) and when (``recorded_at``, UTC).

Append-only
-----------
The product offers :func:`log_action` and reading functions only — there is no function that edits
or deletes an entry, and none of the product's SQL updates or deletes the table. DuckDB has no
triggers or permissions to forbid it at the database level, so the log is made *tamper-evident*:
every entry stores the SHA-256 of its content chained to the previous entry's hash, and the
warehouse's ``meta`` table holds the hash of the last entry (``case_log_head``). Reading the log
(:func:`case_log`) verifies the chain and refuses to show a log that was changed, shortened or
reordered outside the product (:func:`verify_case_log` lists what is wrong).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb
import pandas as pd

from kommunebench.alerts.calendar import format_month, parse_date, parse_month, publication_date
from kommunebench.alerts.criteria import criteria_keys
from kommunebench.data import reference
from kommunebench.errors import ConfigError, WarehouseError

__all__ = ["ACTIONS", "log_action", "case_log", "verify_case_log", "last_contact"]

ACTIONS: dict[str, str] = {
    "phone_call": "Telefonisk kontakt til jobcentret",
    "letter_manager": "Brev til jobcenterchefen",
    "request_explanation": "Anmodning om redegørelse",
    "meeting": "Møde med styrelsen",
    "minister_letter": "Brev fra ministeren",
    "spot_check": "Stikprøvetilsyn",
}

_TABLE = "joblog_case_log"
_HEAD = "case_log_head"
_COLUMNS = ("id", "kommunekode", "action_date", "action", "criterion", "data_month", "note",
            "recorded_by", "recorded_at", "prev_hash", "entry_hash")
FRAME_COLUMNS = ("id", "kommunekode", "navn", "action_date", "action", "action_label", "criterion",
                 "data_month", "note", "recorded_by", "recorded_at")


def _hash(prev: str, entry: dict) -> str:
    payload = [prev, int(entry["id"]), int(entry["kommunekode"]), entry["action_date"].isoformat(),
               entry["action"], entry["criterion"], entry["data_month"].isoformat(), entry["note"],
               entry["recorded_by"], entry["recorded_at"].isoformat()]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _head(con) -> str:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [_HEAD]).fetchone()
    return row[0] if row else ""


def log_action(con, *, kommunekode: int | str, action: str, criterion, data_month: str | dt.date,
               note: str, recorded_by: str, on: dt.date | str | None = None) -> dict:
    """Append one entry to the case log and return it as stored (with its ``id``).

    ``on`` is the date of the action (default today; not in the future). The data month must be
    published on that date. Raises :class:`ConfigError` for an unknown action or criterion, a
    missing ``recorded_by`` or an impossible date.
    """
    code = reference.resolve_municipality(kommunekode)
    if action not in ACTIONS:
        raise ConfigError(f"unknown action {action!r}: choose one of {', '.join(ACTIONS)}")
    keys = criteria_keys(criterion)
    month = parse_month(data_month)
    day = parse_date(on, what="action date")
    if day > dt.date.today():
        raise ConfigError(f"the action date {day.isoformat()} is in the future")
    if publication_date(month) > day:
        raise ConfigError(f"data month {format_month(month)} is not published until "
                          f"{publication_date(month).isoformat()}; an action on {day.isoformat()} "
                          "cannot answer it")
    who = str(recorded_by or "").strip()
    if not who or len(who) > 200 or not who.isprintable():
        raise ConfigError("recorded_by must name who records the action (1-200 printable characters)")
    if note is None or not isinstance(note, str):
        raise ConfigError("note must be text (it may be empty)")
    if len(note) > 20_000:
        raise ConfigError("the note is too long (at most 20,000 characters)")
    entry = {"kommunekode": code, "action_date": day, "action": action,
             "criterion": ",".join(keys) or None, "data_month": month, "note": note,
             "recorded_by": who,
             "recorded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)}
    try:
        con.begin()
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot write to the case log: {str(exc).splitlines()[0]}") from None
    try:
        problems = _verify(con)
        if problems:
            raise WarehouseError("the joblog case log was changed outside kommunebench "
                                 f"({problems[0]}); nothing was appended")
        prev = _head(con)
        entry["id"] = con.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {_TABLE}").fetchone()[0]
        entry["prev_hash"] = prev
        entry["entry_hash"] = _hash(prev, entry)
        con.execute(f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(_COLUMNS))})", [entry[c] for c in _COLUMNS])
        con.execute("DELETE FROM meta WHERE key = ?", [_HEAD])
        con.execute("INSERT INTO meta VALUES (?, ?)", [_HEAD, entry["entry_hash"]])
        con.commit()
    except WarehouseError:
        con.rollback()
        raise
    except duckdb.Error as exc:
        con.rollback()
        raise WarehouseError(f"cannot write to the case log: {str(exc).splitlines()[0]}") from None
    out = {c: entry[c] for c in _COLUMNS if c not in ("prev_hash", "entry_hash")}
    out["navn"] = reference.municipality(code).navn
    out["action_label"] = ACTIONS[action]
    return out


def _verify(con) -> list[str]:
    rows = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM {_TABLE} ORDER BY id").fetchall()
    problems = []
    prev = ""
    for r in rows:
        e = dict(zip(_COLUMNS, r, strict=True))
        if e["prev_hash"] != prev:
            problems.append(f"entry {e['id']} does not follow the entry before it (one was removed "
                            "or changed)")
        elif _hash(prev, e) != e["entry_hash"]:
            problems.append(f"entry {e['id']} does not match its hash (it was edited)")
        prev = e["entry_hash"]
    if prev != _head(con):
        problems.append("the last entries are missing (the log is shorter than recorded)"
                        if rows else "entries were deleted")
    return problems


def verify_case_log(con) -> list[str]:
    """What is wrong with the case log's hash chain (an empty list when it is intact)."""
    return _verify(con)


def case_log(con, kommunekode: int | str | None = None) -> pd.DataFrame:
    """The case log (of one municipality, or all), ordered by action date then id.

    Raises :class:`WarehouseError` when the log was changed outside the product.
    """
    problems = _verify(con)
    if problems:
        raise WarehouseError("the joblog case log was changed outside kommunebench: "
                             + "; ".join(problems) + ". Restore the warehouse from a backup.")
    where, params = "", []
    if kommunekode is not None:
        where, params = " WHERE kommunekode = ?", [reference.resolve_municipality(kommunekode)]
    cols = [c for c in _COLUMNS if c not in ("prev_hash", "entry_hash")]
    f = con.execute(f"SELECT {', '.join(cols)} FROM {_TABLE}{where} ORDER BY action_date, id",
                    params).df()
    f["navn"] = [reference.municipality(int(c)).navn for c in f["kommunekode"]]
    f["action_label"] = f["action"].map(ACTIONS)
    for col in ("action_date", "data_month"):
        f[col] = pd.to_datetime(f[col]).dt.date
    return f[list(FRAME_COLUMNS)].reset_index(drop=True)


def last_contact(con, kommunekode: int, *, as_of: dt.date) -> dict | None:
    """The municipality's latest case-log entry dated on or before ``as_of`` (or None)."""
    f = case_log(con, kommunekode)
    f = f[f["action_date"] <= as_of]
    return None if f.empty else f.iloc[-1].to_dict()
