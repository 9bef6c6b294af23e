"""Content negotiation: Accept headers with q-values, and a `format` parameter."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
HTML = "text/html"

# In order of preference: the first is what */* gets.
SOLUTION_TYPES = (RESULTS_JSON, RESULTS_XML, CSV, TSV)
GRAPH_TYPES = (TURTLE, NTRIPLES, JSONLD, RDFXML)

# Common names clients use for the same thing.
ALIASES = {
    "application/json": RESULTS_JSON,
    "application/xml": RESULTS_XML,
    "text/xml": RESULTS_XML,
    "application/x-turtle": TURTLE,
    "text/plain": NTRIPLES,
    "application/json+ld": JSONLD,
}
FORMAT_NAMES = {
    "json": (RESULTS_JSON, JSONLD),
    "xml": (RESULTS_XML, RDFXML),
    "csv": (CSV, None),
    "tsv": (TSV, None),
    "turtle": (None, TURTLE),
    "ttl": (None, TURTLE),
    "ntriples": (None, NTRIPLES),
    "nt": (None, NTRIPLES),
    "jsonld": (None, JSONLD),
    "n3": (None, TURTLE),  # Turtle is N3
    "json-ld": (None, JSONLD),
    "rdfxml": (None, RDFXML),
    "html": (HTML, HTML),
}


@dataclass(frozen=True)
class Range:
    type: str
    subtype: str
    q: float

    def matches(self, media: str) -> int:
        """Specificity of the match (2 exact, 1 type/*, 0 */*), or -1 for none."""
        t, _, s = media.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type == t and self.subtype == "*":
            return 1
        if self.type == t and self.subtype == s:
            return 2
        return -1


def parse_accept(header: str | None) -> list[Range]:
    if not header or not header.strip():
        return [Range("*", "*", 1.0)]
    out = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = ALIASES.get(pieces[0].lower(), pieces[0].lower())
        if "/" not in media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        t, _, s = media.partition("/")
        out.append(Range(t, s, q))
    return out


def choose(accept: str | None, offered: tuple[str, ...]) -> str | None:
    """The offered type the client prefers most; None when it accepts none of them (406).

    For each offered type the most specific matching range decides its q; ties go to the
    server's order of preference.
    """
    ranges = parse_accept(accept)
    best, best_q = None, 0.0
    for media in offered:
        matched = [(r.matches(media), r.q) for r in ranges if r.matches(media) >= 0]
        if not matched:
            continue
        _spec, q = max(matched)
        if q > best_q:
            best, best_q = media, q
    return best


def from_format(name: str, graph: bool) -> str | None:
    """A `format` parameter (short name or media type) to a media type, or None if unknown."""
    key = name.strip().lower()
    if key in FORMAT_NAMES:
        return FORMAT_NAMES[key][1 if graph else 0]
    key = ALIASES.get(key, key)
    return key if key in (GRAPH_TYPES if graph else SOLUTION_TYPES) else None


# Resources whose answer depends on the Accept header: a shared cache must key on it, or it
# hands one client's format to another that asked for something else (RFC 9110, 12.5.5).
NEGOTIATED_PATHS = ("/sparql", "/id/", "/dataset", "/ns")


def negotiated(path: str) -> bool:
    return any(
        path == p or path.startswith(p if p.endswith("/") else p + "/") for p in NEGOTIATED_PATHS
    )


class VaryAccept:
    """`Vary: Accept` on every answer of a negotiated resource, errors and HEAD included,
    added to what the answer already varies on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not negotiated(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                have = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
                if not any(v.lower() in ("accept", "*") for v in have):
                    headers["Vary"] = ", ".join([*have, "Accept"])
            await send(message)

        await self.app(scope, receive, send_with_vary)
