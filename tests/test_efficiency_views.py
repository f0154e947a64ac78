"""Joint jobcentres as DEA units, the environment-variable variant, and the DEA section of a run.

The hand-built mapping puts three municipalities into one jobcentre and two into another; the
expected values are computed here by hand from the same frame (sums, and Σ expected ÷ Σ actual).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx
import numpy as np
import openpyxl
import pandas as pd
import pytest

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.benchmark import MINISTRY_AREAS
from kommunebench.data import reference
from kommunebench.efficiency import compute_efficiency, loefteevne_data
from kommunebench.efficiency.jobcentres import jobcentre_mapping
from kommunebench.errors import ConfigError
from kommunebench.pipeline import RunConfig
from kommunebench.pipeline.efficiency import efficiency_view, run_and_export_with_efficiency
from published_shapes import SUBSET

SEED = 14


def _municipal() -> tuple[pd.DataFrame, pd.DataFrame]:
    print(f"seed {SEED}")
    rng = np.random.default_rng(SEED)
    rows = []
    for m in reference.municipalities():
        for a, area in enumerate(MINISTRY_AREAS):
            actual = m.pop_16_66 * (0.02 + 0.005 * a) * rng.uniform(0.7, 1.3)
            rows.append((m.kommunekode, area, m.pop_16_66, actual, actual * rng.uniform(0.8, 1.2)))
    municipal = pd.DataFrame(rows, columns=["kommunekode", "area", "population", "actual", "expected"])
    codes = [m.kommunekode for m in reference.municipalities()]
    costs = pd.DataFrame(
        {
            "kommunekode": codes,
            "cost_kr": rng.uniform(30_000, 60_000, len(codes)) * 1_000,
            "fuldtidspersoner": rng.uniform(500, 5_000, len(codes)),
            "jobcentre": None,
        }
    )
    return municipal, costs


def test_a_joint_jobcentre_is_one_unit_with_summed_costs_and_weighted_loefteevne():
    municipal, costs = _municipal()
    codes = list(costs["kommunekode"])
    north, south = codes[10:13], codes[40:42]
    costs.loc[costs["kommunekode"].isin(north), "jobcentre"] = "Nord"
    costs.loc[costs["kommunekode"].isin(south), "jobcentre"] = "Syd"
    med = loefteevne_data(municipal, variant="med_udgifter", costs=costs)
    uden = loefteevne_data(municipal, variant="uden_udgifter", jobcentres=costs)
    assert med.n == uden.n == 98 - 2 - 1 and med.units == uden.units
    assert med.members is not None and tuple(north) in med.members and tuple(south) in med.members
    u = med.units.index(min(north))
    names = {m.kommunekode: m.navn for m in reference.municipalities()}
    assert med.labels[u] == f"Jobcenter Nord ({', '.join(names[c] for c in north)})"
    part = costs[costs["kommunekode"].isin(north)]
    assert med.inputs[u, 0] == pytest.approx(part["cost_kr"].sum() / part["fuldtidspersoner"].sum(), rel=1e-12)
    assert med.input_volume is not None and med.input_volume[u, 0] == pytest.approx(part["fuldtidspersoner"].sum())
    mine = municipal[municipal["kommunekode"].isin(north)].groupby("area")[["actual", "expected"]].sum()
    by_hand = (mine["expected"] / mine["actual"])[list(MINISTRY_AREAS)].to_numpy()
    np.testing.assert_allclose(med.outputs[u], by_hand, rtol=1e-12)
    np.testing.assert_allclose(uden.outputs[u], by_hand, rtol=1e-12)
    plain = municipal[municipal["kommunekode"].isin(north)].assign(l=lambda f: f["expected"] / f["actual"])
    assert not np.allclose(med.outputs[u], plain.groupby("area")["l"].mean()[list(MINISTRY_AREAS)])
    # a municipality outside any joint jobcentre is unchanged
    alone = loefteevne_data(municipal, variant="med_udgifter", costs=costs.assign(jobcentre=None))
    i, j = alone.units.index(codes[0]), med.units.index(codes[0])
    np.testing.assert_allclose(med.outputs[j], alone.outputs[i])
    assert med.labels[j] == names[codes[0]] and med.inputs[j, 0] == alone.inputs[i, 0]
    res = compute_efficiency(med, orientation="output")
    assert res.to_frame()["unit"].tolist() == list(med.units)


def test_the_mapping_and_its_refusals():
    assert jobcentre_mapping(pd.DataFrame({"kommunekode": [101, 147], "jobcentre": [" A ", np.nan]})) == {101: "A"}
    assert jobcentre_mapping({101: "", 147: "B"}) == {147: "B"}
    municipal, costs = _municipal()
    shares = municipal.assign(
        actual_share=municipal["actual"] / municipal["population"] * 100,
        expected_share=municipal["expected"] / municipal["population"] * 100,
    ).drop(columns=["actual", "expected", "population"])
    with pytest.raises(ConfigError, match="need counts"):
        loefteevne_data(shares, jobcentres={101: "A", 147: "A"})
    with pytest.raises(ConfigError, match="mapping"):
        loefteevne_data(municipal, jobcentres=[101, 147])


@pytest.fixture(scope="module")
def joint_db(tmp_path_factory, request):
    site = shared_site(tmp_path_factory, request)
    target = tmp_path_factory.mktemp("joint") / "warehouse.duckdb"
    shutil.copy(site.db, target)
    return target


def test_the_view_shows_the_jobcentre_beside_each_members_rank(joint_db):
    plain = efficiency_view(db=joint_db)
    pair = sorted(r["kommunekode"] for r in plain.rows)[20:22]
    with duckdb.connect(str(joint_db)) as con:
        con.execute("UPDATE admin_costs SET jobcentre = 'Fælles' WHERE kommunekode IN (?, ?)", pair)
    view = efficiency_view(db=joint_db)
    a, b = view.row(pair[0]), view.row(pair[1])
    assert len(view.rows) == len(plain.rows) and view.totals["n_municipalities"] == len(plain.rows)
    assert a["dea_unit"] == b["dea_unit"] and a["dea_unit"].startswith("Jobcenter Fælles (")
    assert a["navn"] in a["dea_unit"] and b["navn"] in a["dea_unit"]
    assert a["med_score"] == b["med_score"] and a["benchmark_rank"] != b["benchmark_rank"]
    assert f"I DEA indgår {b['navn']} i {b['dea_unit']}" in b["explanation"]
    assert all(r["dea_unit"] is None for r in view.rows if r["kommunekode"] not in pair)


def test_the_environment_variant_through_the_view(joint_db):
    view = efficiency_view(db=joint_db, miljoe=True)
    base = efficiency_view(db=joint_db)
    assert view.miljoe and not base.miljoe and len(view.rows) == len(base.rows)
    # a non-discretionary input can only shrink the comparison set: no score gets worse
    for r in view.rows:
        assert r["med_score"] >= base.row(r["kommunekode"])["med_score"] - 1e-3


def test_miljoe_in_the_cli_and_the_api(joint_db, tmp_path_factory, request):
    site = shared_site(tmp_path_factory, request)
    data = httpx.get(site.url + "/api/v1/effektivitet?miljoe=true", timeout=300).json()
    assert data["miljoe"] is True and data["municipalities"]
    assert httpx.get(site.url + "/api/v1/effektivitet", timeout=300).json()["miljoe"] is False
    page = httpx.get(site.url + "/effektivitet?miljoe=true", timeout=300)
    assert page.status_code == 200 and "forventet andel på ydelse i alt" in page.text
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    cmd = [sys.executable, "-m", "kommunebench.cli", "efficiency", "show", "--db", str(joint_db), "--miljoe"]
    shown = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert shown.returncode == 0, shown.stderr
    assert "Miljøvariabel: forventet andel på ydelse i alt" in " ".join(shown.stdout.split())


def test_run_exports_the_dea_section_when_costs_are_loaded(joint_db, tmp_path):
    period = efficiency_view(db=joint_db).period
    config = RunConfig.build(period=period, out_dir=tmp_path / "with")
    run, paths, note = run_and_export_with_efficiency(config, db=joint_db)
    assert "DEA-afsnittet er med" in note and "uden bootstrap" in note
    assert "DEA og rangliste" in openpyxl.load_workbook(paths.excel).sheetnames
    assert 'id="kb-dea-table"' in paths.html.read_text("utf-8")
    off = RunConfig.build(period=period, out_dir=tmp_path / "without")
    _, paths, note = run_and_export_with_efficiency(off, db=joint_db, efficiency=False)
    assert "fravalgt" in note and "DEA og rangliste" not in openpyxl.load_workbook(paths.excel).sheetnames
    with duckdb.connect(str(joint_db)) as con:
        con.execute("DELETE FROM admin_costs")
    again = RunConfig.build(period=period, out_dir=tmp_path / "nocosts")
    _, paths, note = run_and_export_with_efficiency(again, db=joint_db)
    assert note.startswith("Intet DEA-afsnit i rapporten: der er ingen udgifter i lageret")
    assert 'id="kb-dea-table"' not in paths.html.read_text("utf-8")


def test_a_published_run_feeds_the_dea_with_the_costs_of_its_own_year(tmp_path_factory, request):
    """The real published 2022QMAT04 list (jobindsats Y30R21) goes through the same view as an own
    run; by default with the costs of its own year (2022), not the newest stored (2023)."""
    site = shared_site(tmp_path_factory, request)
    db = tmp_path_factory.mktemp("published-dea") / "warehouse.duckdb"
    shutil.copy(site.db, db)
    rep = pipeline.published.import_jobindsats([SUBSET], db=db, actor="test:dea")
    (record,) = rep.stored
    view = efficiency_view(db=db, run_id=record.run_id)
    assert view.run_id == record.run_id and view.period == "2022QMAT04" and view.cost_year == 2022
    assert len(view.rows) == 98  # published figures: nothing suppressed, every municipality a unit
    assert efficiency_view(db=db, run_id=record.run_id, year=2023).cost_year == 2023
    mine = next(r for r in pipeline.list_runs(db=db) if r.period == "2023QMAT04")  # an own run
    assert efficiency_view(db=db, run_id=mine.run_id).cost_year == 2023
