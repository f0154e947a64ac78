"""The reproduction report and the rank over time as pages with their JSON twins, over HTTP on a
real server, on the full imported extract (6 periods × 4 lists)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from kb_server import start
from kommunebench import pipeline
from kommunebench.data import reference
from published_shapes import EXTRACT


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db = tmp_path_factory.mktemp("pubpages") / "w.duckdb"
    pipeline.published.import_jobindsats([EXTRACT], db=db, actor="test")
    running = start(db)
    yield db, running.url
    running.stop()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_reproduction_page_and_twin_agree_with_the_check(site):
    db, url = site
    rep = pipeline.published.check_published(db=db)
    status, body = _get(f"{url}/api/v1/offentliggjort/kontrol")
    data = json.loads(body)
    assert status == 200 and data["all_reproduced"] is True and len(data["lists"]) == 24
    assert data["entries"] == 2352 and data["entries_in_ties"] == int(rep.lists["in_ties"].sum())
    assert len(data["blocks"]) == len(rep.blocks) and len(data["issues"]) == len(rep.issues)
    herlev = reference.resolve_municipality("Herlev")
    beyond = [i for i in data["issues"] if "mere end afrunding" in i["kind"]]
    assert any(i["kommunekode"] == herlev and i["detail"] == "0,32 pct.-point" for i in beyond)
    status, html = _get(f"{url}/offentliggjort/kontrol")
    assert status == 200 and "alle placeringer genskabt" in html and 'id="kb-reproduction"' in html
    in_ties = f"{data['entries_in_ties']:,}".replace(",", ".")
    assert f"{in_ties} af 2.352 placeringer" in html  # Danish thousands separator
    assert 'href="/offentliggjort/kontrol" aria-current="page"' in html  # the one nav link
    assert 'href="/api/v1/offentliggjort/kontrol"' in html


def test_rank_history_page_and_twin(site):
    db, url = site
    hist = pipeline.published.published_history(db=db)
    status, body = _get(f"{url}/api/v1/offentliggjort/placeringer?omraade=sygedagpenge")
    data = json.loads(body)
    periods = data["periods"]
    assert status == 200 and len(periods) == 6 and periods[0] == "2020QMAT02" and periods[-1] == "2022QMAT04"
    assert len(data["rows"]) == 98 and [r["entries"][-1]["rank"] for r in data["rows"]] == list(range(1, 99))
    row = data["rows"][0]
    truth = hist[(hist["area"] == "sygedagpenge") & (hist["kommunekode"] == row["kommunekode"])]
    assert [e["rank"] for e in row["entries"]] == truth["rank"].tolist()
    assert row["entries"][0]["rank_change"] is None
    for prev, cur in zip(row["entries"], row["entries"][1:], strict=False):
        assert cur["rank_change"] == prev["rank"] - cur["rank"]
    status, html = _get(f"{url}/offentliggjort/placeringer?omraade=sygedagpenge")
    assert status == 200 and html.count("<tr>") >= 98 and "Sygedagpenge" in html


def test_rank_history_of_one_municipality(site):
    _, url = site
    status, body = _get(f"{url}/api/v1/offentliggjort/placeringer?kommune=Herlev")
    data = json.loads(body)
    assert status == 200 and data["municipality"]["navn"] == "Herlev" and len(data["rows"]) == 1
    entries = data["rows"][0]["entries"]
    assert len(entries) == 6 and all(1 <= e["rank"] <= 98 for e in entries)
    status, html = _get(f"{url}/offentliggjort/placeringer?kommune=163")
    assert status == 200 and "Placering over tid: Herlev" in html and 'id="kb-rank-history"' in html
    change = entries[-1]["rank_change"]
    shown = "–" if change is None else (f"+{change}" if change > 0 else str(change))
    assert f'<td class="num">{shown}</td>' in html
    diff = f"{entries[-1]['diff_pp']:+.2f}".replace(".", ",")
    assert diff.lstrip("+") in html  # decimal comma
    status, body = _get(f"{url}/api/v1/offentliggjort/placeringer?kommune=Atlantis")
    assert status == 404 and "ukendt kommune" in json.loads(body)["error"]["message"]
    status, body = _get(f"{url}/api/v1/offentliggjort/placeringer?kommune=%C2%B3")  # '³' is a digit, not a code
    assert status == 404, body
    status, body = _get(f"{url}/api/jobindsats/v3/data/Y30R21?period.QMAT=latest:%C2%B3&hierarchy._nykom=Herlev")
    assert status == 200 and {r[1] for r in json.loads(body)["rows"]} == {"2022QMAT04"}


def test_pages_without_published_runs(tmp_path):
    running = start(tmp_path / "empty.duckdb")
    try:
        for path in ("/api/v1/offentliggjort/kontrol", "/api/v1/offentliggjort/placeringer"):
            status, body = _get(running.url + path)
            assert status == 404 and "kommunebench import jobindsats" in json.loads(body)["error"]["message"]
        status, html = _get(running.url + "/offentliggjort/kontrol")
        assert status == 404 and "kommunebench import jobindsats" in html
    finally:
        running.stop()


def test_a_published_run_in_the_list_and_municipality_views(site):
    """The lists of a published period: rank change since the previous *published* period, the
    total taken as published and its gap to the sum of the groups said (Herlev and Furesø,
    2021QMAT04, beyond rounding); the municipality page's rank over time is the published series."""
    db, url = site
    records = {r.period: r for r in pipeline.published.published_records(db=db)}
    run, before = records["2021QMAT04"].run_id, records["2021QMAT02"].run_id
    truth = pipeline.published.published_history(db=db)
    truth = truth[truth["area"] == "total"]
    rank = {(r.period, r.kommunekode): int(r.rank) for r in truth.itertuples()}
    status, body = _get(f"{url}/api/v1/lister/total?run={run}")
    data = json.loads(body)
    assert status == 200 and data["run"]["compared_with"] == before
    for row in data["rows"]:
        code = row["kommunekode"]
        assert row["rank"] == rank[("2021QMAT04", code)]
        assert row["rank_change"] == rank[("2021QMAT02", code)] - rank[("2021QMAT04", code)]
    gaps = {r["navn"]: r["total_vs_areas_pp"] for r in data["rows"]}
    beyond = sorted(n for n, g in gaps.items() if g > 0.02 + 1e-9)
    assert beyond == ["Furesø", "Herlev"] and gaps["Herlev"] == pytest.approx(0.32)
    note = data["published_note"]
    assert f"hos {sum(g > 0 for g in gaps.values())} kommuner" in note and "Herlev (0,32 pct.-point)" in note
    assert data["suppression"]["threshold"] == 0 and "intet undertrykkes" in data["suppression"]["note"]
    status, html = _get(f"{url}/lister/total?run={run}")
    assert status == 200 and 'id="kb-total-gap"' in html and "Total − sum af grupper (pct.-point)" in html
    assert "Celler med færre end" not in html  # nothing is suppressed in the ministry's figures
    herlev = reference.resolve_municipality("Herlev")
    status, body = _get(f"{url}/api/v1/kommuner/{herlev}?run={run}")
    page = json.loads(body)
    assert [h["period"] for h in page["history"]] == sorted(records, key=lambda p: (p[:4], p[-2:]))
    assert [h["ranks"]["total"] for h in page["history"]] == [rank[(h["period"], herlev)] for h in page["history"]]
    status, html = _get(f"{url}/kommuner/{herlev}?run={run}")
    assert status == 200 and 'id="kb-history-published"' in html and "0,32 pct.-point fra summen" in html
    assert "kør benchmarket igen" not in html  # no advice to re-run the ministry's figures
