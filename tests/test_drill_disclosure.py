"""Drill 2 (issue 10): no published combination brackets a suppressed cell below the threshold.

A scale-0.02 run of the synthetic Denmark, published with the default threshold (5 persons). The
attack uses only what the public outputs show — every sheet the CSV, Excel, HTML and JSON outputs
render (``PublicRun.list_specs()``), the headline facts and the run's metadata rows, and the
joblog's public rows and national figures — and the true values only to decide whether a bracket
it found is right. A bracket is a success when it is narrower than the threshold and contains the
true count. The drill fails on any success.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.publish import TOTAL, PublicRun, public_joblog, public_national, public_view
from kommunebench.publish.suppress import PUBLIC_WHEN_SUPPRESSED

THRESHOLD = 5


@pytest.fixture(
    scope="module",
    # the default run attacks the session's shared site (scale 0.01); the slow one builds the
    # issue's scale-0.02 run of its own
    params=["shared", pytest.param("scale-0.02", marks=pytest.mark.slow)],
)
def site(tmp_path_factory, request) -> tuple[Path, PublicRun, object]:
    if request.param == "shared":
        db = shared_site(tmp_path_factory, request).db
        rec = next(r for r in pipeline.list_runs(db=db) if r.period == "2023QMAT04")
        run = pipeline.open_run(rec.run_id, db=db)
    else:
        root = tmp_path_factory.mktemp("disclosure")
        snap = pipeline.synthesize(root / "snap", scale=0.02, seed=7)
        db = root / "warehouse.duckdb"
        pipeline.load_data(snap.out_dir, db=db)
        run = pipeline.run_benchmark(pipeline.RunConfig.build(period="2023QMAT04"), db=db)
    view = pipeline.publish_run(run, threshold=THRESHOLD)
    return db, view, run.lists


def _true(lists, name: str) -> pd.DataFrame:
    frame = lists.overall if name == TOTAL else lists.by_area[name]
    return frame.set_index("kommunekode")


def _rank_bracket(public: pd.DataFrame, truth: pd.DataFrame, *, primary_only: bool) -> list[str]:
    """Suppressed cells pinned by the gaps in the published ranks and the neighbours' differences.

    The attacker knows the rule: a cell of an area list is suppressed because its count is below
    the threshold (``primary_only``); a total may be suppressed for an area's sake. Published
    ranks renumbered 1..n (the documented rule) show no position; gaps do.
    """
    hidden = public[public["suppressed"].astype(bool)]
    pub = public[~public["suppressed"].astype(bool)].sort_values("rank")
    if hidden.empty or "rank" not in public.columns:
        return []
    published = [int(r) for r in pub["rank"]]
    if hidden["rank"].notna().any():
        positions = {int(r) for r in hidden["rank"].dropna()}
    elif published == list(range(1, len(published) + 1)):
        return []  # renumbered over the published rows: no position to bracket
    else:
        positions = set(range(1, len(public) + 1)) - set(published)
    ranks, diffs = pub["rank"].to_numpy(float), pub["diff_pp"].to_numpy(float)
    found = []
    for _, row in hidden.iterrows():
        pop, exp_share = row.get("population"), row.get("expected_share")
        if pd.isna(pop) or pd.isna(exp_share):
            continue
        feasible = (0.0, min(float(pop), THRESHOLD - 1e-9) if primary_only else float(pop))
        lo, hi = math.inf, -math.inf
        for g in positions:
            below, above = diffs[ranks < g], diffs[ranks > g]
            d_lo = below.max() if below.size else -math.inf
            d_hi = above.min() if above.size else math.inf
            a_lo = max(feasible[0], (exp_share + d_lo) * pop / 100)
            a_hi = min(feasible[1], (exp_share + d_hi) * pop / 100)
            if a_lo <= a_hi:
                lo, hi = min(lo, a_lo), max(hi, a_hi)
        actual = float(truth.loc[int(row["kommunekode"]), "actual"])
        if hi - lo < THRESHOLD - 1e-6 and lo - 1e-6 <= actual <= hi + 1e-6:
            found.append(f"{row['navn']} ({row.get('area')}): [{lo:.2f}, {hi:.2f}] ∋ {actual:.3f}")
    return found


def test_drill_2_rank_bracketing_finds_no_suppressed_cell(site) -> None:
    _, view, lists = site
    assert any(view.mask.values()), "the scale-0.02 run should have suppressed cells"
    found = []
    for name in view.lists:
        found += _rank_bracket(view.frame(name), _true(lists, name), primary_only=name != TOTAL)
    n_hidden = sum(len(m) for m in view.mask.values())
    assert not found, f"{len(found)} of {n_hidden} suppressed cells bracketed: {found[:5]}"


def test_drill_2_suppressed_rows_show_only_the_allow_list_in_every_sheet(site) -> None:
    _, view, _ = site
    for slug, _, frame in view.list_specs():
        if "suppressed" not in frame.columns:
            continue
        rows = frame[frame["suppressed"].astype(bool)]
        for col in set(frame.columns) - PUBLIC_WHEN_SUPPRESSED:
            assert rows[col].isna().all(), f"{slug}: column {col} shown for a suppressed row"


def test_drill_2_national_figures_give_no_suppressed_cell_back(site) -> None:
    _, view, lists = site
    pot = view.potential["potential_mio_kr"].to_numpy(float)
    pot = pot[np.isfinite(pot)]
    residual = view.facts.national_potential_mio_kr - pot[pot > 0].sum()
    assert abs(residual) < 1e-6, f"national potential − published = {residual} mio. kr."
    assert view.facts.n_above_expected == int((pot > 0).sum())
    published_failed = int((view.tilsyn["result_target_failed"].astype(object) == True).sum())  # noqa: E712
    assert view.facts.n_result_target_failed == published_failed
    meta = dict(view.meta_rows)
    assert meta["Skærpet tilsyn: resultatmål ikke opfyldt"].startswith(f"{published_failed} ")
    # a suppressed potential never sits between published ones in the sorted sheet
    hidden = view.potential["potential_mio_kr"].isna().to_numpy()
    assert not hidden.any() or hidden[int(np.argmax(hidden)) :].all()
    # the total minus the published areas: a published total has every area published
    for code in set(lists.overall["kommunekode"]) - view.mask[TOTAL]:
        assert not any(code in view.mask[a] for a in lists.total_areas)


def test_drill_2_klynger_and_similar_give_no_suppressed_cell_back(site) -> None:
    _, view, _ = site
    k = view.klynger
    for (area, _), group in k.groupby(["area", "klynge"]):
        own = group["kommunekode"].isin(view.mask[area])
        if own.any():
            for col in ("klynge_actual_share", "klynge_diff_pp", "diff_pp_vs_klynge"):
                assert group[col].isna().all(), f"{area}: {col} of a klynge with a suppressed member"
        published = sorted(group.loc[~own, "rank_in_klynge"].dropna().astype(int))
        assert published == list(range(1, len(published) + 1)), "rank in klynge shows a gap"
    s = view.similar.dropna(subset=["similar_placering"])
    for _, r in s.iterrows():
        row = view.frame(r["area"]).set_index("kommunekode").loc[int(r["similar_kommunekode"])]
        assert row["rank"] == r["similar_placering"]


def test_drill_2_joblog_categories_and_national_sums_bracket_nothing(site) -> None:
    db, _, _ = site
    found = []
    for as_of in (dt.date(2023, 6, 1), dt.date(2023, 10, 1), dt.date(2024, 3, 1)):
        status = pipeline.joblog.status(as_of, db=db)
        records = status.frame.to_dict("records")
        public = [public_joblog(r, THRESHOLD) for r in records]
        for r, p in zip(records, public, strict=True):
            if p["target_group"] is None:
                continue
            hidden = [c for c in ("green", "light_green", "red") if p[c] is None]
            rest = p["target_group"] - sum(p[c] for c in ("green", "light_green", "red") if p[c] is not None)
            if hidden and rest < THRESHOLD:
                found.append(f"{r['navn']} {status.month}: target {p['target_group']}, hidden {hidden} sum {rest}")
        national = public_national(status.national, public, THRESHOLD)
        for col in ("target_group", "green", "light_green", "red"):
            if national[col] is None:
                continue
            rest = national[col] - sum(p[col] for p in public if p[col] is not None)
            if 0 < rest < THRESHOLD:
                found.append(f"national {col} {status.month}: hidden sum {rest}")
    assert not found, f"{len(found)} brackets: {found[:5]}"


def test_drill_2_a_column_added_later_is_blank_for_suppressed_rows(site) -> None:
    """Other issues add columns (standard errors, intervals, scores): not on the allow-list → blank."""
    _, view, lists = site
    extra = {
        "overall": lists.overall.assign(se_pp=0.5, rank_lo=1, dea_score=0.9),
        "by_area": {a: f.assign(se_pp=0.5) for a, f in lists.by_area.items()},
    }
    published = public_view(dataclasses.replace(lists, **extra), threshold=THRESHOLD)
    for name in published.lists:
        f = published.frame(name)
        hidden = f["suppressed"].astype(bool)
        assert f.loc[hidden, "se_pp"].isna().all() and f.loc[~hidden, "se_pp"].notna().all()
    total = published.frame(TOTAL)
    assert total.loc[total["suppressed"].astype(bool), ["rank_lo", "dea_score"]].isna().all().all()
