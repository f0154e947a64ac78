"""Drivers of the expected level: exact for the linear model, published, explained, served.

The run is the shared scale-0.01 site's stored calendar-year run (real model, real warehouse).
"""

from __future__ import annotations

import httpx
import numpy as np
import openpyxl
import pytest

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.benchmark.drivers import run_drivers
from kommunebench.data.reference import TOTAL
from kommunebench.publish.drivers import GROUP_LABELS, drivers_block, drivers_sentence, drivers_table


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture(scope="module")
def run(site):
    return pipeline.open_run("R0001", db=site.db)


def test_the_drivers_of_every_municipality_sum_exactly_to_expected_minus_national(run):
    drivers = run_drivers(run.artifacts, run.lists.total_areas)
    assert drivers is not None
    assert len(drivers.kommunekoder) == 98 and TOTAL in drivers.lists
    assert set(drivers.groups) == set(GROUP_LABELS)
    gap = drivers.contributions.sum(axis=2) - drivers.deviation()
    assert np.abs(gap).max() < 1e-9
    # ...and the expected shares are the stored model's, national = Σ expected ÷ Σ population
    municipal = run.artifacts["municipal"]
    for col, name in enumerate(drivers.lists):
        parts = run.lists.total_areas if name == TOTAL else (name,)
        rows = municipal[municipal["area"].isin(parts)].groupby("kommunekode")[["expected", "population"]]
        exp = rows.agg({"expected": "sum", "population": "first"}).reindex(drivers.kommunekoder)
        share = exp["expected"].to_numpy() / exp["population"].to_numpy() * 100
        np.testing.assert_allclose(drivers.expected_share[:, col], share, rtol=0, atol=1e-9)
        national = exp["expected"].sum() / exp["population"].sum() * 100
        assert abs(drivers.national_share[col] - national) < 1e-9
    # fitted on its own period: the national expected share is the national actual share
    tot = municipal[municipal["area"].isin(run.lists.total_areas)]
    actual = tot["actual"].sum() / municipal.groupby("kommunekode")["population"].first().sum() * 100
    assert abs(drivers.national_share[drivers.lists.index(TOTAL)] - actual) < 1e-9
    assert "pct. points" in drivers.summary()


def test_the_sentence_names_the_largest_drivers_in_danish():
    text = drivers_sentence(0.8, {"health": 0.4, "prior_benefits": 0.3, "age": 0.15, "sex": -0.05})
    assert text == (
        "Jeres forventede andel er 0,8 pct.-point over landsgennemsnittet, mest pga. helbred (+0,4) "
        "og tidligere forsørgelse (+0,3)."
    )
    assert drivers_sentence(-1.25, {"origin": -1.0, "health": -0.3}).startswith(
        "Jeres forventede andel er 1,3 pct.-point under landsgennemsnittet, mest pga. herkomst (-1,0)"
    )
    assert drivers_sentence(0.3, {"labour_market": 0.39, "prior_benefits": 0.2, "health": -0.38}) == (
        "Jeres forventede andel er 0,3 pct.-point over landsgennemsnittet, mest pga. lokalt arbejdsmarked (+0,4) "
        "og tidligere forsørgelse (+0,2), mens helbred (-0,4) trækker ned."
    )
    assert drivers_sentence(0.01, {"age": 0.01}) == "Jeres forventede andel er på niveau med landsgennemsnittet."


def test_a_suppressed_cell_shows_drivers_of_its_expected_share_only(run):
    view = pipeline.publish_run(run, threshold=5)
    drivers = run_drivers(run.artifacts, run.lists.total_areas)
    hidden = sorted(view.mask[TOTAL])
    assert hidden, "the scale-0.01 site has small cells"
    kode = hidden[0]
    block = drivers_block(view, drivers, kode, TOTAL)
    row = view.row(TOTAL, kode)
    assert row["actual_share"] is None and row["rank"] is None
    assert block["available"] and block["expected_share"] == row["expected_share"]
    assert "actual" not in str(sorted(block)) and "faktisk" not in block["sentence"]
    table = drivers_table(view, drivers)
    assert len(table) == 98 * len(view.lists) and "Faktisk" not in " ".join(table.columns)


def test_the_json_twin_and_the_page_carry_the_drivers(site):
    body = httpx.get(f"{site.url}/api/v1/kommuner/101/drivere", timeout=60).json()
    total = body["lists"][0]
    assert total["list"] == TOTAL and total["available"]
    assert abs(sum(g["contribution_pp"] for g in total["groups"]) - total["deviation_pp"]) < 0.05
    assert total["sentence"].startswith("Jeres forventede andel er")
    page = httpx.get(f"{site.url}/kommuner/101", timeout=60).text
    assert 'id="kb-drivers-chart"' in page and total["sentence"] in page


def test_the_workbook_has_the_drivers_sheet_and_prints_landscape_fit_to_width(run, tmp_path):
    paths = pipeline.export_run(run, tmp_path, threshold=5)
    wb = openpyxl.load_workbook(paths.excel)
    ws = wb["Forklaring af forventet"]
    head = [c.value for c in ws[1]]
    assert head[:3] == ["Kommunekode", "Kommune", "Liste"] and "Bidrag: helbred (pct.-point)" in head
    first = dict(zip(head, (c.value for c in ws[2]), strict=True))
    parts = sum(v for k, v in first.items() if str(k).startswith("Bidrag"))
    assert abs(parts - first["Afvigelse (pct.-point)"]) < 0.06
    for sheet in (wb["Samlet liste"], ws):
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows == "$1:$1"
