"""The curated tables as quads: entities, sources, document and relation types."""

from __future__ import annotations

from collections.abc import Iterator

from icegraph.catalogue import Catalogue, EntityEntry, SourceEntry
from icegraph.mapping.terms import (
    ALT_LABEL,
    CONCEPT,
    CREATOR,
    DCTYPE,
    IN_SCHEME,
    IS_PART_OF,
    ISSUED,
    LABEL,
    NOTE,
    PREF_LABEL,
    PUBLISHER,
    SUB_ORG_OF,
    TITLE,
    TYPE,
    Q,
    Term,
    Triple,
    date,
    entity,
    graph,
    ig,
    iri,
    text,
)
from icegraph.namespaces import DCAT, DCTERMS, FOAF, SCHEMA

SCHEMA_URL = iri(SCHEMA + "url")
CATALOG_RECORD = iri(DCAT + "CatalogRecord")
PRIMARY_TOPIC = iri(FOAF + "primaryTopic")
DC_SOURCE = iri(DCTERMS + "source")
DC_DATE = iri(DCTERMS + "date")

ENTITIES_GRAPH = graph("entities")
SOURCES_GRAPH = graph("sources")


def document_type(type_id: str) -> Term:
    return entity("document-type/" + type_id)


def relation_type(term: str) -> Term:
    return entity("relation-type/" + term)


def source_node(source_id: str) -> Term:
    return entity("source/" + source_id)


def entity_quads(cat: Catalogue) -> Iterator[Triple]:
    q = Q(ENTITIES_GRAPH)
    for e in cat.entities.values():
        node = entity(e.id)
        yield q(node, TYPE, ig(e.type))
        yield q(node, LABEL, text(e.label))
        yield q(node, PREF_LABEL, text(e.label))
        for alt in dict.fromkeys([e.acronym, *e.alt_labels]):
            if alt and alt != e.label:
                yield q(node, ALT_LABEL, text(alt))
        if e.parent:
            yield q(node, SUB_ORG_OF, entity(e.parent))
        if e.type == "System":
            yield q(
                node, ig("operatedBy"), entity(e.operator) if e.operator else ig("unknownOperator")
            )
        if e.developer:
            yield q(node, ig("developedBy"), entity(e.developer))
        if e.part_of:
            yield q(node, IS_PART_OF, entity(e.part_of))
        for cand in e.candidates:
            yield q(node, ig("candidate"), entity(cand))
        if e.candidates:
            yield q(node, ig("ambiguity"), text(e.note))
        elif e.note:
            yield q(node, NOTE, text(e.note))
        yield from _record(q, e)


def record_node(entity_id: str) -> Term:
    return entity("record/" + entity_id)


def _record(q: Q, e: EntityEntry) -> Iterator[Triple]:
    """Who says so for a row of data/entities.csv: a DCAT catalogue record about the entity
    (foaf:primaryTopic), whose dcterms:source is the document, or whose dcterms:creator and
    dcterms:date are the person who curated it and when. Every fact the row gives (type, names,
    parent, operator, developer, part of, note) is in the entities graph, so a page shows this
    record beside each of them."""
    if not (e.source or e.curated_by):
        return
    node = record_node(e.id)
    yield q(node, TYPE, CATALOG_RECORD)
    yield q(node, LABEL, text(f"Curated record of {e.label}"))
    yield q(node, PRIMARY_TOPIC, entity(e.id))
    if e.source:
        yield q(node, DC_SOURCE, source_node(e.source))
    else:
        yield q(node, CREATOR, text(e.curated_by))
        yield q(node, DC_DATE, date(e.curated_on))


def source_quads(cat: Catalogue) -> Iterator[Triple]:
    q = Q(SOURCES_GRAPH)
    for dt in cat.document_types.values():
        node = document_type(dt.id)
        yield q(node, TYPE, CONCEPT)
        yield q(node, IN_SCHEME, ig("DocumentTypeScheme"))
        yield q(node, PREF_LABEL, text(dt.label))
        yield q(node, LABEL, text(dt.label))
        yield q(node, ig("defaultConfidence"), ig(dt.confidence))
        yield q(node, NOTE, text(dt.why))
    for s in cat.sources.values():
        yield from _source(q, s, cat)
    seen: set[str] = set()
    for term, label in cat.relation_types.values():
        if term in seen:
            continue
        seen.add(term)
        yield from relation_type_quads(q, term, label)


def relation_type_quads(q: Q, term: str, label: str) -> Iterator[Triple]:
    node = relation_type(term)
    yield q(node, TYPE, CONCEPT)
    yield q(node, IN_SCHEME, ig("RelationTypeScheme"))
    yield q(node, PREF_LABEL, text(label))
    yield q(node, LABEL, text(label))


def _source(q: Q, s: SourceEntry, cat: Catalogue) -> Iterator[Triple]:
    node = source_node(s.id)
    yield q(node, TYPE, ig("Source"))
    yield q(node, TITLE, text(s.title))
    yield q(node, LABEL, text(s.title))
    yield q(node, ig("citation"), text(s.citation))
    for author in s.author.split(";"):
        if author.strip():
            yield q(node, CREATOR, text(author.strip()))
    if s.publisher:
        yield q(node, PUBLISHER, text(s.publisher))
        org = cat.lookup(s.publisher, ("Agency", "Company", "PrivateOrganization"))
        if org is not None:
            yield q(node, ig("publishedBy"), entity(org.id))
    yield q(node, DCTYPE, document_type(s.type))
    if s.date:
        yield q(node, ISSUED, date(s.date))
    if s.note:
        yield q(node, NOTE, text(s.note))
    if s.url:
        yield q(node, SCHEMA_URL, iri(s.url))


def strongest_confidence(cat: Catalogue, source_ids: list[str]) -> str:
    """The claim's grade: the best grade among the document types it cites."""
    order = {"primary": 0, "secondary": 1, "inferential": 2}
    grades = [cat.document_types[cat.sources[s].type].confidence for s in source_ids]
    return min(grades, key=order.__getitem__) if grades else "inferential"
