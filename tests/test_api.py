"""The JSON API and the dashboard pages over HTTP (a real uvicorn server on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import httpx
import openpyxl
import plotly
import pytest

from kb_server import shared_site, start
from kommunebench.benchmark.runs import list_runs, load_run
from kommunebench.data import reference, warehouse

PUBLIC_TWINS = ["/", "/lister/total", "/lister/a_dagpenge", "/kommuner/101", "/koersler", "/joblog"]


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture
def http(site):
    with httpx.Client(base_url=site.url, timeout=30) as client:
        yield client


def bearer(site, key: str) -> dict:
    return {"Authorization": f"Bearer {site.tokens[key]}"}


def api_path(page: str) -> str:
    return "/api/v1/kort" if page == "/" else "/api/v1" + page


def assert_error(resp: httpx.Response, status: int, code: str, *, contains: str = "") -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert {"status", "code", "message"} <= set(err) <= {"status", "code", "message", "details"}
    assert err["status"] == status and err["code"] == code and err["message"]
    assert contains in err["message"]
    return err


def raw_lists(site, run_id: str | None = None):
    con = warehouse.connect(site.db, read_only=True)
    try:
        records = list_runs(con)
        return load_run(con, run_id or records[-1].run_id)
    finally:
        con.close()


# ------------------------------------------------------------------------ pages and twins


@pytest.mark.parametrize("page", PUBLIC_TWINS)
def test_every_page_has_a_json_twin_with_the_same_figures(http, page):
    html = http.get(page)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert '<html lang="da">' in html.text
    assert "content-security-policy" in html.headers
    twin = http.get(api_path(page))
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    assert f'href="{api_path(page)}"' in html.text  # each page links its twin
    data = twin.json()
    if "rows" in data and page.startswith("/lister"):
        for row in data["rows"][:5]:
            assert f'data-kommunekode="{row["kommunekode"]}"' in html.text
            assert row["navn"] in html.text


def test_map_twin_covers_the_98_municipalities(http, site):
    data = http.get("/api/v1/kort").json()
    # the ranks published in the total list: suppressed municipalities have none
    assert data["facts"]["n_ranked"] == sum(not m["suppressed"] for m in data["municipalities"])
    codes = {m["kommunekode"] for m in data["municipalities"]}
    assert codes == {m.kommunekode for m in reference.municipalities()}
    assert all(m["url"] == f"/kommuner/{m['kommunekode']}" for m in data["municipalities"])
    assert all((m["diff_pp"] is None) == m["suppressed"] for m in data["municipalities"])
    assert data["run"]["period"] == "2023QMAT04"  # by default the most recent period, not the last run made
    area = http.get("/api/v1/kort", params={"omraade": "sygedagpenge"}).json()
    assert area["area"] == "sygedagpenge" and area["area_label"] == "Sygedagpenge mv."


def test_overall_list_matches_the_stored_run(http, site):
    stored = raw_lists(site, "R0001")
    data = http.get("/api/v1/lister/total", params={"run": "R0001"}).json()
    # published rows in rank order, then the suppressed ones (no rank, by kommunekode): their place would show it
    hidden = [r["kommunekode"] for r in data["rows"] if r["suppressed"]]
    ranked = [c for c in stored.lists.overall["kommunekode"].tolist() if c not in hidden]
    assert [r["kommunekode"] for r in data["rows"]] == ranked + sorted(hidden)
    # ranks are renumbered over the published rows, so no gap points at a suppressed one (issue 10)
    assert [r["rank"] for r in data["rows"] if not r["suppressed"]] == list(range(1, len(ranked) + 1))
    assert data["run"]["period"] == "2023QMAT04" and data["run"]["period_text"] == "kalenderåret 2023"
    raw_rows = {r.kommunekode: r for r in stored.lists.overall.itertuples()}
    for row in data["rows"]:
        raw = raw_rows[row["kommunekode"]]
        assert row["expected"] == round(raw.expected / 10) * 10 or abs(row["expected"] - raw.expected) <= 5
        assert row["result_target_failed"] == (None if row["suppressed"] else bool(raw.result_target_failed))
    assert {o["value"] for o in data["runs"]} == {"R0001", "R0002"}


def test_list_filters_by_region_and_klynge(http):
    data = http.get("/api/v1/lister/a_dagpenge", params={"region": 1084}).json()
    assert data["rows"] and {r["regionskode"] for r in data["rows"]} == {1084}
    assert len(data["rows"]) == sum(m.regionskode == 1084 for m in reference.municipalities())
    k = http.get("/api/v1/lister/a_dagpenge", params={"klynge": 2}).json()
    assert k["rows"] and {r["klynge"] for r in k["rows"]} == {2}
    both = http.get("/lister/a_dagpenge", params={"region": "", "klynge": ""})  # a form's "all" choice
    assert both.status_code == 200 and both.text.count("data-kommunekode=") == 98


def test_list_downloads_csv_and_excel(http):
    resp = http.get("/api/v1/lister/total/csv", params={"run": "R0001"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    assert resp.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Placering", "Kommunekode", "Kommune"] and "Undertrykt" in rows[0]
    assert len(rows) == 100  # the header, 98 municipalities and "Hele landet"
    national = dict(zip(rows[0], rows[-1], strict=True))
    shown = http.get("/api/v1/lister/total", params={"run": "R0001"}).json()["national"]
    assert national["Kommune"] == "Hele landet" and national["Placering"] == national["Kommunekode"] == ""
    assert national["Undertrykt"] == ("Ja" if shown["withheld"] else "Nej")
    for col, key in (("Faktisk andel (pct.)", "actual_share"), ("Forskel (pct.-point)", "diff_pp")):
        assert (national[col] == "") == (shown[key] is None), col  # withheld as on the list page
    plain = http.get("/api/v1/lister/total/csv", params={"dialect": "plain", "region": 1081}).text
    assert plain.splitlines()[0].startswith("Placering,Kommunekode")
    assert plain.splitlines()[-1].startswith(",,Hele landet,")
    assert len(plain.splitlines()) == 2 + sum(m.regionskode == 1081 for m in reference.municipalities())
    xlsx = http.get("/api/v1/lister/sygedagpenge/xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["Sygedagpenge mv.", "Om kørslen"]
    sheet = wb["Sygedagpenge mv."]
    assert sheet.max_row == 100 and sheet.cell(row=100, column=3).value == "Hele landet"


def test_municipality_page(http):
    data = http.get("/api/v1/kommuner/101", params={"run": "R0001"}).json()
    assert data["municipality"]["navn"] == "København"
    assert [h["period"] for h in data["history"]] == ["2023QMAT02", "2023QMAT04"]  # chronological
    assert all(1 <= r <= 98 for h in data["history"] for r in h["ranks"].values())
    assert [b["area"] for b in data["areas"]] == ["total", "a_dagpenge", "sygedagpenge", "kontanthjaelp"]
    for block in data["areas"]:
        assert len(block["similar"]) == 5 and 101 not in {s["kommunekode"] for s in block["similar"]}
        assert 101 in {m["kommunekode"] for m in block["klynge"]["members"]}
    assert set(data["potential"]["by_area_mio_kr"]) == {"a_dagpenge", "sygedagpenge", "kontanthjaelp"}
    assert data["skaerpet_tilsyn"]["applicable"] is True
    assert 1 <= len(data["joblog"]) <= 12 and re.fullmatch(r"\d{4}-\d{2}", data["joblog"][-1]["month"])
    page = http.get("/kommuner/101").text
    assert "Københavns Kommune" in page and "Placering over tid" in page and "Skærpet tilsyn" in page


def test_runs_page_shows_parameters_and_fingerprints(http, site):
    con = warehouse.connect(site.db, read_only=True)
    try:
        records = {r.run_id: r for r in list_runs(con)}
    finally:
        con.close()
    data = http.get("/api/v1/koersler").json()
    assert {r["run_id"] for r in data["runs"]} == set(records)
    for r in data["runs"]:
        rec = records[r["run_id"]]
        assert r["data_fingerprint"] == rec.data_fingerprint and r["results_sha256"] == rec.results_sha256
        assert r["params"]["k_similar"] == rec.params["k_similar"]
    html = http.get("/koersler").text
    assert all(rec.results_sha256 in html and rec.data_fingerprint in html for rec in records.values())


# ------------------------------------------------------------------------------ errors


def test_unknown_kommunekode_is_a_404_that_says_so(http):
    err = assert_error(http.get("/api/v1/kommuner/999"), 404, "not_found", contains="ukendt kommunekode 999")
    assert "98 kommuner" in err["message"]
    page = http.get("/kommuner/999")
    assert page.status_code == 404 and "ukendt kommunekode 999" in page.text and "<html" in page.text


def test_one_error_shape_for_every_error(http, site):
    assert_error(http.get("/api/v1/findes-ikke"), 404, "not_found")
    assert_error(http.get("/api/v1/lister/total", params={"run": "R0099"}), 404, "not_found", contains="R0099")
    assert_error(http.get("/api/v1/lister/foertidspension_fleksjob"), 404, "not_found", contains="scope")
    assert_error(http.get("/api/v1/lister/total", params={"region": 9}), 404, "not_found", contains="region")
    err = assert_error(http.get("/api/v1/lister/bogus"), 422, "validation_error")
    assert err["details"][0]["loc"] == ["path", "omraade"]
    assert_error(http.get("/api/v1/lister/total", params={"klynge": "x"}), 422, "validation_error")
    assert_error(http.delete("/api/v1/kort"), 405, "method_not_allowed")
    assert_error(http.get("/api/v1/joblog", params={"as_of": "0001-01-01"}), 422, "validation_error")
    assert_error(
        http.get("/api/v1/kommuner/101/joblog/personer", params={"maaned": "2023-13"}, headers=bearer(site, "kk")),
        422,
        "validation_error",
    )
    body = {"kommunekode": 101, "action": "phone_call", "data_month": "0000-01"}
    assert_error(
        http.post("/api/v1/joblog/sagslog", json=body, headers=bearer(site, "analyst")), 422, "validation_error"
    )
    assert_error(http.get("/api/v1/me"), 401, "unauthorized")
    assert http.get("/api/v1/me").headers["www-authenticate"].startswith("Bearer")
    assert_error(http.get("/api/v1/kommuner/101/intern", headers=bearer(site, "fr")), 403, "forbidden")
    body = {"kommunekode": 101, "action": "hop", "data_month": "2023-06"}  # action is an enum in the schema
    resp = http.post("/api/v1/joblog/sagslog", json=body, headers=bearer(site, "analyst"))
    assert_error(resp, 422, "validation_error")
    assert_error(
        http.post("/api/v1/joblog/sagslog", json={"x": 1}, headers=bearer(site, "analyst")), 422, "validation_error"
    )


# --------------------------------------------------------------------------------- access


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("analyst", 403), ("fr", 403), ("kk", 200), ("revoked", 401)])
def test_non_public_municipal_views_need_that_municipality(http, site, key, status):
    headers = bearer(site, key) if key else {}
    for path in ("/api/v1/kommuner/101/intern", "/api/v1/kommuner/101/joblog/personer"):
        resp = http.get(path, headers=headers)
        assert resp.status_code == status, (path, resp.text)
        if status != 200:
            assert_error(resp, status, "unauthorized" if status == 401 else "forbidden")


def test_writes_need_the_analyst_role_in_the_header(http, site):
    body = {"kommunekode": 147, "action": "phone_call", "criterion": "1", "data_month": "2023-06", "note": "test"}
    assert_error(http.post("/api/v1/joblog/sagslog", json=body), 401, "unauthorized")
    assert_error(http.post("/api/v1/joblog/sagslog", json=body, headers=bearer(site, "kk")), 403, "forbidden")
    assert_error(
        http.post("/api/v1/joblog/sagslog", json=body, headers=bearer(site, "revoked")),
        401,
        "unauthorized",
        contains="tilbagekaldt",
    )
    assert_error(
        http.post("/api/v1/joblog/sagslog", json=body, headers={"Authorization": "Bearer kb_nope"}), 401, "unauthorized"
    )
    # a session cookie is for reading only: a write with just the cookie is refused (no CSRF)
    with httpx.Client(base_url=site.url) as browser:
        assert browser.post("/api/v1/session", headers=bearer(site, "analyst")).status_code == 200
        assert browser.get("/api/v1/me").json()["role"] == "analyst"
        assert_error(browser.post("/api/v1/joblog/sagslog", json=body), 401, "unauthorized")
        assert browser.delete("/api/v1/session").status_code == 204
        assert browser.get("/api/v1/me").status_code == 401


def test_a_write_is_audited_and_shows_in_the_case_log(http, site):
    body = {
        "kommunekode": 147,
        "action": "letter_manager",
        "criterion": "2",
        "data_month": "2023-09",
        "note": "Brev sendt til jobcenterchefen",
    }
    resp = http.post("/api/v1/joblog/sagslog", json=body, headers=bearer(site, "analyst"))
    assert resp.status_code == 201, resp.text
    created = resp.json()
    entry = created["entry"]
    assert entry["kommunekode"] == 147 and entry["action_label"] == "Brev til jobcenterchefen"
    assert entry["recorded_by"] == "Anna Analytiker"  # the token id is for the audit trail only
    log = http.get("/api/v1/joblog/sagslog", headers=bearer(site, "analyst")).json()["entries"]
    assert entry["id"] in {e["id"] for e in log}
    audit = http.get("/api/v1/revision", headers=bearer(site, "analyst")).json()["entries"]
    row = next(a for a in audit if a["audit_id"] == created["audit_id"])
    assert row["action"] == "case_log.create" and row["role"] == "analyst"
    assert row["actor"] == f"Anna Analytiker (token {site.token_ids['analyst']})"
    assert row["detail"]["case_log_id"] == entry["id"]
    assert row["detail"]["note"] == body["note"]
    assert {"token.create", "token.revoke"} <= {a["action"] for a in audit}
    assert_error(http.get("/api/v1/revision", headers=bearer(site, "kk")), 403, "forbidden")
    # the municipality sees its own contacts only
    own = http.get("/api/v1/joblog/sagslog", headers=bearer(site, "fr")).json()
    assert own["kommune"] == 147 and {e["kommunekode"] for e in own["entries"]} == {147}
    assert_error(
        http.get("/api/v1/joblog/sagslog", params={"kommune": 101}, headers=bearer(site, "fr")), 403, "forbidden"
    )
    assert_error(http.get("/api/v1/joblog/sagslog"), 401, "unauthorized")


def test_non_public_pages_render_for_a_logged_in_browser(site):
    with httpx.Client(base_url=site.url) as browser:
        assert browser.get("/kommuner/101/intern").status_code == 401  # an HTML error page
        assert browser.post("/api/v1/session", headers=bearer(site, "kk")).status_code == 200
        intern = browser.get("/kommuner/101/intern")
        assert intern.status_code == 200 and "ikke-offentlige tal" in intern.text and "R0001" in intern.text
        persons = browser.get("/kommuner/101/joblog/personer")
        assert persons.status_code == 200 and 'id="kb-persons"' in persons.text
        own_log = browser.get("/joblog/sagslog")
        assert own_log.status_code == 200 and "Sagslog for kommune 101" in own_log.text
        other = browser.get("/kommuner/147/intern")
        assert other.status_code == 403 and 'data-code="forbidden"' in other.text


def test_the_municipality_list(http):
    data = http.get("/api/v1/kommuner").json()["municipalities"]
    assert len(data) == 98 and data[0] == {
        "kommunekode": 101,
        "navn": "København",
        "regionskode": 1084,
        "regionsnavn": "Region Hovedstaden",
        "formelt_navn": "Københavns Kommune",
    }


def test_tokens_are_stored_hashed(site):
    con = duckdb.connect(str(site.db), read_only=True)
    try:
        rows = con.execute("SELECT token_id, salt, hash FROM api_tokens").fetchall()
        dump = json.dumps(con.execute("SELECT * FROM api_tokens").fetchall(), default=str)
    finally:
        con.close()
    assert len(rows) == 4 and all(len(bytes(h)) == 32 and len(bytes(s)) == 16 for _, s, h in rows)
    for token in site.tokens.values():
        assert token.split("_", 2)[2] not in dump


# ------------------------------------------------------------------------------ suppression


def test_small_cells_are_suppressed_in_every_public_output(http, site):
    stored = raw_lists(site, "R0001")
    lists = stored.lists
    small = {a: set(f.loc[(f["actual"] < 5) | (f["population"] < 5), "kommunekode"]) for a, f in lists.by_area.items()}
    assert any(small.values()), "the scale-0.01 warehouse should have small cells"
    total_small = set().union(*small.values()) | set(lists.overall.loc[lists.overall["actual"] < 5, "kommunekode"])
    for area, codes in [("total", total_small), *small.items()]:
        rows = http.get(f"/api/v1/lister/{area}", params={"run": "R0001"}).json()["rows"]
        for r in rows:
            assert r["suppressed"] == (r["kommunekode"] in codes), (area, r["kommunekode"])
            if r["suppressed"]:
                assert r["actual"] is r["actual_share"] is r["diff"] is r["diff_pp"] is r["potential_mio_kr"] is None
                assert r["expected"] is not None and r["rank"] is None and r["result_target_failed"] is None
    code = sorted(small["a_dagpenge"])[0]
    page = http.get(f"/api/v1/kommuner/{code}", params={"run": "R0001"}).json()
    block = next(b for b in page["areas"] if b["area"] == "a_dagpenge")
    assert block["row"]["suppressed"] and block["klynge"]["mean_actual_share"] is None
    assert page["areas"][0]["row"]["suppressed"]  # the total too (secondary suppression)
    csv_text = http.get("/api/v1/lister/a_dagpenge/csv", params={"run": "R0001"}).content.decode("utf-8-sig")
    row = next(r for r in csv.DictReader(io.StringIO(csv_text), delimiter=";") if r["Kommunekode"] == str(code))
    assert row["Faktisk antal"] == "" and row["Undertrykt"] == "Ja"
    joblog = http.get("/api/v1/joblog").json()
    for r in joblog["rows"]:
        for c in ("green", "light_green", "red"):
            assert r[c] is None or r[c] >= 5
        assert r["target_group"] is None or r["target_group"] >= 5
    assert any(r["suppressed"] for r in joblog["rows"])


def test_person_level_data_never_reach_a_public_output(http, site):
    persons = http.get("/api/v1/kommuner/101/joblog/personer", headers=bearer(site, "kk")).json()
    assert persons["persons"] and {"person_id", "searches", "smiley"} <= set(persons["persons"][0])
    ids = {str(p["person_id"]) for p in persons["persons"]}
    for page in PUBLIC_TWINS:
        text = http.get(api_path(page)).text + http.get(page).text
        assert "person_id" not in text
        assert not any(f'"{i}"' in text or f">{i}<" in text for i in list(ids)[:20])


# ----------------------------------------------------------------------------- joblog monitor


def test_joblog_monitor_public_part_and_follow_up(http, site):
    public = http.get("/api/v1/joblog", params={"kommune": 101}).json()
    assert public["available"] and len(public["rows"]) == 98 and public["access"] == "public"
    assert public["month"] == "2023-12" and public["follow_up"] is None and public["case_log"] is None
    analyst = http.get("/api/v1/joblog", params={"kommune": 101}, headers=bearer(site, "analyst")).json()
    fu = analyst["follow_up"]
    assert fu["kommunekode"] == 101 and fu["proposal"]["reason"] and "København" in fu["letter"]
    assert analyst["case_log"] is not None
    own = http.get("/api/v1/joblog", headers=bearer(site, "kk")).json()
    assert own["follow_up"]["kommunekode"] == 101
    assert_error(http.get("/api/v1/joblog", params={"kommune": 147}, headers=bearer(site, "kk")), 403, "forbidden")
    old = http.get("/api/v1/joblog", params={"as_of": "2022-05-01"}).json()
    assert old["month"] == "2022-02"  # 3 months' publication lag
    none = http.get("/api/v1/joblog", params={"as_of": "2021-01-01"}).json()
    assert none["available"] is False and none["note"]


def test_joblog_flags_show_on_the_monitor(site, monkeypatch, tmp_path):
    # the scale-0.01 population is too small for the real thresholds: lower them for this app only
    for name, value in {"MIN_RED": "1", "MIN_TARGET_GROUP": "1", "C1_RED_SHARE": "30"}.items():
        monkeypatch.setenv(f"KOMMUNEBENCH_JOBLOG_{name}", value)
    db = tmp_path / "copy.duckdb"
    shutil.copy(site.db, db)
    running = start(db)
    try:
        data = httpx.get(running.url + "/api/v1/joblog", timeout=30).json()
        assert data["flagged"] and all(r["flagged"] and r["criteria"] for r in data["flagged"])
        page = httpx.get(running.url + "/joblog", timeout=30).text
        assert 'id="kb-flagged"' in page and data["flagged"][0]["navn"] in page
    finally:
        running.stop()


# --------------------------------------------------------------------- assets, schema, locks


def test_plotly_is_served_from_the_package_and_nothing_external(http):
    js = http.get("/assets/plotly.min.js")
    assert js.status_code == 200
    assert js.content == (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    for page in ("/", "/kommuner/101", "/lister/total", "/joblog", "/koersler"):
        html = http.get(page).text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html), page
        assert "/assets/plotly.min.js" in html or page in ("/lister/total", "/joblog", "/koersler")


def test_openapi_describes_every_api_route(http, site):
    doc = http.get("/api/v1/openapi.json").json()
    routes = [
        r
        for r in site.running.app.routes
        if getattr(r, "path", "").startswith("/api/v1/") and getattr(r, "include_in_schema", False)
    ]
    for r in routes:
        for method in r.methods - {"HEAD"}:
            op = doc["paths"][r.path][method.lower()]
            ok = op["responses"].get("200") or op["responses"].get("201") or op["responses"].get("204")
            assert ok is not None, (r.path, method)
            assert any("ErrorResponse" in json.dumps(v) for v in op["responses"].values()), (r.path, method)
    assert doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    html = http.get("/api").text
    assert "/api/v1/lister/{omraade}" in html


def test_cli_run_and_tokens_work_while_the_server_runs(site, tmp_path):
    db = tmp_path / "wh.duckdb"
    shutil.copy(site.db, db)
    running = start(db)
    env = {**os.environ, "KOMMUNEBENCH_HOME": str(tmp_path / "home")}
    cli = [sys.executable, "-c", "from kommunebench.cli import main; main()"]
    try:
        before = httpx.get(running.url + "/api/v1/koersler").json()["runs"]
        proc = subprocess.run(
            [*cli, "run", "--period", "2022QMAT04", "--db", str(db)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        after = httpx.get(running.url + "/api/v1/koersler").json()["runs"]
        assert len(after) == len(before) + 1 and after[0]["period"] == "2022QMAT04"
        made = subprocess.run(
            [*cli, "token", "create", "--name", "Ny", "--role", "municipality:147", "--db", str(db)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert made.returncode == 0, made.stderr
        token = made.stdout.strip().splitlines()[-1]
        assert (
            httpx.get(running.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()["role"]
            == "municipality:147"
        )
        listed = subprocess.run([*cli, "token", "list", "--db", str(db)], env=env, capture_output=True, text=True)
        assert "Ny" in listed.stdout and token not in listed.stdout
        token_id = token.split("_")[1]
        revoked = subprocess.run(
            [*cli, "token", "revoke", token_id, "--db", str(db)], env=env, capture_output=True, text=True
        )
        assert revoked.returncode == 0, revoked.stderr
        assert httpx.get(running.url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        bad = subprocess.run(
            [*cli, "token", "create", "--name", "x", "--role", "borgmester", "--db", str(db)],
            env=env,
            capture_output=True,
            text=True,
        )
        assert bad.returncode == 2 and "unknown role" in bad.stderr
    finally:
        running.stop()


def test_while_another_process_writes_reads_are_still_answered(site, tmp_path):
    db = tmp_path / "wh.duckdb"
    shutil.copy(site.db, db)
    running = start(db)
    holder = None
    try:
        cached = httpx.get(running.url + "/api/v1/lister/total", timeout=30)
        assert cached.status_code == 200
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                "print('locked', flush=True); time.sleep(60)",
                str(db),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout.readline().strip() == "locked"
        # reads come from the published snapshot, never the locked file (issue 10)
        busy = httpx.get(running.url + "/api/v1/kommuner/147", timeout=30)
        assert busy.status_code == 200, busy.text
        again = httpx.get(running.url + "/api/v1/lister/total", timeout=30)
        assert again.status_code == 200 and again.content == cached.content
    finally:
        if holder is not None:
            holder.kill()
            holder.wait()
        running.stop()
    # and the server itself held no lock: the file opens read-write now
    warehouse.connect(db).close()


def test_demo_ends_by_telling_how_to_open_the_dashboard(tmp_path):
    env = {**os.environ, "KOMMUNEBENCH_HOME": str(tmp_path)}
    cli = [sys.executable, "-c", "from kommunebench.cli import main; main()"]
    proc = subprocess.run([*cli, "demo", "--scale", "0.005"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert "kommunebench serve" in last and "http://127.0.0.1:8000/" in last
    running = start(tmp_path / "warehouse.duckdb")  # what 'kommunebench serve' serves
    try:
        n_ranked = httpx.get(running.url + "/api/v1/kort").json()["facts"]["n_ranked"]
        assert 0 < n_ranked <= 98
        assert f"<b>{n_ranked}</b>kommuner rangeret" in httpx.get(running.url + "/").text
    finally:
        running.stop()


def test_schemathesis_finds_no_server_errors(site):
    """Property-based calls to every operation of the OpenAPI document (bounded: 25 examples each)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import (
        content_type_conformance,
        not_a_server_error,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_url(site.url + "/api/v1/openapi.json")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures: list[str] = []
    calls = [0]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    def property_test(op, headers: dict, examples: int):
        @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=op.as_strategy())
        def run(case):
            calls[0] += 1
            try:
                case.call_and_validate(base_url=site.url, headers=headers, checks=checks, timeout=30)
            except Exception as exc:  # collect, so that one run reports every operation's problem
                failures.append(f"{op.method.upper()} {op.path} ({headers and 'with token'}): {str(exc)[:600]}")
                raise

        return run

    # anonymous, then as the analyst and as a municipality (their token in the header)
    for headers, examples in (({}, 25), (bearer(site, "analyst"), 12), (bearer(site, "kk"), 12)):
        for op in operations:
            with contextlib.suppress(Exception):  # the failures are collected and reported below
                property_test(op, headers, examples)()
    assert not failures, "\n\n".join(failures[:5])
    assert calls[0] >= len(operations)
