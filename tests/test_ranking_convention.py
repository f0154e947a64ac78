"""The published lists' two facts hold on every list the product writes, own runs and published.

1. displayed difference = displayed actual share − displayed expected share;
2. down a list (by rank) the displayed difference never decreases.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from kommunebench.benchmark import build_lists, rank_by_difference
from kommunebench.benchmark.published_lists import build_published_lists
from kommunebench.benchmark.ranking import average_ranks, displayed_difference, spearman
from kommunebench.data import reference
from kommunebench.publish import public_view, rounded_frame
from kommunebench.published import read_bytes, validate
from kommunebench.report import write_csv
from published_shapes import EXTRACT, records


def _published() -> pd.DataFrame:
    raw = read_bytes("Y30R21-api.jsonl", EXTRACT.read_bytes())
    return validate(raw).frame


def _own_municipal(seed: int) -> pd.DataFrame:
    """Unrounded model-like figures around the published 2022 shares (a realistic own run)."""
    f = _published()
    f = f[f["period"] == "2022QMAT04"]
    tot = f[f["area"] == "total"].set_index("kommunekode")
    pop = tot["actual"] / tot["actual_share"] * 100
    rng = np.random.default_rng(seed)
    a = f[f["area"] != "total"].copy()
    a["population"] = a["kommunekode"].map(pop)
    a["expected"] = (a["expected_share"] + rng.uniform(-0.005, 0.005, len(a))) * a["population"] / 100
    a["actual"] = (a["actual_share"] + rng.uniform(-0.005, 0.005, len(a))) * a["population"] / 100
    return a[["kommunekode", "area", "population", "actual", "expected"]].reset_index(drop=True)


def _check(frame: pd.DataFrame, order: list[str], what: str, ascending: bool = True) -> None:
    r = rounded_frame(frame)
    shown = r["actual_share"].astype(float) - r["expected_share"].astype(float)
    assert np.allclose(r["diff_pp"].astype(float), shown, atol=1e-9), f"{what}: forskel ≠ faktisk − forventet"
    s = r.assign(_d=r["diff_pp"].astype(float)).sort_values(order, ascending=ascending, kind="stable")
    steps = np.diff(s["_d"].to_numpy()) if ascending else -np.diff(s["_d"].to_numpy())
    assert (steps >= -1e-9).all(), f"{what}: the displayed difference decreases down the list"


def _check_all(view) -> int:
    n = 0
    for name, f in view.lists.items():
        _check(f, ["rank"], name)
        n += 1
    k = view.klynger
    for (area, klynge), f in k.groupby(["area", "klynge"]):
        _check(f, ["rank_in_klynge"], f"klynge {klynge} of {area}")
        n += 1
    _check(view.tilsyn, ["rank"], "skærpet tilsyn", ascending=False)
    return n + 1


@pytest.mark.parametrize("seed", [1, 2])
def test_own_lists_follow_the_published_convention(seed, tmp_path):
    municipal = _own_municipal(seed)
    bl = build_lists(municipal, period="2022QMAT04")
    view = public_view(bl, threshold=0)
    assert _check_all(view) >= 4 + 4 * 5 + 1
    # the written CSV files (Danish dialect) show the same: read back every list file
    checked = 0
    for path in write_csv(view, tmp_path / "csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter=";"))
        if not rows or "Forskel (pct.-point)" not in rows[0] or "Placering" not in rows[0]:
            continue
        num = [(int(r["Placering"]), *(float(r[c].replace(",", ".")) for c in _SHARES)) for r in rows if r["Placering"]]
        num.sort()
        exp, act, diff = (np.array([x[i] for x in num]) for i in (1, 2, 3))
        assert np.allclose(diff, act - exp) and (np.diff(diff) >= -1e-9).all(), path.name
        checked += 1
    assert checked >= 4  # the overall list and the three areas


_SHARES = ("Forventet andel (pct.)", "Faktisk andel (pct.)", "Forskel (pct.-point)")


def test_the_old_rule_would_break_fact_two():
    """Ranking by the unrounded difference alone breaks fact 2 on these figures (the test bites)."""
    broken = 0
    for seed in (1, 2, 3):
        bl = build_lists(_own_municipal(seed), period="2022QMAT04")
        for f in (bl.overall, *bl.by_area.values()):
            old = rank_by_difference(f["diff_pp"].to_numpy(), f["kommunekode"].to_numpy())
            shown = displayed_difference(f["expected_share"], f["actual_share"])
            broken += int((np.diff(shown[np.argsort(old)]) < -1e-9).sum())
    assert broken > 0


def test_published_lists_follow_the_convention():
    figures = _published()
    for period, f in figures.groupby("period"):
        view = public_view(build_published_lists(f, period=str(period)), threshold=0)
        _check_all(view)
        assert set(view.lists) == {reference.TOTAL, "a_dagpenge", "sygedagpenge", "kontanthjaelp"}


def test_published_records_have_both_facts():
    """The facts themselves, on the raw published rows (the source of the convention)."""
    recs = pd.DataFrame(records(EXTRACT))
    cols = list(recs.columns)
    num = {c: recs[c].astype(str).str.replace(",", ".").astype(float) for c in cols[6:9]}
    assert np.allclose(num[cols[8]], (num[cols[7]] - num[cols[6]]).round(2))
    recs["d"] = num[cols[8]]
    for _, f in recs.groupby(["Periode", "Ydelsesgrupper"]):
        assert (np.diff(f.sort_values(cols[9])["d"].to_numpy()) >= 0).all()


def test_spearman_equals_scipy_with_ties() -> None:
    """Our NumPy Spearman (kept out of ``scipy.stats`` for start-up time) is SciPy's, ties included."""
    from scipy.stats import rankdata, spearmanr

    seed = int(np.random.SeedSequence().entropy % 2**32)
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    for n in (3, 10, 98):
        a = rng.integers(0, max(2, n // 4), n).astype(float)  # many ties
        b = a + rng.normal(0, 2, n)
        b[: n // 3] = np.round(b[: n // 3])
        np.testing.assert_array_equal(average_ranks(a), rankdata(a))
        ours, scipys = spearman(a, b), float(spearmanr(a, b).statistic)
        assert ours == pytest.approx(scipys, abs=1e-12, nan_ok=True), (seed, n, ours, scipys)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert np.isnan(spearman([2, 2, 2], [1, 2, 3]))  # a constant column has no ranks to correlate, as in SciPy
