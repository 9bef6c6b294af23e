"""The SPARQL endpoint in-process: protocol, content negotiation, refusals, limits."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from icegraph.pipeline import BuildResult
from icegraph.serve.app import ServeConfig, create_app
from icegraph.serve.conneg import choose
from tests.conftest import rows

SELECT = "SELECT ?s WHERE { ?s a ig:Agency } ORDER BY ?s LIMIT 3"
CONSTRUCT = "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ig:Agency ; rdfs:label ?l } LIMIT 2"


@pytest.fixture(scope="module")
def client(seed_build: BuildResult):
    app = create_app(ServeConfig(seed_build.out_dir / "store", timeout=5, max_rows=50, workers=1))
    with TestClient(app) as c:
        yield c


def test_accept_with_q_values_picks_the_preferred_offer():
    offered = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv")
    assert choose("text/csv;q=0.9, application/sparql-results+xml", offered) == offered[1]
    assert choose("text/*;q=0.5, */*;q=0.1", offered) == "text/csv"
    assert choose("application/json", offered) == offered[0]
    assert choose("text/csv;q=0, */*;q=0.2", offered) == offered[0]
    assert choose("image/png", offered) is None
    assert choose(None, offered) == offered[0]


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.8", "application/sparql-results+xml"),
    ],
)
def test_select_in_every_results_format(client, accept, media):
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == media
    assert "https://w3id.org/icegraph/id/agency/atf" in r.text


def test_select_json_is_exact(client):
    r = client.post("/sparql", data={"query": SELECT}, headers={"Accept": "application/json"})
    assert r.json() == {
        "head": {"vars": ["s"]},
        "results": {"bindings": [
            {"s": {"type": "uri", "value": "https://w3id.org/icegraph/id/agency/atf"}},
            {"s": {"type": "uri", "value": "https://w3id.org/icegraph/id/agency/cbp"}},
            {"s": {"type": "uri", "value": "https://w3id.org/icegraph/id/agency/consular-affairs"}},
        ]},
    }  # fmt: skip


def test_post_sparql_query_body_and_format_parameter(client):
    r = client.post(
        "/sparql?format=csv",
        content=SELECT,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert r.status_code == 200
    assert r.text.splitlines() == [
        "s",
        "https://w3id.org/icegraph/id/agency/atf",
        "https://w3id.org/icegraph/id/agency/cbp",
        "https://w3id.org/icegraph/id/agency/consular-affairs",
    ]


@pytest.mark.parametrize(
    ("accept", "media", "marker"),
    [
        ("text/turtle", "text/turtle; charset=utf-8", "@prefix"),
        (
            "application/n-triples",
            "application/n-triples",
            "<http://www.w3.org/2000/01/rdf-schema#label>",
        ),
        ("application/ld+json", "application/ld+json", '"@id"'),
    ],
)
def test_construct_in_every_graph_format(client, accept, media, marker):
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"] == media
    assert marker in r.text


def test_nothing_acceptable_is_406(client):
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "Available: application/sparql-results+json" in r.text
    r = client.get("/sparql", params={"query": CONSTRUCT, "format": "csv"})
    assert r.status_code == 406


def test_ask(client):
    r = client.get(
        "/sparql", params={"query": "ASK { ?s a ig:Claim }"}, headers={"Accept": "application/json"}
    )
    assert r.json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "POST", "url": "/sparql", "data": {"update": "DROP ALL"}},
        {"method": "POST", "url": "/sparql", "content": "DROP ALL",
         "headers": {"Content-Type": "application/sparql-update"}},
        {"method": "GET", "url": "/sparql", "params": {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}},
        {"method": "GET", "url": "/sparql", "params": {"query": "PREFIX x: <a:#> # SELECT\nDELETE WHERE { ?s ?p ?o }"}},
    ],
)  # fmt: skip
def test_updates_are_refused(client, request_kwargs):
    r = client.request(**request_kwargs)
    assert r.status_code == 403
    assert "read-only" in r.text
    assert client.get(
        "/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/json"}
    ).json()["boolean"]


def test_bad_query_is_a_clear_400(client):
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert r.text.startswith("The query could not be run:")


def test_result_size_cap(client):
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 400
    assert "more than 50 rows or triples" in r.text


def test_service_description_on_bare_get(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert "sd:SPARQL11Query" in r.text and "sd:UnionDefaultGraph" in r.text
    assert "https://w3id.org/icegraph/graph/metadata" in r.text
    browser = client.get("/sparql", headers={"Accept": "text/html"}, follow_redirects=False)
    assert browser.status_code == 303 and browser.headers["location"] == "/"


def test_cors(client):
    r = client.get(
        "/sparql", params={"query": SELECT}, headers={"Origin": "https://notebook.example"}
    )
    assert r.headers["access-control-allow-origin"] == "*"
    pre = client.options(
        "/sparql", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"}
    )
    assert pre.status_code == 200


def test_entity_pages_negotiate(client):
    html = client.get("/id/system/icm", headers={"Accept": "text/html"})
    assert html.status_code == 200 and '<h1 id="entity-label">ICM</h1>' in html.text
    ttl = client.get("/id/system/icm", headers={"Accept": "text/turtle;q=0.9, text/html;q=0.5"})
    assert ttl.headers["content-type"].startswith("text/turtle")
    jsonld = client.get("/id/system/icm", headers={"Accept": "application/ld+json"})
    assert any(n.get("@id") == "https://w3id.org/icegraph/id/system/icm" for n in jsonld.json())
    nt = client.get("/id/system/icm?format=ntriples")
    assert (
        "<https://w3id.org/icegraph/id/system/icm> <https://w3id.org/icegraph/ns#operatedBy>"
        in nt.text
    )
    assert client.get("/id/system/icm", headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/id/system/nothing-here").status_code == 404


def test_entity_page_shows_claims_and_escapes_raw_html(client, seed_store):
    claim = rows(seed_store, "SELECT ?c WHERE { ?c ig:asserts <https://w3id.org/icegraph/id/"
                             "flow/tecs--icm> }")[0][0]  # fmt: skip
    path = claim.removeprefix("https://w3id.org/icegraph")
    page = client.get(path, headers={"Accept": "text/html"}).text
    assert "&lt;i&gt;Mijente&lt;/i&gt;" in page
    assert "<i>Mijente</i>" not in page
    ice = client.get("/id/agency/ice", headers={"Accept": "text/html"}).text
    assert "Who says so: claims" in ice
    assert "automated analysis" in ice and "2026-04-07" in ice
    tecs = client.get("/id/system/tecs", headers={"Accept": "text/html"}).text
    assert "Privacy Impact Assessment for ICE Investigative Case Management" in tecs
    assert "U.S. Customs and Border Protection" in tecs


def test_query_page_dataset_dumps_and_diagram(client):
    home = client.get("/").text
    assert 'id="catalogue"' in home and "reaches-icm" in home
    assert "/static/query.js" in home
    assert client.get("/static/query.js").status_code == 200
    catalogue = json.loads(home.split('id="queries">')[1].split("</script>")[0])
    assert 'VALUES ?system { "ICM" }' in catalogue["reaches-system"]
    ds = client.get("/dataset", headers={"Accept": "text/turtle"})
    assert "void:triples" in ds.text and "dcat:Dataset" in ds.text
    dump = client.get("/dumps/icegraph.ttl")
    assert dump.status_code == 200 and dump.headers["content-type"].startswith("text/turtle")
    assert client.get("/dumps/../../etc/passwd").status_code == 404
    svg = client.get("/diagram.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and "<svg" in svg.text
    assert "TECS" in svg.text and "marker-start" in svg.text
