"""DCAT and VoID description of the built dataset, computed from the store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime as dt

from pyoxigraph import Store

from icegraph import __version__
from icegraph.mapping.terms import (
    DCTYPE,
    LABEL,
    TITLE,
    TYPE,
    Q,
    Triple,
    date,
    graph,
    integer,
    iri,
    text,
)
from icegraph.namespaces import DATASET, DCAT, DCTERMS, VOID
from icegraph.store import count_quads, select

METADATA_GRAPH = graph("metadata")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DUMPS = {
    "icegraph.ttl": "text/turtle",
    "icegraph.trig": "application/trig",
    "icegraph.jsonld": "application/ld+json",
}
DUMP_BASE = "https://w3id.org/icegraph/dump/"


def created_date(store: Store) -> str | None:
    """SOURCE_DATE_EPOCH when set, else the newest date the data itself states."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
    q = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
    SELECT (MAX(SUBSTR(STR(?d), 1, 10)) AS ?max) WHERE {
      { ?x prov:generatedAtTime ?d } UNION { ?x dcterms:issued ?d } }"""
    for row in select(store, q):
        value = row["max"]
        if value is not None and len(value.value) == 10:
            return value.value
    return None


def metadata_quads(store: Store, input_files: list[str]) -> Iterator[Triple]:
    """Title, licence, sources, counts and class partitions of everything but this graph."""
    q = Q(METADATA_GRAPH)
    ds = iri(DATASET)
    yield q(ds, TYPE, iri(DCAT + "Dataset"))
    yield q(ds, TYPE, iri(VOID + "Dataset"))
    yield q(ds, TITLE, text("icegraph: immigration-enforcement data systems"))
    yield q(ds, LABEL, text("icegraph: immigration-enforcement data systems"))
    yield q(
        ds,
        iri(DCTERMS + "description"),
        text(
            "Information flows between ICE's Investigative Case Management system and other "
            "systems, the agencies and companies behind them, and sourced, graded claims "
            "about each, built from public records."
        ),
    )
    yield q(ds, iri(DCTERMS + "license"), iri(LICENSE))
    yield q(ds, iri(DCTERMS + "hasVersion"), text(__version__))
    created = created_date(store)
    if created:
        yield q(ds, iri(DCTERMS + "created"), date(created))
    for name in input_files:
        yield q(ds, iri(DCTERMS + "source"), text(name))
    for row in select(
        store, "SELECT DISTINCT ?s WHERE { ?s a <https://w3id.org/icegraph/ns#Source> }"
    ):
        yield q(ds, iri(DCTERMS + "source"), iri(row["s"].value))
    counts = _counts(store)
    yield q(ds, iri(VOID + "triples"), integer(counts["triples"]))
    yield q(ds, iri(VOID + "entities"), integer(counts["entities"]))
    for cls, n in counts["classes"]:
        part = iri(f"{DATASET}/class/{cls.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}")
        yield q(ds, iri(VOID + "classPartition"), part)
        yield q(part, iri(VOID + "class"), iri(cls))
        yield q(part, iri(VOID + "entities"), integer(n))
    for name, media in DUMPS.items():
        dist = iri(DUMP_BASE + name)
        yield q(ds, iri(DCAT + "distribution"), dist)
        yield q(dist, TYPE, iri(DCAT + "Distribution"))
        yield q(dist, iri(DCAT + "downloadURL"), dist)
        yield q(dist, iri(DCAT + "mediaType"), text(media))
        yield q(dist, TITLE, text(f"icegraph dump ({media})"))
        yield q(dist, DCTYPE, iri(VOID + "Dataset"))
    yield q(ds, iri(VOID + "dataDump"), iri(DUMP_BASE + "icegraph.ttl"))


def _counts(store: Store) -> dict:
    # Statements in the named graphs, as the store counts them (see store.count_quads).
    triples = count_quads(store)
    entities = next(
        iter(
            select(
                store,
                "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . "
                "FILTER(STRSTARTS(STR(?s), 'https://w3id.org/icegraph/id/')) }",
            )
        )
    )["n"].value
    classes = [
        (row["c"].value, int(row["n"].value))
        for row in select(
            store,
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c . "
            "FILTER(STRSTARTS(STR(?c), 'https://w3id.org/icegraph/ns#')) } GROUP BY ?c ORDER BY ?c",
        )
    ]
    return {"triples": triples, "entities": int(entities), "classes": classes}
