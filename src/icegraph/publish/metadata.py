"""DCAT and VoID description of the built dataset: counts from the stream and the store."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
from icegraph.namespaces import DATASET, DCAT, DCTERMS, ID, IG, VOID
from icegraph.store import count_quads, select

METADATA_GRAPH = graph("metadata")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
DUMPS = {
    "icegraph.ttl": "text/turtle",
    "icegraph.trig": "application/trig",
    "icegraph.jsonld": "application/ld+json",
}
DUMP_BASE = "https://w3id.org/icegraph/dump/"


@dataclass
class Typed:
    """Typed entities counted as the triples stream past, per class and in all.

    Counting distinct subjects over the loaded store takes most of a minute at a million
    records; here it costs a comparison a triple. Nodes minted for one record are typed in
    that record's block only, so they are counted without being kept; shared nodes (a few
    thousand) are kept in sets, since several graphs may type them.
    """

    minted: Counter = field(default_factory=Counter)
    minted_entities: int = 0
    shared: dict[str, set[str]] = field(default_factory=dict)

    def add(self, triples: Iterable[Triple], minted: Iterable[str] = ()) -> None:
        local = set(minted)
        seen: set[tuple[str, str]] = set()
        for s, p, o in triples:
            if p != TYPE:
                continue
            if s in local:
                if (s, o) not in seen:
                    seen.add((s, o))
                    self.minted[o] += 1
            else:
                self.shared.setdefault(o, set()).add(s)
        self.minted_entities += len({s for s, _ in seen if s.startswith("<" + ID)})

    def summary(self) -> dict:
        """What the dataset description needs: entities, entities per ig: class, sources."""
        classes = Counter(self.minted)
        for cls, subjects in self.shared.items():
            classes[cls] += len(subjects)
        shared = set().union(*self.shared.values()) if self.shared else set()
        return {
            "entities": self.minted_entities + sum(s.startswith("<" + ID) for s in shared),
            "classes": sorted((c[1:-1], n) for c, n in classes.items() if c.startswith("<" + IG)),
            "sources": sorted(s[1:-1] for s in self.shared.get(f"<{IG}Source>", ())),
        }


def created_date(store: Store) -> str | None:
    """SOURCE_DATE_EPOCH when set, else the newest date the data itself states."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
    # the vocabulary's own issued and modified dates are about the vocabulary, not the data
    q = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
    SELECT (MAX(SUBSTR(STR(?d), 1, 10)) AS ?max) WHERE {
      GRAPH ?g { { ?x prov:generatedAtTime ?d } UNION { ?x dcterms:issued ?d } }
      FILTER(?g != <https://w3id.org/icegraph/graph/vocabulary>) }"""
    for row in select(store, q):
        value = row["max"]
        if value is not None and len(value.value) == 10:
            return value.value
    return None


def metadata_quads(store: Store, input_files: list[str], typed: dict) -> Iterator[Triple]:
    """Title, licence, sources, counts and class partitions of everything but this graph;
    `typed` is `Typed.summary()` of the same triples."""
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
    for source in typed["sources"]:
        yield q(ds, iri(DCTERMS + "source"), iri(source))
    # statements in the named graphs, as the store counts them (see store.count_quads)
    yield q(ds, iri(VOID + "triples"), integer(count_quads(store)))
    yield q(ds, iri(VOID + "entities"), integer(typed["entities"]))
    for cls, n in typed["classes"]:
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
