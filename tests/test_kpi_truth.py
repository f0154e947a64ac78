"""The case-mix adjustment and the offer comparison against the planted truth (issue 13).

Seeds are drawn at random in each test and printed (rerun a failure with that seed)."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from kommunebench.data import warehouse
from kommunebench.kpi import NOT_CAUSAL, offer_comparison
from kpi_site import shared_kpi_site
from kpi_truth import offers_ranked, ranking, synthetic_warehouse

LARGE = (101, 751, 461, 851)  # København, Aarhus, Odense, Aalborg


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_kpi_site(tmp_path_factory, request)


def test_small_scale_truth(site):
    """Default suite: the shared scale-0.01 site (random seed, printed): offer types ranked by
    their planted effects, and the adjusted comparison recovers the departments' planted effects.

    Caseworkers are checked in the slow test at scale 0.1 only: at 0.01 the four large
    municipalities have 10-14 caseworkers with 60+ spells, and the Spearman of their adjusted
    differences with the planted effects ranged from -0.25 to 0.92 over 13 seeds (below 0.3 in 5,
    with the code before and after issue 15) - too few to rank. Departments (10-12) gave 0.55-0.92
    over 6 of those seeds, the failing ones included."""
    print(f"seed={site.seed}")
    con = warehouse.connect(site.db, read_only=True)
    truth = pd.read_parquet(site.snapshot / "truth_kpi.parquet")
    seed = site.seed
    try:
        est, planted = offers_ranked(con, truth, None)
        assert est == planted, (seed, est, planted)
        r = ranking(con, truth, LARGE, min_spells=60)
        print(r)
        assert r["n_departments"] >= 8 and r["departments"] > 0.3, (seed, r)
        assert offer_comparison(con, (101,)).label == NOT_CAUSAL
    finally:
        con.close()


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
        assert r["unadjusted"] < r["caseworkers"]
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
