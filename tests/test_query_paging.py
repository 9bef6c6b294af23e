"""The query page asks for a large answer a page at a time; `icegraph query` prints rows as
they come. Both must show exactly the rows of the whole answer, in its order."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from icegraph.cli import main
from icegraph.queries import adhoc_query, find_query, run_select
from icegraph.result_text import json_lines, table, table_lines
from icegraph.serve.query_page import STARTER, page_of, pageable

ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"


@pytest.mark.parametrize(
    "text",
    [
        STARTER,
        ALL,
        "PREFIX ex: <https://example.org/>\nSELECT * WHERE { ?s ex:limit ?o }  # LIMIT 5",
        'SELECT * WHERE { ?s ?p "LIMIT 5" }',
        "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 } }",
    ],
)
def test_a_select_without_its_own_limit_is_paged(text: str) -> None:
    assert pageable(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o } LIMIT 5",
        "SELECT * WHERE { ?s ?p ?o } OFFSET 5  # mine",
        "SELECT * WHERE { ?s ?p ?o } VALUES ?s { <https://example.org/a> }",
        "ASK { ?s ?p ?o }",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        'SELECT * WHERE { ?s ?p "unclosed }',
    ],
)
def test_a_query_that_sets_its_own_limit_or_is_not_a_select_is_shown_whole(text: str) -> None:
    assert not pageable(text)


def test_pages_put_together_are_the_whole_answer(seed_store) -> None:
    whole = run_select(seed_store, adhoc_query(ALL, "q"))[1]
    assert len(whole) > 250
    pages, offset = [], 0
    while True:
        found = run_select(seed_store, adhoc_query(page_of(ALL, offset), "q"))[1]
        pages += found[:100]
        if len(found) <= 100:  # one row more than a page: a next page exists
            break
        offset += 100
    assert pages == whole


def test_every_catalogue_question_is_paged(seed_store) -> None:
    for q in (find_query(n) for n in ("flow-support", "reaches-system", "contradictions")):
        text = q.bound()
        assert pageable(text), q.name
        first = run_select(seed_store, adhoc_query(page_of(text, 0, 5), q.name))[1]
        assert first == run_select(seed_store, q)[1][:6]


def test_streamed_table_takes_its_widths_from_the_first_rows() -> None:
    rows = [["alpha", "1"], ["beta", "22"], ["a much longer value", "3"]]
    lines = list(table_lines(["name", "n"], rows, first=2))
    assert lines[:2] == ["name   n", "-----  --"]
    # the third row's value wraps within the width the first two set: nothing is cut
    assert lines[4:] == ["a      3", "much", "longe", "r", "value"]
    assert "\n".join(table_lines(["name", "n"], rows, first=3)) == table(["name", "n"], rows)


def test_streamed_json_is_the_json_of_the_whole_list() -> None:
    objs = [{"a": 1, "b": "x\ny é"}, {"a": None, "b": True}]
    assert "".join(json_lines(objs)) == json.dumps(objs, indent=2, ensure_ascii=False) + "\n"
    assert "".join(json_lines([])) == "[]\n"


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_the_cli_prints_the_whole_answer_as_it_streams(fmt: str, seed_build, seed_store) -> None:
    store = str(seed_build.out_dir / "store")
    out = CliRunner().invoke(main, ["query", "flow-support", "--store", store, "--format", fmt])
    assert out.exit_code == 0, out.output
    names, rows = run_select(seed_store, find_query("flow-support"))
    labels = [r[1].value for r in rows]
    assert len(labels) > 20
    if fmt == "json":
        assert [r["label"] for r in json.loads(out.stdout)] == labels
    elif fmt == "csv":
        assert out.stdout.splitlines()[0] == ",".join(names)
        assert len(out.stdout.splitlines()) == len(rows) + 1
    else:
        assert f"({len(rows)} rows)" in out.stderr
        shown = [line for line in out.stdout.splitlines()[2:] if line.startswith("https://")]
        assert len(shown) == len(rows)


def test_the_query_page_shows_a_large_answer_a_page_at_a_time(seed_build) -> None:
    import shutil

    from tests.servers import icegraph_server

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (make test installs it with apt-get)")
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS

    with icegraph_server(seed_build.out_dir / "store") as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(base + "/")
            page.fill("#query", ALL)
            page.click("#run")
            page.wait_for_selector("#next-page")
            assert page.locator("#results-table tbody tr").count() == 100
            assert page.locator("#status").inner_text() == "rows 1–100, more follow"
            assert page.locator("#previous-page").count() == 0
            first = page.locator("#results-table tbody tr >> nth=0").inner_text()
            page.click("#next-page")
            page.wait_for_selector("#previous-page")
            assert page.locator("#status").inner_text() == "rows 101–200, more follow"
            assert page.locator("#results-table tbody tr >> nth=0").inner_text() != first
            page.click("#previous-page")
            page.wait_for_selector("#next-page")
            page.wait_for_selector("#previous-page", state="detached")
            assert page.locator("#results-table tbody tr >> nth=0").inner_text() == first
            # the downloads are the whole answer, not the page shown
            assert "LIMIT" not in page.get_attribute("#download-csv", "href")
            assert errors == []
        finally:
            browser.close()
