"""The dashboard in a real headless Chromium (Debian's ``/usr/bin/chromium`` driven by Playwright).

CI installs Chromium (``.ci/run``); elsewhere these tests are skipped with a message saying how to
install it. Playwright's own browser downloads are never used. Every page load also checks that
the page logs no console error and asks nothing of any host but the test server (closed network).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from kb_server import shared_site

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y --no-install-recommends chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Watched:
    """A page plus everything that went wrong on it: console errors, page errors, failed or
    foreign requests."""

    def __init__(self, page, base: str) -> None:
        self.page, self.base, self.problems = page, base, []
        page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") and "GPU stall" not in m.text
                else None
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} {r.failure}"))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((base, "data:", "blob:"))
                else self.problems.append(f"request to another host: {r.url}")
            ),
        )

    def goto(self, path: str):
        resp = self.page.goto(self.base + path, wait_until="load")
        assert resp is not None and resp.status == 200, (path, resp and resp.status)
        return resp


@pytest.fixture
def web(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="da-DK")
    page = context.new_page()
    watched = Watched(page, site.url)
    yield watched
    context.close()
    assert not watched.problems, "\n".join(watched.problems)


def _map_ready(page) -> None:
    page.wait_for_selector("#kb-map[data-rendered='1']", timeout=30_000)


def test_the_map_renders_the_98_municipalities(web):
    web.goto("/")
    _map_ready(web.page)
    codes = web.page.evaluate("""() => {
        const gd = document.getElementById('kb-map');
        const out = [];
        gd._fullData.forEach(t => {  // the main map (geo), not the capital-area inset (geo2)
            if (t.type === 'choropleth' && t.geo === 'geo' && t.name !== 'Ikke en kommune') out.push(...t.locations);
        });
        return out; }""")
    assert len(codes) == 98 and len(set(codes)) == 98 and 411 not in codes
    drawn = web.page.eval_on_selector_all(
        "#kb-map g.geo:not(.geo2) path.choroplethlocation",
        "ps => ps.filter(p => (p.getAttribute('d') || '').length > 20).length",
    )
    assert drawn == 99  # the 98 municipalities and Christiansø (grey, not a municipality)


def test_clicking_a_municipality_opens_its_page(web):
    web.goto("/")
    _map_ready(web.page)
    # a point well inside the largest municipality (plotly's geo layer takes the mouse events and
    # finds the shape under the cursor itself)
    point = web.page.evaluate("""() => {
        const svg = document.querySelector('#kb-map svg.main-svg');
        const paths = [...document.querySelectorAll('#kb-map path.choroplethlocation')];
        const boxes = paths.map(p => [p, p.getBoundingClientRect()])
            .sort((a, b) => b[1].width * b[1].height - a[1].width * a[1].height);
        for (const [p, r] of boxes) {
            const m = p.getScreenCTM().inverse();
            for (const [fx, fy] of [[.5, .5], [.4, .5], [.6, .5], [.5, .4], [.5, .6]]) {
                const x = r.left + r.width * fx, y = r.top + r.height * fy;
                const q = new DOMPoint(x, y).matrixTransform(m);
                if (p.isPointInFill(q) && p.style.fill !== 'rgb(184, 184, 184)') { return [x, y]; }
            }
        }
        return null; }""")
    assert point is not None
    web.page.mouse.move(point[0], point[1])
    web.page.wait_for_timeout(200)
    with web.page.expect_navigation(url=re.compile(r"/kommuner/\d+$"), timeout=15_000):
        web.page.mouse.click(point[0], point[1])
    code = int(web.page.url.rsplit("/", 1)[1])
    assert code != 411
    assert web.page.get_attribute("#kb-municipality", "data-kommunekode") == str(code)
    assert web.page.inner_text("#kb-municipality").endswith("Kommune")
    web.page.wait_for_selector("#kb-history-chart .main-svg", timeout=15_000)  # the rank chart rendered


def _column(page, table: str, index: int) -> list[str]:
    return page.eval_on_selector_all(f"{table} tbody tr", f"rs => rs.map(r => r.cells[{index}].textContent.trim())")


def test_sorting_a_list(web):
    web.goto("/lister/total")
    table = "#kb-list"
    ranks = _column(web.page, table, 0)  # published ranks ascending, then the suppressed rows without one
    shown = [int(r) for r in ranks if not r.startswith("–")]
    assert len(ranks) == 98 and shown == sorted(set(shown)) and all(1 <= r <= 98 for r in shown)
    assert all(r.startswith("–") and "Undertrykt" in r for r in ranks[len(shown) :])
    web.page.click(f"{table} thead th:nth-child(2)")  # Kommune
    names = _column(web.page, table, 1)
    danish = web.page.evaluate("ns => [...ns].sort((a, b) => a.localeCompare(b, 'da'))", names)
    assert names == danish and names[0] == "Albertslund"
    assert names.index("Ærø") < names.index("Aabenraa")  # Danish order: ... Æ, Ø, Å (= Aa)
    assert web.page.get_attribute(f"{table} thead th:nth-child(2)", "aria-sort") == "ascending"
    diff_col = 10  # Forskel (pct.-point)
    web.page.click(f"{table} thead th:nth-child({diff_col + 1})")
    values = web.page.eval_on_selector_all(
        f"{table} tbody tr", f"rs => rs.map(r => r.cells[{diff_col}].getAttribute('data-sort'))"
    )
    shown = [float(v) for v in values if v]
    assert shown == sorted(shown) and all(v == "" for v in values[len(shown) :])  # suppressed last
    web.page.click(f"{table} thead th:nth-child({diff_col + 1})")
    values = web.page.eval_on_selector_all(
        f"{table} tbody tr", f"rs => rs.map(r => r.cells[{diff_col}].getAttribute('data-sort'))"
    )
    shown = [float(v) for v in values if v]
    assert shown == sorted(shown, reverse=True)


def test_filters_and_the_period_picker(web):
    web.goto("/lister/total")
    web.page.select_option("select[name=region]", "1085")  # Region Sjælland (auto-submits)
    web.page.wait_for_url(re.compile(r"region=1085"))
    regions = set(_column(web.page, "#kb-list", 2))
    assert regions == {"Sjælland"}
    web.page.select_option("select[name=run]", "R0002")
    web.page.wait_for_url(re.compile(r"run=R0002"))
    assert "2023QMAT02" in web.page.inner_text("h1 + p.lead")
    web.page.select_option("#kb-area", "kontanthjaelp")
    web.page.wait_for_url(re.compile(r"/lister/kontanthjaelp"))
    assert web.page.inner_text("h1") == "Kontanthjælp mv."


def test_recording_an_action_with_a_token_shows_in_the_case_log(web, site):
    note = f"Browsertest {uuid.uuid4().hex[:8]}: telefonmøde med jobcentret"
    web.goto("/joblog")
    assert web.page.locator("#kb-case-log").count() == 0  # anonymous: no case log
    form = "#kb-action"
    web.page.select_option(f"{form} select[name=kommunekode]", "151")  # Ballerup
    web.page.select_option(f"{form} select[name=action]", "meeting")
    web.page.select_option(f"{form} select[name=criterion]", "2")
    web.page.fill(f"{form} input[name=data_month]", "2023-10")
    web.page.fill(f"{form} textarea[name=note]", note)
    web.page.fill(f"{form} input[name=token]", site.tokens["analyst"])
    with web.page.expect_navigation(url=re.compile(r"kommune=151"), timeout=15_000):
        web.page.click(f"{form} button[type=submit]")
    web.page.wait_for_selector("#kb-case-log")
    row = web.page.locator("#kb-case-log tbody tr", has_text=note)
    assert row.count() == 1
    text = row.inner_text()
    assert "Ballerup" in text and "Møde med styrelsen" in text and "Anna Analytiker" in text
    assert "Opfølgning: Ballerup" in web.page.inner_text("#opfoelgning")
    assert web.page.inner_text("#kb-letter").strip()


def test_a_wrong_token_is_refused_on_the_page(web, site):
    web.goto("/joblog")
    web.page.fill("#kb-action input[name=token]", site.tokens["kk"])
    web.page.fill("#kb-action input[name=data_month]", "2023-10")
    web.page.click("#kb-action button[type=submit]")
    web.page.wait_for_selector("#kb-action-msg.err")
    assert "analyst" in web.page.inner_text("#kb-action-msg")
    web.problems = [p for p in web.problems if "403" not in p]  # the refused request is expected


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/lister/total",
        "/lister/sygedagpenge?klynge=1",
        "/kommuner/101",
        "/kommuner/825",
        "/joblog",
        "/joblog?kommune=101",
        "/koersler",
        "/api",
        "/log-ind",
    ],
)
def test_pages_load_without_console_errors(web, path):
    web.goto(path)
    if path == "/":
        _map_ready(web.page)
    web.page.wait_for_load_state("networkidle")
    assert web.page.title().endswith("kommunebench")


def test_logging_in_shows_the_non_public_page(web, site):
    web.goto("/log-ind?next=/kommuner/101/intern")
    web.page.fill("#kb-login input[name=token]", site.tokens["kk"])
    with web.page.expect_navigation(url=re.compile(r"/kommuner/101/intern$")):
        web.page.click("#kb-login button[type=submit]")
    assert "ikke-offentlige tal" in web.page.inner_text("h1")
    assert "Københavns Kommune IT" in web.page.inner_text("header")


def test_the_efficiency_page_sets_rank_beside_dea_with_a_scatter_and_explanations(web, site):
    data = web.page.request.get(site.url + "/api/v1/effektivitet").json()
    web.goto("/effektivitet")
    page = web.page
    page.wait_for_selector("#kb-dea .main-svg", timeout=60_000)  # plotly drew the scatter
    points = page.locator("#kb-dea .scatterlayer .point").count()
    assert points == len(data["municipalities"])
    rows = page.locator("#kb-dea-table tbody tr")
    assert rows.count() == len(data["municipalities"])
    first = min(data["municipalities"], key=lambda m: m["benchmark_rank"])
    row = page.locator(f"#kb-dea-table tr[data-kommunekode='{first['kommunekode']}']")
    assert row.locator("td.explanation").inner_text().strip() == first["explanation"]
    assert "Mulig besparelse ved samme resultater" in page.locator("#kb-dea-facts").inner_text()
    assert page.locator("nav a[href='/effektivitet']").get_attribute("aria-current") == "page"
