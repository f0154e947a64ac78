"""The case-mix adjustment and the offer comparison against the planted truth (issue 13).

Seeds are drawn at random in each test and printed (rerun a failure with that seed)."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from kommunebench.data import warehouse
from kommunebench.kpi import NOT_CAUSAL, adjust, offer_comparison
from kpi_site import shared_kpi_site
from kpi_truth import offers_ranked, ranking, synthetic_warehouse

LARGE = (101, 751, 461, 851)  # København, Aarhus, Odense, Aalborg


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_kpi_site(tmp_path_factory, request)


def test_small_scale_truth(site):
    """Default suite: the shared scale-0.01 site (random seed, printed): offer types ranked by
    their planted effects, the comparison's causal label and its odds ratios.

    Caseworkers and departments are ranked against their planted effects in the slow test at
    scale 0.1 only (`test_caseworker_and_department_ranking_at_scale_01`: departments >= 0.8).
    At 0.01 the four large municipalities have 10-14 caseworkers with 60+ spells, and the Spearman
    of their adjusted differences with the planted effects ranged from -0.25 to 0.92 over 13 seeds
    (below 0.3 in 5, with the code before and after issue 15) - too few to rank. Departments
    (10-12) gave 0.55-0.92 over 6 of those seeds, but 0.077 on seed 979861 (2026-12-01, also on
    the code before that day's changes): with a dozen units a Spearman above 0.3 is not something
    the data at this scale can promise, so the default suite only prints it."""
    print(f"seed={site.seed}")
    con = warehouse.connect(site.db, read_only=True)
    truth = pd.read_parquet(site.snapshot / "truth_kpi.parquet")
    seed = site.seed
    try:
        est, planted = offers_ranked(con, truth, None)
        assert est == planted, (seed, est, planted)
        r = ranking(con, truth, LARGE, min_spells=60)
        print(r)
        assert r["n_departments"] >= 8, (seed, r)  # the ranking itself: the slow test at scale 0.1
        assert offer_comparison(con, (101,)).label == NOT_CAUSAL
        _odds_ratio_by_hand(adjust(con, 101).frame)
    finally:
        con.close()


def _odds_ratio_by_hand(a: pd.DataFrame) -> None:
    """The odds ratio is odds(actual share) / odds(expected share), its interval is the pct.-point
    interval carried over, and it is above 1 exactly where the difference is positive."""
    share, exp = a.actual / a.spells, a.expected / a.spells
    inside = (a.actual > 0) & (a.actual < a.spells) & (exp > 0.5 / a.spells) & (exp < 1 - 0.5 / a.spells)
    assert inside.sum() > 10
    b, sh, ex = a[inside], share[inside], exp[inside]
    assert np.allclose(b.odds_ratio, (sh / (1 - sh)) / (ex / (1 - ex)))
    assert ((b.or_lo <= b.odds_ratio) & (b.odds_ratio <= b.or_hi)).all()
    assert ((b.odds_ratio > 1) == (b.diff_pp > 0)).all()
    lo = np.clip(sh - (b.diff_pp - b.lo_pp) / 100, 0.5 / b.spells, 1 - 0.5 / b.spells)
    assert np.allclose(b.or_lo, (lo / (1 - lo)) / (ex / (1 - ex)))


@pytest.mark.slow
def test_caseworker_and_department_ranking_at_scale_01(tmp_path):
    seed = random.randrange(1, 10**6)
    print(f"seed={seed}")
    con, truth = synthetic_warehouse(tmp_path, scale=0.1, seed=seed)
    try:
        r = ranking(con, truth, LARGE)
        print(r)
        assert r["caseworkers"] >= 0.8, (seed, r)
        assert r["departments"] >= 0.8, (seed, r)
        assert r["unadjusted"] < r["caseworkers"]  # the raw shares are misled by the hard caseloads
    finally:
        con.close()


@pytest.mark.slow
def test_offer_types_ranked_in_four_of_five_seeds(tmp_path):
    seeds = random.sample(range(1, 10**6), 5)
    print(f"seeds={seeds}")
    right = 0
    for seed in seeds:
        con, truth = synthetic_warehouse(tmp_path / str(seed), scale=0.02, seed=seed)
        try:
            est, planted = offers_ranked(con, truth, None)
        finally:
            con.close()
        print(seed, est, planted)
        right += est == planted
    assert right >= 4, (seeds, right)
