"""`icegraph site`: a release as a folder any static host can serve.

Every page is the server's own: the real ASGI app (`serve/app.py`) answers each address
in-process, and its answer is written as a file, its links made relative. Nothing is drawn
twice, so the site and `icegraph serve` cannot drift apart (the entity pages, the tombstones of
retracted claims, the dataset page). The crawl starts from every IRI under /id/ that is a
subject in the store and from the home page, and follows every link the pages hold.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import warnings
from collections import deque
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, PackageLoader
from pyoxigraph import NamedNode, Store

with warnings.catch_warnings():
    # Starlette's note that its test client will move to another HTTP library: the client
    # is used here only to ask the app in-process, as it is meant to be.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from icegraph.errors import OutputError
from icegraph.namespaces import DCTERMS, ID
from icegraph.queries import catalogue
from icegraph.serve import rendering
from icegraph.serve.app import DUMP_FILES, ServeConfig, create_app
from icegraph.serve.labels import term_label
from icegraph.site import oxigraph_js, rules
from icegraph.site.addresses import case_clashes, file_for, link, name_of, request_path
from icegraph.site.history import Release, history, read_release
from icegraph.site.links import rewrite
from icegraph.site.not_found import MESSAGE, not_found_page
from icegraph.site.not_found import NAME as NOT_FOUND
from icegraph.site.page_edit import query_text, site_chrome, with_answer
from icegraph.site.search_index import search_index

BASE = "http://site.invalid"
# The browser's SPARQL page loads the whole release into memory. Above this many bytes of
# TriG it asks before loading, and points at the pre-rendered answers (docs/site.md).
BROWSER_LIMIT = 64 * 1024 * 1024
# Seconds an in-browser query may run before the page stops it, as the server's --timeout.
BROWSER_TIMEOUT = 60
RDF_FORMATS = ("turtle", "jsonld", "ntriples")
# Pages only the site has, rendered with the server's base template.
_SITE_PAGES = ("/search", "/releases", "/identifiers")


@dataclass
class SiteResult:
    out: Path
    release: str
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    pages: int = 0
    entities: int = 0
    quads: int = 0
    broken: list[tuple[str, str, int]] = field(default_factory=list)  # (from, to, status)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (from, address)
    notes: list[str] = field(default_factory=list)


def _templates() -> Environment:
    """The site's own pages extend the server's base template, with its filters."""
    serve = rendering.templates()
    env = Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("icegraph.site", "templates"),
                PackageLoader("icegraph.serve", "templates"),
            ]
        ),
        autoescape=True,
    )
    env.filters.update(serve.filters)
    return env


def subjects(store: Store) -> list[str]:
    """Every IRI under /id/ that is the subject of a statement in the store."""
    found = {
        q.subject.value
        for q in store.quads_for_pattern(None, None, None, None)
        if isinstance(q.subject, NamedNode) and q.subject.value.startswith(ID)
    }
    return sorted(found)


def moves(store: Store) -> list[tuple[str, str]]:
    """Identifiers an earlier build published that now stand for another of ours
    (dcterms:isReplacedBy), as (old path, new path) below /id/."""
    found = {
        (q.subject.value[len(ID) :], q.object.value[len(ID) :])
        for q in store.quads_for_pattern(None, NamedNode(DCTERMS + "isReplacedBy"), None, None)
        if isinstance(q.subject, NamedNode)
        and isinstance(q.object, NamedNode)
        and q.subject.value.startswith(ID)
        and q.object.value.startswith(ID)
    }
    return sorted(found)


def odd_pages(paths: list[str], clashes: Set[str]) -> dict[str, str]:
    """For site.js, which links query answers and search results to pages: the identifiers
    whose file is not their own path, and the link (from the site's root, without '.html')
    to the file that is."""
    out = {}
    for path in paths:
        href = link("id/" + name_of(path, clashes), "index.html")[len("id/") :]
        if href != path:
            out[path] = href
    return out


class _Writer:
    """Files into the staging folder, counted."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: set[str] = set()
        self.bytes = 0

    def _inside(self, name: str) -> Path:
        # Names come from the store's IRIs: one with '..' must not write outside the site.
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root.resolve()) or not name:
            raise OutputError(
                f"The address {name!r} would be written outside the site",
                expected="identifiers whose paths have no '..' segments",
            )
        return path

    def write(self, name: str, body: bytes) -> None:
        path = self._inside(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        self.written.add(name)
        self.bytes += len(body)

    def copy(self, name: str, source: Path) -> None:
        path = self._inside(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, path)
        self.written.add(name)
        self.bytes += path.stat().st_size


def generate_site(
    release_dir: Path,
    out: Path,
    releases_dir: Path | None = None,
    oxigraph_dir: Path | None = None,
    browser_limit: int = BROWSER_LIMIT,
    progress: Callable[[str], None] | None = None,
) -> SiteResult:
    """Write the site of the release in release_dir into out, replacing it only once the
    whole site is written."""
    started = time.monotonic()
    engine = oxigraph_js.find(oxigraph_dir)  # first: a missing engine stops before any work
    release = read_release(release_dir)
    releases = history(releases_dir if releases_dir is not None else release_dir.parent, release)
    out = out.resolve()
    _check_out(out)
    _remove_abandoned(out)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    staging.mkdir(parents=True)
    result = SiteResult(out=out, release=release.version)
    try:
        _write_all(release, releases, engine, staging, result, browser_limit, progress)
        _publish(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def _remove_abandoned(out: Path) -> None:
    """Half-written sites of runs that were killed (their process is gone)."""
    if not out.parent.is_dir():
        return
    for p in out.parent.glob(f".{out.name}.partial-*"):
        pid = p.name.rsplit("-", 1)[-1]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except (ValueError, PermissionError):
            continue


def _check_out(out: Path) -> None:
    """A folder of other files is never replaced by a site."""
    if out.exists() and (
        not out.is_dir() or (not (out / "index.html").is_file() and any(out.iterdir()))
    ):
        raise OutputError(
            f"{out} exists and is not a site icegraph wrote (it has no index.html)",
            fix="Name an empty or new folder with --out.",
        )


def _publish(staging: Path, out: Path) -> None:
    """Swap the finished site into place: a reader sees the old site or the new one."""
    _check_out(out)  # again: it may have changed while the site was written
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    staging.rename(out)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def _write_all(
    release: Release,
    releases: list[Release],
    engine: Path,
    root: Path,
    result: SiteResult,
    browser_limit: int,
    progress: Callable[[str], None] | None,
) -> None:
    assert release.folder is not None
    say = progress or (lambda _: None)
    w = _Writer(root)
    env = _templates()
    config = ServeConfig(release.folder / "store", timeout=600, max_rows=1_000_000, workers=1)
    app = create_app(config)
    store: Store = app.state.store
    result.quads = len(store)
    ids = subjects(store)
    clashes = case_clashes(iri[len(ID) :] for iri in ids)

    def where(address: str) -> str | None:
        return file_for(address, clashes)

    # Files that are no server page: the engine, the data it loads, rules, release files.
    for name in oxigraph_js.FILES:
        w.copy(f"static/oxigraph/{name}", engine / name)
    data_bytes = (release.folder / "icegraph.trig").stat().st_size
    script = (files("icegraph.site") / "static" / "site.js").read_text(encoding="utf-8")
    site_config = {
        "release": release.version,
        "data": "dumps/icegraph.trig",
        "dataBytes": data_bytes,
        "quads": result.quads,
        "limit": browser_limit,
        "engine": oxigraph_js.version(engine),
        "timeout": BROWSER_TIMEOUT,
        "pages": odd_pages([iri[len(ID) :] for iri in ids], clashes),
    }
    w.write("static/site.js", script.replace("/*CONFIG*/{}", json.dumps(site_config)).encode())
    w.write(
        "static/sparql-worker.js",
        (files("icegraph.site") / "static" / "sparql-worker.js").read_bytes(),
    )
    if data_bytes > browser_limit:
        result.notes.append(
            f"The release's TriG is {data_bytes:,} bytes, above the in-browser limit of "
            f"{browser_limit:,}: the SPARQL page asks before loading it and points readers "
            "at the pre-rendered answers."
        )
    for name, text in rules.all_rules(moves(store), clashes).items():
        w.write(name, text.encode())
    index, names = search_index(store)
    w.write("search.json", index)
    for r in releases:
        for f in r.files if r.folder is not None else []:
            w.copy(file_for(f"/releases/{r.version}/{f}") or "", r.folder / f)  # type: ignore[operator]

    queue: deque[tuple[str, str]] = deque()
    done: set[str] = set(w.written)

    def page(address: str, body: str, origin: str) -> None:
        """A page of ours: the site's additions, links made relative, linked pages queued."""
        name = where(address) or ""
        text, wanted, unmatched = rewrite(site_chrome(body, release), name, address, clashes)
        result.unmatched += [(address, u) for u in sorted(unmatched)]
        queue.extend((a, address) for a in sorted(wanted))
        w.write(name, text.encode())
        result.pages += 1

    # The site's own pages, from the server's base template.
    def site_page(address: str, template: str, **context: object) -> None:
        done.add(where(address) or "")
        page(address, env.get_template(template).render(**context), "(site)")

    site_page("/search", "search.html", version=release.version, count=names)
    site_page("/releases", "releases.html", current=release, releases=releases)
    for r in releases:
        if r.changes or r.files:
            site_page(f"/releases/{r.version}", "release.html", r=r)
    result.entities = len(ids)
    by_segment: dict[str, list[tuple[str, str]]] = {}
    labels: dict[str, str] = {}
    for iri in ids:
        path = iri[len(ID) :]
        by_segment.setdefault(path.split("/", 1)[0], []).append(
            (path, term_label(store, iri, labels))
        )
    segments = sorted((s, len(v)) for s, v in by_segment.items())
    site_page(
        "/identifiers", "identifiers.html", segments=segments, version=release.version, segment=""
    )
    for s, items in sorted(by_segment.items()):
        site_page(
            f"/identifiers/{s}", "identifiers.html", segment=s, iris=items, version=release.version
        )

    with TestClient(app, base_url=BASE) as client:
        # The 404 page: the server's own template; the reader's guess comes from the address.
        body = env.get_template("not_found.html").render(message=MESSAGE, guess="")
        text, wanted = not_found_page(site_chrome(body, release), clashes)
        w.write(NOT_FOUND, text.encode())
        queue.extend((a, "/" + NOT_FOUND) for a in sorted(wanted))
        _prerender_answers(client, release, w, page, done, result)
        starts = ["/", "/directory", "/dataset", "/ns", "/queries", "/diagram.svg"]
        starts += [f"/dumps/{n}" for n in DUMP_FILES]
        starts += [f"/dataset?format={f}" for f in RDF_FORMATS]
        starts += ["/ns?format=turtle", "/ns?format=jsonld"]  # the vocabulary has no N-Triples
        for iri in ids:
            a = "/id/" + iri[len(ID) :]
            starts += [a] + [f"{a}?format={f}" for f in RDF_FORMATS]
        queue.extend((a, "(start)") for a in starts)
        crawl_started = time.monotonic()
        said_at = result.pages
        while queue:
            address, origin = queue.popleft()
            target = where(address)
            if target is None or target in done or target in w.written:
                continue
            done.add(target)
            asked = "/" if target == "index.html" else request_path(address)
            r = client.get(asked, headers={"Accept": "text/html"}, follow_redirects=True)
            if r.status_code >= 400:
                result.broken.append((origin, address, r.status_code))
                continue
            if r.headers.get("content-type", "").startswith("text/html"):
                page(address, r.text, origin)
            else:
                w.write(target, r.content)
            if result.pages >= said_at + 500:
                said_at = result.pages
                rate = result.pages / (time.monotonic() - crawl_started)
                left = len(ids) - sum(1 for a in ids if where("/id/" + a[len(ID) :]) in done)
                say(f"{result.pages:,} pages, {rate:.1f} a second; {left:,} identifiers to go")
    result.files = len(w.written)
    result.bytes = w.bytes


def _prerender_answers(
    client: TestClient,
    release: Release,
    w: _Writer,
    page: Callable[[str, str, str], None],
    done: set[str],
    result: SiteResult,
) -> None:
    """Each catalogue question's page with its answer for this release (the query as the
    page holds it, parameters at their defaults), and the answer as CSV and JSON."""
    for q in catalogue():
        address = f"/?q={q.name}"
        name = file_for(address) or ""
        done.add(name)
        shown = client.get(address)
        text = query_text(shown.text)
        if shown.status_code >= 400 or text is None:
            result.broken.append(("(catalogue)", address, shown.status_code))
            continue
        answers = {}
        for fmt in ("html", "csv", "json"):
            r = client.get("/sparql", params={"query": text, "format": fmt})
            if r.status_code >= 400:
                result.notes.append(
                    f"{q.name}: not pre-rendered ({r.status_code}: {r.text.strip()})"
                )
                break
            answers[fmt] = r
        if len(answers) < 3:
            page(address, shown.text, "(catalogue)")
            continue
        stem = name[: -len(".html")]
        w.write(stem + ".csv", answers["csv"].content)
        w.write(stem + ".json", answers["json"].content)
        rows = len(json.loads(answers["json"].content).get("results", {}).get("bindings", []))
        body = with_answer(shown.text, answers["html"].text, f"/{stem}.csv", f"/{stem}.json", rows)
        page(address, body, "(catalogue)")
