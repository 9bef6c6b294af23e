"""Where each of the server's addresses lives in the static site, and links between files.

A static host serves files by name, so every address the server answers (a path and its query
string) becomes one file: `/id/system/icm` is `id/system/icm.html`, its Turtle
`id/system/icm.ttl`, `/?q=reaches-icm` is `queries/reaches-icm.html`. Links between the files
are relative, so the site works at a host's root or under any sub-path.

An identifier's path may hold anything an IRI can (docs/site.md, "Odd identifiers"). A static
host percent-decodes the path it is asked for and looks up the file of that name, so a segment
whose decoded text is a safe file name is that name (`caf%C3%A9` and `café` are both asked for
as `café`: only the one spelled the canonical way gets the name, the other is escaped).
Anything else becomes an escaped name that starts with `~`, which no plain name does: `..`,
`/`, control and reserved characters, a name too long for a disk, and names that differ from
another identifier's only in case (one file on a case-insensitive disk): of those, all but the
lower-case one. Links are then percent-encoded so the host, decoding them, finds that file.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from collections.abc import Iterable, Set
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from icegraph.namespaces import ID

# Our persistent IRIs: a link to one is a link to the site's own file for it.
PERSISTENT = ID[: -len("id/")]
RDF_SUFFIXES = {"turtle": ".ttl", "jsonld": ".jsonld", "ntriples": ".nt"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Characters an IRI's path holds as they are (RFC 3987 iunreserved, sub-delims, ':' and '@');
# anything else it must percent-encode. ':' and the rest Windows refuses are escaped in names.
_IRI_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@")
_NOT_IN_NAMES = set('\\/:*?"<>|')
# No '.' in escaped names: none then ends like a file of ours ('.html'), as a folder might.
_ESCAPED_KEEP = set("abcdefghijklmnopqrstuvwxyz0123456789-_")
# Suffixes of the files written for one address: a folder named like one would be a file's name.
_SUFFIXES = (".html", ".ttl", ".jsonld", ".nt", ".csv", ".json")
# Bytes of one file name: most disks allow 255; room is left for the suffix.
MAX_NAME = 200
# What a link may hold unencoded: a static host decodes the rest back to the file's name.
_LINK_SAFE = "/~!$&'()*+,;=@-._"


def _slug(query: list[tuple[str, str]]) -> str:
    """A readable file name for a query string ('kind=System' → 'kind-System')."""
    return "_".join(_UNSAFE.sub("-", f"{k}-{v}").strip("-") for k, v in query) or "all"


def _canonical(decoded: str) -> str:
    """How an IRI writes this text: non-ASCII letters as they are, reserved ASCII encoded."""
    out = []
    for c in decoded:
        if c in _IRI_PLAIN or (ord(c) > 127 and unicodedata.category(c)[0] not in "CZ"):
            out.append(c)
        else:
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8")))
    return "".join(out)


def _plain(raw: str, folder: bool) -> str | None:
    """The segment's decoded text when that is a safe, unambiguous file name, else None."""
    if "%" in raw:
        decoded = unquote(raw, errors="strict") if _decodes(raw) else None
        if decoded is None or _canonical(decoded) != raw:
            return None  # another spelling of a name, or not UTF-8: only one spelling is plain
    else:
        decoded = raw
    if (
        not decoded
        or decoded[0] in ".~"  # '.', '..', hidden files such as .htaccess; our escape mark
        or unicodedata.normalize("NFC", decoded) != decoded  # macOS would store it as NFD
        or any(_refused(c) for c in decoded)
        or len(decoded.encode("utf-8")) > MAX_NAME
        or (folder and decoded.endswith(_SUFFIXES))
    ):
        return None
    return decoded


def _refused(c: str) -> bool:
    """A character no file name should hold: a separator, one Windows refuses, a control
    or format character, a space other than the plain one."""
    return c in _NOT_IN_NAMES or (unicodedata.category(c)[0] in "CZ" and c != " ")


def _decodes(raw: str) -> bool:
    try:
        unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def _escaped(raw: str) -> str:
    """'~' and the segment's UTF-8 with every byte but lower-case letters, digits, '-' and '_'
    as '~XX': one way back to the segment, and the same on a case-insensitive disk."""
    body = "".join(chr(b) if chr(b) in _ESCAPED_KEEP else f"~{b:02x}" for b in raw.encode("utf-8"))
    name = "~" + body
    if len(name) > MAX_NAME:
        # '~~~' occurs in no escaped name: a long one is cut, and its digest keeps it apart
        name = name[:180] + "~~~" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
    return name


def case_clashes(paths: Iterable[str]) -> frozenset[str]:
    """Of identifiers' paths below /id/, the leading parts ('system/ICM' of 'system/ICM/x')
    whose plain name differs from a sibling's only in case and is not lower case itself:
    escaped, so each still has a file of its own on a case-insensitive disk."""
    siblings: dict[tuple[str, bool, str], set[tuple[str, str]]] = {}
    for path in paths:
        segments = path.split("/")
        for i, segment in enumerate(segments):
            folder = i < len(segments) - 1
            plain = _plain(segment, folder)
            if plain is None:
                continue
            parent = "/".join(segments[:i]).casefold()
            key = (parent, folder, plain.casefold())
            siblings.setdefault(key, set()).add(("/".join(segments[: i + 1]), plain))
    out: set[str] = set()
    for members in siblings.values():
        if len({plain for _, plain in members}) > 1:
            out.update(prefix for prefix, plain in members if plain.lower() != plain)
    return frozenset(out)


def name_of(path: str, clashes: Set[str] = frozenset()) -> str:
    """The file path (no suffix) for an identifier's path below /id/ as the IRI writes it:
    'system/icm' → 'system/icm', 'system/a%20b' → 'system/a b', 'a/../b' → 'a/~~2e~2e/b'."""
    segments = path.split("/")
    last = len(segments) - 1
    names = []
    for i, s in enumerate(segments):
        plain = _plain(s, folder=i < last)
        if plain is None or (clashes and "/".join(segments[: i + 1]) in clashes):
            names.append(_escaped(s))
        else:
            names.append(plain)
    return "/".join(names)


def link(target: str, page: str) -> str:
    """The link from the file `page` to the file `target` as a page writes it: relative and
    percent-encoded, so that a host decoding what the browser asks for finds `target`."""
    return quote(relative(target, page), safe=_LINK_SAFE)


def request_path(address: str) -> str:
    """What to ask Starlette's test client for so that the app sees the address's own path.
    The client decodes a path twice (httpx's URL.path, then its transport's unquote), so each
    segment is encoded twice; '.' and '..' too, or the client would resolve them away."""
    parts = urlsplit(address)

    def once(segment: str) -> str:
        if segment in (".", ".."):
            return segment.replace(".", "%2E")
        return quote(segment, safe="")

    path = "/".join(quote(once(s), safe="") for s in parts.path.split("/"))
    return path + (f"?{parts.query}" if parts.query else "")


def file_for(address: str, clashes: Set[str] = frozenset()) -> str | None:
    """The site's file (a path relative to its root) for a server address such as
    '/id/system/icm?format=turtle', or None when the address has no static equivalent
    (the reconciliation service, the syntax check). `clashes`: case_clashes of the site's
    identifiers."""
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
    if path.startswith("/id/"):
        base = "id/" + name_of(path[len("/id/") :], clashes)
        if fmt == "html":
            return base + ".html"
        suffix = RDF_SUFFIXES.get(fmt)
        return base + suffix if suffix else None
    if path.startswith(("/dataset", "/ns")):
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
        base = "graph/" + name_of(path[len("/graph/") :], clashes)
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
