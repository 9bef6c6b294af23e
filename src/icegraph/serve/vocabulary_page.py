"""The vocabulary at its namespace IRI (https://w3id.org/icegraph/ns, locally /ns): an HTML
reference page, Turtle or JSON-LD, by content negotiation (W3C, Best Practice Recipes for
Publishing RDF Vocabularies, recipe 3).

Read once from the ontology file that ships in the package; the page shows every class,
property and concept with its label, comment, domain and range, each under an `id` anchor of
its local name, so `/ns#sendsDataTo` lands on its entry. Text reaches the page only through
the template's autoescaping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Triple

from icegraph.namespaces import IG, OWL, RDF, RDFS, SKOS, curie
from icegraph.paths import ontology_dir

ONTOLOGY = IG.rstrip("#")
KINDS = (
    (OWL + "Class", "Classes"),
    (OWL + "ObjectProperty", "Object properties"),
    (OWL + "DatatypeProperty", "Datatype properties"),
    (SKOS + "ConceptScheme", "Concept schemes"),
    (SKOS + "Concept", "Concepts"),
)
_DCTERMS = "http://purl.org/dc/terms/"


@dataclass(frozen=True)
class Link:
    text: str
    href: str | None  # our own terms link to their anchor; others to their IRI


@dataclass
class Term:
    iri: str
    name: str  # the local name: the anchor
    label: str
    comment: str
    domain: list[Link] = field(default_factory=list)
    range: list[Link] = field(default_factory=list)
    parents: list[Link] = field(default_factory=list)
    scheme: list[Link] = field(default_factory=list)
    # owl:deprecated: no longer stated, kept so that saved queries and old data stay explained
    deprecated: bool = False


@dataclass
class Vocabulary:
    title: str
    description: str
    header: list[tuple[str, list[Link]]]
    sections: list[tuple[str, list[Term]]]


@cache
def turtle() -> bytes:
    return (ontology_dir() / "icegraph.ttl").read_bytes()


@cache
def triples() -> tuple[Triple, ...]:
    return tuple(
        Triple(q.subject, q.predicate, q.object)
        for q in pyoxigraph.parse(turtle(), format=pyoxigraph.RdfFormat.TURTLE)
    )


@cache
def serialized(media: str) -> bytes:
    fmt = pyoxigraph.RdfFormat.from_media_type(media)
    if fmt is None:
        raise ValueError(f"no RDF format for {media}")
    if fmt == pyoxigraph.RdfFormat.TURTLE:
        return turtle()
    out = pyoxigraph.serialize(
        triples(), format=fmt, prefixes={"ig": IG, "rdfs": RDFS, "owl": OWL, "skos": SKOS}
    )
    assert out is not None  # with no output file given, the bytes are returned
    return out


def version_path() -> str:
    """The local path of the vocabulary's version IRI (owl:versionIRI, /ns/0.1.0)."""
    for t in triples():
        if (
            t.subject == NamedNode(ONTOLOGY)
            and t.predicate == NamedNode(OWL + "versionIRI")
            and isinstance(t.object, NamedNode)
        ):
            return "/ns/" + t.object.value.rsplit("/", 1)[-1]
    return "/ns"


def _link(term: object) -> Link:
    if isinstance(term, NamedNode):
        if term.value.startswith(IG):
            return Link(curie(term.value), "#" + term.value[len(IG) :])
        if term.value == ONTOLOGY:
            return Link(term.value, "#vocabulary")
        return Link(curie(term.value), term.value)
    if isinstance(term, Literal):
        return Link(term.value, None)
    return Link(str(term), None)


def _english(values: list[Literal]) -> str:
    for v in values:
        if v.language in (None, "en"):
            return v.value
    return values[0].value if values else ""


@cache
def vocabulary() -> Vocabulary:
    about: dict[str, dict[str, list]] = {}
    for t in triples():
        if isinstance(t.subject, NamedNode):
            about.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(t.object)
    head = about.get(ONTOLOGY, {})
    header = [
        (curie(p), [_link(o) for o in objs])
        for p, objs in sorted(head.items())
        if p not in (RDF + "type",)
    ]
    sections = []
    for kind, heading in KINDS:
        terms = []
        for iri, props in sorted(about.items()):
            if not iri.startswith(IG) or NamedNode(kind) not in props.get(RDF + "type", []):
                continue
            labels = props.get(RDFS + "label", []) + props.get(SKOS + "prefLabel", [])
            comments = props.get(RDFS + "comment", []) + props.get(SKOS + "definition", [])
            terms.append(
                Term(
                    iri=iri,
                    name=iri[len(IG) :],
                    label=_english(labels),
                    comment=_english(comments),
                    domain=[_link(o) for o in props.get(RDFS + "domain", [])],
                    range=[_link(o) for o in props.get(RDFS + "range", [])],
                    parents=[
                        _link(o)
                        for o in props.get(RDFS + "subClassOf", [])
                        + props.get(RDFS + "subPropertyOf", [])
                        + props.get(SKOS + "broader", [])
                    ],
                    scheme=[_link(o) for o in props.get(SKOS + "inScheme", [])],
                    deprecated=any(
                        isinstance(o, Literal) and o.value in ("true", "1")
                        for o in props.get(OWL + "deprecated", [])
                    ),
                )
            )
        sections.append((heading, terms))
    return Vocabulary(
        title=_english(head.get(_DCTERMS + "title", [])) or "icegraph vocabulary",
        description=_english(head.get(_DCTERMS + "description", [])),
        header=header,
        sections=sections,
    )
