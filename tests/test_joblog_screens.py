"""Joblog screens that cannot mislead (issue 12, point 9), on a hand-built joblog served by a real
server (``kb_server.start``) and the CLI run as a subprocess with COLUMNS=80.

The data (status month April 2023, published 1 July 2023):

* Aarhus: 100 in the target group, 60 red every month January-April → criteria 1 and 2 for
  April and criterion 3 for January (the same 60 persons are still red three months later).
* Odense: 60 in the target group in January with 30 red, in April only those 30 (all red) → it
  meets criterion 3 for January but is on the yearly review list in April (target group ≤ 40),
  so it is not one of April's flags.
* Kolding: 100 in the target group, 5 red → no criterion (the letter command warns).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import uuid

import httpx
import pytest

from joblog_cases import AARHUS, KOLDING, ODENSE, Cases
from kb_server import start
from kommunebench import access
from kommunebench.data import reference, warehouse
from kommunebench.pipeline import joblog as jobs

AS_OF = "2023-07-01"
MONTHS = ("2023-01", "2023-02", "2023-03", "2023-04")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("joblog_screens")
    cases = Cases()
    for m in MONTHS:
        cases.month(AARHUS, m, tg=100, red=60).month(KOLDING, m, tg=100, red=5)
    cases.month(ODENSE, "2023-01", tg=60, red=30).month(ODENSE, "2023-04", tg=30, red=30)
    db = cases.load(base / "warehouse.duckdb")
    con = warehouse.connect(db)
    try:
        token, _ = access.create_token(con, name="Anna Analytiker", role="analyst", created_by="test")
    finally:
        con.close()
    running = start(db)
    yield db, running.url, token
    running.stop()


@pytest.fixture
def http(site):
    with httpx.Client(base_url=site[1], timeout=30) as client:
        yield client


def _cli(db, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run(
        [sys.executable, "-m", "kommunebench.cli", "joblog", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def _flat(text: str) -> str:
    return " ".join(re.sub(r"[│┃┏┓┗┛━─╇╈┡┩┠┨┯┷┼╋┳┻]", " ", text).split())


def test_flags_carry_their_month_and_the_ineligible_are_not_this_months_flags(http):
    data = http.get("/api/v1/joblog", params={"as_of": AS_OF}).json()
    assert data["month"] == "2023-04"
    assert [r["kommunekode"] for r in data["flagged"]] == [AARHUS]
    assert data["flagged"][0]["criteria_labels"] == ["1 (april 2023)", "2 (april 2023)", "3 (januar 2023)"]
    assert data["flagged"][0]["c3_month"] == "2023-01"
    review = data["flagged_review"]
    assert [r["kommunekode"] for r in review] == [ODENSE] and review[0]["criteria_labels"] == ["3 (januar 2023)"]
    assert review[0]["review_list"] and not review[0]["eligible"]
    page = http.get("/joblog", params={"as_of": AS_OF}).text
    flagged = page.split('id="kb-flagged"', 1)[1].split("</table>", 1)[0]
    assert "Aarhus" in flagged and "3 (januar 2023)" in flagged and "1 (april 2023)" in flagged
    assert "Odense" not in flagged
    note = page.split('id="kb-flagged-review"', 1)[1].split("</p>", 1)[0]
    assert "Odense (kriterium 3 (januar 2023))" in " ".join(note.split())
    assert "Status pr. 1. juli 2023" in page and "offentliggjort 1. juli 2023" in page


def test_cli_status_on_80_columns_and_the_letter_warning(site):
    db = site[0]
    out = _cli(db, ["status", "--as-of", AS_OF]).stdout
    names = [reference.municipality(c).navn for c in (AARHUS, ODENSE, KOLDING)] + ["Ringkøbing-Skjern"]
    assert all(any(n in line for line in out.splitlines()) for n in names)
    assert max(len(line) for line in out.splitlines()) <= 80
    flat = _flat(out)
    assert "offentliggjort 1. juli 2023" in flat and "3 (januar 2023)" in flat and "1 (april 2023)" in flat
    letter = _cli(db, ["letter", "Kolding", "--as-of", AS_OF])
    assert "Jobcenter Kolding" in letter.stdout
    warning = " ".join(letter.stderr.split())
    assert "advarsel: Kolding Kommune opfylder intet handlingskriterium i april 2023" in warning
    assert jobs.letter_warning(AARHUS, as_of=dt.date(2023, 7, 1), db=db) is None  # flagged: no warning


def test_a_data_month_without_data_is_refused_in_the_cli_and_the_api(site, http):
    db, _, token = site
    args = ["log-action", "Aarhus", "--action", "phone_call", "--data-month", "2022-06", "--by", "A"]
    proc = _cli(db, [*args, "--on", "2023-07-05"], check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    text = " ".join(proc.stderr.split())
    assert "fejl: datamåneden juni 2022 har ingen joblogdata (jobloggen har data for januar 2023 – april 2023)" in text
    body = {"kommunekode": AARHUS, "action": "phone_call", "data_month": "2022-06"}
    resp = http.post("/api/v1/joblog/sagslog", json=body, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 400 and "har ingen joblogdata" in resp.json()["error"]["message"]
    log = http.get("/api/v1/joblog/sagslog", headers={"Authorization": f"Bearer {token}"}).json()["entries"]
    assert not [e for e in log if e["data_month"] == "2022-06"]


def test_a_replayed_post_with_the_same_key_stores_one_entry_and_the_page_confirms_it(site, http):
    _, _, token = site
    auth = {"Authorization": f"Bearer {token}"}
    note = f"Replay {uuid.uuid4().hex[:8]}"
    body = {"kommunekode": AARHUS, "action": "meeting", "criterion": "1", "data_month": "2023-04", "note": note}
    key = uuid.uuid4().hex
    first = http.post("/api/v1/joblog/sagslog", json=body, headers={**auth, "Idempotency-Key": key})
    again = http.post("/api/v1/joblog/sagslog", json=body, headers={**auth, "Idempotency-Key": key})
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers.get("idempotent-replayed") == "true" and "idempotent-replayed" not in first.headers
    assert again.json()["entry"] == first.json()["entry"] and again.json()["audit_id"] == first.json()["audit_id"]
    other = http.post(
        "/api/v1/joblog/sagslog", json={**body, "action": "phone_call"}, headers={**auth, "Idempotency-Key": key}
    )
    assert other.status_code == 400 and "engangsnøgle" in other.json()["error"]["message"]
    log = http.get("/api/v1/joblog/sagslog", headers=auth).json()["entries"]
    assert sum(e["note"] == note for e in log) == 1
    entry_id = first.json()["entry"]["id"]
    page = http.get("/joblog", params={"kommune": AARHUS, "registreret": entry_id}, headers=auth).text
    saved = " ".join(page.split('id="registreret"', 1)[1].split("</div>", 1)[0].split())
    assert f"Gemt i sagsloggen som nr. {entry_id}." in saved
    assert "Aarhus" in saved and "Møde med styrelsen" in saved and "2023-04" in saved and note in saved
    keys = re.findall(r'name="form_key" value="([^"]+)"', page)
    assert len(keys) == 1 and keys[0] != re.findall(r'name="form_key" value="([^"]+)"', http.get("/joblog").text)[0]


# ------------------------------------------------------------------------------ browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.mark.browser
def test_double_submission_in_the_browser_stores_one_entry(site, http):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    _, url, token = site
    note = f"Dobbeltklik {uuid.uuid4().hex[:8]}"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="da-DK").new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{url}/joblog?as_of={AS_OF}", wait_until="load")
            form = "#kb-action"
            page.select_option(f"{form} select[name=kommunekode]", str(AARHUS))
            page.select_option(f"{form} select[name=action]", "phone_call")
            page.fill(f"{form} input[name=data_month]", "2023-04")
            page.fill(f"{form} textarea[name=note]", note)
            page.fill(f"{form} input[name=token]", token)
            with page.expect_navigation(url=re.compile(r"registreret=\d+"), timeout=30_000):
                disabled = page.evaluate(
                    """() => { const f = document.getElementById('kb-action');
                               f.requestSubmit(); const d = f.querySelector('button').disabled;
                               f.requestSubmit(); f.requestSubmit(); return d; }"""
                )
            assert disabled is True
            page.wait_for_selector("#registreret")
            confirmation = page.inner_text("#registreret")
            assert "Gemt i sagsloggen som nr." in confirmation and note in confirmation
            assert not errors, errors
        finally:
            browser.close()
    log = http.get("/api/v1/joblog/sagslog", headers={"Authorization": f"Bearer {token}"}).json()["entries"]
    assert sum(e["note"] == note for e in log) == 1
