"""Publishing to, and querying, any SPARQL 1.1 server over the standard protocols.

Loading uses the Graph Store HTTP Protocol: one PUT per named graph, which the protocol makes
a replace of that graph as a whole. Queries use the SPARQL 1.1 Protocol with our graphs
named as default-graph-uri, so they work whether or not the server unions its graphs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, Store

from icegraph.errors import IcegraphError
from icegraph.namespaces import GRAPH
from icegraph.store import UNION

NTRIPLES = "application/n-triples"


class RemoteError(IcegraphError):
    """The remote server refused or could not be reached."""


@dataclass(frozen=True)
class Remote:
    url: str
    auth_header: str | None = None
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


def publish(store: Store, remote: Remote, graph: str | None = None) -> list[tuple[str, int]]:
    """PUT every named graph (or the whole build into `graph`); returns graphs and sizes."""
    sent = []
    with httpx.Client(timeout=remote.timeout) as client:
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


def remote_select(
    remote: Remote, query: str, default_graphs: list[str] | None
) -> tuple[list[str], list[list[NamedNode | BlankNode | Literal | None]]]:
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
        return Literal(value, datatype=NamedNode(binding["datatype"]))
    return Literal(value)


def iter_graph_sizes(sent: list[tuple[str, int]]) -> Iterator[str]:
    for g, n in sent:
        yield f"{g}: {n:,} triples"
