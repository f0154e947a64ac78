"""The joblog rules on hand-built cases: smileys, eligibility, the three criteria at their
boundaries, the as-of rule (no future data leak in) and the yearly review list."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from joblog_cases import AALBORG, AARHUS, ESBJERG, HORSENS, KOLDING, LAESOE, ODENSE, VEJLE, Cases, published
from kommunebench.alerts import (
    Thresholds,
    green_threshold,
    joblog_history,
    joblog_status,
    review_list,
    smiley,
)
from kommunebench.alerts.calendar import latest_published_month, publication_date
from kommunebench.data import warehouse
from kommunebench.errors import ConfigError, NotFoundError


def _db(tmp_path, cases: Cases, name: str = "wh"):
    db = cases.load(tmp_path / name / "warehouse.duckdb")
    return warehouse.connect(db, read_only=True)


def _row(status, code) -> pd.Series:
    return status.frame.set_index("kommunekode").loc[code]


# ------------------------------------------------------------------------------ smileys


def test_smiley_thresholds_scale_with_the_availability_weight():
    assert [smiley(s) for s in (0, 1, 5, 6, 30)] == ["red", "light_green", "light_green", "green", "green"]
    assert green_threshold(1.0) == 6 and green_threshold(0.5) == 3 and green_threshold(0.25) == 2
    assert green_threshold(1 / 3) == 2 and green_threshold(0.1) == 1
    assert [smiley(s, 0.5) for s in (0, 2, 3)] == ["red", "light_green", "green"]
    assert [smiley(s, 0.25) for s in (0, 1, 2)] == ["red", "light_green", "green"]
    assert [smiley(s, 0.1) for s in (0, 1)] == ["red", "green"]  # no light green at a tiny weight
    with pytest.raises(ConfigError):
        green_threshold(0)


def test_the_warehouse_counts_smileys_as_the_rule_says(tmp_path):
    c = Cases()
    combos = [(w, s) for w in (1.0, 0.5, 0.25, 0.1) for s in (0, 1, 2, 3, 5, 6)]
    for i, (w, s) in enumerate(combos):
        c.row(AARHUS * 100_000 + i, AARHUS, "2023-01", s, weight=w)
    c.row(AARHUS * 100_000 + 999, AARHUS, "2023-01", 0, in_group=False)  # not in the target group
    con = _db(tmp_path, c)
    r = _row(joblog_status(con, published("2023-01")), AARHUS)
    expected = pd.Series([smiley(s, w) for w, s in combos]).value_counts()
    assert r["target_group"] == len(combos)
    assert (r["green"], r["light_green"], r["red"]) == (expected["green"], expected["light_green"], expected["red"])
    assert r["red_share"] == pytest.approx(100 * expected["red"] / len(combos))


# ------------------------------------------------------------------------------ criterion 1 + eligibility


@pytest.fixture
def c1_con(tmp_path):
    c = (
        Cases()
        .month(AARHUS, "2023-01", tg=50, red=25)  # exactly 50 % → criterion 1
        .month(ODENSE, "2023-01", tg=50, red=24)  # 48 %
        .month(AALBORG, "2023-01", tg=41, red=21)  # target group 41 → eligible, 51.2 %
        .month(ESBJERG, "2023-01", tg=40, red=30)  # target group exactly 40 → not eligible
        .month(VEJLE, "2023-01", tg=42, red=20)  # exactly 20 red → eligible
        .month(KOLDING, "2023-01", tg=42, red=19)  # 19 red → not eligible
        .month(HORSENS, "2023-01", tg=38, red=19)
    )
    con = _db(tmp_path, c)
    yield con
    con.close()


def test_criterion_1_and_eligibility_boundaries(c1_con):
    st = joblog_status(c1_con, published("2023-01"))
    assert st.month == dt.date(2023, 1, 1)
    f = st.frame.set_index("kommunekode")
    assert f.loc[AARHUS, "red_share"] == 50.0 and f.loc[AARHUS, "criterion_1"]
    assert not f.loc[ODENSE, "criterion_1"] and f.loc[ODENSE, "eligible"]
    assert f.loc[AALBORG, "eligible"] and f.loc[AALBORG, "criterion_1"] and not f.loc[AALBORG, "review_list"]
    assert not f.loc[ESBJERG, "eligible"] and not f.loc[ESBJERG, "criterion_1"] and f.loc[ESBJERG, "review_list"]
    assert f.loc[VEJLE, "eligible"] and not f.loc[KOLDING, "eligible"]
    assert not f.loc[HORSENS, "eligible"] and f.loc[HORSENS, "review_list"]
    assert set(st.flagged["kommunekode"]) == {AARHUS, AALBORG}
    assert list(st.flagged["kommunekode"]) == [AALBORG, AARHUS]  # highest red share first
    assert len(st.frame) == 98 and f.loc[101, "target_group"] == 0 and f.loc[101, "review_list"]
    assert st.national["target_group"] == 50 + 50 + 41 + 40 + 42 + 42 + 38
    assert st.national["criterion_1"] == 2 and st.national["flagged"] == 2
    assert f.loc[AARHUS, "criteria"] == "1"


def test_thresholds_are_settings_and_can_be_overridden(c1_con, monkeypatch):
    d = published("2023-01")
    assert joblog_status(c1_con, d).thresholds == Thresholds()
    st = joblog_status(c1_con, d, thresholds={"c1_red_share": 45})
    assert _row(st, ODENSE)["criterion_1"]
    monkeypatch.setenv("KOMMUNEBENCH_JOBLOG_MIN_TARGET_GROUP", "39")
    assert _row(joblog_status(c1_con, d), ESBJERG)["criterion_1"]  # 40 > 39 now
    monkeypatch.setenv("KOMMUNEBENCH_JOBLOG_PUBLICATION_LAG", "1")
    assert joblog_status(c1_con, dt.date(2023, 2, 1)).month == dt.date(2023, 1, 1)
    with pytest.raises(ConfigError, match="unknown joblog threshold"):
        joblog_status(c1_con, d, thresholds={"c1": 45})


# ------------------------------------------------------------------------------ criterion 2


def test_criterion_2_exactly_40_vs_40_1_and_a_streak_broken_by_one_month(tmp_path):
    c = Cases()
    for m in ("2022-10", "2022-11", "2022-12", "2023-01", "2023-02", "2023-03"):
        c.share(AARHUS, m, 40.1)  # 401 of 1000
        c.share(ODENSE, m, 40.0)  # exactly 40 %: not over
    for m, pct in (
        ("2022-10", 41),
        ("2022-11", 41),
        ("2022-12", 39),
        ("2023-01", 41),
        ("2023-02", 41),
        ("2023-03", 41),
    ):
        c.share(AALBORG, m, pct)
    for m, pct in (("2022-10", 10), ("2022-11", 10), ("2022-12", 45), ("2023-01", 45)):
        c.share(VEJLE, m, pct)
    con = _db(tmp_path, c)
    st = joblog_status(con, published("2023-01"))
    f = st.frame.set_index("kommunekode")
    assert f.loc[AARHUS, "criterion_2"] and f.loc[AARHUS, "c2_run"] >= 3
    assert not f.loc[ODENSE, "criterion_2"] and f.loc[ODENSE, "c2_run"] == 0
    assert not f.loc[AALBORG, "criterion_2"] and f.loc[AALBORG, "c2_run"] == 1  # broken in December
    assert not f.loc[VEJLE, "criterion_2"] and f.loc[VEJLE, "c2_run"] == 2
    assert not f[["criterion_1"]].any().any()
    later = joblog_status(con, published("2023-02")).frame.set_index("kommunekode")
    assert not later.loc[AALBORG, "criterion_2"] and later.loc[AALBORG, "c2_run"] == 2
    third = joblog_status(con, published("2023-03")).frame.set_index("kommunekode")
    assert third.loc[AALBORG, "criterion_2"] and third.loc[AALBORG, "c2_run"] == 3
    h = joblog_history(con, AALBORG, as_of=published("2023-03"))
    assert list(h["criterion_2"]) == [False, False, False, False, False, True]
    assert list(h["c2_run"]) == [1, 2, 0, 1, 2, 3]
    con.close()


def test_criterion_2_needs_months_with_data(tmp_path):
    c = Cases().share(AARHUS, "2022-11", 45).share(AARHUS, "2023-01", 45).share(AARHUS, "2023-02", 45)
    con = _db(tmp_path, c)
    f = joblog_status(con, published("2023-02")).frame.set_index("kommunekode")
    assert f.loc[AARHUS, "c2_run"] == 2 and not f.loc[AARHUS, "criterion_2"]  # December has no data


# ------------------------------------------------------------------------------ criterion 3


def _cohort_case(c: Cases, code: int, still_red: int, *, red: int = 40, still_searching: int = 5) -> None:
    """Month 2023-01: 100 in the target group, ``red`` of them red. Month 2023-04: of the red
    cohort, ``still_red`` still red in the group, ``still_searching`` searching, 3 exempted (in
    the file but not in the target group, 0 searches), the rest gone; 10 newcomers red; the 60
    who searched in January still search."""
    base = code * 100_000
    c.month(code, "2023-01", tg=100, red=red)
    for i in range(still_red):
        c.row(base + i, code, "2023-04", 0)
    for i in range(still_red, still_red + still_searching):
        c.row(base + i, code, "2023-04", 7)
    exempt = min(3, red - still_red - still_searching)
    for i in range(still_red + still_searching, still_red + still_searching + exempt):
        c.row(base + i, code, "2023-04", 0, in_group=False)
    for i in range(10):
        c.row(base + 50_000 + i, code, "2023-04", 0)
    for i in range(red, 100):
        c.row(base + i, code, "2023-04", 8)


@pytest.fixture
def c3_con(tmp_path):
    c = Cases()
    _cohort_case(c, AARHUS, 12)  # 12 of 40 = 30 %
    _cohort_case(c, ODENSE, 10)  # exactly 25 %: not more than
    _cohort_case(c, AALBORG, 11)  # 27.5 %
    _cohort_case(c, ESBJERG, 19, red=19, still_searching=0)  # 100 % but the measurement month is not eligible
    # A mover: red in Aarhus in January, red in Vejle's target group in April: not Aarhus' cohort.
    c.row(AARHUS * 100_000 + 39, VEJLE, "2023-04", 0)
    c.month(VEJLE, "2023-01", tg=45, red=5)
    con = _db(tmp_path, c)
    yield con
    con.close()


def test_criterion_3_counts_the_red_cohort_still_red_in_the_third_month(c3_con):
    st = joblog_status(c3_con, published("2023-04"))
    assert st.month == dt.date(2023, 4, 1)
    f = st.frame.set_index("kommunekode")
    a = f.loc[AARHUS]
    assert a["c3_month"] == pd.Timestamp("2023-01-01")
    assert (a["c3_cohort"], a["c3_still_in_group"], a["c3_still_red"]) == (40, 17, 12)
    assert a["c3_share"] == 30.0 and a["criterion_3"]
    assert f.loc[ODENSE, "c3_share"] == 25.0 and not f.loc[ODENSE, "criterion_3"]
    assert f.loc[AALBORG, "c3_share"] == 27.5 and f.loc[AALBORG, "criterion_3"]
    assert f.loc[ESBJERG, "c3_share"] == 100.0 and not f.loc[ESBJERG, "criterion_3"]
    assert f.loc[AARHUS, "criteria"] == "3" and set(st.flagged["kommunekode"]) == {AARHUS, AALBORG}


def test_criterion_3_waits_for_its_follow_up_month_to_be_published(c3_con):
    before = published("2023-04") - dt.timedelta(days=1)
    st = joblog_status(c3_con, before)
    assert st.month == dt.date(2023, 1, 1)  # February and March have no data: January is the latest
    assert not st.frame["criterion_3"].any()
    h = joblog_history(c3_con, AARHUS, as_of=before)
    assert list(h["month"]) == [pd.Timestamp("2023-01-01")]
    assert h["criterion_3"].isna().all() and h["c3_still_red"].isna().all()
    h = joblog_history(c3_con, AARHUS, as_of=published("2023-04"))
    jan = h.set_index("month").loc[pd.Timestamp("2023-01-01")]
    assert bool(jan["criterion_3"]) and jan["c3_still_red"] == 12
    assert pd.isna(h.set_index("month").loc[pd.Timestamp("2023-04-01"), "criterion_3"])


# ------------------------------------------------------------------------------ as of


def test_the_calendar_publishes_month_m_at_the_start_of_m_plus_3():
    assert publication_date(dt.date(2023, 1, 1)) == dt.date(2023, 4, 1)
    assert publication_date(dt.date(2023, 11, 1)) == dt.date(2024, 2, 1)
    assert latest_published_month(dt.date(2023, 4, 1)) == dt.date(2023, 1, 1)
    assert latest_published_month(dt.date(2023, 3, 31)) == dt.date(2022, 12, 1)


def test_no_future_data_leak_into_an_evaluation(tmp_path):
    past = Cases()
    for k, m in enumerate(("2022-10", "2022-11", "2022-12", "2023-01")):  # other persons each month
        past.month(AARHUS, m, tg=100, red=30, first=200 * k).month(ODENSE, m, tg=60, red=20, first=200 * k)
    future = Cases()
    future.rows = list(past.rows)
    for m in ("2023-02", "2023-03", "2023-04", "2023-05"):  # bad months, not yet published
        future.month(AARHUS, m, tg=100, red=90).month(ODENSE, m, tg=60, red=55)
    a, b = _db(tmp_path, past, "past"), _db(tmp_path, future, "future")
    as_of = published("2023-02") - dt.timedelta(days=1)
    sa, sb = joblog_status(a, as_of), joblog_status(b, as_of)
    assert sa.month == sb.month == dt.date(2023, 1, 1)
    pd.testing.assert_frame_equal(sa.frame, sb.frame)
    assert sa.national == sb.national
    for code in (AARHUS, ODENSE):
        pd.testing.assert_frame_equal(joblog_history(a, code, as_of=as_of), joblog_history(b, code, as_of=as_of))
    assert not sb.frame["flagged"].any()
    nxt = joblog_status(b, published("2023-02"))
    assert nxt.month == dt.date(2023, 2, 1) and set(nxt.flagged["kommunekode"]) == {AARHUS, ODENSE}
    with pytest.raises(NotFoundError, match="offentliggøres 1. januar 2023"):
        joblog_status(a, dt.date(2022, 12, 31))
    a.close()
    b.close()


def test_no_data_loaded_is_a_clear_error(tmp_path):
    con = warehouse.connect(tmp_path / "empty.duckdb")
    with pytest.raises(NotFoundError, match="ingen joblogdata indlæst"):
        joblog_status(con, dt.date(2024, 1, 1))
    con.close()


# ------------------------------------------------------------------------------ yearly review


def test_yearly_review_list(tmp_path):
    c = Cases()
    for mo in range(1, 13):
        m = f"2023-{mo:02d}"
        c.month(AARHUS, m, tg=41, red=10)
        c.month(ODENSE, m, tg=40 if mo == 10 else 41, red=20)
        c.month(LAESOE, m, tg=5, red=3 if mo < 7 else 1)
    con = _db(tmp_path, c)
    f = review_list(con, 2023).set_index("kommunekode")
    assert f.attrs["as_of"] == dt.date(2024, 3, 1) and f.attrs["last_month"] == dt.date(2023, 12, 1)
    assert AARHUS not in f.index
    assert f.loc[ODENSE, "months_at_or_under"] == 1 and f.loc[ODENSE, "months"] == 12
    assert f.loc[ODENSE, "min_target_group"] == 40 and f.loc[ODENSE, "max_target_group"] == 41
    assert f.loc[LAESOE, "red_share"] == pytest.approx(100 * (6 * 3 + 6 * 1) / 60)
    assert f.loc[LAESOE, "months_red_share_c1"] == 6
    assert f.loc[101, "months_at_or_under"] == 12  # no data all year: a target group of 0
    early = review_list(con, 2023, as_of=dt.date(2023, 10, 1)).set_index("kommunekode")
    assert ODENSE not in early.index and early.loc[LAESOE, "months"] == 7  # January-July
    with pytest.raises(NotFoundError):
        review_list(con, 2023, as_of=dt.date(2023, 3, 1))
    with pytest.raises(NotFoundError):
        review_list(con, 2021)
    con.close()
