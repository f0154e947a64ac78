"""The live jobindsats client against a real local server replaying jobindsats (never the internet),
and against kommunebench's own jobindsats-v3-compatible endpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from jobindsats_replay import KEY, PAGE, Replay
from kb_server import start
from kommunebench import pipeline
from kommunebench.errors import SourceError
from kommunebench.published.client import WRONG_KEY, JobindsatsClient
from kommunebench.published.coverage import missing_text
from kommunebench.published.labels import GROUP_LABELS
from published_shapes import EXTRACT, columns, records, v3, write

PERIODS = ["2022QMAT02", "2022QMAT04"]


@pytest.fixture(scope="module")
def replay():
    server = Replay()
    yield server
    server.stop()


def _expected(periods: list[str]) -> list[tuple]:
    recs = [r for r in records(EXTRACT) if r["Periode"] in periods]
    cols = columns(recs)
    return [tuple(r[c] for c in cols) for r in recs]


def _client(replay: Replay, api: str, key: str = KEY, **kw) -> JobindsatsClient:
    waits: list[float] = []
    c = JobindsatsClient(base_url=f"{replay.url}/{api}", token=key, api=api, sleep=waits.append, **kw)
    c.waits = waits  # type: ignore[attr-defined]
    return c


@pytest.mark.parametrize("api", ["v3", "v2"])
def test_fetch_pages_and_shapes(replay, api, tmp_path):
    replay.seen.clear()
    res = _client(replay, api, cache_dir=tmp_path / "cache").data("Y30R21", periods=PERIODS)
    assert list(res.rows) == _expected(PERIODS)
    per_period = len(_expected(PERIODS[:1]))
    pages = 2 * -(-per_period // PAGE) if api == "v3" else 2
    assert res.requests == pages and len(replay.seen) == pages
    auth = {a for _, _, a in replay.seen}
    assert auth == ({f"Bearer {KEY}"} if api == "v3" else {KEY})
    again = _client(replay, api, cache_dir=tmp_path / "cache").data("Y30R21", periods=PERIODS)
    assert again.rows == res.rows and again.requests == 0 and again.cached == pages
    assert len(replay.seen) == pages  # the cache answered, and it holds no key
    assert all(KEY not in p.read_text("utf-8") for p in (tmp_path / "cache").iterdir())


@pytest.mark.parametrize("api", ["v3", "v2"])
def test_wrong_key(replay, api):
    with pytest.raises(SourceError) as exc:
        _client(replay, api, key="EXPIRED").data("Y30R21", periods=PERIODS[:1])
    assert str(exc.value) == WRONG_KEY
    # a key from another variable (--token-env) is named as such
    with pytest.raises(SourceError) as exc:
        _client(replay, api, key="EXPIRED", token_name="MIN_NOEGLE").data("Y30R21", periods=PERIODS[:1])
    assert "sæt den i MIN_NOEGLE" in str(exc.value) and "KOMMUNEBENCH_JOBINDSATS_TOKEN" not in str(exc.value)


@pytest.mark.parametrize("api", ["v3", "v2"])
def test_server_error_then_retry(replay, api):
    replay.fail_next = 2
    c = _client(replay, api, backoff=0.25)
    res = c.data("Y30R21", periods=PERIODS[1:])
    assert list(res.rows) == _expected(PERIODS[1:]) and res.retries == 2
    assert c.waits == [0.25, 0.5]  # type: ignore[attr-defined]
    replay.fail_next = 5
    with pytest.raises(SourceError, match="HTTP 500"):
        _client(replay, api, retries=1).data("Y30R21", periods=PERIODS[1:])
    replay.fail_next = 0


def test_cli_fetch_imports(replay, tmp_path):
    env = {
        **os.environ,
        "KOMMUNEBENCH_HOME": str(tmp_path / "home"),
        "MY_KEY": KEY,
        "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
    }
    db = tmp_path / "w.duckdb"
    cmd = [sys.executable, "-m", "kommunebench.cli", "fetch", "jobindsats", "--period", PERIODS[1]]
    cmd += ["--url", f"{replay.url}/v3", "--token-env", "MY_KEY", "--db", str(db)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Kørsel R0001" in out.stdout and "2022QMAT04" in out.stdout
    bad = subprocess.run(
        [*cmd[:-2], "--db", str(tmp_path / "x.duckdb"), "--refresh"],
        env={**env, "MY_KEY": "EXPIRED"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "afviste API-nøglen" in bad.stderr


def test_compatible_endpoint_returns_the_imported_rows(tmp_path):
    """A client written for jobindsats v3 gets the same rows from kommunebench as from the file."""
    recs = [r for r in records(EXTRACT) if r["Periode"] in PERIODS]
    path = write("v3", tmp_path, recs)
    db = tmp_path / "w.duckdb"
    pipeline.published.import_jobindsats([path], db=db)
    running = start(db)
    try:
        client = JobindsatsClient(base_url=f"{running.url}/api/jobindsats/v3", token="any", api="v3")
        got = client.data("Y30R21", periods=PERIODS)
        doc = json.loads(path.read_text("utf-8"))
        assert list(got.columns) == doc["columns"] == v3(recs)["columns"]
        assert sorted(got.rows) == sorted(tuple(r) for r in doc["rows"])
        one = client.data("Y30R21", periods=PERIODS[1:], areas=("Herlev",))
        assert [r[0] for r in one.rows] == ["Herlev"] * 4
        # every view works on the published runs (the same server, over HTTP)
        for path in ("/", "/lister/total", "/lister/sygedagpenge", "/kommuner/163", "/koersler"):
            with urllib.request.urlopen(running.url + path) as resp:
                assert resp.status == 200
        page = urllib.request.urlopen(running.url + "/lister/total").read().decode()
        assert 'id="kb-published-note"' in page
        listed = json.load(urllib.request.urlopen(running.url + "/api/v1/lister/total"))
        herlev = next(r for r in listed["rows"] if r["navn"] == "Herlev")
        published = next(r for r in recs if r["Area"] == "Herlev" and r["Periode"] == PERIODS[1])
        assert herlev["rank"] == published["Placering på benchmarkranglisten"]
        csv_text = urllib.request.urlopen(running.url + "/api/v1/lister/total/csv").read().decode("utf-8-sig")
        assert "Offentliggjort total − sum af ydelsesgrupper (pct.-point)" in csv_text.splitlines()[0]
    finally:
        running.stop()


def test_fetch_some_areas_lays_the_pieces_together(replay, tmp_path, monkeypatch):
    """A fetch of some areas saves its piece and names what is missing; the piece that completes
    the lists makes one file of the saved pieces and imports it (the same figures as a whole fetch)."""
    monkeypatch.setenv("KOMMUNEBENCH_HOME", str(tmp_path / "home"))
    period = PERIODS[1]
    names = sorted({r["Area"] for r in replay.rows_for([period])})
    kw = {"periods": [period], "url": f"{replay.url}/v3", "token": KEY, "db": tmp_path / "w.duckdb"}
    first = pipeline.published.fetch_jobindsats(areas=tuple(names[:60]), **kw)
    assert first.imported is None and first.combined is None and first.file.exists()
    assert len(first.missing[period]) == 38 and set(first.missing[period].values()) == {tuple(GROUP_LABELS)}
    text = missing_text(first.missing[period])
    assert text.startswith("38 kommuner mangler (") and text.endswith("og 33 flere)")
    rest = pipeline.published.fetch_jobindsats(areas=tuple(names[50:]), **kw)  # overlapping pieces
    assert not rest.missing and rest.combined is not None and rest.imported is not None
    assert [r.period for r in rest.imported.stored] == [period]
    whole = pipeline.published.fetch_jobindsats(**{**kw, "db": tmp_path / "whole.duckdb"})
    assert whole.imported is not None
    assert whole.imported.stored[0].data_fingerprint == rest.imported.stored[0].data_fingerprint
    assert missing_text({163: ("sygedagpenge",)}) == "1 kommune mangler (Herlev (Sygedagpenge mv.))"


def test_cli_fetch_some_areas_says_what_is_missing(replay, tmp_path):
    env = {
        **os.environ,
        "KOMMUNEBENCH_HOME": str(tmp_path / "home"),
        "MY_KEY": KEY,
        "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
        "COLUMNS": "400",
    }
    cmd = [sys.executable, "-m", "kommunebench.cli", "fetch", "jobindsats", "--period", PERIODS[1], "--area", "Herlev"]
    cmd += ["--area", "Furesø", "--url", f"{replay.url}/v3", "--token-env", "MY_KEY", "--db", str(tmp_path / "w.db")]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert f"{PERIODS[1]} er ikke importeret" in text and "96 kommuner mangler (Aabenraa" in text
    assert f"Hent resten med 'kommunebench fetch jobindsats --period {PERIODS[1]}'" in text
