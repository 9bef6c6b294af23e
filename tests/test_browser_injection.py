"""A real browser meets markup in queries and data: it is shown as text and never runs."""

from __future__ import annotations

import urllib.parse

import pytest

from icegraph.pipeline import BuildResult
from tests.servers import icegraph_server
from tests.test_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs it with apt-get)"
)

# Each payload would, if it ran, set a flag and open an alert.
PAYLOADS = [
    '<img src=x onerror="window.pwned=1;alert(document.domain)">',
    "<script>window.pwned=1;alert(1)</script>",
    '<svg onload="window.pwned=1"></svg>',
]


def test_injected_markup_never_runs(seed_build: BuildResult):
    from playwright.sync_api import sync_playwright

    values = " ".join('"' + p.replace('"', '\\"') + '"' for p in PAYLOADS)
    query = f"SELECT ?x WHERE {{ VALUES ?x {{ {values} }} }}"
    with icegraph_server(seed_build.out_dir / "store") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            # The policy blocks nothing the pages themselves need.
            blocked: list[str] = []
            page.on(
                "console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text)
            )

            # The reported case: results rendered as HTML by the server.
            url = base + "/sparql?" + urllib.parse.urlencode({"format": "html", "query": query})
            page.goto(url)
            cells = page.locator("#results-table tbody td").all_inner_texts()
            assert cells == PAYLOADS
            assert page.locator("main img, main script, main svg").count() == 0
            assert page.evaluate("window.pwned") is None

            # The query page renders JSON results itself.
            page.goto(base + "/")
            page.fill("#query", query)
            page.click("#run")
            page.wait_for_selector("#results-table tbody tr")
            assert page.locator("#results-table tbody td").all_inner_texts() == PAYLOADS
            assert page.locator("#results img, #results script, #results svg").count() == 0
            assert page.evaluate("window.pwned") is None

            # Stored data: the raw citations hold HTML.
            page.goto(base + "/id/claim/000-f18490aef763a0b3/tecs--icm-13c457d63f")
            assert "<i>Mijente</i>" in page.inner_text("main")
            assert page.locator("main i").count() == 0
            page.wait_for_timeout(300)  # give any stray handler time to fire
            assert dialogs == []
            assert blocked == []
        finally:
            browser.close()
