"""Every link on every page resolves: a crawl of the whole local site finds no broken link.

The site's own IRIs (https://w3id.org/icegraph/…) are links too: w3id.org forwards them to
the server, so `https://w3id.org/icegraph/dumps/icegraph.ttl` must be `/dumps/icegraph.ttl`
here. Other hosts are not followed.
"""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from starlette.testclient import TestClient

from icegraph.pipeline import BuildResult
from icegraph.serve.app import ServeConfig, create_app

BASE = "http://testserver"
PERSISTENT = "https://w3id.org/icegraph/"
START = ["/", "/dataset", "/queries", "/ns", "/sparql"]
MAX_PAGES = 5000


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src", "action"):
            if a.get(key):
                self.links.append(a[key])


def local(url: str) -> str | None:
    """The local path and query of a link, or None for another site's."""
    if url.startswith(PERSISTENT):
        url = "/" + url[len(PERSISTENT) :]
    parts = urlsplit(urljoin(BASE + "/", url))
    if f"{parts.scheme}://{parts.netloc}" != BASE:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def client(seed_build: BuildResult):
    app = create_app(ServeConfig(seed_build.out_dir / "store", timeout=10, workers=1))
    with TestClient(app, base_url=BASE) as c:
        yield c


def test_crawl_finds_no_broken_link(client):
    seen: dict[str, int] = {}
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []  # (from, to, fragment)
    broken: list[tuple[str, str, int]] = []
    queue = deque((p, "(start)") for p in START)
    entity_pages = 0
    while queue and len(seen) < MAX_PAGES:
        path, origin = queue.popleft()
        if path in seen:
            continue
        r = client.get(path, headers={"Accept": "text/html"})
        seen[path] = r.status_code
        if r.status_code >= 400:
            broken.append((origin, path, r.status_code))
            continue
        if not r.headers.get("content-type", "").startswith("text/html"):
            continue
        entity_pages += path.startswith("/id/")
        page = _Links()
        page.feed(r.text)
        ids[path] = page.ids
        for link in page.links:
            target, fragment = urldefrag(link)
            to = local(target) if target else path
            if to is None:
                continue
            if fragment and to.split("?")[0] == "/ns":
                fragments.append((path, to, fragment))
            # Queries are links too, but the crawl reads pages, not every query's answer.
            if to.startswith("/sparql?"):
                continue
            queue.append((to, path))
    assert not queue, f"the crawl stopped at {MAX_PAGES} pages"
    assert broken == []
    assert entity_pages > 100  # the entity pages were reached, not just the front pages
    for needed in ("/dataset", "/dumps/icegraph.ttl", "/ns", "/dataset/class/System"):
        assert seen.get(needed) == 200, needed
    for origin, to, fragment in fragments:
        assert fragment in ids.get(to, set()), (origin, to, fragment)
