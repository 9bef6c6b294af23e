"""Human names for predicates and kinds: the vocabulary's English rdfs:label, or ours for the
outside vocabularies the graph reuses (their own labels are not in the store)."""

from __future__ import annotations

from pyoxigraph import NamedNode, Store

from icegraph.namespaces import (
    DCAT,
    DCTERMS,
    FOAF,
    IG,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    curie,
)

OUTSIDE = {
    RDF + "type": "kind",
    RDFS + "label": "name",
    RDFS + "comment": "comment",
    SKOS + "prefLabel": "preferred name",
    SKOS + "altLabel": "also called",
    SKOS + "note": "role",
    SKOS + "exactMatch": "same as",
    SKOS + "inScheme": "in scheme",
    DCTERMS + "description": "summary",
    DCTERMS + "title": "title",
    DCTERMS + "creator": "author",
    DCTERMS + "publisher": "publisher",
    DCTERMS + "type": "document type",
    DCTERMS + "issued": "issued",
    DCTERMS + "date": "date",
    DCTERMS + "isPartOf": "part of",
    DCTERMS + "subject": "about",
    DCTERMS + "source": "source",
    DCTERMS + "isReplacedBy": "replaced by",
    ORG + "subOrganizationOf": "part of the organisation",
    OWL + "sameAs": "same as",
    PROV + "wasDerivedFrom": "derived from",
    PROV + "wasGeneratedBy": "produced by",
    PROV + "generatedAtTime": "date",
    PROV + "used": "used",
    PROV + "wasAssociatedWith": "carried out by",
    FOAF + "primaryTopic": "record of",
    SCHEMA + "url": "address",
    DCAT + "CatalogRecord": "Curated record",
    SKOS + "Concept": "Concept",
    PROV + "Activity": "Activity",
}
_LABEL = NamedNode(RDFS + "label")


def term_label(store: Store, iri: str, cache: dict[str, str]) -> str:
    """'operated by' for ig:operatedBy; the CURIE when nothing better is known."""
    if iri not in cache:
        found = ""
        if iri.startswith(IG):
            labels = [
                q.object
                for q in store.quads_for_pattern(NamedNode(iri), _LABEL, None, None)
                if getattr(q.object, "language", None) in ("en", None)
            ]
            found = sorted(str(x.value) for x in labels)[0] if labels else ""  # type: ignore[union-attr]
        cache[iri] = found or OUTSIDE.get(iri) or curie(iri)
    return cache[iri]
