"""Dashboard pages (HTML) are cached per warehouse version for anonymous callers only.

Over real HTTP against a copy of the shared site's warehouse: a repeat is a cache hit with the
same bytes; storing a new run (a committed write) invalidates it; a logged-in caller's page is
neither served from nor stored in the public cache.
"""

from __future__ import annotations

import shutil

import httpx
import pytest

from kb_server import shared_site, start
from kommunebench.api.pagecache import HIT_HEADER
from kommunebench.pipeline import RunConfig, run_benchmark

HIT = HIT_HEADER[0].decode()
PAGE = "/kommuner/101"


@pytest.fixture(scope="module")
def site(tmp_path_factory, request):
    return shared_site(tmp_path_factory, request)


@pytest.fixture
def running(site, tmp_path):
    db = tmp_path / "wh.duckdb"
    shutil.copy(site.db, db)
    server = start(db)
    yield server, db
    server.stop()


def test_a_cached_page_is_invalidated_when_a_new_run_is_stored(running):
    server, db = running
    with httpx.Client(base_url=server.url, timeout=60) as client:
        first = client.get(PAGE)
        again = client.get(PAGE)
        assert first.status_code == again.status_code == 200
        assert HIT not in first.headers and again.headers[HIT] == "hit"
        assert again.content == first.content and again.headers["content-type"].startswith("text/html")
        assert "content-security-policy" in again.headers  # the edge's headers on a hit too
        for _ in range(2):  # an error page (another key) is never stored
            bad = client.get(PAGE, params={"run": "nope"})
            assert bad.status_code >= 400 and HIT not in bad.headers
        head = client.head(PAGE)
        assert head.headers[HIT] == "hit" and head.content == b""
        assert "2022QMAT04" not in first.text
        run_benchmark(RunConfig.build(period="2022QMAT04"), db=db)  # a committed write: a new version
        fresh = client.get(PAGE)
        assert HIT not in fresh.headers and "2022QMAT04" in fresh.text
        assert client.get(PAGE).headers[HIT] == "hit"


def test_an_authenticated_page_is_not_served_from_or_stored_in_the_public_cache(site, running):
    server, _ = running
    token = {"Authorization": f"Bearer {site.tokens['kk']}"}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        mine = client.get(PAGE, headers=token)  # first: it must not fill the public cache
        assert mine.status_code == 200 and HIT not in mine.headers
        assert "Københavns Kommune IT" in mine.text and "private" in mine.headers["cache-control"]
        public = client.get(PAGE)
        assert HIT not in public.headers and "Københavns Kommune IT" not in public.text
        assert client.get(PAGE).headers[HIT] == "hit"
        again = client.get(PAGE, headers=token)  # now the public page is cached: still not served
        assert HIT not in again.headers and "Københavns Kommune IT" in again.text
    with httpx.Client(base_url=server.url, timeout=60, cookies={"kb_session": "whatever"}) as client:
        assert HIT not in client.get(PAGE).headers
