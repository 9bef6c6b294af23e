"""Where each of the server's addresses lives in the static site, and links between files.

A static host serves files by name, so every address the server answers (a path and its query
string) becomes one file: `/id/system/icm` is `id/system/icm.html`, its Turtle
`id/system/icm.ttl`, `/?q=reaches-icm` is `queries/reaches-icm.html`. Links between the files
are relative, so the site works at a host's root or under any sub-path.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, urlsplit

from icegraph.namespaces import ID

# Our persistent IRIs: a link to one is a link to the site's own file for it.
PERSISTENT = ID[: -len("id/")]
RDF_SUFFIXES = {"turtle": ".ttl", "jsonld": ".jsonld", "ntriples": ".nt"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(query: list[tuple[str, str]]) -> str:
    """A readable file name for a query string ('kind=System' → 'kind-System')."""
    return "_".join(_UNSAFE.sub("-", f"{k}-{v}").strip("-") for k, v in query) or "all"


def file_for(address: str) -> str | None:
    """The site's file (a path relative to its root) for a server address such as
    '/id/system/icm?format=turtle', or None when the address has no static equivalent
    (the reconciliation service, the syntax check)."""
    parts = urlsplit(address)
    path = parts.path or "/"
    query = parse_qsl(parts.query, keep_blank_values=False)
    params = dict(query)
    fmt = params.get("format", "html")
    if path == "/":
        if "q" in params:
            rest = [(k, v) for k, v in query if k != "q"]
            name = _UNSAFE.sub("-", params["q"])
            return f"queries/{name}.html" if not rest else f"queries/{name}_{_slug(rest)}.html"
        return "index.html"
    if path in ("/sparql", "/sparql/"):
        return "index.html"  # the query page, which runs queries in the browser
    if path == "/queries":
        return "queries.json"
    if path == "/diagram.svg":
        return "diagram.svg"
    if path.startswith(("/static/", "/dumps/", "/queries/")):
        return path[1:]
    if path.startswith(("/id/", "/dataset", "/ns")):
        base = path[1:].rstrip("/")
        if fmt == "html":
            return base + ".html"
        suffix = RDF_SUFFIXES.get(fmt)
        return base + suffix if suffix else None
    if path in ("/search", "/releases", "/identifiers"):
        return path[1:] + ".html"
    if path == "/search.json":
        return "search.json"
    if path.startswith(("/releases/", "/identifiers/")):
        # a release's change log page, its files for machines; a kind's identifiers
        head, _, tail = path[1:].partition("/")
        version, _, name = tail.partition("/")
        if head == "releases" and name:
            return f"releases/{_UNSAFE.sub('-', version)}/{_UNSAFE.sub('-', name)}"
        return f"{head}/{_UNSAFE.sub('-', tail)}.html"
    if path == "/directory":
        return "directory.html" if not query else f"directory/{_slug(query)}.html"
    if path.startswith("/graph/"):
        if omitted(address):
            return None
        base = path[1:].rstrip("/")
        rest = [(k, v) for k, v in query if not (k == "hops" and v == "1")]
        return base + ".html" if not rest else f"{base}_{_slug(rest)}.html"
    return None


def omitted(address: str) -> bool:
    """Server views the site leaves out on purpose: the two-hop neighbourhood, which costs
    seconds a page around a hub and grows with the graph (docs/site.md). A link to one is
    kept as text."""
    parts = urlsplit(address)
    return parts.path.startswith("/graph/") and ("hops", "2") in parse_qsl(parts.query)


def relative(target: str, page: str) -> str:
    """The link from the file `page` to the file `target`, both relative to the site root."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")
