"""The follow-up: the append-only case log, the proposed next step with the re-contact rule, and
the letter drafts from editable templates."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import pytest

import kommunebench.alerts as alerts
from joblog_cases import AALBORG, AARHUS, ODENSE, Cases, published
from kommunebench.alerts import (
    ACTIONS,
    CRITERIA,
    case_log,
    draft_letter,
    log_action,
    next_on_ladder,
    propose_next_step,
    verify_case_log,
)
from kommunebench.alerts import caselog as caselog_module
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.errors import ConfigError, WarehouseError

SRC = Path(alerts.__file__).parents[1]

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
# Odense: 41 % red from January to September 2023 (1000 in the target group), other persons each month.
ODENSE_MONTHS = [f"2023-{m:02d}" for m in range(1, 10)]


def _cases() -> Cases:
    c = Cases()
    for k, (m, red) in enumerate(AARHUS_RED.items()):
        c.month(AARHUS, m, tg=50, red=red, first=100 * k)
    for k, m in enumerate(ODENSE_MONTHS):
        c.month(ODENSE, m, tg=1000, red=410, first=2000 * k)
    for k, m in enumerate(("2023-01", "2023-02", "2023-03", "2023-04", "2023-05", "2023-06")):
        c.month(AALBORG, m, tg=100, red=5 + k, first=200 * k)  # best in class
    return c


@pytest.fixture
def db(tmp_path) -> Path:
    return _cases().load(tmp_path / "wh" / "warehouse.duckdb")


@pytest.fixture
def con(db):
    con = warehouse.connect(db)
    yield con
    con.close()


# ------------------------------------------------------------------------------ the case log


def test_actions_and_criteria_are_the_contract():
    assert list(ACTIONS) == [
        "phone_call",
        "letter_manager",
        "request_explanation",
        "meeting",
        "minister_letter",
        "spot_check",
    ]
    assert ACTIONS["phone_call"] == "Telefonisk kontakt til jobcentret"
    assert ACTIONS["minister_letter"] == "Brev fra ministeren" and ACTIONS["spot_check"] == "Stikprøvetilsyn"
    assert list(CRITERIA) == ["1", "2", "3"]


def test_log_action_appends_and_case_log_reads_in_date_order(con):
    e1 = log_action(
        con,
        kommunekode="Aarhus",
        action="letter_manager",
        criterion="1",
        data_month="2023-01",
        note="Brev sendt",
        recorded_by="analytiker A",
        on=dt.date(2023, 5, 2),
    )
    e2 = log_action(
        con,
        kommunekode=AARHUS,
        action="phone_call",
        criterion=1,
        data_month=dt.date(2023, 1, 1),
        note="Samtale med jobcenterchefen",
        recorded_by="analytiker B",
        on="2023-04-10",
    )
    e3 = log_action(
        con,
        kommunekode=ODENSE,
        action="phone_call",
        criterion="2,3",
        data_month="2023-03",
        note="",
        recorded_by="analytiker A",
        on="2023-06-15",
    )
    assert (e1["id"], e2["id"], e3["id"]) == (1, 2, 3)
    assert e2["navn"] == "Aarhus" and e2["action_label"] == ACTIONS["phone_call"]
    assert e2["data_month"] == dt.date(2023, 1, 1) and e3["criterion"] == "2,3"
    assert isinstance(e1["recorded_at"], dt.datetime) and e1["recorded_by"] == "analytiker A"
    log = case_log(con)
    assert list(log["id"]) == [2, 1, 3]  # by action date, then id
    assert list(case_log(con, "Aarhus")["id"]) == [2, 1]
    assert set(log.columns) >= {
        "id",
        "kommunekode",
        "action_date",
        "action",
        "criterion",
        "data_month",
        "note",
        "recorded_by",
        "recorded_at",
    }
    assert verify_case_log(con) == []


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"action": "email"}, "ukendt handling"),
        ({"criterion": "4"}, "ukendt kriterium"),
        ({"data_month": "2023-13"}, "ikke en måned"),
        ({"data_month": "2023-03", "on": "2023-05-31"}, "offentliggøres først 1. juni 2023"),
        ({"on": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "ligger i fremtiden"),
        ({"recorded_by": "  "}, "recorded_by"),
    ],
)
def test_log_action_refuses_bad_entries(con, kwargs, message):
    args = {
        "kommunekode": AARHUS,
        "action": "phone_call",
        "criterion": "1",
        "data_month": "2023-01",
        "note": "",
        "recorded_by": "A",
        "on": "2023-04-10",
    } | kwargs
    with pytest.raises(ConfigError, match=message):
        log_action(con, **args)
    assert case_log(con).empty


def test_the_product_offers_no_way_to_edit_or_delete_the_log(con, db, tmp_path):
    words = re.compile(r"edit|update|delete|remove|amend|change|modify|erase|purge|truncate|set_", re.I)
    for module in (alerts, caselog_module):
        public = [n for n in dir(module) if not n.startswith("_")]
        assert not [n for n in public if words.search(n)], module.__name__
    # No SQL of the package updates or deletes the case log (only the meta head is replaced).
    for path in SRC.rglob("*.py"):
        text = path.read_text("utf-8")
        assert not re.search(r"(UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\s+joblog_case_log", text, re.I), path
    assert "case_log" not in inspect.getsource(load)
    log_action(
        con,
        kommunekode=AARHUS,
        action="phone_call",
        criterion="1",
        data_month="2023-01",
        note="første",
        recorded_by="A",
        on="2023-04-10",
    )
    con.close()
    # Entries survive reopening and a reload of the joblog data (which replaces the joblog).
    c = _cases()
    c.month(AARHUS, "2023-07", tg=50, red=5)
    load(db, c.write(tmp_path / "reload"))
    con2 = warehouse.connect(db)
    try:
        log = case_log(con2)
        assert list(log["note"]) == ["første"] and verify_case_log(con2) == []
    finally:
        con2.close()


def test_changes_made_outside_the_product_are_detected(con):
    for i, on in enumerate(("2023-04-10", "2023-05-10", "2023-06-10")):
        log_action(
            con,
            kommunekode=AARHUS,
            action="phone_call",
            criterion="1",
            data_month="2023-01",
            note=f"note {i}",
            recorded_by="A",
            on=on,
        )
    con.execute("UPDATE joblog_case_log SET note = 'rettet' WHERE id = 2")
    assert any("entry 2" in p for p in verify_case_log(con))
    with pytest.raises(WarehouseError, match="changed outside kommunebench"):
        case_log(con)
    with pytest.raises(WarehouseError, match="nothing was appended"):
        log_action(
            con,
            kommunekode=AARHUS,
            action="phone_call",
            criterion="1",
            data_month="2023-01",
            note="x",
            recorded_by="A",
            on="2023-07-10",
        )
    con.execute("UPDATE joblog_case_log SET note = 'note 1' WHERE id = 2")
    assert verify_case_log(con) == []
    con.execute("DELETE FROM joblog_case_log WHERE id = 3")  # the last entry
    assert verify_case_log(con)
    with pytest.raises(WarehouseError):
        case_log(con)


# ------------------------------------------------------------------------------ next step


def test_next_on_ladder():
    assert next_on_ladder([]) == "phone_call"
    assert next_on_ladder(["phone_call"]) == "letter_manager"
    assert next_on_ladder(["meeting", "phone_call"]) == "minister_letter"
    assert next_on_ladder(["spot_check"]) == "spot_check"


def test_first_contact_is_a_phone_call_and_no_criterion_means_no_action(con):
    p = propose_next_step(con, AARHUS, as_of=published("2023-01"))
    assert p.action == "phone_call" and p.criteria_met == ("1",) and p.last_contact is None
    assert "telefonisk" in p.reason and not p.analyst_choice
    assert len(p.history) == 3 and p.contacts.empty
    p = propose_next_step(con, AARHUS, as_of=published("2023-02"))
    assert p.action is None and p.criteria_met == () and "ingen handlingskriterier" in p.reason


def test_renewed_contact_only_on_data_after_the_contact(con):
    log_action(
        con,
        kommunekode=AARHUS,
        action="phone_call",
        criterion="1",
        data_month="2023-01",
        note="",
        recorded_by="A",
        on="2023-04-10",
    )
    before = propose_next_step(con, AARHUS, as_of="2023-04-05")  # the contact is not yet made
    assert before.action == "phone_call" and before.last_contact is None
    # The month after the contact (May) is published 1 August: wait until then.
    p = propose_next_step(con, AARHUS, as_of="2023-04-15")
    assert p.action is None and p.wait_until == dt.date(2023, 8, 1) and p.criteria_met == ("1",)
    assert p.last_contact["action"] == "phone_call"
    # April's data (60 %) are the contact month itself: not data for the period after it.
    p = propose_next_step(con, AARHUS, as_of="2023-07-01")
    assert p.data_month == dt.date(2023, 4, 1) and p.action is None and p.wait_until == dt.date(2023, 8, 1)
    # May (20 %) is after the contact and does not meet a criterion: no renewed contact.
    p = propose_next_step(con, AARHUS, as_of="2023-08-01")
    assert p.action is None and p.wait_until is None and "ikke igen" in p.reason
    # June (60 %) meets criterion 1 again: renewed contact, the next step up the ladder.
    p = propose_next_step(con, AARHUS, as_of="2023-09-01")
    assert p.renewed_contact and p.analyst_choice and p.action == "letter_manager"
    assert p.criteria_met == ("1",) and "juni 2023" in p.reason
    log_action(
        con,
        kommunekode=AARHUS,
        action="letter_manager",
        criterion="1",
        data_month="2023-06",
        note="",
        recorded_by="B",
        on="2023-09-05",
    )
    p = propose_next_step(con, AARHUS, as_of="2023-09-06")
    assert p.action is None and p.wait_until == dt.date(2024, 1, 1)  # October's data
    assert len(p.contacts) == 2


def test_a_streak_must_lie_after_the_contact_to_count_again(con):
    p = propose_next_step(con, ODENSE, as_of=published("2023-03"))
    assert p.action == "phone_call" and "2" in p.criteria_met
    log_action(
        con,
        kommunekode=ODENSE,
        action="phone_call",
        criterion="2",
        data_month="2023-03",
        note="",
        recorded_by="A",
        on="2023-06-15",
    )
    # July is after the contact month (June), but its streak May-July starts before it.
    p = propose_next_step(con, ODENSE, as_of=published("2023-07"))
    assert p.action is None and not p.renewed_contact
    p = propose_next_step(con, ODENSE, as_of=published("2023-09"))  # July-September
    assert p.renewed_contact and p.criteria_met == ("2",) and p.action == "letter_manager"


# ------------------------------------------------------------------------------ letters


def test_letter_draft_is_danish_and_filled_with_the_figures(con):
    text = draft_letter(con, "Aarhus", as_of=published("2023-01"))
    assert "Jobcenter Aarhus" in text and "januar 2023" in text
    assert "60,0 pct." in text and "50 jobparate" in text and "Kriterium 1" in text
    assert "1. april 2023" in text and "{{" not in text
    c2 = draft_letter(con, ODENSE, as_of=published("2023-03"), action="request_explanation", criterion="2")
    assert "redegørelse" in c2 and "Kriterium 2" in c2 and "Kriterium 1" not in c2
    assert "januar 2023: 41,0 pct." in c2
    for action in ACTIONS:
        assert "Aarhus" in draft_letter(con, AARHUS, as_of=published("2023-01"), action=action)


def test_the_ministers_letter_names_the_lowest_red_shares(con):
    text = draft_letter(con, ODENSE, as_of=published("2023-03"), action="minister_letter")
    assert "Aalborg: 7,0 pct. af 100 borgere" in text  # March: 7 of 100
    assert text.index("Aalborg") < text.index("Aarhus: 20,0 pct.")
    assert "Odense:" not in text


def test_templates_are_editable(con, tmp_path, monkeypatch):
    folder = tmp_path / "skabeloner"
    folder.mkdir()
    (folder / "letter_manager.txt.j2").write_text(
        "Til {{ kommune.navn }}: {{ figures.red_share | pct }} pct. i {{ month | maaned }}"
        "{% for c in criteria %} [{{ c.key }}]{% endfor %}\n",
        "utf-8",
    )
    assert (
        draft_letter(con, AARHUS, as_of=published("2023-01"), template=folder).strip()
        == "Til Aarhus: 60,0 pct. i januar 2023 [1]"
    )
    monkeypatch.setenv("KOMMUNEBENCH_JOBLOG_TEMPLATES", str(folder))
    assert draft_letter(con, AARHUS, as_of=published("2023-01")).startswith("Til Aarhus")
    assert "invitere" in draft_letter(con, AARHUS, as_of=published("2023-01"), action="meeting")
    bad = tmp_path / "bad.txt.j2"
    bad.write_text("{% for x in %}\n", "utf-8")
    with pytest.raises(ConfigError, match="bad.txt.j2, line 1"):
        draft_letter(con, AARHUS, as_of=published("2023-01"), template=bad)
    unknown = tmp_path / "unknown.txt.j2"
    unknown.write_text("{{ nope }}", "utf-8")
    with pytest.raises(ConfigError, match="nope"):
        draft_letter(con, AARHUS, as_of=published("2023-01"), template=unknown)
    with pytest.raises(ConfigError, match="does not exist"):
        draft_letter(con, AARHUS, as_of=published("2023-01"), template=tmp_path / "missing.j2")
