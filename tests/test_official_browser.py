"""Issue 12 in a real headless Chromium at 1,400 and 390 px: the change column, the change chart and
the official-run default (the ``official_site`` copy of the shared site: R0001 official, R0003 a
newer re-run of an older period)."""

from __future__ import annotations

import pytest

from official_site import official_site
from test_web_browser import ARGS, CHROMIUM, Watched, sync_api

pytestmark = pytest.mark.browser
WIDTHS = (1400, 390)


@pytest.fixture(scope="module")
def site(tmp_path_factory, request):
    return official_site(tmp_path_factory, request)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def web(browser, site, request):
    context = browser.new_context(viewport={"width": request.param, "height": 900}, locale="da-DK")
    watched = Watched(context.new_page(), site.url)
    yield watched
    context.close()
    assert not watched.problems, "\n".join(watched.problems)


def test_the_list_defaults_to_the_official_run_with_the_change_column_and_hele_landet(web, site):
    data = web.page.request.get(site.url + "/api/v1/lister/total").json()
    web.goto("/lister/total")
    status = web.page.locator("#kb-run-status")
    assert status.get_attribute("data-official") == "1" and "R0001" in status.inner_text()
    assert web.page.eval_on_selector("#kb-list select, select[name=run]", "s => s.value") == "R0001"
    heads = web.page.eval_on_selector_all("#kb-list thead th", "ths => ths.map(t => t.innerText.trim())")
    col = heads.index("Ændring i placering")
    cells = web.page.eval_on_selector_all(
        f"#kb-list tbody tr td:nth-child({col + 1})", "tds => tds.map(t => t.innerText.trim())"
    )
    want = [
        "–" if r["rank_change"] is None else (f"+{r['rank_change']}" if r["rank_change"] > 0 else str(r["rank_change"]))
        for r in data["rows"]
    ]
    assert [c.replace("▲", "").replace("▼", "").strip() for c in cells] == want
    assert any(c not in ("–", "0") for c in cells)
    assert web.page.inner_text("#kb-national th") == "Hele landet"
    assert web.page.locator("#kb-list tbody tr").count() == 98  # the national row is not a ranked row


def test_the_change_chart_draws_the_parts_of_the_change(web, site):
    data = web.page.request.get(site.url + "/api/v1/kommuner/101/aendring").json()["lists"][0]
    web.goto("/kommuner/101")
    if not data["available"]:
        assert web.page.inner_text("#kb-change-note") == data["note"]
        return
    web.page.wait_for_selector("#kb-change-chart[data-rendered='1']", timeout=30_000)
    bars = web.page.evaluate("() => document.getElementById('kb-change-chart')._fullData[0].x.length")
    assert bars == len(data["parts"]) + 2
    assert web.page.inner_text("#kb-change-sentence") == data["sentence"]
    box = web.page.locator("#kb-change-chart").bounding_box()
    assert box is not None and box["width"] <= web.page.viewport_size["width"]
    periods = web.page.eval_on_selector_all(
        "#kb-history-table tbody tr td:nth-child(2)", "tds => tds.map(t => t.innerText)"
    )
    assert periods == sorted(set(periods), key=periods.index) and len(periods) == 2  # one point per period
