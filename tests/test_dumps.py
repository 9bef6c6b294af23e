"""Dumps and dataset metadata: same triples in every format, readable by other tools."""

from __future__ import annotations

import json

import pyoxigraph
import rdflib
from pyld import jsonld
from rdflib.compare import to_isomorphic

from icegraph.pipeline import BuildResult
from tests.conftest import rows


def test_jsonld_expanded_by_pyld_gives_the_turtle_triples(seed_build: BuildResult):
    out = seed_build.out_dir
    doc = json.loads((out / "icegraph.jsonld").read_text(encoding="utf-8"))
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    from_jsonld = rdflib.Graph().parse(data=nquads, format="nt")
    from_turtle = rdflib.Graph().parse(out / "icegraph.ttl", format="turtle")
    assert len(from_turtle) > 2000
    assert to_isomorphic(from_jsonld) == to_isomorphic(from_turtle)


def test_context_is_published_and_readable(seed_build: BuildResult):
    ctx = json.loads((seed_build.out_dir / "context.jsonld").read_text(encoding="utf-8"))[
        "@context"
    ]
    assert ctx["ig"] == "https://w3id.org/icegraph/ns#"
    assert ctx["sendsDataTo"] == {"@id": "ig:sendsDataTo", "@type": "@id"}
    assert ctx["statement"] == "ig:statement"
    doc = json.loads((seed_build.out_dir / "icegraph.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == ctx
    icm = next(n for n in doc["@graph"] if n["id"] == "igid:system/icm")
    assert icm["type"] == "ig:System" and "sendsDataTo" in icm


def test_dumps_parse_with_pyoxigraph_and_trig_keeps_one_graph_per_input(seed_build: BuildResult):
    out = seed_build.out_dir
    ttl = list(pyoxigraph.parse(path=str(out / "icegraph.ttl")))
    quads = list(pyoxigraph.parse(path=str(out / "icegraph.trig")))
    graphs = {q.graph_name.value for q in quads}
    assert graphs == {
        "https://w3id.org/icegraph/graph/raw/000-f18490aef763a0b3",
        "https://w3id.org/icegraph/graph/raw/004-5faac12a7c82fa76",
        "https://w3id.org/icegraph/graph/entities",
        "https://w3id.org/icegraph/graph/sources",
        "https://w3id.org/icegraph/graph/vocabulary",
        "https://w3id.org/icegraph/graph/metadata",
        "https://w3id.org/icegraph/graph/wikidata-links",
        "https://w3id.org/icegraph/graph/resolved",
        "https://w3id.org/icegraph/graph/derived",
    }
    assert len({(q.subject, q.predicate, q.object) for q in quads}) == len(set(ttl))


def test_dataset_metadata_counts_what_is_there(seed_store):
    meta = dict(
        rows(
            seed_store,
            """SELECT ?p ?o WHERE { <https://w3id.org/icegraph/dataset> ?p ?o .
        FILTER(?p IN (void:triples, void:entities, dcterms:license, dcterms:modified,
                      dcterms:issued)) }""",
        )
    )
    # every statement of every graph, this description included, as the endpoint counts
    triples = rows(seed_store, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert meta["http://rdfs.org/ns/void#triples"] == triples[0][0] == str(len(seed_store))
    assert (
        meta["http://purl.org/dc/terms/license"] == "https://creativecommons.org/licenses/by/4.0/"
    )
    assert meta["http://purl.org/dc/terms/issued"] == "2026-04-07"  # first statement recorded
    assert meta["http://purl.org/dc/terms/modified"] == "2026-11-25"  # newest date in the data
    parts = rows(
        seed_store,
        """SELECT ?n WHERE { ?ds void:classPartition ?p .
        ?p void:class ig:InformationFlow ; void:entities ?n }""",
    )
    assert parts == [("24",)]
    assert_description_matches_store(seed_store)


def assert_description_matches_store(store) -> None:
    """The entity counts, counted as the build streamed, are what the loaded store says."""
    said = dict(
        rows(
            store,
            "SELECT ?c ?n WHERE { ?ds void:classPartition [ void:class ?c ; void:entities ?n ] }",
        )
    )
    counted = dict(
        rows(
            store,
            """SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c }
            FILTER(?g != <https://w3id.org/icegraph/graph/metadata>)
            FILTER(STRSTARTS(STR(?c), STR(ig:))) } GROUP BY ?c""",
        )
    )
    assert said == counted
    entities = rows(
        store,
        """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c }
        FILTER(?g != <https://w3id.org/icegraph/graph/metadata>)
        FILTER(STRSTARTS(STR(?s), "https://w3id.org/icegraph/id/")) }""",
    )
    assert (
        rows(store, "SELECT ?n WHERE { <https://w3id.org/icegraph/dataset> void:entities ?n }")
        == entities
    )
    sources = rows(store, "SELECT ?s WHERE { ?s a ig:Source }")
    cited = rows(
        store,
        "SELECT ?s WHERE { <https://w3id.org/icegraph/dataset> dcterms:references ?s }",
    )
    assert sorted(sources) == sorted(cited)
    # the raw inputs by their names in the data folder, never a path of the builder's machine
    inputs = rows(
        store,
        """SELECT ?s ?title WHERE { <https://w3id.org/icegraph/dataset> dcterms:source ?s .
        ?s a dcat:Dataset ; dcterms:title ?title }""",
    )
    raw_graphs = [g for g in store.named_graphs() if "/graph/raw/" in g.value]
    assert len(inputs) == len(raw_graphs) > 0
    assert all(t.startswith("raw/") and "/" not in t[4:] for _, t in inputs)


def test_builds_are_reproducible(seed_build: BuildResult, tmp_path):
    from icegraph.pipeline import build
    from tests.conftest import DATA

    again = build(DATA, tmp_path / "again")
    for name in ("icegraph.ttl", "icegraph.trig", "icegraph.jsonld", "report.json"):
        assert (again.out_dir / name).read_bytes() == (seed_build.out_dir / name).read_bytes(), name
