"""Danish, consistently (issue 12, point 6): formal municipality names, name lookup with
suggestions, the CLI in Danish on an 80-column terminal (a subprocess with COLUMNS=80), Danish
error pages and validation messages, and names in paths redirected to the kommunekode.

The CLI and HTTP checks run against the session's shared site (``tests/kb_server.py``: the
synthetic Denmark at scale 0.01, loaded, two stored runs).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest

from kb_server import shared_site
from kommunebench.data import reference
from kommunebench.errors import ReferenceDataError

NAMES = [m.navn for m in reference.municipalities()]


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture
def http(site):
    with httpx.Client(base_url=site.url, timeout=30) as client:
        yield client


def _cli(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "80", "LINES": "50", "NO_COLOR": "1", "TERM": "dumb"}
    proc = subprocess.run(
        [sys.executable, "-m", "kommunebench.cli", *args], capture_output=True, text=True, env=env, timeout=300
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def _names_whole(out: str, names: list[str]) -> list[str]:
    """The names that do not appear unbroken on one line (cut with '…' or wrapped)."""
    lines = out.splitlines()
    return [n for n in names if not any(n in line for line in lines)]


# ------------------------------------------------------------------------------ reference


def test_formal_names_of_all_98_municipalities():
    formal = {m.kommunekode: m.formelt_navn for m in reference.municipalities()}
    assert len(formal) == len(set(formal.values())) == 98
    assert formal[101] == "Københavns Kommune" and formal[400] == "Bornholms Regionskommune"
    assert formal[825] == "Læsø Kommune" and formal[147] == "Frederiksberg Kommune"
    assert formal[480] == "Nordfyns Kommune" and formal[820] == "Vesthimmerlands Kommune"
    # every other municipality is "<DAWA name> Kommune" (no genitive s on Frederiksberg, Læsø, Odense …)
    rest = {k: v for k, v in formal.items() if k not in (101, 400)}
    assert all(v == f"{reference.municipality(k).navn} Kommune" for k, v in rest.items())


@pytest.mark.parametrize(
    "text, code",
    [
        ("aarhus", 751),
        ("Århus", 751),
        ("AARHUS", 751),
        ("Koebenhavns Kommune", 101),
        ("københavns kommune", 101),
        ("laesoe", 825),
        ("lyngby-taarbaek", 173),
        ("Høje Taastrup", 169),
        ("Bornholms Regionskommune", 400),
        ("0101", 101),
    ],
)
def test_names_resolve_with_aeoeaa_folding_and_aliases(text, code):
    assert reference.resolve_municipality(text) == code


@pytest.mark.parametrize(
    "text, suggestion",
    [("Kobenhavn", "København"), ("Arhus", "Aarhus"), ("Frederiksbrg", "Frederiksberg"), ("Horsns", "Horsens")],
)
def test_an_unknown_name_gets_a_suggestion(text, suggestion):
    with pytest.raises(ReferenceDataError) as exc:
        reference.resolve_municipality(text)
    message = str(exc.value)
    assert message.startswith(f"Ukendt kommune '{text}' – mente du ") and suggestion in message
    assert reference.suggest_municipality(text)[0] == suggestion


def test_a_name_nothing_like_a_municipality_says_so():
    with pytest.raises(ReferenceDataError, match="hverken en kommunekode eller et kendt kommunenavn"):
        reference.resolve_municipality("Xyzzyq")
    with pytest.raises(ReferenceDataError):  # a digit int() cannot read (found by schemathesis: was a 500)
        reference.resolve_municipality("¹")


# ------------------------------------------------------------------------------ CLI (80 columns)


def test_status_and_show_on_80_columns_keep_every_name_whole_and_danish_numbers(site):
    status = _cli(["status", "--period", "2023QMAT04", "--db", str(site.db)]).stdout
    assert not _names_whole(status, NAMES), _names_whole(status, NAMES)
    assert max(len(line) for line in status.splitlines()) <= 80
    assert "Hele landet" in status and "Smal terminal" in status
    national = next(line for line in status.splitlines() if "Hele landet" in line)
    assert re.search(r"\d{1,3}\.\d{3}", national) and re.search(r"\d,\d\d\b", national)  # 38.012 and 7,48
    assert not re.search(r"\d,\d{3}\b", national)  # never an English thousands comma
    show = _cli(["show", "R0001", "--db", str(site.db)]).stdout
    assert not _names_whole(show, NAMES), _names_whole(show, NAMES)
    assert max(len(line) for line in show.splitlines()) <= 80
    assert "Placering" in show and "Forskel" in show and "Smal terminal" in show


def test_help_and_errors_are_danish(site):
    helptext = " ".join(re.sub(r"[│╭╮╰╯─]", " ", _cli(["run", "--help"]).stdout).split())
    assert "Tilvalg" in helptext and "Vis denne hjælp og afslut." in helptext and "påkrævet" in helptext
    assert "Show this message" not in helptext and "Options" not in helptext
    proc = _cli(["joblog", "history", "Kobenhavn", "--db", str(site.db)], check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "fejl: Ukendt kommune 'Kobenhavn' – mente du København?" in " ".join(proc.stderr.split())


# ------------------------------------------------------------------------------ web


@pytest.mark.parametrize(
    "path, target",
    [
        ("/kommuner/aarhus", "/kommuner/751"),
        ("/kommuner/%C3%85rhus", "/kommuner/751"),
        ("/kommuner/lyngby-taarbaek", "/kommuner/173"),
        ("/kommuner/Bornholm?run=R0001", "/kommuner/400?run=R0001"),
        ("/api/v1/kommuner/koebenhavn", "/api/v1/kommuner/101"),
    ],
)
def test_a_name_in_the_path_is_redirected_to_the_code(http, path, target):
    resp = http.get(path, follow_redirects=False)
    assert resp.status_code == 308 and resp.headers["location"] == target
    assert http.get(path, follow_redirects=True).status_code == 200


def test_an_unknown_name_in_the_path_is_a_danish_404_with_a_suggestion(http):
    page = http.get("/kommuner/kobenhavn")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "mente du København?" in page.text and "Findes ikke" in page.text
    api = http.get("/api/v1/kommuner/kobenhavn")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    assert "mente du København?" in api.json()["error"]["message"]


def test_validation_errors_are_danish_in_the_one_error_shape(http):
    api = http.get("/api/v1/joblog", params={"as_of": "i morgen"})
    assert api.status_code == 422
    err = api.json()["error"]
    assert set(err) == {"status", "code", "message", "details"} and err["code"] == "validation_error"
    assert err["details"][0]["loc"] == ["query", "as_of"] and err["details"][0]["type"] == "date_from_datetime_parsing"
    assert err["details"][0]["msg"] == "parameteren as_of skal være en dato, ÅÅÅÅ-MM-DD"
    assert err["message"].startswith("ugyldig forespørgsel: parameteren as_of skal være en dato")
    too_early = http.get("/api/v1/joblog", params={"as_of": "0001-01-01"}).json()["error"]
    assert "skal være mindst 1900-01-01" in too_early["message"]
    page = http.get("/joblog", params={"as_of": "i morgen"})
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "Ugyldig forespørgsel" in page.text and "skal være en dato" in page.text
    for english in ("Input should", "valid date", "unable to parse", "Field required"):
        assert english not in page.text and english not in api.text
    missing = http.post("/api/v1/joblog/sagslog", json={}, headers={"Authorization": "Bearer kb_x"})
    assert missing.status_code in (401, 422)  # the token is checked first or the body: either way in Danish
    assert "Field required" not in missing.text


def test_formal_name_on_the_municipality_page_and_in_the_api(http):
    assert "<h1" in (page := http.get("/kommuner/101").text) and "Københavns Kommune</h1>" in page
    data = http.get("/api/v1/kommuner/400").json()["municipality"]
    assert data["navn"] == "Bornholm" and data["formelt_navn"] == "Bornholms Regionskommune"
