"""Issue 12 in a real headless Chromium at 1,400 and 390 px: the method page, the drivers' waterfall
and the PDF download of the municipality page (same closed-network checks as test_web_browser)."""

from __future__ import annotations

import pytest

from kb_server import shared_site
from test_web_browser import ARGS, CHROMIUM, Watched, sync_api

pytestmark = pytest.mark.browser
WIDTHS = (1400, 390)


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def web(browser, site, request):
    context = browser.new_context(
        viewport={"width": request.param, "height": 900}, locale="da-DK", accept_downloads=True
    )
    watched = Watched(context.new_page(), site.url)
    yield watched
    context.close()
    assert not watched.problems, "\n".join(watched.problems)


def _overflow(page) -> int:
    return int(page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth"))


def test_the_method_page_is_linked_from_the_footer_and_fits_the_screen(web):
    web.goto("/lister/total")
    with web.page.expect_navigation():
        web.page.click("#kb-method-link")
    assert web.page.url.endswith("/metode")
    assert web.page.inner_text("h1") == "Sådan beregnes benchmarket"
    ids = web.page.eval_on_selector_all("section.method-section", "ss => ss.map(s => s.id)")
    assert {"forventet", "rammevilkaar", "klynger", "omkostninger", "undertrykkelse", "perioder"} <= set(ids)
    assert "kalenderåret" in web.page.inner_text("#perioder")
    assert _overflow(web.page) <= 1


def test_the_waterfall_draws_national_share_the_groups_and_the_expected_share(web, site):
    data = web.page.request.get(site.url + "/api/v1/kommuner/101/drivere").json()["lists"][0]
    web.goto("/kommuner/101")
    web.page.wait_for_selector("#kb-drivers-chart[data-rendered='1']", timeout=30_000)
    bars = web.page.evaluate("() => document.getElementById('kb-drivers-chart')._fullData[0].x.length")
    assert bars == len(data["groups"]) + 2
    assert web.page.inner_text("#kb-drivers-sentence") == data["sentence"]
    box = web.page.locator("#kb-drivers-chart").bounding_box()
    assert box is not None and box["width"] <= web.page.viewport_size["width"]
    with web.page.expect_download() as dl:
        web.page.click("#kb-report-pdf")
    assert dl.value.suggested_filename.startswith("rapport_101_") and dl.value.suggested_filename.endswith(".pdf")
