"""DEA beside the ranking end to end: the cost input kind, the public view, API, CLI, Excel, HTML.

Real components: the session's small real warehouse (synthetic Denmark at scale 0.01 with its
admin_costs, loaded, two stored runs; ``kb_server``), the app over HTTP, the CLI in a subprocess.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx
import numpy as np
import openpyxl
import pytest
from scipy import stats

from conftest import write_csv
from kb_server import shared_site
from kommunebench.benchmark.runs import load_run
from kommunebench.data import reference, warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import costs as synth_costs
from kommunebench.efficiency import compute_efficiency, loefteevne_data
from kommunebench.efficiency.costs import stored_costs
from kommunebench.efficiency.sidebyside import explain
from kommunebench.errors import NotFoundError, ValidationError
from kommunebench.pipeline.efficiency import efficiency_view, export_efficiency
from kommunebench.publish.efficiency import efficiency_inputs
from kommunebench.publish.suppress import suppression_mask

SYNTH_SEED = 20181102  # kb_server's synthetic Denmark uses generate()'s default seed


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture(scope="module")
def db_copy(site, tmp_path_factory) -> Path:
    """A private copy of the site's warehouse (read by this module's processes)."""
    target = tmp_path_factory.mktemp("eff") / "warehouse.duckdb"
    shutil.copy(site.db, target)
    return target


@pytest.fixture(scope="module")
def view(db_copy):
    return efficiency_view(db=db_copy)


def _num(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


# --- the cost input kind ---------------------------------------------------------------------


def _cost_rows(n: int = 3) -> list[dict]:
    codes = [m.kommunekode for m in reference.municipalities()[:n]]
    return [
        {"kommunekode": c, "year": 2023, "admin_cost_kr": 1.4e9 + c, "fuldtidspersoner": 25.5, "jobcentre": None}
        for c in codes  # København's size (above the generic ±1e9 bound of a number)
    ]


@pytest.mark.parametrize(
    ("change", "row", "column", "words"),
    [
        (lambda r: r[1].update(kommunekode=999), 2, "kommunekode", "ukendt kommunekode"),
        (lambda r: r[2].update(admin_cost_kr=0.0), 3, "admin_cost_kr", "skal være over 0"),
        (lambda r: r[0].update(admin_cost_kr=2e11), 1, "admin_cost_kr", "uden for det tilladte område"),
        (lambda r: r[0].update(fuldtidspersoner=-1.0), 1, "fuldtidspersoner", "uden for det tilladte område"),
        (lambda r: r[1].update(admin_cost_kr="mange"), 2, "admin_cost_kr", "mange"),
        (lambda r: r[2].update(year=1800), 3, "year", "uden for det tilladte område"),
    ],
)
def test_bad_cost_files_are_refused_with_file_row_column_and_rule(tmp_path, change, row, column, words):
    db = tmp_path / "wh.duckdb"
    (tmp_path / "good").mkdir()
    good = write_csv(tmp_path / "good" / "admin_costs.csv", _cost_rows())
    load(db, {"admin_costs": good})
    with duckdb.connect(str(db), read_only=True) as con:
        before = con.execute("SELECT * FROM admin_costs ORDER BY ALL").fetchall()
    rows = _cost_rows()
    change(rows)
    bad = write_csv(tmp_path / "admin_costs.csv", rows)
    with pytest.raises(ValidationError) as err:
        load(db, {"admin_costs": bad})
    e = err.value
    print(e)
    assert e.file == "admin_costs.csv" and e.row == row and e.column == column and words in str(e)
    with duckdb.connect(str(db), read_only=True) as con:  # all or nothing: the stored costs are untouched
        assert con.execute("SELECT * FROM admin_costs ORDER BY ALL").fetchall() == before


def test_duplicate_and_missing_columns_are_refused(tmp_path):
    rows = _cost_rows()
    rows.append(dict(rows[0]))
    with pytest.raises(ValidationError, match="dobbelt"):
        load(tmp_path / "a.duckdb", {"admin_costs": write_csv(tmp_path / "admin_costs.csv", rows)})
    short = [{k: v for k, v in r.items() if k != "fuldtidspersoner"} for r in _cost_rows()]
    with pytest.raises(ValidationError) as err:
        (tmp_path / "c").mkdir()
        load(tmp_path / "b.duckdb", {"admin_costs": write_csv(tmp_path / "c" / "admin_costs.csv", short)})
    assert err.value.column == "fuldtidspersoner"


def test_the_synthetic_costs_are_loaded_and_plant_a_recoverable_inefficiency(db_copy):
    con = warehouse.connect(db_copy, read_only=True)
    try:
        year, costs = stored_costs(con)
        run = load_run(con, "R0001")
    finally:
        con.close()
    assert year == 2023 and len(costs) == 98 and (costs["cost_kr"] > 0).all()
    safe, hidden = efficiency_inputs(run.lists, 5)  # as published: small cells left out
    data = loefteevne_data(safe, variant="med_udgifter", costs=costs[~costs["kommunekode"].isin(hidden)])
    res = compute_efficiency(data, orientation="input")
    truth = [synth_costs.excess_factor(SYNTH_SEED, int(c)) ** -1 for c in data.units]
    rho = stats.spearmanr(res.scores.score, truth).statistic
    print(f"Spearman of the input-oriented DEA score with the planted cost efficiency: {rho:.3f}")
    assert rho >= 0.7


# --- the public view -------------------------------------------------------------------------


def test_suppressed_municipalities_are_left_out_everywhere(db_copy, view):
    con = warehouse.connect(db_copy, read_only=True)
    try:
        run = load_run(con, view.run_id)
    finally:
        con.close()
    _, hidden = efficiency_inputs(run.lists, view.threshold)
    mask = suppression_mask(run.lists, view.threshold)
    assert hidden and hidden >= mask["a_dagpenge"]
    names = {m.kommunekode: m.navn for m in reference.municipalities()}
    shown = {r["kommunekode"] for r in view.rows}
    assert not shown & hidden and len(shown) + len(hidden) == 98
    assert sorted(view.suppressed) == sorted(names[c] for c in hidden)
    for r in view.rows:  # a suppressed municipality is no peer either
        assert not any(names[c] in (r["med_peers"] or "") for c in hidden)


def test_one_municipalitys_explanation_matches_its_numbers(view):
    rows = {r["kommunekode"]: r for r in view.rows}
    inside = [r for r in view.rows if r["med_score"] < 1]
    r = max(inside, key=lambda r: r["cost_per_fuldtidsperson_kr"])
    text = r["explanation"]
    print(text)
    assert f"{r['navn']} er nr. {r['benchmark_rank']} af 98 i benchmarkingen" in text
    assert f"faktisk minus forventet {_num(r['diff_pp'], 2)} pct.-point" in text
    assert f"gruppe {r['med_group']} i DEA med udgifter (score {_num(r['med_score'], 3)};" in text
    assert f"uden udgifter {_num(r['uden_score'], 3)}, gruppe {r['uden_group']})" in text
    assert f"Udgiften er {_num(r['cost_per_fuldtidsperson_kr'])} kr. pr. fuldtidsperson" in text
    assert f"mod {_num(r['target_cost_per_fuldtidsperson_kr'])} kr. hos fronten" in text
    # the peers and their weights reproduce the targets: Σλ·peer løfteevne = the unit's target
    peers = [(m.group(1), float(m.group(2))) for m in re.finditer(r"([^;()]+?) \((\d\.\d+)\)", r["med_peers"])]
    assert peers and abs(sum(w for _, w in peers) - 1) < 2e-3 and f"Fronten defineres af {r['med_peers']}." in text
    by_name = {p["navn"]: p for p in rows.values()}
    outputs = [k for k in r if k.startswith("loefteevne_")]
    for out in outputs:
        target = sum(w * by_name[name.strip()][out] for name, w in peers)
        assert abs(target - r[f"target_{out}"]) <= 0.02 + 0.005 * abs(target), (out, target, r[f"target_{out}"])
    # the driver named is the output with the largest gap to its target
    driver = max(outputs, key=lambda o: r[f"potential_{o}_pct"] or 0)
    if r[f"potential_{driver}_pct"] > 0.05:
        label = {"a_dagpenge": "A-dagpenge", "sygedagpenge": "sygedagpenge", "kontanthjaelp": "kontanthjælp"}
        area = label[driver.removeprefix("loefteevne_")]
        assert f"løfteevnen for {area}: {_num(r[driver], 2)} mod målet {_num(r['target_' + driver], 2)}" in text
    # and the why-sentence follows the rank and the group
    if r["benchmark_rank"] <= 98 / 3 and r["med_group"] >= 4:
        assert "trækker de høje udgifter ned" in text
    elif r["benchmark_rank"] > 2 * 98 / 3 and r["med_group"] <= 2:
        assert "udgifterne er lave" in text
    else:
        assert "samme vej" in text
    frontier = [r for r in view.rows if r["med_score"] == 1]
    assert frontier and all("ligger på fronten" in f["explanation"] for f in frontier)


def test_national_totals_in_rigsrevisionens_form(db_copy, view):
    t = view.totals
    assert t["n_municipalities"] == len(view.rows)
    assert t["persons_more_in_job"] >= 0 and t["persons_more_in_job"] % 10 == 0
    saving = sum(r["saving_kr"] for r in view.rows) / 1e6
    assert abs(saving - t["saving_mio_kr"]) < 0.05 + 0.001 * len(view.rows)
    assert 0 <= t["saving_pct"] < 100
    persons = sum(r["potential_persons"] for r in view.rows)
    assert abs(persons - t["persons_more_in_job"]) <= 5 + 0.5 * len(view.rows)
    # recomputed from the library: more in job or education = the output-oriented model (same
    # expenditure), the saving = the input-oriented one (same results), both med udgifter
    con = warehouse.connect(db_copy, read_only=True)
    try:
        _, costs = stored_costs(con, view.cost_year)
        run = load_run(con, view.run_id)
    finally:
        con.close()
    safe, hidden = efficiency_inputs(run.lists, view.threshold)
    data = loefteevne_data(safe, variant="med_udgifter", costs=costs[~costs["kommunekode"].isin(hidden)])
    more = compute_efficiency(data, orientation="output").totals()["persons"]
    less = compute_efficiency(data, orientation="input")
    kr = less.totals()["cost_per_fuldtidsperson_kr"]
    spent = float((data.inputs[:, 0] * data.input_volume[:, 0]).sum())
    print(f"{more:.1f} more in job or education; saving {kr / 1e6:.2f} mio. kr. of {spent / 1e6:.2f}")
    assert abs(t["persons_more_in_job"] - more) <= 5
    assert abs(t["saving_mio_kr"] - kr / 1e6) <= 0.05
    assert abs(t["saving_pct"] - 100 * kr / spent) <= 0.05


def test_a_unit_left_out_of_the_frontier_is_not_said_to_lie_on_it():
    rec = {"navn": "Langeland", "benchmark_rank": 9, "diff_pp": -1.0, "med_group": 1, "med_score": 1.023}
    rec |= {"uden_score": 0.97, "uden_group": 2, "med_peers": ""}
    text = explain(rec, (), 98)
    print(text)
    assert "uden for fronten" in text and "ligger på fronten" not in text and "score 1,023" in text
    assert "ligger på fronten" in explain(rec | {"med_score": 1.0}, (), 98)


# --- API, CLI, Excel, HTML -------------------------------------------------------------------


def test_the_json_twin_and_the_page(site, view):
    data = httpx.get(site.url + "/api/v1/effektivitet", timeout=120).json()
    assert data["run_id"] == view.run_id and len(data["municipalities"]) == len(view.rows)
    assert data["suppressed"] == list(view.suppressed)
    one = data["municipalities"][0]
    assert one["explanation"] == view.row(one["kommunekode"])["explanation"]
    page = httpx.get(site.url + "/effektivitet", timeout=120)
    assert page.status_code == 200 and 'id="kb-dea-table"' in page.text and "Effektivitet" in page.text
    assert httpx.get(site.url + "/api/v1/effektivitet?rts=xyz", timeout=30).status_code == 422
    # the report's option: units left out of the frontier (still scored, never a peer)
    out = httpx.get(site.url + "/api/v1/effektivitet", params={"udelad": "Aarhus, odense"}, timeout=120).json()
    assert sorted(out["excluded"]) == ["Aarhus", "Odense"] and len(out["municipalities"]) == len(view.rows)
    assert not any(p in (m["med_peers"] or "") for m in out["municipalities"] for p in ("Aarhus (", "Odense ("))
    assert (
        "Udeladt af fronten</dt><dd>Aarhus</dd>"
        in httpx.get(site.url + "/effektivitet?udelad=Aarhus", timeout=120).text
    )
    assert httpx.get(site.url + "/api/v1/effektivitet?udelad=Atlantis", timeout=60).status_code == 400


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    cmd = [sys.executable, "-m", "kommunebench.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)


def test_cli_show_explain_and_export(db_copy, view, tmp_path):
    r = view.rows[0]
    shown = _cli("efficiency", "show", "--db", str(db_copy), "--kommune", str(r["kommunekode"]))
    assert shown.returncode == 0, shown.stderr
    flat = " ".join(shown.stdout.split())
    assert " ".join(r["explanation"].split()) in flat and "Mulig besparelse ved samme resultater" in flat
    out = _cli("efficiency", "export", "--db", str(db_copy), "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    xlsx = next(tmp_path.glob("effektivitet_*.xlsx"))
    ws = openpyxl.load_workbook(xlsx)["DEA og rangliste"]
    assert ws.max_row == len(view.rows) + 1 and ws.cell(1, 2).value == "Kommune"
    html = next(tmp_path.glob("effektivitet_*.html")).read_text("utf-8")
    assert 'id="kb-dea-table"' in html and html.count("<tr data-kommunekode=") == len(view.rows)
    bad = _cli("efficiency", "show", "--db", str(db_copy), "--kommune", "Atlantis")
    assert bad.returncode == 1 and "ikke i beregningen" in bad.stdout


def test_bootstrap_through_the_view_is_seeded_and_published(db_copy, tmp_path):
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print(f"bootstrap seed {seed}")
    v = efficiency_view(db=db_copy, bootstrap=60, seed=seed)
    assert v.bootstrap == 60 and v.seed == seed
    with_bounds = [r for r in v.rows if r.get("med_lower") is not None]
    assert with_bounds and all(r["med_lower"] <= r["med_score_bc"] + 1e-3 for r in with_bounds)
    r = with_bounds[0]
    assert (
        f"Bootstrap: bias-korrigeret score {_num(r['med_score_bc'], 3)} (90 %-interval "
        f"{_num(r['med_lower'], 3)}–{_num(r['med_upper'], 3)})." in r["explanation"]
    )
    # the same seed in another process gives the same numbers, and every output shows them
    out = _cli(
        "efficiency", "export", "--db", str(db_copy), "--out", str(tmp_path), "--bootstrap", "60", "--seed", str(seed)
    )
    assert out.returncode == 0, out.stderr
    ws = openpyxl.load_workbook(next(tmp_path.glob("effektivitet_*.xlsx")))["DEA og rangliste"]
    head = [c.value for c in ws[1]]
    sheet = {row[0]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    for rec in v.rows:
        got = sheet[rec["kommunekode"]]
        for key, label in (("med_score_bc", "Bias-korrigeret"), ("med_lower", "Nedre"), ("med_upper", "Øvre")):
            assert got[next(i for i, h in enumerate(head) if h.startswith(label))] == rec[key]
    about = dict(openpyxl.load_workbook(next(tmp_path.glob("effektivitet_*.xlsx")))["Om beregningen"].values)
    assert f"seed {seed}" in about["Bootstrap"] and "60 gentagelser" in about["Bootstrap"]
    html = next(tmp_path.glob("effektivitet_*.html")).read_text("utf-8")
    row = re.search(rf'<tr data-kommunekode="{r["kommunekode"]}">(.*?)</tr>', html, re.S)
    assert row and f"{_num(r['med_lower'], 3)}–{_num(r['med_upper'], 3)}" in row.group(1)


def test_without_stored_costs_the_view_says_so_in_danish(db_copy, tmp_path):
    empty = tmp_path / "no_costs.duckdb"
    shutil.copy(db_copy, empty)
    with duckdb.connect(str(empty)) as con:
        con.execute("DELETE FROM admin_costs")
    with pytest.raises(NotFoundError, match="ingen udgifter i lageret"):
        efficiency_view(db=empty)
    with pytest.raises(NotFoundError, match="ingen udgifter for 1999"):
        efficiency_view(db=db_copy, year=1999)


def test_the_run_report_and_workbook_carry_the_dea_section(db_copy, view, tmp_path):
    xlsx, html = export_efficiency(view, tmp_path, with_run=True, db=db_copy)
    wb = openpyxl.load_workbook(xlsx)
    assert "Samlet liste" in wb.sheetnames and wb.sheetnames.index("DEA og rangliste") == len(wb.sheetnames) - 2
    assert wb["DEA og rangliste"].max_row == len(view.rows) + 1
    text = html.read_text("utf-8")
    assert 'id="kb-map"' in text and 'id="kb-dea-table"' in text and 'id="kb-dea-figure"' in text
    assert text.count("<tr data-kommunekode=") == len(view.rows)
