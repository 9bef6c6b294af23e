"""The endpoint against the W3C SPARQL 1.1 Protocol tests, and the dataset corners of SPARQL
1.1 Query (13.2) and the Protocol (2.1.4): FROM, FROM NAMED, the graph parameters, a base
IRI; `Vary: Accept` on negotiated answers, HEAD wherever GET works."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib.collection import Collection
from starlette.testclient import TestClient

from icegraph.pipeline import BuildResult
from icegraph.serve.app import ServeConfig, create_app
from icegraph.serve.sparql import has_dataset_clause

SUITE = Path(__file__).parent / "fixtures" / "sparql11-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
KASEI = "http://kasei.us/2009/09/sparql/data/"
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = (*BOOLEAN_TYPES, "text/csv", "text/tab-separated-values")
RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")


@dataclass(frozen=True)
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[str]  # "2xx", "3xx", "4xx"
    expected_format: str | None
    expected_boolean: bool | None


def _steps(g: rdflib.Graph, test: rdflib.term.Node) -> list[Step]:
    action = g.value(test, MF.action)
    steps = []
    for req in Collection(g, g.value(action, HT.requests)):
        headers = {}
        if (hs := g.value(req, HT.headers)) is not None:
            for h in Collection(g, hs):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
        body = None
        if (b := g.value(req, HT.body)) is not None:
            encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
            body = str(g.value(b, CNT.chars)).encode(encoding.lower())
        resp = g.value(req, HT.resp)
        statuses = frozenset(
            str(s).rsplit("StatusCode", 1)[-1] for s in g.objects(resp, MF.expectedStatus)
        )
        boolean = g.value(resp, MF.expectedBoolean)
        fmt = g.value(resp, MF.expectedFormat)
        steps.append(
            Step(
                str(g.value(req, HT.methodName)),
                # The manifest's endpoint is /sparql/; ours is /sparql.
                str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
                headers,
                body,
                statuses,
                str(fmt) if fmt is not None else None,
                boolean.toPython() if boolean is not None else None,
            )
        )
    return steps


def _manifest() -> list[tuple[str, list[Step]]]:
    g = rdflib.Graph().parse(SUITE / "manifest.ttl")
    manifest = next(g.subjects(rdflib.RDF.type, MF.Manifest))
    return [
        (str(t).rsplit("#", 1)[-1], _steps(g, t))
        for t in Collection(g, g.value(manifest, MF.entries))
    ]


CASES = _manifest()


@pytest.fixture(scope="module")
def suite_client(tmp_path_factory: pytest.TempPathFactory):
    """An endpoint over the suite's data: data1-3 as the named graphs the manifest names."""
    path = tmp_path_factory.mktemp("protocol") / "store"
    store = pyoxigraph.Store(str(path))
    for n in (1, 2, 3):
        store.load(
            path=str(SUITE / f"data{n}.nt"),
            format=pyoxigraph.RdfFormat.N_TRIPLES,
            to_graph=pyoxigraph.NamedNode(f"{KASEI}data{n}.rdf"),
        )
    store.flush()
    del store
    app = create_app(ServeConfig(path, timeout=10, workers=1))
    with TestClient(app, base_url="http://www.example") as c:
        yield c


def _boolean(r) -> bool:
    media = r.headers["content-type"].split(";")[0]
    if media == "application/sparql-results+json":
        return r.json()["boolean"]
    parsed = pyoxigraph.parse_query_results(r.content, format=pyoxigraph.QueryResultsFormat.XML)
    assert isinstance(parsed, pyoxigraph.QueryBoolean)
    return bool(parsed)


def test_the_suite_is_all_here():
    assert len(CASES) == 34
    # 20 query cases (one of them bad_multiple_queries), 14 update cases
    assert sum("update" not in name for name, _ in CASES) == 20


@pytest.mark.parametrize(("name", "steps"), CASES, ids=[n for n, _ in CASES])
def test_w3c_protocol(suite_client, name, steps):
    update = name.startswith("update_")
    for i, step in enumerate(steps):
        r = suite_client.request(
            step.method, step.path, headers=step.headers, content=step.body,
            follow_redirects=False,
        )  # fmt: skip
        statuses = step.statuses
        if update and i == 0:
            # Read-only: the update is refused, with a 4xx that says so.
            statuses = frozenset({"4xx"})
            assert "read-only" in r.text
        assert f"{r.status_code // 100}xx" in statuses, (r.status_code, r.text)
        if r.status_code >= 400:
            continue
        media = r.headers["content-type"].split(";")[0]
        if step.expected_format == "boolean":
            assert media in BOOLEAN_TYPES
        elif step.expected_format == "tabular":
            assert media in TABULAR_TYPES
        elif step.expected_format == "RDF":
            assert media in RDF_TYPES
        if step.expected_boolean is not None:
            # After a refused update, what the update would have made is not there.
            assert _boolean(r) is (step.expected_boolean if not update else False)


def test_relative_iris_resolve_against_the_endpoint(suite_client):
    r = suite_client.post(
        "/sparql",
        content=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert r.status_code == 200
    assert r.text.strip() == (
        '<http://www.example/s> <http://www.example/p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    )
    # A BASE in the query wins over the endpoint's.
    r = suite_client.post(
        "/sparql",
        data={"query": "BASE <http://other.example/> SELECT ?x { BIND(<s> AS ?x) }"},
        headers={"Accept": "text/csv"},
    )
    assert r.text.splitlines()[1] == "http://other.example/s"


def _values(client, query: str, **params) -> set[str]:
    r = client.get("/sparql", params={"query": query, **params}, headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    return set(r.text.splitlines()[1:])


def test_dataset_clauses_and_parameters(suite_client):
    everything = "SELECT ?x { { ?x ?p ?o } UNION { GRAPH ?g { ?x ?p ?o } } }"
    d1, d2, d3 = (f"{KASEI}data{n}.rdf" for n in (1, 2, 3))
    # No dataset named: the default graph is the union, every graph is a named graph.
    assert _values(suite_client, "SELECT ?x { ?x ?p ?o }") == {d1, d2, d3}
    # FROM <g>: the default graph is that graph only, and there are no named graphs.
    assert _values(suite_client, f"SELECT ?x FROM <{d1}> {{ ?x ?p ?o }}") == {d1}
    assert _values(suite_client, f"SELECT ?x FROM <{d1}> {{ GRAPH ?g {{ ?x ?p ?o }} }}") == set()
    # FROM NAMED alone: an empty default graph; the named graph is there for GRAPH.
    assert _values(suite_client, f"SELECT ?x FROM NAMED <{d2}> {{ ?x ?p ?o }}") == set()
    assert _values(suite_client, f"SELECT ?x FROM NAMED <{d2}> {everything[9:]}") == {d2}
    # named-graph-uri alone: the same.
    assert _values(suite_client, "SELECT ?x { ?x ?p ?o }", **{"named-graph-uri": d2}) == set()
    assert _values(suite_client, everything, **{"named-graph-uri": d2}) == {d2}
    # default-graph-uri: that graph, no named ones.
    assert _values(suite_client, everything, **{"default-graph-uri": d3}) == {d3}
    # The protocol's dataset wins over the query's.
    assert _values(
        suite_client, f"SELECT ?x FROM <{d1}> {{ ?x ?p ?o }}", **{"default-graph-uri": d3}
    ) == {d3}


def test_from_is_found_as_a_keyword_only():
    assert has_dataset_clause("SELECT * FROM <g> { ?s ?p ?o }")
    assert has_dataset_clause("select * from named <g> { ?s ?p ?o }")
    assert has_dataset_clause("# from\nCONSTRUCT WHERE { ?s ?p ?o } ") is False
    assert not has_dataset_clause('SELECT * { ?s ?p "FROM" . ?s ex:from ?from } # FROM <x>')


@pytest.fixture(scope="module")
def client(seed_build: BuildResult):
    app = create_app(ServeConfig(seed_build.out_dir / "store", timeout=10, workers=1))
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/sparql", {"query": "ASK {}"}),
        ("/sparql", {}),
        ("/sparql", {"query": "SELECT * {"}),
        ("/id/system/icm", {}),
        ("/id/system/icm", {"format": "turtle"}),
        ("/id/no/such/thing", {}),
        ("/dataset", {}),
        ("/dataset", {"format": "jsonld"}),
        ("/dataset/class/System", {}),
        ("/ns", {}),
        ("/ns/0.1.0", {}),
    ],
)
def test_negotiated_answers_vary_on_accept(client, path, params):
    for accept in ("text/html", "text/turtle", "application/sparql-results+json"):
        r = client.get(path, params=params, headers={"Accept": accept}, follow_redirects=False)
        assert "accept" in [v.strip().lower() for v in r.headers.get("vary", "").split(",")], (
            path, r.status_code, r.headers,
        )  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/sparql",
        "/sparql?query=ASK%20%7B%7D",
        "/sparql?query=SELECT%20*%20%7B",
        "/id/system/icm",
        "/id/system/icm?format=turtle",
        "/dataset",
        "/dataset/class/System",
        "/ns",
        "/ns?format=jsonld",
        "/dumps/icegraph.ttl",
        "/dumps/checksums.sha256",
        "/diagram.svg",
        "/queries",
        "/reconcile",
        "/reconcile/suggest/entity?prefix=ic",
        "/static/style.css",
    ],
)
def test_head_answers_as_get_does(client, url):
    got = client.get(url, follow_redirects=False)
    head = client.head(url, follow_redirects=False)
    assert head.status_code == got.status_code
    assert head.content == b""
    for name in ("content-type", "vary", "content-security-policy"):
        assert head.headers.get(name) == got.headers.get(name), name
    # The service description's blank nodes get fresh labels each time, of varying length.
    if "content-length" in head.headers and url != "/sparql":
        assert head.headers["content-length"] == str(len(got.content))


def test_protocol_dataset_on_the_seed_graph(client):
    sources = "https://w3id.org/icegraph/graph/sources"
    q = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    union = json.loads(client.get("/sparql", params={"query": q}).text)
    own = json.loads(
        client.get("/sparql", params={"query": q.replace("{", f"FROM <{sources}> {{", 1)}).text
    )
    by_param = json.loads(
        client.get("/sparql", params={"query": q, "default-graph-uri": sources}).text
    )
    n = [int(x["results"]["bindings"][0]["n"]["value"]) for x in (union, own, by_param)]
    assert n[0] > n[1] == n[2] > 0


def test_head_on_the_real_server_sends_no_body(seed_build: BuildResult):
    """Over a socket, a HEAD answer ends at its headers: the next answer on the same
    connection follows at once."""
    import socket
    from urllib.parse import urlsplit

    from tests.servers import icegraph_server

    with icegraph_server(seed_build.out_dir / "store", workers=1) as base:
        where = urlsplit(base)
        with socket.create_connection((where.hostname, where.port), timeout=15) as s:
            s.sendall(
                b"HEAD /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: t\r\n\r\n"
                b"GET /ns HTTP/1.1\r\nHost: t\r\nAccept: text/turtle\r\nConnection: close\r\n\r\n"
            )
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200")
    assert any(line.startswith(b"vary: ") and b"Accept" in line for line in first.split(b"\r\n"))
    assert rest.startswith(b"HTTP/1.1 200") and b"content-type: text/turtle" in rest
