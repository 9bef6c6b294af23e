"""A real browser (Debian's chromium, driven by Playwright) uses the query and entity pages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from icegraph.pipeline import BuildResult
from tests.servers import icegraph_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs it with apt-get)"
)


def test_query_page_runs_a_catalogue_query_and_opens_an_entity(seed_build: BuildResult):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with icegraph_server(seed_build.out_dir / "store") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/")
            page.click("a.q[data-name=receives-icm-data]")
            page.wait_for_selector("#results-table tbody tr")
            rows = page.locator("#results-table tbody tr")
            assert rows.count() == 7
            assert page.locator("#status").inner_text() == "7 rows"
            # sorting by the 'name' column, descending on the second click
            header = page.locator("#results-table thead th:text-is('name')")
            header.click()
            header.click()
            assert (
                page.locator("#results-table tbody tr >> nth=0 >> td >> nth=1").inner_text()
                == "TECS"
            )
            assert "format=csv" in page.get_attribute("#download-csv", "href")
            page.screenshot(path=str(SHOTS / "query-page.png"))
            # results name what they link to, once the names have come back
            page.wait_for_selector("#results-table a:text-is('INTERPOL')")
            page.locator("#results-table a", has_text="INTERPOL").first.click()
            page.wait_for_selector("#entity-label")
            assert page.inner_text("#entity-label") == "INTERPOL"
            assert "International Criminal Police Organization" in page.content()
            page.screenshot(path=str(SHOTS / "entity-page.png"))
            assert errors == []
        finally:
            browser.close()
    assert (SHOTS / "query-page.png").stat().st_size > 10_000
