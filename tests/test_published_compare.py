"""Published vs own: the comparison frames, the Excel workbook and the page with its JSON twin."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.request

import numpy as np
import pytest
from openpyxl import load_workbook
from scipy.stats import spearmanr

from kb_server import start
from kommunebench import pipeline
from kommunebench.benchmark import build_lists
from kommunebench.benchmark.published_lists import build_published_lists
from kommunebench.benchmark.runs import RunRecord, execute_run
from kommunebench.data import warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate
from kommunebench.publish import public_view
from kommunebench.publish.compare import compare_views
from kommunebench.published import read_bytes, validate
from kommunebench.report.comparison import comparison_workbook_bytes
from published_shapes import SUBSET

PERIOD = "2022QMAT04"


def _record(run_id: str, published: bool) -> RunRecord:
    params = {"source": "published"} if published else {}
    return RunRecord(run_id, dt.datetime(2026, 1, 1), PERIOD, "2019", None, params, "f", "0", "m", "h", None)


@pytest.fixture(scope="module")
def views():
    figures = validate(read_bytes(SUBSET.name, SUBSET.read_bytes())).frame
    pub = build_published_lists(figures, period=PERIOD)
    rng = np.random.default_rng(7)
    a = figures[figures["area"] != "total"].copy()
    tot = figures[figures["area"] == "total"].set_index("kommunekode")
    a["population"] = a["kommunekode"].map(tot["actual"] / tot["actual_share"] * 100)
    a["expected"] = (a["expected_share"] + rng.normal(0, 0.2, len(a)).clip(-1, 1)) * a["population"] / 100
    a["actual"] = a["actual_share"] * a["population"] / 100
    own = build_lists(a[["kommunekode", "area", "population", "actual", "expected"]], period=PERIOD)
    return (
        public_view(own, threshold=0, record=_record("R0002", False)),
        public_view(pub, threshold=0, record=_record("R0001", True)),
    )


def test_comparison_frames(views):
    own, pub = views
    comp = compare_views(own, pub)
    assert comp.same_period and set(comp.summary["area"]) == set(pub.lists)
    total = comp.rows[comp.rows["area"] == "total"]
    mine = own.lists["total"].set_index("kommunekode")["rank"]
    theirs = pub.lists["total"].set_index("kommunekode")["rank"]
    assert len(total) == 98
    assert (total["rank_difference"] == total["own_rank"] - total["published_rank"]).all()
    assert (total.set_index("kommunekode")["own_rank"] == mine.loc[total["kommunekode"]].to_numpy()).all()
    rho = spearmanr(mine.sort_index(), theirs.sort_index()).statistic
    row = comp.summary.set_index("area").loc["total"]
    assert row["spearman"] == pytest.approx(rho) and 0 < rho < 1
    with pytest.raises(Exception, match="own run"):
        compare_views(pub, own)


def test_comparison_workbook(views):
    comp = compare_views(*views)
    wb = load_workbook(io.BytesIO(comparison_workbook_bytes(comp)))
    assert wb.sheetnames[0] == "Sammenligning" and wb.sheetnames[-1] == "Om sammenligningen"
    head = [c.value for c in wb["Sammenligning"][1]]
    assert "Spearmans rangkorrelation" in head and wb["Sammenligning"].max_row == 1 + len(comp.summary)
    assert wb[wb.sheetnames[1]].max_row == 99


@pytest.mark.slow
def test_comparison_page_and_json(tmp_path):
    snap = generate(tmp_path / "snap", scale=0.003, first_year=2021)
    db = tmp_path / "w.duckdb"
    load(db, snap.out_dir)
    con = warehouse.connect(db)
    try:
        own = execute_run(con, period=PERIOD).record
    finally:
        con.close()
    pub = pipeline.published.import_jobindsats([SUBSET], db=db).stored[0]
    running = start(db)
    try:
        data = json.load(urllib.request.urlopen(f"{running.url}/api/v1/sammenligning"))
        assert (data["own_run"], data["published_run"], data["same_period"]) == (own.run_id, pub.run_id, True)
        assert {s["area"] for s in data["lists"]} == {"total", "a_dagpenge", "sygedagpenge", "kontanthjaelp"}
        html = urllib.request.urlopen(f"{running.url}/sammenligning").read().decode()
        assert "Spearmans rangkorrelation" in html and "<svg" in html
        xlsx = urllib.request.urlopen(f"{running.url}/api/v1/sammenligning/xlsx").read()
        assert load_workbook(io.BytesIO(xlsx)).sheetnames[0] == "Sammenligning"
    finally:
        running.stop()
