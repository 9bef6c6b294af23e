"""The server over a real socket: real SPARQL clients, the time limit, remote publishing."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, TSV, TURTLE, XML, SPARQLWrapper

from icegraph.cli import main
from icegraph.pipeline import BuildResult
from icegraph.queries import catalogue
from tests.servers import icegraph_server, oxigraph_server

AGENCIES = "SELECT ?s ?l WHERE { ?s a ig:Agency ; rdfs:label ?l } ORDER BY ?s"


@pytest.fixture(scope="module")
def server(seed_build: BuildResult):
    with icegraph_server(seed_build.out_dir / "store", timeout=2, workers=2) as base:
        yield base


def _wrapper(server: str, query: str, fmt: str) -> SPARQLWrapper:
    sw = SPARQLWrapper(server + "/sparql")
    sw.setQuery("PREFIX ig: <https://w3id.org/icegraph/ns#>\n"
                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query)  # fmt: skip
    sw.setReturnFormat(fmt)
    return sw


def test_sparqlwrapper_json_xml_csv_tsv(server):
    js = _wrapper(server, AGENCIES, JSON).query().convert()
    labels = [b["l"]["value"] for b in js["results"]["bindings"]]
    assert "Federal Bureau of Investigation" in labels and len(labels) == 15
    xml = _wrapper(server, AGENCIES, XML).query().convert()
    assert len(xml.getElementsByTagName("result")) == 15
    csv = _wrapper(server, AGENCIES, CSV).query().convert().decode()
    assert csv.splitlines()[0] == "s,l" and len(csv.splitlines()) == 16
    tsv = _wrapper(server, AGENCIES, TSV).query().convert().decode()
    assert tsv.splitlines()[0] == "?s\t?l"
    assert (
        '<https://w3id.org/icegraph/id/agency/atf>\t"Bureau of Alcohol, Tobacco, Firearms and Explosives"'
        in tsv
    )


def test_sparqlwrapper_construct_turtle_and_post(server):
    sw = _wrapper(
        server, "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ig:Agency ; rdfs:label ?l }", TURTLE
    )
    sw.setMethod("POST")
    g = rdflib.Graph().parse(data=sw.query().convert(), format="turtle")
    assert len(g) == 15


def test_sparqlwrapper_graph_formats(server):
    query = "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a ig:Agency ; rdfs:label ?l }"
    jsonld = _wrapper(server, query, JSONLD).query().response.read().decode()
    assert len(rdflib.Graph().parse(data=jsonld, format="json-ld")) == 15
    n3 = _wrapper(server, query, N3).query().response.read().decode()  # Turtle is N3
    assert len(rdflib.Graph().parse(data=n3, format="n3")) == 15
    nt = httpx.get(server + "/sparql", params={"query": "PREFIX ig: <https://w3id.org/icegraph/ns#> "
                   + query.replace("rdfs:label", "<http://www.w3.org/2000/01/rdf-schema#label>")},
                   headers={"Accept": "application/n-triples"}).text  # fmt: skip
    assert len(rdflib.Graph().parse(data=nt, format="nt")) == 15


def test_rdflib_sparqlstore(server):
    graph = rdflib.Graph(store=SPARQLStore(server + "/sparql", returnFormat="json"))
    rows = list(graph.query(
        "SELECT ?l WHERE { ?s a <https://w3id.org/icegraph/ns#System> ; "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l"))  # fmt: skip
    labels = [str(r[0]) for r in rows]
    assert "ICM" in labels and "TECS" in labels and "NCIC" in labels


def test_an_over_long_query_is_stopped_and_the_server_goes_on(server):
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    r = httpx.post(server + "/sparql", data={"query": heavy}, timeout=30)
    assert r.status_code == 503
    assert "stopped after 2 seconds" in r.text
    assert time.monotonic() - started < 15
    ok = httpx.get(server + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                   headers={"Accept": "application/sparql-results+json"}, timeout=30)  # fmt: skip
    assert ok.json()["boolean"] is True


def test_publish_to_oxigraph_then_query_returns_the_local_rows(
    seed_build: BuildResult, tmp_path: Path
):
    store = str(seed_build.out_dir / "store")
    runner = CliRunner()
    with oxigraph_server(tmp_path / "ox") as base:
        pub = runner.invoke(main, ["publish", "--endpoint", base + "/store", "--store", store])
        assert pub.exit_code == 0, pub.output
        assert "https://w3id.org/icegraph/graph/metadata:" in pub.output
        # Publishing again replaces, never duplicates.
        assert (
            runner.invoke(
                main, ["publish", "--endpoint", base + "/store", "--store", store]
            ).exit_code
            == 0
        )
        for q in catalogue():
            local = runner.invoke(main, ["query", q.name, "--store", store, "--format", "csv"])
            remote = runner.invoke(
                main, ["query", q.name, "--endpoint", base + "/query", "--format", "csv"]
            )
            assert local.exit_code == remote.exit_code == 0, remote.output
            assert Counter(local.stdout.splitlines()) == Counter(remote.stdout.splitlines()), q.name
        param = runner.invoke(main, ["query", "reaches-system", "--param", "system=ACRIMe",
                                     "--endpoint", base + "/query", "--format", "csv"])  # fmt: skip
        assert param.stdout.splitlines() == ["source,name,route",
                                             "https://w3id.org/icegraph/id/system/ncic,NCIC,direct"]  # fmt: skip


def test_publish_to_an_unreachable_server_is_a_clear_error(seed_build: BuildResult):
    r = CliRunner().invoke(main, ["publish", "--endpoint", "http://127.0.0.1:9/store",
                                  "--store", str(seed_build.out_dir / "store")])  # fmt: skip
    assert r.exit_code == 1
    assert r.output.startswith("error: cannot reach http://127.0.0.1:9/store")
