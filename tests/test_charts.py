"""Charts that read correctly (issue 12, item 7), checked on the figure JSON plotly.js receives.

* The joblog history: the red share is the bottom of each stack, so the dashed criterion lines (on
  the same y axis, in the same unit) can be read against the top of the red bar.
* The map: Bornholm is moved into a framed box inside the main map's extent, and a second geo
  subplot enlarges the capital area with the same colours as the main map.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from kb_server import shared_site
from kommunebench import pipeline, report
from kommunebench.alerts import Thresholds
from kommunebench.data import reference
from kommunebench.report import figures
from kommunebench.report.change import change_waterfall


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


def _history() -> pd.DataFrame:
    """Twelve months of smiley shares (random, seed printed) with non-default criterion thresholds."""
    seed = int(np.random.default_rng().integers(1_000_000))
    print(f"joblog history seed: {seed}")
    rng = np.random.default_rng(seed)
    shares = rng.dirichlet([2.0, 2.0, 2.0], size=12) * 100
    history = pd.DataFrame(
        {
            "month": pd.date_range("2023-01-01", periods=12, freq="MS"),
            "red_share": shares[:, 0],
            "light_green_share": shares[:, 1],
            "green_share": shares[:, 2],
            "target_group": rng.integers(41, 900, size=12),
        }
    )
    history.attrs["thresholds"] = Thresholds(c1_red_share=float(rng.integers(45, 60)), c2_red_share=35.0)
    history.attrs["navn"] = "København"
    return history


def test_the_joblog_criterion_lines_read_against_the_red_bars():
    history = _history()
    fig = report.history_figure(history)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [t.name for t in bars][0] == "Rød" and fig.layout.barmode == "stack"
    red = np.asarray(bars[0].y, dtype=float)
    assert red == pytest.approx(history["red_share"].astype(float).round(1).to_numpy())
    # every bar on the one y axis whose unit is pct. of the target group, 0-100
    assert {t.yaxis or "y" for t in bars} == {"y"} and list(fig.layout.yaxis.range) == [0, 100]
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    th = history.attrs["thresholds"]
    assert sorted(s.y0 for s in lines) == sorted([th.c1_red_share, th.c2_red_share])
    assert all(s.y0 == s.y1 and s.yref == "y" for s in lines)
    # the red bar starts at 0 (no base): its top is the red share, comparable with a line at that height
    assert bars[0].base is None and bars[0].marker.pattern.shape  # and a pattern, not colour only


def _inside(lon: float, lat: float, geo: dict) -> bool:
    return geo["lonaxis"]["range"][0] <= lon <= geo["lonaxis"]["range"][1] and (
        geo["lataxis"]["range"][0] <= lat <= geo["lataxis"]["range"][1]
    )


def test_the_map_has_a_capital_inset_and_bornholm_in_a_box(site):
    view = pipeline.publish_run(pipeline.open_run("R0001", db=site.db), threshold=5)
    fig = json.loads(report.map_figure_json(view))
    layout, data = fig["layout"], fig["data"]
    main = [t for t in data if t["type"] == "choropleth" and t.get("geo", "geo") == "geo"]
    inset = [t for t in data if t.get("geo") == "geo2"]
    codes = [c for t in main if t["name"] != figures.OTHER_TRACE for c in t["locations"]]
    assert sorted(codes) == sorted(m.kommunekode for m in reference.municipalities())
    # the inset: the capital's municipalities (København, Frederiksberg, ...), not Bornholm,
    # coloured on the main trace's scale
    shown = inset[0]
    assert shown["name"] == figures.INSET_TRACE and {101, 147} <= set(shown["locations"]) | set(
        c for t in inset[1:] for c in t["locations"]
    )
    assert 400 not in shown["locations"] and shown["showscale"] is False
    assert (shown["zmin"], shown["zmax"]) == (main[0]["zmin"], main[0]["zmax"])
    z_main = dict(zip(main[0]["locations"], main[0]["z"], strict=True))
    assert all(z_main[c] == pytest.approx(z) for c, z in zip(shown["locations"], shown["z"], strict=True))
    g1, g2 = layout["geo"], layout["geo2"]
    assert g2["domain"]["x"][0] > 0.5 and g2["domain"]["y"][1] < 0.5  # bottom right
    assert all(_inside(12.57, 55.68, g) for g in (g1, g2))  # Copenhagen on both
    # Bornholm's shape lies inside the main map's extent and inside its box
    feature = next(f for f in main[0]["geojson"]["features"] if f["properties"]["kommunekode"] == 400)
    points = [p for poly in feature["geometry"]["coordinates"] for ring in poly for p in ring]
    box = next(t for t in data if t["name"] == figures.BORNHOLM_TRACE)
    assert all(_inside(x, y, g1) for x, y in points)
    assert all(min(box["lon"]) < x < max(box["lon"]) and min(box["lat"]) < y < max(box["lat"]) for x, y in points)
    # the menu restyles the inset together with the main map
    for button in layout["updatemenus"][0]["buttons"]:
        args, targets = button["args"]
        assert data.index(shown) in targets and len(args["locations"]) == len(targets)


@pytest.mark.parametrize("seed", [int(s) for s in np.random.default_rng().integers(1, 1 << 31, size=3)])
def test_the_change_waterfall_leaves_room_for_its_labels_at_both_ends(seed):
    """Every bar end (previous, running sums, now) lies inside the axis with a margin for its value label."""
    print("seed", seed)
    rng = np.random.default_rng(seed)
    parts = [{"label": f"Del {i}", "change_pp": float(v)} for i, v in enumerate(rng.normal(0, 0.3, 4).round(2))]
    before = round(float(rng.normal(0, 1)), 2)
    now = round(before + sum(p["change_pp"] for p in parts), 2)
    block = {"previous_period": "2023QMAT02", "parts": parts, "diff_pp_previous": before, "diff_pp": now}
    fig = change_waterfall(block)
    lo, hi = fig.layout.xaxis.range
    ends = np.concatenate([[0.0, before], before + np.cumsum([p["change_pp"] for p in parts]), [now]])
    margin = 0.3 * (ends.max() - ends.min())
    assert lo <= ends.min() - margin and hi >= ends.max() + margin, (lo, hi, ends)
