"""Building RDF terms: IRIs for our namespaces, literals, quads; cached where it pays."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pyoxigraph import Literal, NamedNode, Quad

from icegraph.namespaces import (
    DCTERMS,
    GRAPH,
    ID,
    IG,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
)


@lru_cache(maxsize=4096)
def iri(value: str) -> NamedNode:
    return NamedNode(value)


def ig(term: str) -> NamedNode:
    return iri(IG + term)


def entity(path: str) -> NamedNode:
    """IRI of an entity by its slug path, e.g. 'system/icm'."""
    return NamedNode(ID + path)


def graph(name: str) -> NamedNode:
    return iri(GRAPH + name)


def text(value: str) -> Literal:
    return Literal(value)


def integer(value: int) -> Literal:
    return Literal(str(value), datatype=iri(XSD + "integer"))


def boolean(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=iri(XSD + "boolean"))


def date(value: str) -> Literal:
    """xsd:date, xsd:gYearMonth or xsd:gYear according to how much of the date is known."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        dt = "date"
    elif re.fullmatch(r"\d{4}-\d{2}", value):
        dt = "gYearMonth"
    elif re.fullmatch(r"\d{4}", value):
        dt = "gYear"
    else:
        raise ValueError(f"not an ISO date: {value!r}")
    return Literal(value, datatype=iri(XSD + dt))


def datetime(value: str) -> Literal:
    return Literal(value, datatype=iri(XSD + "dateTime"))


def slug(value: str) -> str:
    """Readable, stable IRI segment: ASCII, lower case, words joined by hyphens."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return out or "unnamed"


class Q:
    """Quad factory bound to one named graph, so mapping code reads as triples."""

    __slots__ = ("g",)

    def __init__(self, graph_node: NamedNode) -> None:
        self.g = graph_node

    def __call__(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> Quad:
        return Quad(s, p, o, self.g)


# Predicates used on every record, built once.
TYPE = iri(RDF + "type")
LABEL = iri(RDFS + "label")
COMMENT = iri(RDFS + "comment")
PREF_LABEL = iri(SKOS + "prefLabel")
ALT_LABEL = iri(SKOS + "altLabel")
NOTE = iri(SKOS + "note")
IN_SCHEME = iri(SKOS + "inScheme")
CONCEPT = iri(SKOS + "Concept")
TITLE = iri(DCTERMS + "title")
CREATOR = iri(DCTERMS + "creator")
PUBLISHER = iri(DCTERMS + "publisher")
DCTYPE = iri(DCTERMS + "type")
ISSUED = iri(DCTERMS + "issued")
IS_PART_OF = iri(DCTERMS + "isPartOf")
SUB_ORG_OF = iri(ORG + "subOrganizationOf")
DERIVED_FROM = iri(PROV + "wasDerivedFrom")
GENERATED_BY = iri(PROV + "wasGeneratedBy")
GENERATED_AT = iri(PROV + "generatedAtTime")
ASSOCIATED_WITH = iri(PROV + "wasAssociatedWith")
PROV_ACTIVITY = iri(PROV + "Activity")
PROV_AGENT = iri(PROV + "SoftwareAgent")
SAME_AS = iri(OWL + "sameAs")
SCHEMA_NAME = iri(SCHEMA + "name")
