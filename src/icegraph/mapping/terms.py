"""RDF terms as N-Triples text, and triples as tuples of them, bound to one named graph.

Mapping writes text, not term objects: building a Python object per term costs more than the
rest of the mapping, while a line of text is parsed by the store's bulk loader in Rust. Every
function here returns a term already in N-Triples syntax (IRIs in <>, literals quoted and
escaped); a triple is three of them, its line is them joined by spaces, and a block of such
lines inside `<graph> { … }` is TriG, which is what the store loads and the dumps publish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

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
    SKOS,
    XSD,
)

Term = str  # a term in N-Triples syntax
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


@lru_cache(maxsize=8192)
def iri(value: str) -> Term:
    if _BAD_IRI.search(value):
        raise ValueError(f"not a valid IRI: {value!r}")
    return f"<{value}>"


@lru_cache(maxsize=1024)
def ig(term: str) -> Term:
    return iri(IG + term)


def entity(path: str) -> Term:
    """IRI of an entity by its slug path, e.g. 'system/icm'."""
    return iri(ID + path)


def graph(name: str) -> Term:
    return iri(GRAPH + name)


def value_of(term: Term) -> str:
    """The IRI inside an IRI term."""
    return term[1:-1]


def text(value: str) -> Term:
    if '"' in value or "\\" in value or "\n" in value or "\r" in value:
        value = value.translate(_ESCAPES)
    return f'"{value}"'


def typed(value: str, datatype: str) -> Term:
    return f"{text(value)}^^<{datatype}>"


def integer(value: int) -> Term:
    return typed(str(int(value)), XSD + "integer")


def decimal(value: str) -> Term:
    return typed(value, XSD + "decimal")


def boolean(value: bool) -> Term:
    return typed("true" if value else "false", XSD + "boolean")


def date(value: str) -> Term:
    """xsd:date, xsd:gYearMonth or xsd:gYear according to how much of the date is known."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        dt = "date"
    elif re.fullmatch(r"\d{4}-\d{2}", value):
        dt = "gYearMonth"
    elif re.fullmatch(r"\d{4}", value):
        dt = "gYear"
    else:
        raise ValueError(f"not an ISO date: {value!r}")
    return typed(value, XSD + dt)


Triple = tuple[Term, Term, Term]


class Q:
    """Triple factory for one named graph (`g`), so mapping code reads as triples."""

    __slots__ = ("g",)

    def __init__(self, graph_term: Term) -> None:
        self.g = graph_term

    def __call__(self, s: Term, p: Term, o: Term) -> Triple:
        return (s, p, o)


def unstated(triples: Iterable[Triple], stated: set[Triple]) -> Iterator[Triple]:
    """The triples not in `stated`, each once; `stated` learns them as they pass."""
    for t in triples:
        if t not in stated:
            stated.add(t)
            yield t


def lines(triples: list[Triple]) -> str:
    """Triples as N-Triples lines (valid Turtle, and the body of a TriG graph block)."""
    if not triples:
        return ""
    # joined in C: every triple of the build passes here (twice as fast as a format each)
    return " .\n".join(map(" ".join, triples)) + " .\n"


def trig(graph_term: Term, lines: str) -> str:
    """Triple lines as one TriG graph block."""
    return f"{graph_term} {{\n{lines}}}\n"


# Predicates used on every record, built once.
TYPE = iri(RDF + "type")
LABEL = iri(RDFS + "label")
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
IS_REPLACED_BY = iri(DCTERMS + "isReplacedBy")
