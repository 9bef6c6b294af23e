"""Publishing to, and querying, any SPARQL 1.1 server over the standard protocols.

Loading uses the Graph Store HTTP Protocol: one PUT per named graph, which the protocol makes
a replace of that graph as a whole. Queries use the SPARQL 1.1 Protocol with our graphs
named as default-graph-uri, so they work whether or not the server unions its graphs.

A server that wants a user and password (Virtuoso's /sparql-graph-crud-auth asks for HTTP
digest, others for basic) is answered in the scheme its challenge names.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Store

from icegraph.errors import IcegraphError, QueryError
from icegraph.namespaces import GRAPH
from icegraph.queries import unsupported_on
from icegraph.store import UNION

NTRIPLES = "application/n-triples"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


class RemoteError(IcegraphError):
    """The remote server refused or could not be reached."""


class PasswordAuth(httpx.Auth):
    """A user and password, sent in the scheme the server's challenge names.

    Nothing is sent until the server asks (a 401 with WWW-Authenticate): a password never
    goes in clear text to a server that wanted digest, or that wanted none. The scheme learnt
    from the first challenge is kept, so later requests go out answered at once.
    """

    requires_request_body = True  # a request that met a challenge is sent again, body and all

    def __init__(self, user: str, password: str) -> None:
        self._schemes: dict[str, httpx.Auth] = {
            "digest": httpx.DigestAuth(user, password),
            "basic": httpx.BasicAuth(user, password),
        }
        self._scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._scheme is not None:
            yield from self._schemes[self._scheme].auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenges = response.headers.get_list("www-authenticate")
        offered = [h.split(" ", 1)[0].strip().lower() for h in challenges]
        # digest first: it never sends the password itself
        for scheme in ("digest", "basic"):
            if scheme in offered:
                self._scheme = scheme
                yield from self._schemes[scheme].auth_flow(request)
                return


@dataclass(frozen=True)
class Remote:
    url: str
    auth_header: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 120.0

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        out = dict(extra or {})
        if self.auth_header:
            name, sep, value = self.auth_header.partition(":")
            if not sep:
                raise RemoteError(
                    f"auth header '{self.auth_header}' has no ':'",
                    expected="'Name: value', e.g. 'Authorization: Bearer TOKEN'",
                )
            out[name.strip()] = value.strip()
        return out

    def auth(self) -> PasswordAuth | None:
        """The user and password as an answer to the server's challenge, if one was given."""
        if self.user is None:
            if self.password is not None:
                raise RemoteError(
                    "a password was given without a user", fix="Give --user (or ICEGRAPH_USER)."
                )
            return None
        if self.auth_header and self.auth_header.partition(":")[0].strip().lower() == (
            "authorization"
        ):
            raise RemoteError(
                "both an Authorization header and a user were given",
                fix="Give either --auth-header or --user and --password.",
            )
        return PasswordAuth(self.user, self.password or "")


def publish(store: Store, remote: Remote, graph: str | None = None) -> list[tuple[str, int]]:
    """PUT every named graph (or the whole build into `graph`); returns graphs and sizes."""
    sent = []
    with httpx.Client(timeout=remote.timeout, auth=remote.auth()) as client:
        if graph:
            triples = store.query(UNION)
            assert isinstance(triples, pyoxigraph.QueryTriples)  # UNION is a CONSTRUCT
            body = triples.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES)
            assert body is not None  # with no file given, the bytes are returned
            _put(client, remote, graph, body)
            sent.append((graph, body.count(b"\n")))
            return sent
        for g in sorted(store.named_graphs(), key=lambda n: n.value):
            body = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=g)
            assert body is not None
            _put(client, remote, g.value, body)
            sent.append((g.value, body.count(b"\n")))
    return sent


def _put(client: httpx.Client, remote: Remote, graph: str, body: bytes) -> None:
    try:
        r = client.put(
            remote.url,
            params={"graph": graph},
            content=body,
            headers=remote.headers({"Content-Type": NTRIPLES}),
        )
    except httpx.HTTPError as exc:
        raise RemoteError(f"cannot reach {remote.url}: {exc}") from None
    if r.status_code == 401 and remote.user is None:
        raise RemoteError(
            f"{remote.url} asks for a user and password to PUT graph <{graph}> (401)",
            fix="Give --user and --password (or ICEGRAPH_USER and ICEGRAPH_PASSWORD).",
        )
    if r.status_code == 401:
        raise RemoteError(
            f"{remote.url} refused the credentials for PUT graph <{graph}> (401)",
            fix="Check --user and --password (or ICEGRAPH_USER and ICEGRAPH_PASSWORD); on "
            "Virtuoso the user needs the SPARQL_UPDATE role.",
        )
    if r.status_code not in (200, 201, 204):
        raise RemoteError(
            f"{remote.url} answered {r.status_code} to PUT graph <{graph}>: {r.text[:300]}",
            expected="200, 201 or 204 (is this the server's Graph Store Protocol URL?)",
        )


def remote_graphs(remote: Remote) -> list[str]:
    """Our named graphs on the server."""
    _names, rows = remote_select(
        remote, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", default_graphs=None
    )
    return sorted(r[0].value for r in rows if r[0] is not None and r[0].value.startswith(GRAPH))


def server_product(remote: Remote) -> str:
    """The server's product, lower case, from its Server header ('virtuoso'); '' if unsaid."""
    try:
        r = httpx.get(
            remote.url, headers=remote.headers(), timeout=remote.timeout, auth=remote.auth()
        )
    except httpx.HTTPError as exc:
        raise RemoteError(f"cannot reach {remote.url}: {exc}") from None
    # "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu" -> "virtuoso"
    words = r.headers.get("server", "").split("/")[0].split()
    return words[0].lower() if words else ""


def refuse_unsupported(remote: Remote, query: str) -> None:
    """Raise, without sending it, for a query whose header names this server as one it fails
    on (`# not supported on: virtuoso (why)`): some such queries crash the server."""
    refused = unsupported_on(query)
    if not refused:
        return
    product = server_product(remote)
    if product in refused:
        why = f": {refused[product]}" if refused[product] else ""
        raise QueryError(
            f"this query is marked as not supported on {product}{why}",
            fix="Run it on the local store (without --endpoint) or on another server.",
        )


def remote_select(
    remote: Remote, query: str, default_graphs: list[str] | None
) -> tuple[list[str], list[list[NamedNode | BlankNode | Literal | None]]]:
    """Rows of a SELECT (or the answer of an ASK) from the server, as pyoxigraph terms."""
    refuse_unsupported(remote, query)
    data: list[tuple[str, str]] = [("query", query)]
    for g in default_graphs or []:
        data.append(("default-graph-uri", g))
    try:
        # Repeated default-graph-uri keys: the body is encoded here, not by httpx.
        r = httpx.post(
            remote.url,
            content=urlencode(data),
            headers=remote.headers(
                {
                    "Accept": "application/sparql-results+json",
                    "Content-Type": "application/x-www-form-urlencoded",
                }
            ),
            timeout=remote.timeout,
            auth=remote.auth(),
        )
    except httpx.HTTPError as exc:
        raise RemoteError(f"cannot reach {remote.url}: {exc}") from None
    if r.status_code != 200:
        raise RemoteError(f"{remote.url} answered {r.status_code}: {r.text[:300]}")
    doc = r.json()
    if "boolean" in doc:
        return ["answer"], [[Literal("true" if doc["boolean"] else "false")]]
    names = doc["head"]["vars"]
    rows = [[_term(b.get(n)) for n in names] for b in doc["results"]["bindings"]]
    return names, rows


def _term(binding: dict[str, str] | None) -> NamedNode | BlankNode | Literal | None:
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return NamedNode(value)
    if kind == "bnode":
        return BlankNode(value)
    if "xml:lang" in binding:
        return Literal(value, language=binding["xml:lang"])
    if "datatype" in binding:
        datatype = binding["datatype"]
        if datatype == XSD_BOOLEAN and value in ("0", "1"):
            # Virtuoso answers every boolean as 1 or 0: the same values, given here in their
            # canonical form so that its rows equal the local store's
            value = "true" if value == "1" else "false"
        return Literal(value, datatype=NamedNode(datatype))
    return Literal(value)


def iter_graph_sizes(sent: list[tuple[str, int]]) -> Iterator[str]:
    for g, n in sent:
        yield f"{g}: {n:,} triples"
