"""A hub's page: what refers to it comes a page at a time, with the count of it all and links
to the next and previous pages, so a system named by a whole table still opens at once."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from icegraph.pipeline import build
from icegraph.serve.app import ServeConfig, create_app
from icegraph.serve.describe import INBOUND_PAGE
from tests.conftest import flows_table, only_flows, row

SYSTEMS = 260  # each sends data to ICM: more flows refer to ICM than a page shows
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    import shutil

    from tests.conftest import DATA

    root = tmp_path_factory.mktemp("hub")
    data = root / "data"
    shutil.copytree(DATA, data)
    rows = [
        row(source=f"HUB{k:03d}", full_name=f"Hub Feeder {k:03d}", description=f"Feed {k}.")
        for k in range(SYSTEMS)
    ]
    only_flows(data, flows_table(*rows))
    build(data, root / "build")
    app = create_app(ServeConfig(Path(root / "build" / "store"), workers=1))
    with TestClient(app) as client:
        yield client


def _referred(html: str) -> str:
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))
    return text[text.index("Referred to by") :]


def _flows_listed(html: str) -> set[str]:
    part = html[html.index('id="referred"') :]
    return set(re.findall(r'href="/id/flow/(hub\d+--icm)"', part))


def test_a_hub_page_shows_one_page_of_referrers_with_their_count(hub: TestClient):
    first = hub.get("/id/system/icm", headers=HTML)
    assert first.status_code == 200
    said = _referred(first.text)
    shown = re.search(r"Showing 1–(\d+), (\d+) a page \(([\d,]+) statements refer", said)
    assert shown is not None, said[:300]
    assert int(shown[1]) == int(shown[2]) == INBOUND_PAGE
    assert int(shown[3].replace(",", "")) >= SYSTEMS  # a flow per feeder, at least
    listed = first.text[first.text.index('id="referred"') :]
    assert listed.count("<li>") == INBOUND_PAGE  # flows, and systems that send data to ICM
    assert f'href="?referred={INBOUND_PAGE}#referred"' in first.text
    assert 'rel="prev"' not in first.text


def test_the_pages_of_referrers_together_list_each_once(hub: TestClient):
    seen: list[set[str]] = []
    offset = 0
    while True:
        page = hub.get(f"/id/system/icm?referred={offset}", headers=HTML)
        assert page.status_code == 200
        seen.append(_flows_listed(page.text))
        found = re.search(r'href="\?referred=(\d+)#referred" rel="next"', page.text)
        if offset:
            assert 'rel="prev"' in page.text
        if not found:
            break
        offset = int(found[1])
    assert len(seen) >= 2
    every = set().union(*seen)
    assert len(every) == SYSTEMS  # every feeder's flow, on one page or another
    assert sum(len(s) for s in seen) == SYSTEMS  # and on one only


def test_a_page_is_kept_and_the_same_bytes_served_again(hub: TestClient):
    a = hub.get("/id/system/hub007", headers=HTML)
    b = hub.get("/id/system/hub007", headers=HTML)
    assert a.status_code == b.status_code == 200 and a.content == b.content
    assert "Hub Feeder 007" in a.text
    # a system with few referrers: no paging links
    assert "Showing" not in _referred(a.text) and "?referred=" not in a.text
