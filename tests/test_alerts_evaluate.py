"""The alerts stage's entry point ``evaluate``, the case log's audit callback in the entry's own
transaction, and a case log frame without NaN (pandas 3's default string dtype)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pytest

import kommunebench.alerts as alerts
from joblog_cases import AALBORG, AARHUS, ODENSE, Cases, published
from kommunebench.alerts import (
    JoblogEvaluation,
    Thresholds,
    case_log,
    evaluate,
    joblog_status,
    log_action,
    propose_next_step,
    review_list,
    verify_case_log,
)
from kommunebench.data import warehouse
from kommunebench.errors import NotFoundError, WarehouseError

# Aarhus: 60 % red in January, April and June 2023, 20 % otherwise (50 in the target group).
AARHUS_RED = {
    "2022-11": 10,
    "2022-12": 10,
    "2023-01": 30,
    "2023-02": 10,
    "2023-03": 10,
    "2023-04": 30,
    "2023-05": 10,
    "2023-06": 30,
}


def _cases() -> Cases:
    c = Cases()
    for k, (m, red) in enumerate(AARHUS_RED.items()):
        c.month(AARHUS, m, tg=50, red=red, first=100 * k)
    for k in range(9):  # Odense: 41 % red from January to September 2023
        c.month(ODENSE, f"2023-{k + 1:02d}", tg=1000, red=410, first=2000 * k)
    for k in range(6):
        c.month(AALBORG, f"2023-{k + 1:02d}", tg=100, red=5 + k, first=200 * k)
    return c


@pytest.fixture
def con(tmp_path):
    db = _cases().load(tmp_path / "wh" / "warehouse.duckdb")
    con = warehouse.connect(db)
    yield con
    con.close()


def _entry(con, **kwargs) -> dict:
    args = {
        "kommunekode": AARHUS,
        "action": "phone_call",
        "criterion": "1",
        "data_month": "2023-01",
        "note": "",
        "recorded_by": "analytiker A",
        "on": "2023-04-10",
    } | kwargs
    return log_action(con, **args)


def _head(con) -> str:
    row = con.execute("SELECT value FROM meta WHERE key = 'case_log_head'").fetchone()
    return row[0] if row else ""


def _audit_rows(con) -> list[tuple]:
    return con.execute("SELECT actor, action, target FROM audit_log ORDER BY audit_id").fetchall()


# ------------------------------------------------------------------------------ case log frame


def test_case_log_holds_none_not_nan_for_a_missing_criterion(con):
    _entry(con, criterion="1", note="med kriterium", on="2023-04-10")
    _entry(con, criterion=None, note="uden kriterium", on="2023-04-11")
    log = case_log(con)
    values = list(log["criterion"])
    assert values[0] == "1" and type(values[0]) is str
    assert values[1] is None, repr(values[1])  # not NaN (pandas 3 turns a missing str into NaN)
    assert log["criterion"].dtype == object
    for col in ("navn", "action", "action_label", "criterion", "note", "recorded_by"):
        assert all(v is None or type(v) is str for v in log[col]), col
        assert not any(isinstance(v, float) and math.isnan(v) for v in log[col]), col
    assert list(log["note"]) == ["med kriterium", "uden kriterium"]
    assert list(log["navn"]) == ["Aarhus", "Aarhus"]
    # The row of the last contact (as the proposal and the letters see it) carries None too.
    p = propose_next_step(con, AARHUS, as_of="2023-04-15")
    assert p.last_contact is not None and p.last_contact["criterion"] is None


# ------------------------------------------------------------------------------ audit callback


def test_the_audit_row_is_written_in_the_entrys_transaction(con):
    seen = {}

    def audit(c: duckdb.DuckDBPyConnection, entry: dict) -> int:
        seen["entry"] = dict(entry)
        # Inside the transaction: the entry is visible here, not yet to another connection.
        seen["here"] = c.execute("SELECT count(*) FROM joblog_case_log").fetchone()[0]
        with c.cursor() as other:
            seen["elsewhere"] = other.execute("SELECT count(*) FROM joblog_case_log").fetchone()[0]
        row = c.execute(
            "INSERT INTO audit_log (recorded_at, actor, role, action, target, detail) VALUES "
            "(now(), ?, 'analyst', 'case_log.create', ?, '{}') RETURNING audit_id",
            [entry["recorded_by"], f"kommune {entry['kommunekode']}"],
        ).fetchone()
        return int(row[0])

    e = _entry(con, audit=audit)
    assert e["id"] == 1 and e["audit_id"] == 1
    assert seen["entry"]["id"] == 1 and seen["entry"]["navn"] == "Aarhus" and "audit_id" not in seen["entry"]
    assert (seen["here"], seen["elsewhere"]) == (1, 0)
    assert _audit_rows(con) == [("analytiker A", "case_log.create", f"kommune {AARHUS}")]
    assert list(case_log(con)["id"]) == [1] and verify_case_log(con) == []
    e2 = _entry(con, on="2023-04-12", audit=lambda c, entry: "not an id")
    assert e2["id"] == 2 and "audit_id" not in e2


def test_a_failing_audit_leaves_the_case_log_and_its_head_unchanged(con):
    _entry(con, note="første")
    head, before = _head(con), case_log(con)

    def broken(c: duckdb.DuckDBPyConnection, entry: dict) -> int:
        c.execute(
            "INSERT INTO audit_log (recorded_at, actor, role, action, target, detail) VALUES "
            "(now(), 'x', NULL, 'case_log.create', NULL, '{}')"
        )
        raise RuntimeError("the audit trail is unavailable")

    with pytest.raises(RuntimeError, match="audit trail is unavailable"):
        _entry(con, note="anden", on="2023-04-12", audit=broken)
    assert _head(con) == head and _audit_rows(con) == []
    assert case_log(con).equals(before) and verify_case_log(con) == []

    def bad_sql(c: duckdb.DuckDBPyConnection, entry: dict) -> None:
        c.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(WarehouseError, match="cannot write to the case log"):
        _entry(con, note="tredje", on="2023-04-13", audit=bad_sql)
    assert _head(con) == head and list(case_log(con)["note"]) == ["første"]
    # The connection is usable afterwards and the next entry follows the chain.
    assert _entry(con, note="fjerde", on="2023-04-14")["id"] == 2
    assert verify_case_log(con) == []


def test_a_broken_chain_is_refused_before_the_audit_runs(con):
    _entry(con)
    con.execute("UPDATE joblog_case_log SET note = 'rettet' WHERE id = 1")
    calls = []
    with pytest.raises(WarehouseError, match="nothing was appended"):
        _entry(con, on="2023-04-12", audit=lambda c, entry: calls.append(entry))
    assert calls == [] and _audit_rows(con) == []


# ------------------------------------------------------------------------------ evaluate


def test_evaluate_gathers_status_review_list_and_proposals(con):
    day = published("2023-01")
    ev = evaluate(con, day)
    assert isinstance(ev, JoblogEvaluation) and ev.as_of == day and ev.month == dt.date(2023, 1, 1)
    status = joblog_status(con, day)
    assert ev.status.frame.equals(status.frame) and ev.thresholds == Thresholds()
    assert list(ev.flagged["kommunekode"]) == [AARHUS]
    assert [p.kommunekode for p in ev.proposals] == [AARHUS]
    expected = propose_next_step(con, AARHUS, as_of=day)
    got = ev.proposal("Aarhus")
    assert (got.action, got.criteria_met, got.reason) == (expected.action, expected.criteria_met, expected.reason)
    assert got.action == "phone_call" and ev.actions == (got,)
    assert ev.review_list.equals(review_list(con, 2023, as_of=day))
    assert ev.review_list.attrs["year"] == 2023
    with pytest.raises(NotFoundError, match="intet forslag"):
        ev.proposal(ODENSE)
    with pytest.raises(AttributeError):
        ev.as_of = dt.date(2020, 1, 1)  # frozen
    assert "Joblog as of 2023-04-01" in ev.summary()


def test_evaluate_follows_the_case_log_and_the_thresholds(con):
    _entry(con, on="2023-04-10")
    ev = evaluate(con, dt.date(2023, 4, 15))
    (p,) = ev.proposals
    assert p.kommunekode == AARHUS and p.action is None and p.wait_until == dt.date(2023, 8, 1)
    assert ev.actions == ()
    strict = evaluate(con, published("2023-01"), thresholds=Thresholds(c1_red_share=70.0))
    assert strict.proposals == () and strict.flagged.empty and strict.thresholds.c1_red_share == 70.0


def test_the_review_list_is_of_the_status_months_year(con):
    # On 1 February 2024 the latest published month in the data is September 2023.
    day = dt.date(2024, 2, 1)
    ev = evaluate(con, day)
    assert ev.month == dt.date(2023, 9, 1)
    assert ev.review_list.attrs["year"] == 2023
    with pytest.raises(NotFoundError):
        review_list(con, day.year, as_of=day)  # no month of 2024 is published yet


def test_the_stage_exports_its_entry_points():
    for name in (
        "evaluate",
        "JoblogEvaluation",
        "ACTIONS",
        "CRITERIA",
        "Thresholds",
        "criterion_text",
        "smiley",
        "parse_month",
        "month_label_da",
        "log_action",
        "case_log",
        "propose_next_step",
    ):
        assert name in alerts.__all__ and hasattr(alerts, name), name
    assert "kommunebench.access" not in Path(alerts.__file__).parent.joinpath("caselog.py").read_text("utf-8")
