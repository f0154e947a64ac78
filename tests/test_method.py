"""The method page "Sådan beregnes benchmarket": content, its JSON twin, links from every page and the report."""

from __future__ import annotations

import httpx
import pytest

from kb_server import shared_site
from kommunebench import pipeline
from kommunebench.publish.method import method_sections, period_in_words


@pytest.fixture(scope="session")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


def test_period_codes_in_words():
    assert period_in_words("2023QMAT04") == "2023QMAT04 = kalenderåret 2023"
    assert period_in_words("2023QMAT02") == "2023QMAT02 = 3. kvt. 2022 – 2. kvt. 2023"


def test_the_method_has_the_sections_the_issue_asks_for(site):
    view = pipeline.publish_run(pipeline.open_run("R0001", db=site.db), threshold=5)
    sections = {s["id"]: s for s in method_sections(view, [view.period])}
    assert list(sections) == [
        "forventet",
        "rammevilkaar",
        "placering",
        "officiel",
        "aendring",
        "klynger",
        "omkostninger",
        "skaerpet-tilsyn",
        "undertrykkelse",
        "perioder",
    ]
    groups = [r[0] for r in sections["rammevilkaar"]["table"]["rows"]]
    assert "Helbred" in groups and "Lokalt arbejdsmarked" in groups
    klynger = sections["klynger"]["table"]["rows"]
    assert len(klynger) == view.n_klynger * len(view.lists) and all("–" in r[3] for r in klynger)
    costs = sections["omkostninger"]["table"]["rows"]
    assert costs and all(r[3].startswith("Antagelse") for r in costs)
    text = str(sections)
    assert "angivet af brugeren" not in text and "kalenderåret" in text
    assert "undertrykt" in " ".join(sections["undertrykkelse"]["paragraphs"])
    # a stored run's "Om kørslen" names the cost table's date, never "angivet af brugeren"
    costs_row = dict(view.meta_rows)["Omkostning pr. fuldtidsperson (kr.)"]
    assert "omkostningstabel gældende" in costs_row and "angivet af brugeren" not in costs_row
    assert "cost_date" not in dict(view.meta_rows)


def test_the_page_is_linked_from_every_page_and_the_report(site, tmp_path):
    with httpx.Client(base_url=site.url, timeout=60) as http:
        page = http.get("/metode")
        assert page.status_code == 200 and "Sådan beregnes benchmarket" in page.text
        twin = http.get("/api/v1/metode").json()
        assert twin["title"] == "Sådan beregnes benchmarket" and len(twin["sections"]) == 10
        for path in ("/", "/lister/total", "/kommuner/101", "/koersler"):
            assert 'href="/metode"' in http.get(path).text, path
    paths = pipeline.export_run(pipeline.open_run("R0001", db=site.db), tmp_path, threshold=5)
    report = paths.html.read_text(encoding="utf-8")
    assert 'href="#metode"' in report and 'id="metode"' in report and "kalenderåret" in report
