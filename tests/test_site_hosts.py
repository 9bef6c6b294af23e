"""The static site on real web servers, with identifiers no slug would make.

The release is the seeds' build with a few entities added to its store whose IRIs hold what
an IRI may: percent-escapes, non-ASCII letters, '+;=\\'', a '..', a name too long for a disk, two
names that differ only in case, a name that is also a folder, a moved identifier. Each must get
a file of its own inside the site and a link that a static host (Python's, nginx, Apache under
a sub-path) serves; the hosts' rules must negotiate, redirect and show the 404 page.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urljoin, urlsplit

import httpx
import pyoxigraph
import pytest
from pyoxigraph import Literal, NamedNode, Quad

from icegraph.errors import InputError
from icegraph.namespaces import DCTERMS, GRAPH, ID, IG, RDF, RDFS
from icegraph.pipeline import BuildResult, build
from icegraph.site import oxigraph_js
from icegraph.site.addresses import MAX_NAME, case_clashes, file_for, name_of
from icegraph.site.generate import SiteResult, generate_site
from icegraph.store import open_store
from tests.conftest import DATA
from tests.servers import (
    apache_binary,
    apache_server,
    nginx_binary,
    nginx_server,
    static_server,
)
from tests.test_site import ARGS, CHROMIUM, stand_in_release

HUB = "system/odd-hub"
# path below /id/ → label
ODD = {
    "system/a%20b": "Space escaped",
    "system/caf%C3%A9": "Cafe escaped",
    "system/café": "Cafe written",
    "system/naïve-ü": "Non-ASCII letters",
    "system/a+b;c=d'e": "Sub-delimiters",
    "system/50%25": "Percent sign",
    "system/q%3Fa%23b": "Question and hash",
    "system/a%2Fb": "Slash escaped",
    "system/%2e%2e": "Dots escaped",
    "system/x/../../../escape": "Dot dot",
    "system/" + "long-" * 60 + "end": "Very long",
    "system/Odd": "Upper case",
    "system/odd": "Lower case",
    "system/x": "A folder too",
    "system/x/y": "Inside the folder",
    "system/x/": "Trailing slash",
}
MOVED = ("system/old-icm", "system/icm")


def _engine() -> Path:
    try:
        return oxigraph_js.find()
    except InputError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def odd_site(seed_build: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> SiteResult:
    """The seeds' release with the odd identifiers added to its store, linked from a hub."""
    engine = _engine()
    root = tmp_path_factory.mktemp("odd-site")
    folder = stand_in_release(seed_build.out_dir, root / "releases", "1.0", None)
    store = open_store(folder / "store")
    g = NamedNode(GRAPH + "test/odd")
    hub = NamedNode(ID + HUB)
    quads = [
        Quad(hub, NamedNode(RDF + "type"), NamedNode(IG + "System"), g),
        Quad(hub, NamedNode(RDFS + "label"), Literal("Odd hub"), g),
        Quad(
            NamedNode(ID + MOVED[0]),
            NamedNode(DCTERMS + "isReplacedBy"),
            NamedNode(ID + MOVED[1]),
            g,
        ),
    ]
    for path, label in ODD.items():
        node = NamedNode(ID + path)
        quads += [
            Quad(node, NamedNode(RDF + "type"), NamedNode(IG + "System"), g),
            Quad(node, NamedNode(RDFS + "label"), Literal(label), g),
            Quad(hub, NamedNode(DCTERMS + "relation"), node, g),
        ]
    store.extend(quads)
    store.flush()
    del store
    return generate_site(folder, root / "site", root / "releases", engine)


def _file(path: str, fmt: str = "html") -> str:
    clashes = case_clashes(list(ODD) + [HUB])
    address = "/id/" + path + ("" if fmt == "html" else f"?format={fmt}")
    name = file_for(address, clashes)
    assert name is not None
    return name


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


def _hrefs(page: Path) -> list[str]:
    parser = _Anchors()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


def test_every_odd_identifier_has_a_file_of_its_own_inside_the_site(odd_site: SiteResult):
    out = odd_site.out.resolve()
    assert odd_site.broken == [] and odd_site.unmatched == []
    files = {path: _file(path) for path in ODD}
    # one file each, still one each on a disk that ignores case or normalises Unicode
    assert len({f.casefold() for f in files.values()}) == len(ODD)
    for path, name in files.items():
        page = (out / name).resolve()
        assert page.is_relative_to(out), (path, name)
        assert all(len(s.encode()) <= MAX_NAME + 10 for s in name.split("/")), name
        assert not any(s in (".", "..", "") for s in name.split("/")), name
        text = page.read_text(encoding="utf-8")
        assert f">{ODD[path]}<" in text, (path, name)
        turtle = (out / _file(path, "turtle")).read_bytes()
        subjects = {t.subject for t in pyoxigraph.parse(turtle, format=pyoxigraph.RdfFormat.TURTLE)}
        assert NamedNode(ID + path) in subjects, path
    # names that are safe as they stand keep them, so a host finds them by the IRI's path
    assert files["system/a%20b"] == "id/system/a b.html"
    assert files["system/café"] == "id/system/café.html"
    assert files["system/a+b;c=d'e"] == "id/system/a+b;c=d'e.html"
    assert files["system/odd"] == "id/system/odd.html"
    assert files["system/x/y"] == "id/system/x/y.html"
    assert files["system/x"] == "id/system/x.html"
    assert files["system/Odd"].startswith("id/system/~")  # the one that differs in case
    assert files["system/caf%C3%A9"].startswith("id/system/~")  # another spelling of café
    assert not list(out.parent.glob("escape*"))  # nothing written outside


def test_the_hub_links_each_odd_identifier_to_its_own_page(odd_site: SiteResult):
    out = odd_site.out.resolve()
    hub = out / _file(HUB)
    found: dict[Path, str] = {}
    for href in _hrefs(hub):
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        # what a static host does with the link: the browser asks for it, the host decodes
        target = (hub.parent / unquote(parts.path)).resolve()
        if target.is_file():
            found[target] = href
    for path in ODD:
        assert (out / _file(path)).resolve() in found, path


def test_the_sites_script_links_answers_and_search_results_to_the_same_files(
    odd_site: SiteResult,
):
    """site.js links an IRI in a query's answer, or a search result, to id/<path>.html unless
    the site's config names another file for it, as it does for every escaped name."""
    script = (odd_site.out / "static" / "site.js").read_text(encoding="utf-8")
    config = json.loads(script.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    pages = config["pages"]
    assert "system/icm" not in pages and "system/Odd" in pages
    for path in ODD:
        href = "id/" + pages.get(path, path) + ".html"
        # the browser encodes what the link leaves unencoded; the host decodes it all
        assert unquote(href) == _file(path), path
    index = json.loads((odd_site.out / "search.json").read_text(encoding="utf-8"))
    assert {e["p"] for e in index} >= set(ODD)


def test_python_static_server_serves_each_link(odd_site: SiteResult):
    hub_file = _file(HUB)
    with static_server(odd_site.out) as base:
        hub_url = f"{base}/{quote(hub_file)}"
        hub = httpx.get(hub_url)
        assert hub.status_code == 200
        parser = _Anchors()
        parser.feed(hub.text)
        reached = set()
        for href in parser.hrefs:
            url = urljoin(hub_url, href)
            if not url.startswith(base) or "/id/system/" not in url:
                continue
            r = httpx.get(url)
            assert r.status_code == 200, (href, url)
            reached.update(label for label in ODD.values() if f">{label}<" in r.text)
        assert reached == set(ODD.values())


def _check_host(base: str, prefix: str, kind: str) -> None:
    """What every host with rules must do, for the site at base + prefix."""
    site = base + prefix
    page = httpx.get(site + "/id/system/icm", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'id="entity-label"' in page.text, kind
    assert "accept" in page.headers.get("vary", "").lower()
    for accept, fmt in (("text/turtle", pyoxigraph.RdfFormat.TURTLE),
                        ("application/ld+json", pyoxigraph.RdfFormat.JSON_LD),
                        ("application/n-triples", pyoxigraph.RdfFormat.N_TRIPLES)):  # fmt: skip
        for path, iri in (("/id/system/icm", ID + "system/icm"), ("/dataset", None)):
            r = httpx.get(site + path, headers={"Accept": accept})
            assert r.status_code == 200, (kind, path, accept)
            assert r.headers["content-type"].startswith(accept), (kind, path, r.headers)
            triples = list(pyoxigraph.parse(r.content, format=fmt))
            assert triples, (kind, path, accept)
            if iri:
                assert NamedNode(iri) in {t.subject for t in triples}
    # a browser asking for a moved identifier is sent on for good, and negotiation follows
    old = httpx.get(site + "/id/" + MOVED[0], headers={"Accept": "text/turtle"})
    assert old.status_code == 301, (kind, old.status_code)
    assert urlsplit(old.headers["location"]).path == prefix + "/id/" + MOVED[1]
    new = httpx.get(urljoin(site + "/", old.headers["location"]), headers={"Accept": "text/turtle"})
    assert new.status_code == 200 and new.headers["content-type"].startswith("text/turtle")
    # an address with no file: the site's 404 page, with the status a crawler needs
    for missing in ("/id/system/no-such-system", "/nothing/here.html"):
        r = httpx.get(site + missing, headers={"Accept": "text/html"})
        assert r.status_code == 404, (kind, missing)
        assert 'id="not-found"' in r.text and "data-site-href" in r.text, (kind, missing)
    # odd identifiers, asked for by their IRI's path as a browser encodes it
    for path, label in (("system/a%20b", "Space escaped"), ("system/café", "Cafe written"),
                        ("system/a+b;c=d'e", "Sub-delimiters"), ("system/x", "A folder too"),
                        ("system/x/y", "Inside the folder")):  # fmt: skip
        url = site + "/id/" + quote(path, safe="/%+;='")
        r = httpx.get(url, headers={"Accept": "text/html"})
        assert r.status_code == 200 and f">{label}<" in r.text, (kind, path, r.status_code)
        r = httpx.get(url, headers={"Accept": "text/turtle"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
        assert NamedNode(ID + path) in {
            t.subject for t in pyoxigraph.parse(r.content, format=pyoxigraph.RdfFormat.TURTLE)
        }
    # an escaped name is negotiated at its file's address
    stem = _file("system/Odd")[: -len(".html")]
    r = httpx.get(site + "/" + quote(stem), headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    assert b"Upper case" in r.content
    # and every odd identifier by the file address the site's own links use
    for path, label in ODD.items():
        r = httpx.get(site + "/" + quote(_file(path)))
        assert r.status_code == 200 and f">{label}<" in r.text, (kind, path)


@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed (make test installs it)")
def test_nginx_with_the_sites_snippet(odd_site: SiteResult, tmp_path: Path):
    site = _readable_copy(odd_site.out, "")
    try:
        with nginx_server(site, tmp_path) as base:
            _check_host(base, "", "nginx")
    finally:
        shutil.rmtree(site.parent, ignore_errors=True)


@pytest.mark.skipif(
    apache_binary() is None, reason="apache2 is not installed (make test installs it)"
)
def test_apache_with_the_sites_htaccess_under_a_sub_path(odd_site: SiteResult, tmp_path: Path):
    site = _readable_copy(odd_site.out, "icegraph/1.0")
    root = site.parent.parent  # the document root, the site two folders below it
    try:
        with apache_server(root, tmp_path) as base:
            _check_host(base, "/icegraph/1.0", "apache")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _readable_copy(site: Path, under: str) -> Path:
    """The site copied where a server's workers, running as another user, may read it (the
    test's own folders are private)."""
    top = Path(tempfile.mkdtemp(prefix="icegraph-site-"))
    target = top / (under or "site")
    shutil.copytree(site, target)
    for folder, _dirs, names in os.walk(top):
        os.chmod(folder, 0o755)
        for n in names:
            os.chmod(Path(folder) / n, 0o644)
    return target


def test_file_names_are_one_to_one_on_any_disk():
    """Random paths of IRI characters: no two get one name, even ignoring case, and no name
    leaves its folder."""
    rng = random.Random(7)
    alphabet = list("aAbB.~%-_+;='é/") + ["%2F", "%2e", "%20", "%C3%A9", "%41", ".."]
    paths = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(3000)}
    paths = {p for p in paths if _valid_iri(p)}
    clashes = case_clashes(paths)
    names = {p: name_of(p, clashes) for p in paths}
    files = [n + ".html" for n in names.values()]
    assert len({f.casefold() for f in files}) == len(files)
    folders = {
        n.rsplit("/", i)[0].casefold() for n in names.values() for i in range(1, n.count("/") + 1)
    }
    assert not folders & {f.casefold() for f in files}  # no folder is also a file
    for name in names.values():
        assert not any(s in ("", ".", "..") or "/" in s for s in name.split("/")), name


def _valid_iri(path: str) -> bool:
    try:
        NamedNode(ID + path)
    except ValueError:
        return False
    return True


@pytest.mark.skipif(
    apache_binary() is None or CHROMIUM is None,
    reason="apache2 or chromium is not installed (make test installs both)",
)
def test_the_404_page_finds_the_site_from_any_depth_in_a_browser(
    odd_site: SiteResult, tmp_path: Path
):
    from playwright.sync_api import sync_playwright

    site = _readable_copy(odd_site.out, "icegraph/1.0")
    root = site.parent.parent
    try:
        with apache_server(root, tmp_path) as base, sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = chromium.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda e: errors.append(str(e)))
                answer = page.goto(base + "/icegraph/1.0/id/system/deep/er/no-such-system")
                assert answer is not None and answer.status == 404
                page.wait_for_function(
                    "document.querySelector('a.brand').getAttribute('href')"
                    " === '/icegraph/1.0/index.html'"
                )
                assert page.input_value("#not-found-q") == "no such system"
                # styled: the stylesheet is in the page, not behind a link that depth breaks
                assert (
                    page.evaluate("getComputedStyle(document.querySelector('header')).display")
                    == "flex"
                )
                page.click("header nav a:text-is('Directory')")
                page.wait_for_load_state()
                assert page.url == base + "/icegraph/1.0/directory.html"
                assert "<h1" in page.content() and errors == []
                # the name search from the 404 page goes to the site's search, with the name
                page.goto(base + "/icegraph/1.0/id/palantir")
                page.wait_for_function(
                    "document.querySelector('form.search').getAttribute('action')"
                    " === '/icegraph/1.0/search.html'"
                )
                page.click("form.search button")
                page.wait_for_selector("#site-search-results a:text-is('Palantir Technologies')")
                assert errors == []
            finally:
                chromium.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_curated_identifiers_that_are_also_folders_from_a_real_build(
    tmp_path_factory: pytest.TempPathFactory,
):
    """data/entities.csv allows ids such as 'system/x/y' beside 'system/x' (and refuses '..'
    segments: test_cli): a build of them makes a site where each has its page."""
    engine = _engine()
    root = tmp_path_factory.mktemp("curated-site")
    data = root / "data"
    shutil.copytree(DATA, data)
    curated = '"curated by Desk editor, 2026-12-01"'
    with (data / "entities.csv").open("a", encoding="utf-8") as f:
        f.write(f"system/x,System,Folder System,FLD,,,,,,,,{curated},\n")
        f.write(f"system/x/y,System,Inner System,INR,,,,,,,,{curated},\n")
    built = build(data, root / "build")
    folder = stand_in_release(built.out_dir, root / "releases", "1.0", None)
    site = generate_site(folder, root / "site", root / "releases", engine)
    assert site.broken == [] and site.unmatched == []
    out = site.out.resolve()
    pages = {
        "system/x": "id/system/x.html",
        "system/x/y": "id/system/x/y.html",
    }
    for path, name in pages.items():
        assert file_for("/id/" + path) == name
        label = {"system/x": "Folder System", "system/x/y": "Inner System"}[path]
        assert label in (out / name).read_text(encoding="utf-8"), path
    # the directory lists them, and its links lead to those files
    directory = out / "directory.html"
    targets = {(directory.parent / unquote(h)).resolve() for h in _hrefs(directory)}
    assert {(out / n).resolve() for n in pages.values()} <= targets
