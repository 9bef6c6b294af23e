"""`icegraph site`: a release as a static site, served by a plain static file server.

The release is a stand-in made from the seeds' build (its published files, a release.json, a
CHANGES.md) beside an earlier release and an index.json, as `icegraph release` lays them out.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import httpx
import pyoxigraph
import pytest
from click.testing import CliRunner
from pyoxigraph import BlankNode

from icegraph.cli import main
from icegraph.errors import InputError, OutputError
from icegraph.namespaces import ID
from icegraph.pipeline import BuildResult
from icegraph.queries import catalogue
from icegraph.serve.describe import triples_about
from icegraph.site import oxigraph_js, rules
from icegraph.site.addresses import file_for
from icegraph.site.generate import SiteResult, generate_site, subjects
from icegraph.store import open_store
from tests.servers import static_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update"]  # fmt: skip
RDF = {".ttl": pyoxigraph.RdfFormat.TURTLE, ".jsonld": pyoxigraph.RdfFormat.JSON_LD,
       ".nt": pyoxigraph.RdfFormat.N_TRIPLES}  # fmt: skip
browser = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make test installs it with apt-get)"
)


def _engine() -> Path:
    try:
        return oxigraph_js.find()
    except InputError as exc:
        pytest.skip(str(exc))


def stand_in_release(build: Path, releases: Path, version: str, previous: str | None) -> Path:
    """A build's published files as releases/VERSION/, as `icegraph release` freezes them."""
    folder = releases / version
    folder.mkdir(parents=True)
    for p in build.iterdir():
        if p.name.startswith("."):
            continue
        src = p.resolve()
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, folder / p.name)
    meta = {"version": version, "issued": f"2026-12-0{len(version)}", "previous": previous,
            "notes": f"Release {version} of the seeds."}  # fmt: skip
    (folder / "release.json").write_text(json.dumps(meta))
    (folder / "CHANGES.md").write_text(f"# Changes in {version}\n\n- a claim <b>added</b>\n")
    return folder


@pytest.fixture(scope="module")
def site(seed_build: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    engine = _engine()
    root = tmp_path_factory.mktemp("site")
    releases = root / "releases"
    older = releases / "0.9"
    older.mkdir(parents=True)
    (older / "release.json").write_text(json.dumps({"version": "0.9", "issued": "2026-11-01"}))
    stand_in_release(seed_build.out_dir, releases, "1.0", "0.9")
    (releases / "index.json").write_text(json.dumps([{"version": "0.9"}, {"version": "1.0"}]))
    return generate_site(releases / "1.0", root / "site", releases, engine)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("href", "src", "action") and value:
                self.links.append(value)


def _local_links(page: Path, root: Path) -> Iterator[Path]:
    """The site's files the page links to (another site's addresses are not followed)."""
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    for link in parser.links:
        target, _ = urldefrag(link)
        parts = urlsplit(target)
        if not target or parts.scheme or parts.netloc:
            continue
        yield (page.parent / unquote(parts.path)).resolve()


def _comparable(triples) -> list[tuple[str, str, str]]:
    """Triples with blank nodes written alike, sorted, to compare two serializations."""

    def key(t):
        return "_:b" if isinstance(t, BlankNode) else str(t)

    return sorted((key(t.subject), key(t.predicate), key(t.object)) for t in triples)


def test_every_subject_has_a_page_and_rdf_files_equal_to_the_store(site: SiteResult):
    store = open_store(site.out.parent / "releases" / "1.0" / "store", read_only=True)
    iris = subjects(store)
    assert len(iris) == site.entities > 200
    kinds = {i[len(ID) :].split("/", 1)[0] for i in iris}
    assert {"system", "flow", "claim", "source", "agency"} <= kinds
    for iri in iris:
        stem = site.out / "id" / iri[len(ID) :]
        page = stem.with_name(stem.name + ".html").read_text(encoding="utf-8")
        assert 'id="entity-label"' in page or "<h1" in page
        expected = _comparable(triples_about(store, iri))
        assert expected
        for suffix, fmt in RDF.items():
            body = stem.with_name(stem.name + suffix).read_bytes()
            assert _comparable(pyoxigraph.parse(body, format=fmt)) == expected, (iri, suffix)


def test_no_link_is_broken_and_every_entity_is_reachable_from_the_home_page(site: SiteResult):
    assert site.broken == [] and site.unmatched == []
    root = site.out.resolve()
    seen: set[Path] = set()
    queue = deque([root / "index.html"])
    broken = []
    while queue:
        page = queue.popleft()
        if page in seen:
            continue
        seen.add(page)
        for target in _local_links(page, root):
            if not target.is_file():
                broken.append((page.relative_to(root), target))
            elif target.suffix == ".html" and target not in seen:
                queue.append(target)
    assert broken == []
    pages = {p.resolve() for p in (root / "id").rglob("*.html")}
    assert len(pages) == site.entities
    assert pages - seen == set()
    # and every page, reachable or not, links only to files that exist
    for page in root.rglob("*.html"):
        assert [t for t in _local_links(page, root) if not t.is_file()] == [], page


def test_the_catalogue_answers_are_pre_rendered_as_the_command_line_gives_them(
    site: SiteResult,
):
    store = site.out.parent / "releases" / "1.0" / "store"
    runner = CliRunner()
    for q in catalogue():
        stem = site.out / "queries" / q.name
        page = stem.with_suffix(".html").read_text(encoding="utf-8")
        cli = runner.invoke(main, ["query", q.name, "--store", str(store), "--format", "csv"])
        assert cli.exit_code == 0, cli.output
        want = list(csv.reader(io.StringIO(cli.stdout)))[1:]
        got = list(csv.reader(io.StringIO(stem.with_suffix(".csv").read_text())))[1:]
        assert sorted(got) == sorted(want), q.name
        answer = json.loads(stem.with_suffix(".json").read_text())
        assert len(answer["results"]["bindings"]) == len(want)
        assert f'id="prerendered">{len(want)} row' in page
        assert page.count("<tr>") >= len(want)
        assert 'data-autorun="1"' not in page  # the engine loads only when asked
        assert 'id="param-form"' not in page  # other values need the server
        if q.params:
            assert 'id="param-note">Answered for system = ICM.' in page


def test_the_site_holds_the_dumps_rules_search_and_release_history(site: SiteResult):
    out = site.out
    release = site.out.parent / "releases" / "1.0"
    for name in ("icegraph.ttl", "icegraph.trig", "icegraph.jsonld", "checksums.sha256"):
        assert (out / "dumps" / name).read_bytes() == (release / name).read_bytes()
    assert (out / "static" / "oxigraph" / "web_bg.wasm").stat().st_size > 1_000_000
    htaccess, nginx = (out / ".htaccess").read_text(), (out / "nginx.conf").read_text()
    for media, suffix in rules.RDF_TYPES:
        # each rule's target is a file the site has, for an entity and for the dataset
        assert (out / "id" / "system" / f"icm{suffix}").is_file()
        assert (out / f"dataset{suffix}").is_file()
        assert f"$1{suffix} [L]" in htaccess and f'set $icegraph_suffix "{suffix}";' in nginx
        assert media.split("+")[0] in htaccess and media.split("+")[0] in nginx
    assert "RewriteCond %{HTTP_ACCEPT} text/turtle" in htaccess
    assert "/id/*        /id/:splat.html    200" in (out / "_redirects").read_text()
    assert 'if ($http_accept ~* "application/ld\\+json")' in nginx
    index = json.loads((out / "search.json").read_text())
    assert {"n": "Palantir Technologies", "k": "Company", "p": "org/palantir"}.items() <= next(
        e for e in index if e["p"] == "org/palantir"
    ).items()
    history = (out / "releases.html").read_text()
    assert "0.9" in history and "2026-11-01" in history and "(this site)" in history
    changes = (out / "releases" / "1.0.html").read_text()
    assert "&lt;b&gt;added&lt;/b&gt;" in changes  # the change log is text, never markup
    assert (out / "releases" / "1.0" / "CHANGES.md").is_file()
    dataset = (out / "dataset.html").read_text()
    assert '"@type": "Dataset"' in dataset or '"@type":"Dataset"' in dataset
    assert "Release <strong>1.0</strong>" in (out / "index.html").read_text()


def test_addresses_map_to_files():
    assert file_for("/id/system/icm") == "id/system/icm.html"
    assert file_for("/id/system/icm?format=turtle") == "id/system/icm.ttl"
    assert file_for("/id/system/icm?format=rdfxml") is None
    assert file_for("/?q=reaches-system") == "queries/reaches-system.html"
    assert file_for("/directory?kind=System") == "directory/kind-System.html"
    assert file_for("/graph/system/icm?hops=1") == "graph/system/icm.html"
    assert file_for("/graph/system/icm?hops=2") is None  # left out on purpose
    assert file_for("/reconcile") is None


def test_a_missing_engine_names_the_command_that_fixes_it(tmp_path: Path, monkeypatch):
    monkeypatch.setenv(oxigraph_js.ENV, str(tmp_path / "nowhere"))
    with pytest.raises(InputError) as err:
        oxigraph_js.find()
    assert "make oxigraph-js" in str(err.value) and "nowhere" in str(err.value)
    result = CliRunner().invoke(
        main,
        ["site", "--release", "1.0", "--releases", str(tmp_path), "--out", str(tmp_path / "s")],
    )
    assert result.exit_code == 1
    assert "make oxigraph-js" in result.output
    assert not (tmp_path / "s").exists()


def test_a_missing_release_or_a_foreign_folder_is_refused(site: SiteResult, tmp_path: Path):
    engine = _engine()
    with pytest.raises(InputError, match="No release folder"):
        generate_site(tmp_path / "releases" / "2.0", tmp_path / "s", None, engine)
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "icegraph.ttl").write_text("")
    with pytest.raises(InputError, match="has no store, icegraph.trig"):
        generate_site(tmp_path / "half", tmp_path / "s", None, engine)
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "draft.txt").write_text("keep me")
    release = site.out.parent / "releases" / "1.0"
    with pytest.raises(OutputError, match="not a site icegraph wrote"):
        generate_site(release, mine, None, engine)
    assert (mine / "draft.txt").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _cells(page) -> list[list[str]]:
    """The results table as values: a linked cell's IRI, else its text (names replace IRIs
    as they come back, so the IRI is what to compare)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#results-table tbody tr'), (tr) =>
             Array.from(tr.cells, (td) => {
               const a = td.querySelector('a[data-iri]');
               return a ? a.dataset.iri : td.textContent;
             }))"""
    )


@browser
def test_the_browser_runs_a_catalogue_query_in_the_page_as_the_command_line_does(
    site: SiteResult,
):
    from playwright.sync_api import sync_playwright

    store = site.out.parent / "releases" / "1.0" / "store"
    cli = CliRunner().invoke(
        main, ["query", "receives-icm-data", "--store", str(store), "--format", "csv"]
    )
    want = sorted(list(csv.reader(io.StringIO(cli.stdout)))[1:])
    assert len(want) == 7
    with static_server(site.out) as base, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = chromium.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(base + "/index.html")
            page.click("a.q[data-name=receives-icm-data]")
            page.wait_for_selector("#prerendered")
            assert page.locator("#results-table tbody tr").count() == 7
            page.click("#run")
            page.wait_for_function(
                "document.getElementById('status').textContent === '7 rows'", timeout=60_000
            )
            assert page.locator("#prerendered").count() == 0  # the table is the browser's own
            assert sorted(_cells(page)) == want
            timings = page.evaluate("window.icegraphTimings")
            assert timings["quads"] > 2000 and timings["queryMs"] >= 0
            # the engine and the data came from the site itself, nothing from elsewhere
            assert any(u.endswith("/static/oxigraph/web_bg.wasm") for u in requests)
            assert all(u.startswith(base) for u in requests), requests
            # the downloads are made after the table is shown, by a second request to the
            # engine: waited for, not assumed
            page.wait_for_function(
                "document.getElementById('download-csv').href.startsWith('blob:')",
                timeout=30_000,
            )
            # a query of one's own, and a mistake told rather than swallowed
            page.fill(
                "#query",
                "SELECT ?n WHERE { <https://w3id.org/icegraph/id/system/icm> rdfs:label ?n }",
            )
            page.click("#run")
            page.wait_for_function("document.getElementById('status').textContent === '1 rows'")
            assert _cells(page) == [["ICM"]]
            page.fill("#query", "SELEKT nothing")
            page.click("#run")
            page.wait_for_selector("#query-error")
            # a query past the time limit is stopped, and the next one loads the data again
            page.evaluate("window.icegraphLocal.config.timeout = 0.2")
            page.fill("#query", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
            page.click("#run")
            page.wait_for_selector("#query-error:has-text('stopped after 0.2 s')", timeout=30_000)
            page.evaluate("window.icegraphLocal.config.timeout = 60")
            # a result links to the entity's page in the site
            page.fill("#query", 'SELECT ?s WHERE { ?s rdfs:label "ICM" }')
            page.click("#run")
            page.wait_for_selector("#results-table a:text-is('ICM')")
            page.click("#results-table a:text-is('ICM')")
            page.wait_for_selector("#entity-label")
            assert page.url == base + "/id/system/icm.html"
            assert errors == []
        finally:
            chromium.close()


@browser
def test_the_browser_crawl_finds_no_broken_link_and_the_search_finds_an_entity(
    site: SiteResult,
):
    from playwright.sync_api import sync_playwright

    with static_server(site.out) as base, sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = chromium.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            failed: list[str] = []
            page.on(
                "response",
                lambda r: (
                    failed.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            seen: set[str] = set()
            queue = deque([base + "/index.html"])
            broken: list[tuple[str, str, int]] = []
            checked: dict[str, int] = {}
            while queue:
                url = queue.popleft()
                if url in seen:
                    continue
                seen.add(url)
                page.goto(url)
                links = page.evaluate(
                    """() => Array.from(document.querySelectorAll('[href],[src],[action]'),
                         (e) => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action'))"""
                )
                for link in links:
                    target = urldefrag(urljoin(url, link))[0]
                    if not target.startswith(base + "/"):
                        continue
                    target = target.split("?", 1)[0]
                    if target not in checked:
                        checked[target] = httpx.head(target).status_code
                    if checked[target] != 200:
                        broken.append((url, link, checked[target]))
                    elif target.endswith(".html"):
                        queue.append(target)
            assert broken == [] and failed == [] and errors == []
            reached = {u[len(base) + 1 :] for u in seen}
            pages = {str(p.relative_to(site.out)) for p in (site.out / "id").rglob("*.html")}
            assert pages - reached == set()
            # the name search, in the browser, over search.json
            page.goto(base + "/index.html")
            page.click("header a:text-is('Find by name')")
            page.fill("#site-search", "palantir")
            page.wait_for_selector("#site-search-results a:text-is('Palantir Technologies')")
            page.click("#site-search-results a:text-is('Palantir Technologies')")
            page.wait_for_selector("#entity-label")
            assert page.inner_text("#entity-label") == "Palantir Technologies"
            assert page.url == base + "/id/org/palantir.html"
        finally:
            chromium.close()


def test_an_address_never_writes_outside_the_site(tmp_path: Path):
    from icegraph.site.generate import _Writer

    w = _Writer(tmp_path / "site")
    w.write("id/system/icm.html", b"ok")
    assert (tmp_path / "site" / "id" / "system" / "icm.html").read_bytes() == b"ok"
    with pytest.raises(OutputError, match="outside the site"):
        w.write("id/../../escaped.html", b"no")
    assert not (tmp_path / "escaped.html").exists()


def test_the_command_writes_the_site_and_replaces_an_earlier_one_whole(
    site: SiteResult, tmp_path: Path
):
    releases = site.out.parent / "releases"
    out = tmp_path / "public"
    args = ["site", "--release", "1.0", "--releases", str(releases), "--out", str(out),
            "--oxigraph-js", str(_engine())]  # fmt: skip
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "Wrote release 1.0" in first.stdout and f"{site.entities} identifiers" in first.stdout
    (out / "stale.html").write_text("from an earlier site")
    second = CliRunner().invoke(main, [*args, "--browser-limit", "1000"])
    assert second.exit_code == 0, second.output
    assert not (out / "stale.html").exists()
    assert "above the in-browser limit" in second.stderr
    config = (out / "static" / "site.js").read_text()
    assert '"limit": 1000' in config
    assert [p.name for p in tmp_path.iterdir()] == ["public"]  # no staging folder left


def test_a_malformed_release_file_names_its_file_line_and_what_was_expected(tmp_path: Path):
    from icegraph.site.history import Release, history, read_release

    folder = tmp_path / "releases" / "2.0"
    folder.mkdir(parents=True)
    (folder / "release.json").write_text('{"version": "2.0",\n "issued": }\n')
    with pytest.raises(InputError) as err:
        read_release(folder, check=False)
    assert "release.json, line 2" in str(err.value) and "Expected a JSON object" in str(err.value)
    (folder / "release.json").write_text('{"version": "2.0", "issued": "2026-12-02"}')
    (tmp_path / "releases" / "index.json").write_text('[{"version": "2.0"}, {"notes": "x"}]')
    with pytest.raises(InputError, match="without a version") as err:
        history(tmp_path / "releases", Release("1.0", None))
    assert "index.json" in str(err.value)
    # without index.json, the folders holding a release.json are the history
    (tmp_path / "releases" / "index.json").unlink()
    found = history(tmp_path / "releases", Release("1.0", None, issued="2026-12-01"))
    assert [(r.version, r.issued) for r in found] == [("2.0", "2026-12-02"), ("1.0", "2026-12-01")]
