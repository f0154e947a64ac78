"""Every page for every screen and every reader (issue 12, items 5 and 8) in a real headless Chromium.

One browser and the session's shared site for the whole module; the pages that need data the
shared site lacks (the KPI tables behind /styring, a published jobindsats list behind
/offentliggjort and /sammenligning) are checked on a copy of it with those added (``data_site``),
and the static HTML report from its file. Per page, at 390 px: no
horizontal overflow (``scrollWidth <= innerWidth``) and axe-core (vendored under
``tests/vendor/axe-core``, version in ``AXE_VERSION``) finds no serious or critical WCAG 2.1 A/AA
violation. At 1,400 px the lists show every column; at 390 px they show the ranking, the name and
the difference. The print stylesheet hides the plotly toolbar, the menus and the filters.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kb_server import shared_site, start
from kommunebench import pipeline, report
from published_shapes import SUBSET
from test_web_browser import ARGS, CHROMIUM, sync_api

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# (path, expected status, selector that must be rendered before checking: a plotly chart draws late)
PAGES = [
    ("/", 200, "#kb-map[data-rendered='1']"),
    ("/lister/total", 200, None),
    ("/lister/sygedagpenge?klynge=1", 200, None),
    ("/kommuner/101", 200, "#kb-drivers-chart[data-rendered='1']"),
    ("/metode", 200, None),
    ("/joblog", 200, None),
    ("/joblog?kommune=101", 200, None),
    ("/koersler", 200, None),
    ("/styring", 200, None),
    ("/effektivitet", 200, "#kb-dea .main-svg"),
    ("/sammenligning", 404, None),  # no published list loaded: the error page (with data: DATA_PAGES)
    ("/tilgaengelighed", 200, None),
    ("/api", 200, None),
    ("/log-ind", 200, None),
    ("/kommuner/999", 404, None),
    ("/lister/findes-ikke", (404, 422), None),
    ("/joblog/sagslog", 401, None),
]


# Pages checked with real content on ``data_site``: (path, a selector that shows the content is there)
DATA_PAGES = [
    ("/styring", "main table tbody tr"),
    ("/styring/101", "main table tbody tr"),
    ("/offentliggjort/placeringer", "main table tbody tr"),
    ("/offentliggjort/kontrol", "main table tbody tr"),
    pytest.param("/sammenligning", "main table tbody tr", marks=pytest.mark.slow),  # 400 rows: ~15 s of axe
]


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture(scope="module")
def data_site(site, tmp_path_factory):
    """A copy of the shared site with the KPI tables built and the published 2022QMAT04 lists imported."""
    db = tmp_path_factory.mktemp("a11y-data") / "warehouse.duckdb"
    shutil.copy(site.db, db)
    pipeline.kpi.build(db=db, actor="test:a11y")
    pipeline.published.import_jobindsats([SUBSET], db=db, actor="test:a11y")
    running = start(db)
    yield running.url
    running.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def phone(browser):
    """One 390 px page for the whole sweep (the CSP is bypassed only so the test can inject axe)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="da-DK", bypass_csp=True)
    yield context.new_page()
    context.close()


def _open(page, url: str, status: int, ready: str | None) -> None:
    resp = page.goto(url, wait_until="load")
    assert resp is not None and resp.status in (status if isinstance(status, tuple) else (status,)), (url, resp.status)
    if ready:
        page.wait_for_selector(ready, timeout=30_000)


def _axe(page) -> list[dict]:
    """axe-core's serious and critical violations of WCAG 2.1 A/AA on the open page."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    assert page.evaluate("() => axe.version") == AXE_VERSION
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }""",
        WCAG_TAGS,
    )
    return list(result)


def _overflow(page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth"))


def _too_wide(page) -> list[str]:
    """The outermost elements reaching past the right edge of the screen (for the failure message)."""
    return page.evaluate(
        """() => [...document.body.querySelectorAll('*')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
                 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > innerWidth + 0.5))
            .slice(0, 6).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className
                             + ' ' + Math.round(e.getBoundingClientRect().right))"""
    )


@pytest.mark.parametrize(("path", "status", "ready"), PAGES, ids=[p for p, _, _ in PAGES])
def test_every_page_fits_390_px_and_passes_axe(phone, site, path, status, ready):
    _open(phone, site.url + path, status, ready)
    problems = []
    if _overflow(phone) > 0:
        problems.append(f"{_overflow(phone)} px wider than the screen: {_too_wide(phone)}")
    violations = _axe(phone)
    if violations:
        problems.append(json.dumps(violations, ensure_ascii=False, indent=1))
    if phone.locator("footer a[href='/tilgaengelighed']").count() != 1:
        problems.append("no link to the accessibility statement in the footer")
    assert not problems, f"{path}:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "content"), DATA_PAGES, ids=[p.values[0] if hasattr(p, "values") else p[0] for p in DATA_PAGES]
)
def test_the_pages_with_data_fit_390_px_and_pass_axe(phone, data_site, path, content):
    _open(phone, data_site + path, 200, content)
    problems = []
    if _overflow(phone) > 0:
        problems.append(f"{_overflow(phone)} px wider than the screen: {_too_wide(phone)}")
    violations = _axe(phone)
    if violations:
        problems.append(json.dumps(violations, ensure_ascii=False, indent=1))
    assert not problems, f"{path}:\n" + "\n".join(problems)


def _visible_headers(page) -> list[str]:
    return page.eval_on_selector_all(
        "#kb-list thead th",
        """ths => ths.filter(th => { const r = th.getBoundingClientRect();
                 return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth + 1; })
               .map(th => th.textContent.replace(/\\u00ad/g, '').trim())""",
    )


def test_the_list_shows_rank_name_and_difference_on_a_phone_and_everything_at_1400(browser, phone, site):
    _open(phone, site.url + "/lister/total", 200, None)
    shown = _visible_headers(phone)
    assert {"Placering", "Kommune", "Forskel (pct.-point)"} <= set(shown), shown
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="da-DK")
    try:
        wide = context.new_page()
        _open(wide, site.url + "/lister/total", 200, None)
        all_headers = wide.eval_on_selector_all("#kb-list thead th", "ths => ths.length")
        assert len(_visible_headers(wide)) == all_headers and _overflow(wide) <= 0
        for path, ready in (("/kommuner/101", "#kb-drivers-chart[data-rendered='1']"), ("/metode", None)):
            _open(wide, site.url + path, 200, ready)
            assert _overflow(wide) <= 0, (path, _too_wide(wide))
    finally:
        context.close()


def test_print_hides_the_plotly_toolbar_menus_and_filters(phone, site):
    _open(phone, site.url + "/kommuner/101", 200, "#kb-drivers-chart[data-rendered='1']")
    assert phone.locator(".modebar").count() > 0  # plotly drew its toolbar on screen
    phone.emulate_media(media="print")
    try:
        shown = phone.evaluate(
            """() => [...document.querySelectorAll('.modebar, header.top, form.filters')]
                   .filter(e => getComputedStyle(e).display !== 'none' && e.offsetParent !== null).length"""
        )
        assert shown == 0
        page_rule = phone.evaluate(
            """() => [...document.styleSheets].flatMap(s => [...s.cssRules])
                   .filter(r => r.constructor.name === 'CSSPageRule').map(r => r.style.size)"""
        )
        assert [r.lower() for r in page_rule] == ["a4 landscape"]
    finally:
        phone.emulate_media(media="screen")


def _cut_tables(page) -> list[str]:
    """Tables wider than their box (columns cut off or hidden behind a scroll bar), by first header."""
    return page.eval_on_selector_all(
        "table",
        """ts => ts.filter(t => t.getBoundingClientRect().width > 0
                   && (t.scrollWidth > t.parentElement.clientWidth + 1
                       || t.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
               .map(t => (t.querySelector('th') || t).textContent.trim().slice(0, 40))""",
    )


def test_the_static_report_fits_1400_px_and_a4_landscape(browser, site, tmp_path):
    run = pipeline.open_run("R0001", db=site.db)
    path = report.write_html_report(pipeline.publish_run(run, threshold=5), tmp_path / "rapport.html")
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="da-DK")
    try:
        page = context.new_page()
        page.goto(path.as_uri(), wait_until="load")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.locator("#samlet tbody tr").count() == 98
        violations = _axe(page)  # the report as sent, every section open
        assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)
        assert _cut_tables(page) == []
        rank = page.locator("#samlet th", has_text="Placering").first.bounding_box()
        assert rank is not None and rank["x"] >= 0 and rank["x"] + rank["width"] <= 1400
        # A4 landscape less the 12 mm margins is 273 mm = 1032 CSS px wide
        page.set_viewport_size({"width": 1032, "height": 730})
        page.emulate_media(media="print")
        assert _cut_tables(page) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1032
    finally:
        context.close()
