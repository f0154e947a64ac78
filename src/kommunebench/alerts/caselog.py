"""The follow-up case log: an append-only record of the agency's contacts with municipalities.

Each entry: the municipality, the date of the action, the action (:data:`ACTIONS`), the
criterion or criteria it answers (``"1"``, ``"2"``, ``"3"``, ``"1,3"``, or none), the data month it
answers, a note, who recorded it (``recorded_by``) and when (``recorded_at``, UTC).

Append-only
-----------
The product offers :func:`log_action` and reading functions only — there is no function that edits
or deletes an entry, and none of the product's SQL updates or deletes the table. DuckDB has no
triggers or permissions to forbid it at the database level, so the log is made *tamper-evident*:
every entry stores a keyed MAC (HMAC-SHA256, key outside the warehouse) of its content chained to
the previous entry's MAC, the warehouse's ``meta`` table holds the last one (``case_log_head``),
and an anchor outside the warehouse records the count and last MAC after every write
(:mod:`kommunebench.data.integrity`). Reading the log (:func:`case_log`) verifies all three and
refuses a log that was changed, shortened, re-chained or wiped outside the product with an
:class:`~kommunebench.errors.IntegrityError` (:func:`verify_case_log` lists what is wrong).

One transaction
---------------
:func:`log_action` verifies the chain, appends the entry and moves the head in one transaction
(:func:`kommunebench.data.transactions.transaction`). The caller's ``audit(con, entry)`` callback
(the pipeline passes one that writes the audit row) runs inside that same transaction, before the
commit: the entry and its audit row are stored together or not at all. DuckDB has no nested
transactions, so ``log_action`` must not be called inside a transaction the caller holds; the
callback is how the caller adds its own writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Iterable
from typing import Any

import duckdb
import pandas as pd

from kommunebench.alerts.calendar import (
    date_label_da,
    format_month,
    month_label_da,
    parse_date,
    parse_month,
    publication_date,
)
from kommunebench.alerts.criteria import criteria_keys
from kommunebench.data import integrity, reference
from kommunebench.data.migrations import case_fields
from kommunebench.data.sql import scalar
from kommunebench.data.transactions import transaction
from kommunebench.errors import ConfigError, IntegrityError

__all__ = ["ACTIONS", "AuditCallback", "log_action", "case_log", "verify_case_log", "last_contact"]

#: ``audit(con, entry)``: called inside the case log's transaction with the stored entry; an int it
#: returns is reported as the entry's ``audit_id``.
AuditCallback = Callable[[duckdb.DuckDBPyConnection, dict[str, Any]], object]

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
_LEGACY = "case_log_legacy"
_COLUMNS = (
    "id",
    "kommunekode",
    "action_date",
    "action",
    "criterion",
    "data_month",
    "note",
    "recorded_by",
    "recorded_at",
    "prev_hash",
    "entry_hash",
)
FRAME_COLUMNS = (
    "id",
    "kommunekode",
    "navn",
    "action_date",
    "action",
    "action_label",
    "criterion",
    "data_month",
    "note",
    "recorded_by",
    "recorded_at",
)
# Text columns of the frame: plain Python str, or None where missing (never NaN).
_TEXT_COLUMNS = ("action", "criterion", "note", "recorded_by")


def _hash(prev: str, entry: dict[str, Any]) -> str:
    return integrity.mac(prev, case_fields(entry))


def _legacy_hash(prev: str, fields: list[object]) -> str:
    """The unkeyed SHA-256 link of entries recorded before the MAC chain (``meta`` 'case_log_legacy')."""
    return hashlib.sha256(json.dumps([prev, *fields], ensure_ascii=False).encode()).hexdigest()


def _head(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT value FROM meta WHERE key = ?", [_HEAD]).fetchone()
    return str(row[0]) if row else ""


def _check_data_month(con: duckdb.DuckDBPyConnection, month: dt.date) -> None:
    """Refuse a data month without joblog data: an action cannot answer figures that do not exist."""
    if scalar(con, "SELECT count(*) FROM (SELECT 1 FROM joblog WHERE month = ? LIMIT 1)", [month]):
        return
    first, last = con.execute("SELECT min(month), max(month) FROM joblog").fetchone() or (None, None)
    span = (
        f"jobloggen har data for {month_label_da(first)} – {month_label_da(last)}"
        if first is not None
        else "jobloggen er tom"
    )
    raise ConfigError(f"datamåneden {month_label_da(month)} har ingen joblogdata ({span}); vælg en måned med data")


def log_action(
    con: duckdb.DuckDBPyConnection,
    *,
    kommunekode: int | str,
    action: str,
    criterion: object,
    data_month: str | dt.date,
    note: str,
    recorded_by: str,
    on: dt.date | str | None = None,
    audit: AuditCallback | None = None,
) -> dict[str, Any]:
    """Append one entry to the case log and return it as stored (with its ``id``).

    ``on`` is the date of the action (default today; not in the future). The data month must be
    published on that date. Raises :class:`ConfigError` for an unknown action or criterion, a
    missing ``recorded_by`` or an impossible date, :class:`IntegrityError` when the log was
    changed outside the product and :class:`WarehouseError` when the write fails (nothing is
    appended then).

    ``audit(con, entry)`` is called inside the same transaction, after the entry is written and
    before the commit; if it raises, the entry is rolled back too. If it returns an int, the
    returned entry has it as ``"audit_id"``.
    """
    code = reference.resolve_municipality(kommunekode)
    if action not in ACTIONS:
        raise ConfigError(f"ukendt handling {action!r}: vælg en af {', '.join(ACTIONS)}")
    keys = criteria_keys(criterion)
    month = parse_month(data_month)
    day = parse_date(on, what="handlingens dato")
    if day > dt.date.today():
        raise ConfigError(f"handlingens dato {date_label_da(day)} ligger i fremtiden")
    if publication_date(month) > day:
        raise ConfigError(
            f"datamåneden {format_month(month)} offentliggøres først {date_label_da(publication_date(month))}; "
            f"en handling {date_label_da(day)} kan ikke svare på den"
        )
    _check_data_month(con, month)
    who = str(recorded_by or "").strip()
    if not who or len(who) > 200 or not who.isprintable():
        raise ConfigError("recorded_by skal angive, hvem der registrerer handlingen (1-200 skrivbare tegn)")
    if note is None or not isinstance(note, str):
        raise ConfigError("noten skal være tekst (den må være tom)")
    if len(note) > 20_000:
        raise ConfigError("noten er for lang (højst 20.000 tegn)")
    entry: dict[str, Any] = {
        "kommunekode": code,
        "action_date": day,
        "action": action,
        "criterion": ",".join(keys) or None,
        "data_month": month,
        "note": note,
        "recorded_by": who,
        "recorded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0),
    }
    # "to the case log": a DuckDB error reads "cannot write to the case log: ..." as it always has.
    with transaction(con, "to the case log"):
        problems = _verify(con)
        if problems:
            raise IntegrityError(
                f"the joblog case log was changed outside kommunebench ({problems[0]}); nothing was appended"
            )
        prev = _head(con)
        entry["id"] = int(scalar(con, f"SELECT coalesce(max(id), 0) + 1 FROM {_TABLE}"))
        entry["prev_hash"] = prev
        entry["entry_hash"] = _hash(prev, entry)
        con.execute(
            f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            [entry[c] for c in _COLUMNS],
        )
        con.execute("DELETE FROM meta WHERE key = ?", [_HEAD])
        con.execute("INSERT INTO meta VALUES (?, ?)", [_HEAD, entry["entry_hash"]])
        out = {c: entry[c] for c in _COLUMNS if c not in ("prev_hash", "entry_hash")}
        out["navn"] = reference.municipality(code).navn
        out["action_label"] = ACTIONS[action]
        if audit is not None:
            audit_id = audit(con, dict(out))
            if isinstance(audit_id, int) and not isinstance(audit_id, bool):
                out["audit_id"] = audit_id
    return out


def _verify(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM {_TABLE} ORDER BY id").fetchall()
    entries = [dict(zip(_COLUMNS, r, strict=True)) for r in rows]
    chain = [(str(e["prev_hash"]), str(e["entry_hash"]), case_fields(e)) for e in entries]
    legacy = con.execute("SELECT value FROM meta WHERE key = ?", [_LEGACY]).fetchone()
    problems = integrity.check_chain(con, _TABLE, chain, legacy=(int(legacy[0]) if legacy else 0, _legacy_hash))
    if (entries[-1]["entry_hash"] if entries else "") != _head(con):
        problems.append(
            "the last entries are missing (the log is shorter than recorded)" if entries else "entries were deleted"
        )
    return problems


def verify_case_log(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What is wrong with the case log's hash chain (an empty list when it is intact)."""
    return _verify(con)


def _texts(values: Iterable[object], index: pd.Index) -> pd.Series:
    """Text values as an object column of plain ``str``, with ``None`` (not NaN) where missing."""
    return pd.Series(
        [None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values],
        index=index,
        dtype=object,
    )


def case_log(con: duckdb.DuckDBPyConnection, kommunekode: int | str | None = None) -> pd.DataFrame:
    """The case log (of one municipality, or all), ordered by action date then id.

    Text columns (``navn``, ``action``, ``action_label``, ``criterion``, ``note``,
    ``recorded_by``) hold plain ``str``, and ``None`` where there is no value (an entry without a
    criterion) — never NaN, whatever pandas' default string dtype. Raises
    :class:`IntegrityError` when the log was changed outside the product.
    """
    problems = _verify(con)
    if problems:
        raise IntegrityError(
            "the joblog case log was changed outside kommunebench: "
            + "; ".join(problems)
            + ". Restore the warehouse from a backup."
        )
    where = ""
    params: list[object] = []
    if kommunekode is not None:
        where, params = " WHERE kommunekode = ?", [reference.resolve_municipality(kommunekode)]
    cols = [c for c in _COLUMNS if c not in ("prev_hash", "entry_hash")]
    f = con.execute(f"SELECT {', '.join(cols)} FROM {_TABLE}{where} ORDER BY action_date, id", params).df()
    for col in _TEXT_COLUMNS:
        f[col] = _texts(f[col], f.index)
    f["navn"] = _texts((reference.municipality(int(c)).navn for c in f["kommunekode"]), f.index)
    f["action_label"] = _texts((ACTIONS.get(str(a)) for a in f["action"]), f.index)
    for col in ("action_date", "data_month"):
        f[col] = pd.to_datetime(f[col]).dt.date
    return f[list(FRAME_COLUMNS)].reset_index(drop=True)


def last_contact(con: duckdb.DuckDBPyConnection, kommunekode: int, *, as_of: dt.date) -> dict[Any, Any] | None:
    """The municipality's latest case-log entry dated on or before ``as_of`` (or None)."""
    f = case_log(con, kommunekode)
    f = f[f["action_date"] <= as_of]
    return None if f.empty else f.iloc[-1].to_dict()
