"""Each KPI computed by hand on the small data set of kpi_cases.py and compared (issue 13).

Spells of municipality 101 (data W01-W52 of 2023): S1 P1 W01-W05 (left-censored, exit job, next
spell W20, caseworker 1, A, dagpenge); S2 P1 W20-W30 (exit job; caseworker 2); S3 P2 W03-W12 (exit
fleksjob; caseworker 2, A, jobparat); S4 P3 W01-W52 (censored; caseworker 3, B, sygedagpenge);
S5 P4 W08-W10 (exit to barsel = other; caseworker 3, B, aktivitetsparat).
Q1 = W01-W13 (a = 2 Jan, last Monday b = 27 Mar, end 2 Apr): caseload P1-P4 = 4; on benefit in
W13: P3 only.
"""

from __future__ import annotations

import math

import pytest

from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.transactions import transaction
from kommunebench.kpi import CATALOGUE, compute, kpi, parse_weeks, prepare
from kommunebench.kpi.outward import outward
from kommunebench.kpi.trend import TREND_KPIS, weekly_trend
from kpi_cases import write_case_files

Q1 = [
    # (level, unit, kpi, expected)  — how it was computed by hand
    ("kommune", "", "samtaler_pr_borger", 6 / 4),  # held in Q1 inside a spell: P1 ×2, P2 ×2, P3, P4
    ("kommune", "", "udeblivelser", 100 * 2 / 8),  # no-shows P1 24/1, P3 8/3; held 6
    ("kommune", "", "samtale_3_mdr", 100.0),  # S4 (on benefit W13 since ≤ W01) had 7/2 held
    ("kommune", "", "samtale_6_mdr", math.nan),  # nobody on benefit 26 weeks before W13 (data start)
    ("kommune", "", "joblog_soegning", 100 * 2 / 4),  # P2 Jan 0, Feb 5, Mar 3; P4 Feb 0 (Mar exempt; P3 Apr not Q1)
    ("kommune", "", "aktiveringsgrad", 100 * 2 / 4),  # P2 praktik, P3 vejledning
    ("kommune", "", "aktivering_virksomhedspraktik", 25.0),
    ("kommune", "", "aktivering_vejledning_opkvalificering", 25.0),
    ("kommune", "", "aktivering_loentilskud", 0.0),  # P1's starts 22/5
    ("kommune", "", "aktivering_nytteindsats", 0.0),
    ("kommune", "", "tilbud_varighed", (28 / 7 + 14 / 7) / 2),
    ("kommune", "", "pris_pr_tilbud", (4000 + 6000) / 2),
    ("kommune", "", "pris_pr_selvforsoerget", 10000 / 2),  # exits to self-support: S1, S3
    ("kommune", "", "sagsbehandlere_pr_100", 100 * 1.5 / 1),  # cw2 0.5 + cw3 1.0 (cw1 left 1/3); P3
    ("kommune", "", "forsoergelsestryk", (5 + 10 + 13 + 3) / 13),
    ("kommune", "", "forsoergelsestryk_udvikling", math.nan),  # a year before lies before the data
    ("kommune", "", "i_job_uddannelse", 2.0),
    ("kommune", "", "gns_varighed", (10 + 3) / 2),  # S3, S5 (S1 is left-censored)
    ("kommune", "", "fastholdelse_13", 100.0),  # S1 next spell W20 > W05+13; S3 none
    ("kommune", "", "fastholdelse_26", 50.0),  # S1 back within 26 weeks
    ("kommune", "", "tilbagefald_26", 50.0),
    ("kommune", "", "progression", -13.0),  # P3: 0 weeks before the data, 13 in the last 13
    ("afdeling", "A", "samtaler_pr_borger", 4 / 2),
    ("afdeling", "A", "udeblivelser", 100 * 1 / 5),
    ("afdeling", "A", "forsoergelsestryk", 15 / 13),
    ("afdeling", "A", "i_job_uddannelse", 2.0),
    ("afdeling", "A", "sagsbehandlere_pr_100", math.nan),  # nobody of A on benefit in W13
    ("afdeling", "B", "sagsbehandlere_pr_100", 100.0),
    ("afdeling", "B", "gns_varighed", 3.0),
    ("maalgruppe", "jobparat", "joblog_soegning", 100 * 2 / 3),
    ("maalgruppe", "aktivitetsparat", "joblog_soegning", 0.0),
    ("maalgruppe", "sygedagpenge", "aktiveringsgrad", 100.0),
    ("sagsbehandler", "1", "samtaler_pr_borger", 2.0),
    ("sagsbehandler", "1", "udeblivelser", 100 / 3),
    ("sagsbehandler", "2", "aktivering_virksomhedspraktik", 100.0),
    ("sagsbehandler", "3", "pris_pr_tilbud", 6000.0),
]
W27 = [
    ("kommune", "", "samtale_3_mdr", 0.0),  # S4 had no held conversation 10/4-9/7 (S2 began 15/5)
    ("kommune", "", "samtale_6_mdr", 100.0),  # S4 (since ≤ 9/1) had 7/2
    ("kommune", "", "progression", (4 - 8 + 0) / 2),  # P1: W02-W05 before, W20-W27 now; P3: 13 - 13
    ("kommune", "", "forsoergelsestryk", 2.0),
    ("kommune", "", "aktiveringsgrad", 0.0),
    ("kommune", "", "sagsbehandlere_pr_100", 100 * 1.5 / 2),
    ("kommune", "", "joblog_soegning", 100.0),  # P3 July (4 searches); P3 April is not July
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    folder = write_case_files(tmp_path_factory.mktemp("kpi_cases"))
    db = folder / "w.duckdb"
    load(db, folder)
    c = warehouse.connect(db)
    with transaction(c):
        prepare.build(c)
    yield c
    c.close()


@pytest.mark.parametrize(("period", "cases"), [("2023Q1", Q1), ("2023-W27", W27)])
def test_each_kpi_by_hand(con, period, cases):
    table = compute(con, parse_weeks(period), kommuner=(101,))
    for level, unit, key, expected in cases:
        got = table.value(key, kommunekode=101, level=level, unit=unit)
        if math.isnan(expected):
            assert math.isnan(got), (period, level, unit, key, got)
        else:
            assert got == pytest.approx(expected, rel=1e-9), (period, level, unit, key)


def test_every_catalogue_kpi_is_checked_by_hand():
    checked = {c[2] for c in Q1 + W27}
    assert {k.key for k in CATALOGUE} <= checked


def test_other_municipality_is_kept_apart(con):
    table = compute(con, parse_weeks("2023Q1"), kommuner=(101, 147))
    assert table.value("forsoergelsestryk", kommunekode=147) == pytest.approx(10 / 13)
    assert table.value("samtaler_pr_borger", kommunekode=147) == pytest.approx(1.0)
    assert table.value("forsoergelsestryk", kommunekode=101) == pytest.approx(31 / 13)


def test_outward_comparison_by_hand(con):
    table = compute(con, parse_weeks("2023Q1"), kommuner=(101, 147), levels=("kommune",))
    out = outward(table, 101, klynge=[147], similar=[]).set_index("kpi")
    assert out.loc["forsoergelsestryk", "klynge"] == pytest.approx(10 / 13)  # Frederiksberg alone
    assert out.loc["forsoergelsestryk", "land"] == pytest.approx((31 + 10) / 13)  # a count: summed
    assert out.loc["samtaler_pr_borger", "land"] == pytest.approx((6 + 1) / (4 + 1))  # a ratio: pooled
    assert math.isnan(out.loc["samtaler_pr_borger", "lignende"])


@pytest.mark.parametrize(
    ("level", "unit"), [("kommune", ""), ("afdeling", "A"), ("maalgruppe", "dagpenge"), ("sagsbehandler", "2")]
)
def test_weekly_trend_equals_the_kpis_week_by_week(con, level, unit):
    weeks = parse_weeks("2023-W01:2023-W30")
    trend = weekly_trend(con, 101, weeks, level, unit)
    for w in weeks.single_weeks():
        table = compute(con, w, kommuner=(101,), levels=(level,), keys=TREND_KPIS)
        for key in TREND_KPIS:
            got = trend[(trend.week == w.label) & (trend.kpi == key)].value.iloc[0]
            want = table.value(key, kommunekode=101, level=level, unit=unit)
            if math.isnan(want) and kpi(key).is_count:  # a unit with nobody that week: a count of 0
                want = 0.0
            assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want), (w.label, key, got, want)
