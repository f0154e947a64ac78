"""Benchmark lists: ranking (on the real published Y30R21 extract), display, klynger, potential."""

from __future__ import annotations

import datetime as dt
import doctest
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kommunebench.benchmark import (
    BenchmarkLists,
    build_lists,
    klynger,
    natural_breaks,
    potential,
    rank_by_difference,
    ranking,
)
from kommunebench.data import reference
from kommunebench.errors import ConfigError, ReferenceDataError, ValidationError
from kommunebench.publish import display_frame, round_count, round_half_away

FIXTURE = Path(__file__).parent / "fixtures" / "Y30R21_2022QMAT04.jsonl"
GROUPS = {
    "Ydelsesgrupper i alt": "total",
    "A-dagpenge mv.": "a_dagpenge",
    "Sygedagpenge mv.": "sygedagpenge",
    "Kontanthjælp mv.": "kontanthjaelp",
}
AREAS = ("a_dagpenge", "sygedagpenge", "kontanthjaelp")


def _pct(text: str) -> float:
    return float(str(text).replace(",", "."))


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    """The real 2022QMAT04 list: 98 municipalities × 4 ydelsesgrupper, as published."""
    rows = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        keys = list(r)
        rows.append(
            {
                "kommunekode": reference.resolve_municipality(r["Area"]),
                "group": GROUPS[r["Ydelsesgrupper"]],
                "exp_n": r[keys[3]],
                "act_n": r[keys[4]],
                "diff_n": r[keys[5]],
                "exp_s": _pct(r[keys[6]]),
                "act_s": _pct(r[keys[7]]),
                "diff_s": _pct(r[keys[8]]),
                "rank": r["Placering på benchmarkranglisten"],
            }
        )
    df = pd.DataFrame(rows)
    assert len(df) == 392 and df["kommunekode"].nunique() == 98
    return df


def municipal_from(published: pd.DataFrame) -> pd.DataFrame:
    """A model-stage frame whose shares reproduce the published ones.

    population = faktisk antal ÷ faktisk andel × 100 (total group); expected = forventet andel ×
    population; actual chosen so that actual share − expected share = the published difference.
    """
    tot = published[published["group"] == "total"].set_index("kommunekode")
    pop = tot["act_n"] / tot["act_s"] * 100.0
    a = published[published["group"] != "total"].copy()
    a["area"] = a["group"]
    a["population"] = a["kommunekode"].map(pop)
    a["expected"] = a["exp_s"] * a["population"] / 100.0
    a["actual"] = (a["exp_s"] + a["diff_s"]) * a["population"] / 100.0
    return a[["kommunekode", "area", "population", "actual", "expected"]].reset_index(drop=True)


@pytest.fixture(scope="module")
def municipal(published) -> pd.DataFrame:
    return municipal_from(published)


@pytest.fixture(scope="module")
def bl(municipal) -> BenchmarkLists:
    return build_lists(municipal, period="2022QMAT04")


def _small(diffs: dict[int, tuple[float, float, float]]) -> pd.DataFrame:
    """kommunekode -> (population, actual, expected) for one area."""
    return pd.DataFrame(
        [(k, "a_dagpenge", p, a, e) for k, (p, a, e) in diffs.items()],
        columns=["kommunekode", "area", "population", "actual", "expected"],
    )


# --- ranking -------------------------------------------------------------------------------------


def test_rank_most_negative_first_and_ties_by_kommunekode():
    r = rank_by_difference([0.3, -0.5, 0.3, 0.1 + 0.2, -0.5], [851, 461, 101, 147, 751])
    # -0.5 tie: 461 before 751; 0.3 three-way tie (0.1 + 0.2 is 0.30000000000000004): 101, 147, 851
    assert r.tolist() == [5, 1, 3, 4, 2]


def test_rank_uses_pct_points_not_person_counts():
    # København-sized municipality: 300 persons over expected but only +0.06 pct. points;
    # a small one: 30 persons over expected = +1.0 pct. point. The small one ranks last.
    df = _small({101: (500_000, 20_300, 20_000), 492: (3_000, 130, 100), 147: (70_000, 2_700, 2_800)})
    out = build_lists(df, period="2022QMAT04", complete=False, k_similar=2, n_klynger=2).by_area["a_dagpenge"]
    assert out.set_index("kommunekode")["rank"].to_dict() == {147: 1, 101: 2, 492: 3}


@pytest.mark.parametrize("group", list(GROUPS.values()))
def test_ranking_reproduces_published_placering(published, group):
    """Ranking the published differences reproduces jobindsats' Placering for every group.

    The published differences have 2 decimals, so many tie although the unrounded ones (which
    jobindsats ranks by) do not: in 2022QMAT04, A-dagpenge has 70 municipalities in 22 tied
    groups, Sygedagpenge 75 in 26, Kontanthjælp 53 in 20, the total 53 in 19. Where the published
    difference is unique our rank must equal the published one exactly; inside a tied group the
    unrounded difference (not available) decides, so there we assert that the group occupies
    exactly the same rank positions (it does: the published ranks of a tie group are contiguous).
    """
    g = published[published["group"] == group].reset_index(drop=True)
    ours = rank_by_difference(g["diff_s"].to_numpy(), g["kommunekode"].to_numpy())
    g = g.assign(ours=ours)
    sizes = g.groupby("diff_s")["kommunekode"].transform("size")
    expected_ties = {"a_dagpenge": (70, 22), "sygedagpenge": (75, 26), "kontanthjaelp": (53, 20), "total": (53, 19)}[
        group
    ]
    assert (int((sizes > 1).sum()), int(g.loc[sizes > 1, "diff_s"].nunique())) == expected_ties
    unique = g[sizes == 1]
    assert (unique["ours"] == unique["rank"]).all()
    for _, block in g[sizes > 1].groupby("diff_s"):
        assert sorted(block["ours"]) == sorted(block["rank"])
    # ranking by person counts does not reproduce the published list
    by_count = rank_by_difference(g["diff_n"].to_numpy(dtype=float), g["kommunekode"].to_numpy())
    assert (by_count != g["rank"].to_numpy()).sum() > 50


def test_build_lists_area_ranks_match_published(published, bl):
    for area in AREAS:
        pub = published[published["group"] == area].set_index("kommunekode")
        ours = bl.by_area[area].set_index("kommunekode")
        assert len(ours) == 98 and ours["rank"].is_unique
        sizes = pub.groupby("diff_s")["rank"].transform("size")
        uniq = sizes[sizes == 1].index
        assert (ours.loc[uniq, "rank"] == pub.loc[uniq, "rank"]).all()
        for _, block in pub[sizes > 1].groupby("diff_s"):
            assert sorted(ours.loc[block.index, "rank"]) == sorted(block["rank"])
            # within a published tie the kommunekode decides (our differences are equal there)
            ranks = ours.loc[sorted(block.index), "rank"].to_numpy()
            assert (np.diff(ranks) > 0).all()


def test_total_is_sum_of_the_three_areas(bl, municipal):
    o = bl.overall.set_index("kommunekode")
    sums = municipal.groupby("kommunekode")[["actual", "expected"]].sum()
    np.testing.assert_allclose(o.loc[sums.index, "actual"], sums["actual"], rtol=1e-12)
    np.testing.assert_allclose(o.loc[sums.index, "expected"], sums["expected"], rtol=1e-12)
    np.testing.assert_allclose(o["diff_pp"], o["actual_share"] - o["expected_share"])
    assert bl.total_areas == AREAS and bl.extra_areas == ()
    assert list(bl.overall["rank"]) == list(range(1, 99))
    assert {"navn", "regionsnavn", "regionskode"} <= set(bl.overall.columns)
    assert bl.overall.set_index("kommunekode").loc[101, "navn"] == "København"


def test_total_close_to_published_total(published, bl):
    """Sum of the rounded area shares is within rounding of the published total."""
    pub = published[published["group"] == "total"].set_index("kommunekode")
    o = bl.overall.set_index("kommunekode").loc[pub.index]
    assert np.abs(o["expected_share"] - pub["exp_s"]).max() <= 0.016
    assert np.abs(o["actual_share"] - pub["act_s"]).max() <= 0.016


# --- display -------------------------------------------------------------------------------------


def test_round_half_away_and_counts():
    assert round_half_away([2.675, -2.675, 0.125, 1.005], 2).tolist() == [2.68, -2.68, 0.13, 1.01]
    assert round_count([1625, 1624.9, -15, 4.99, 5.0]).tolist() == [1630, 1620, -20, 0, 10]


def test_display_frame_reproduces_published_figures(published, bl):
    for area in AREAS:
        d = display_frame(bl.by_area[area]).set_index("Kommunekode")
        pub = published[published["group"] == area].set_index("kommunekode")
        d = d.loc[pub.index]
        assert (d["Forventet andel (pct.)"] == pub["exp_s"]).all()
        assert (d["Faktisk andel (pct.)"] == pub["act_s"]).all()
        assert (d["Forskel (pct.-point)"] == pub["diff_s"]).all()
        # counts are rebuilt from 2-decimal shares, so they may be one step of 10 off
        assert (np.abs(d["Forventet antal"] - pub["exp_n"]) <= 10).all()
        assert (d["Forventet antal"] % 10 == 0).all()
        assert (d["Forskel (antal)"] == d["Faktisk antal"] - d["Forventet antal"]).all()
    d = display_frame(bl.overall)
    assert list(d.columns[:3]) == ["Placering", "Kommunekode", "Kommune"]
    for header in (
        "Forventet antal",
        "Faktisk antal",
        "Forskel (antal)",
        "Forventet andel (pct.)",
        "Faktisk andel (pct.)",
        "Forskel (pct.-point)",
        "Placering",
    ):
        assert header in d.columns
    assert set(d["Resultatmål ikke opfyldt"]) <= {"Ja", "Nej"}
    precise = display_frame(bl.overall, precise=True)
    np.testing.assert_array_equal(precise["Forskel (pct.-point) (uafrundet)"], bl.overall["diff_pp"].to_numpy())


# --- similar municipalities and klynger ----------------------------------------------------------


def test_similar_municipalities(bl):
    s = bl.similar
    assert set(s["area"]) == {"total", *AREAS}
    assert len(s) == 4 * 98 * 5
    for area in ("total", "kontanthjaelp"):
        f = bl.overall if area == "total" else bl.by_area[area]
        e = f.set_index("kommunekode")["expected_share"]
        for code in (101, 825, 461):
            rows = s[(s["area"] == area) & (s["kommunekode"] == code)].sort_values("similar_rank")
            others = e.drop(code)
            brute = sorted(others.index, key=lambda c: (round(abs(others[c] - e[code]), 9), c))[:5]
            assert rows["similar_kommunekode"].tolist() == brute
            assert code not in rows["similar_kommunekode"].tolist()


def test_similar_ties_by_kommunekode():
    df = _small(
        {101: (1000, 10, 30), 147: (1000, 10, 20), 151: (1000, 10, 40), 153: (1000, 10, 30), 155: (1000, 10, 10)}
    )
    out = build_lists(df, period="2022QMAT04", complete=False, k_similar=2, n_klynger=2)
    rows = out.similar[(out.similar["area"] == "a_dagpenge") & (out.similar["kommunekode"] == 147)]
    # 147 has 2.0 %; 101 and 153 both 3.0 % (distance 1.0) and 155 1.0 % (distance 1.0): code order
    assert rows["similar_kommunekode"].tolist() == [101, 153]


def _brute_sse(x: np.ndarray, k: int) -> float:
    best = np.inf
    for cuts in itertools.combinations(range(1, len(x)), k - 1):
        parts = np.split(x, cuts)
        best = min(best, sum(((p - p.mean()) ** 2).sum() for p in parts))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_natural_breaks_is_optimal(seed):
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 1.5, size=10)
    for k in (1, 2, 3, 4):
        lab = natural_breaks(x, k)
        xs = np.sort(x)
        sse = sum(((x[lab == g] - x[lab == g].mean()) ** 2).sum() for g in range(1, k + 1))
        assert sse == pytest.approx(_brute_sse(xs, k), rel=1e-9, abs=1e-12)
        assert sorted(set(lab)) == list(range(1, k + 1))
        # contiguous and numbered from the lowest values
        for g in range(1, k):
            assert x[lab == g].max() < x[lab == g + 1].min()


def test_natural_breaks_keeps_equal_values_together_and_checks_k():
    lab = natural_breaks([1.0, 1.0, 1.0, 2.0, 9.0, 9.0], 3)
    assert lab.tolist() == [1, 1, 1, 2, 3, 3]
    with pytest.raises(ConfigError):
        natural_breaks([1.0, 1.0, 2.0], 3)
    with pytest.raises(ConfigError):
        natural_breaks([1.0, 2.0], True)


def test_klynger_frame(bl):
    k = bl.klynger
    assert set(k["area"]) == {"total", *AREAS} and len(k) == 4 * 98
    for _area, f in k.groupby("area"):
        assert sorted(f["klynge"].unique()) == [1, 2, 3, 4, 5]
        lo = f.groupby("klynge")["expected_share"].agg(["min", "max"])
        assert (lo["max"].to_numpy()[:-1] < lo["min"].to_numpy()[1:]).all()
        means = f.groupby("klynge")["diff_pp"].mean()
        np.testing.assert_allclose(f["klynge_diff_pp"], f["klynge"].map(means))
        np.testing.assert_allclose(f["diff_pp_vs_klynge"], f["diff_pp"] - f["klynge_diff_pp"])
        for _, g in f.groupby("klynge"):
            assert g["rank_in_klynge"].tolist() == list(range(1, len(g) + 1))
    three = build_lists(bl_input(bl), period="2022QMAT04", n_klynger=3).klynger
    assert three["klynge"].max() == 3


def bl_input(bl: BenchmarkLists) -> pd.DataFrame:
    return pd.concat(
        [f.assign(area=a)[["kommunekode", "area", "population", "actual", "expected"]] for a, f in bl.by_area.items()],
        ignore_index=True,
    )


# --- potential and skærpet tilsyn ----------------------------------------------------------------


def test_potential(bl):
    p = bl.potential
    f = p.frame.set_index("kommunekode")
    costs = reference.costs(dt.date(2022, 12, 31))
    assert p.cost_date == dt.date(2022, 12, 31) and dict(p.costs) == {a: costs[a] for a in AREAS}
    for a in AREAS:
        lst = bl.by_area[a].set_index("kommunekode")
        np.testing.assert_allclose(
            f[f"potential_{a}_mio_kr"], (lst["actual"] - lst["expected"]).loc[f.index] * costs[a] / 1e6
        )
    np.testing.assert_allclose(f["potential_mio_kr"], f[[f"potential_{a}_mio_kr" for a in AREAS]].sum(axis=1))
    assert p.national_mio_kr == pytest.approx(f.loc[f["potential_mio_kr"] > 0, "potential_mio_kr"].sum())
    assert p.national_mio_kr > 0
    assert p.frame["potential_mio_kr"].is_monotonic_decreasing
    o = bl.overall.set_index("kommunekode")
    np.testing.assert_allclose(o.loc[f.index, "potential_mio_kr"], f["potential_mio_kr"])


def test_potential_nyborg_2018_order_of_magnitude():
    """Nyborg, Nov 2018: 1,620 actual vs 1,840 expected = 220 fewer, printed as -16.3 mio. kr."""
    # 220 persons split evenly over the three areas, 2018 costs (period ending mid-2018)
    frame = pd.DataFrame(
        {
            "kommunekode": [450],
            "navn": ["Nyborg"],
            "regionskode": [1083],
            "regionsnavn": ["Region Syddanmark"],
            **{f"actual_{a}": [1620 / 3] for a in AREAS},
            **{f"expected_{a}": [1840 / 3] for a in AREAS},
        }
    )
    costs, date = potential.resolve_costs(AREAS, period="2018QMAT02")
    assert date == dt.date(2018, 6, 30)
    p = potential.compute_potential(frame, areas=AREAS, total_areas=AREAS, costs=costs, cost_date=date)
    assert p.frame["potential_mio_kr"].iat[0] == pytest.approx(-16.3, abs=0.5)
    assert p.national_mio_kr == 0.0


def test_costs_options(municipal):
    a = build_lists(municipal, period="2023QMAT02")
    assert a.potential.cost_date == dt.date(2023, 6, 30)
    assert a.potential.costs["a_dagpenge"] == reference.costs(dt.date(2023, 6, 30))["a_dagpenge"]
    b = build_lists(municipal, period="2022QMAT04", costs={a: 100_000 for a in AREAS})
    assert b.potential.cost_date is None
    f = b.potential.frame
    np.testing.assert_allclose(f["potential_mio_kr"], f[[f"diff_{a}" for a in AREAS]].sum(axis=1) * 0.1)
    with pytest.raises(ConfigError):
        build_lists(municipal, period="2022QMAT04", costs={a: 1.0 for a in AREAS}, cost_date=dt.date(2022, 1, 1))
    with pytest.raises(ReferenceDataError):
        build_lists(municipal, period="2022QMAT04", costs={"a_dagpenge": 1.0})
    with pytest.raises(ReferenceDataError):
        build_lists(municipal, period="2022QMAT04", cost_date=dt.date(2010, 1, 1))
    with pytest.raises(ConfigError):
        build_lists(municipal, period="2022QMAT04", costs={a: -1 for a in AREAS})


def test_skaerpet_tilsyn(bl, municipal):
    st = bl.skaerpet_tilsyn
    o = bl.overall
    expected = set(o.loc[o["actual_share"] > o["expected_share"], "kommunekode"])
    assert set(st.failed) == expected and len(expected) > 0
    assert st.applicable is True and st.period == "2022QMAT04"
    assert (o["result_target_failed"] == (o["actual_share"] > o["expected_share"])).all()
    assert st.frame["diff_pp"].round(9).is_monotonic_decreasing
    half = build_lists(municipal, period="2022QMAT02").skaerpet_tilsyn
    assert half.applicable is False and set(half.failed) == expected


# --- extended scope, lists object, validation ----------------------------------------------------


def test_extended_scope_keeps_the_ministry_total(municipal, bl):
    extra = municipal[municipal["area"] == "a_dagpenge"].assign(
        area="foertidspension_fleksjob", actual=lambda d: d["actual"] * 2.0 + 5, expected=lambda d: d["expected"] * 2.0
    )
    ext = build_lists(pd.concat([municipal, extra], ignore_index=True), period="2022QMAT04")
    assert ext.total_areas == AREAS and ext.extra_areas == ("foertidspension_fleksjob",)
    assert list(ext.by_area) == [*AREAS, "foertidspension_fleksjob"]
    pd.testing.assert_series_equal(ext.overall["diff_pp"], bl.overall["diff_pp"])
    assert ext.skaerpet_tilsyn.failed == bl.skaerpet_tilsyn.failed
    assert ext.potential.national_mio_kr == pytest.approx(bl.potential.national_mio_kr)
    assert ext.potential.national_incl_extra_mio_kr > ext.potential.national_mio_kr
    assert "potential_incl_extra_mio_kr" in ext.overall.columns
    assert "Førtidspension og fleksjob" in ext.to_frames()
    assert set(ext.similar["area"]) == {"total", *AREAS, "foertidspension_fleksjob"}


def test_lists_object(bl):
    assert bl.period == "2022QMAT04"
    assert bl.top(10)["rank"].tolist() == list(range(1, 11))
    assert bl.bottom(10)["rank"].tolist() == list(range(89, 99))
    assert bl.top(0).empty and bl.bottom(0).empty
    with pytest.raises(ConfigError):
        bl.top(-1)
    frames = bl.to_frames()
    assert list(frames) == [
        "Samlet liste",
        "A-dagpenge mv.",
        "Sygedagpenge mv.",
        "Kontanthjælp mv.",
        "Lignende kommuner",
        "Klynger",
        "Besparelsespotentiale",
        "Skærpet tilsyn",
    ]
    assert all(len(name) <= 31 for name in frames)
    for name in ("Samlet liste", "A-dagpenge mv.", "Besparelsespotentiale", "Skærpet tilsyn"):
        assert len(frames[name]) == 98 and frames[name]["navn"].notna().all()
    shown = {name: display_frame(f) for name, f in frames.items()}  # rounding moved to the publishing stage
    assert "Forskel (pct.-point)" in shown["Samlet liste"].columns
    with pytest.raises(AttributeError):
        bl.period = "x"  # frozen


@pytest.mark.parametrize(
    "mutate, column",
    [
        (lambda d: d.drop(columns="expected"), None),
        (lambda d: d.assign(kommunekode=d["kommunekode"].where(d.index != 5, 999)), "kommunekode"),
        (lambda d: pd.concat([d, d.iloc[[0]]], ignore_index=True), None),
        (lambda d: d.assign(area=d["area"].where(d.index != 0, "total")), "area"),
        (lambda d: d.assign(area=d["area"].where(d.index != 0, "boligstoette")), "area"),
        (lambda d: d.drop(index=3), None),
        (lambda d: d.assign(population=d["population"].where(d.index != 0, 1.0)), "population"),
        (lambda d: d.assign(actual=d["actual"].where(d.index != 7, np.nan)), "actual"),
        (lambda d: d.assign(expected=d["expected"].where(d.index != 7, -1.0)), "expected"),
        (lambda d: d[d["kommunekode"] != 101], "kommunekode"),
    ],
)
def test_validation(municipal, mutate, column):
    with pytest.raises(ValidationError) as err:
        build_lists(mutate(municipal.copy()), period="2022QMAT04")
    assert err.value.column == column


def test_options_are_checked(municipal):
    with pytest.raises(ReferenceDataError):
        build_lists(municipal, period="2022-12")
    for bad in (
        {"k_similar": 0},
        {"k_similar": 98},
        {"k_similar": True},
        {"n_klynger": 0},
        {"n_klynger": 2.5},
        {"complete": "yes"},
    ):
        with pytest.raises(ConfigError):
            build_lists(municipal, period="2022QMAT04", **bad)
    with pytest.raises(TypeError):
        build_lists(municipal, "2022QMAT04")  # keyword-only


def test_doctests():
    for module in (klynger, ranking, potential):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0
