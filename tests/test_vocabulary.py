"""The vocabulary file as vocabulary catalogues (Linked Open Vocabularies) and the W3C recipes
for publishing RDF vocabularies read it: described, licensed, versioned, every term defined
and documented in English, every property ranged or saying why not."""

from __future__ import annotations

import pyoxigraph
import pytest
import rdflib
from pyoxigraph import Store
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

import icegraph
from icegraph.paths import ontology_dir, queries_dir, shapes_dir
from icegraph.validate.pyshacl_engine import validate_store
from icegraph.validate.shapes_program import load_shapes
from icegraph.validate.streaming import validate_store_fast

NS = rdflib.URIRef("https://w3id.org/icegraph/ns")
IG = rdflib.Namespace("https://w3id.org/icegraph/ns#")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
CC_BY = rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
XSD_DATE = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#date")
PROPERTIES = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)


@pytest.fixture(scope="module")
def vocabulary() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_dir() / "icegraph.ttl", format="turtle")


def terms(g: rdflib.Graph) -> set[rdflib.URIRef]:
    return {s for s in g.subjects() if isinstance(s, rdflib.URIRef) and s.startswith(IG)}


def english(g: rdflib.Graph, subject: rdflib.term.Node, predicate: rdflib.URIRef) -> list[str]:
    values = list(g.objects(subject, predicate))
    for v in values:
        assert isinstance(v, rdflib.Literal) and v.language == "en", (subject, predicate, v)
    return [str(v) for v in values]


def test_the_header_has_what_catalogues_ask_for(vocabulary: rdflib.Graph):
    g = vocabulary
    assert (NS, RDF.type, OWL.Ontology) in g
    assert english(g, NS, DCTERMS.title) and english(g, NS, DCTERMS.description)
    assert english(g, NS, RDFS.label) and english(g, NS, RDFS.comment)
    assert g.value(NS, DCTERMS.creator) is not None
    assert g.value(NS, DCTERMS.publisher) is not None
    assert g.value(NS, DCTERMS.license) == CC_BY  # as the data
    issued, modified = g.value(NS, DCTERMS.issued), g.value(NS, DCTERMS.modified)
    for date in (issued, modified):
        assert isinstance(date, rdflib.Literal) and date.datatype == XSD_DATE
    assert str(issued) <= str(modified)
    assert str(g.value(NS, OWL.versionInfo)) == icegraph.__version__
    assert g.value(NS, OWL.versionIRI) == rdflib.URIRef(f"{NS}/{icegraph.__version__}")
    assert str(g.value(NS, VANN.preferredNamespacePrefix)) == "ig"
    assert str(g.value(NS, VANN.preferredNamespaceUri)) == str(IG)


def test_the_dates_do_not_leak_into_the_dataset(seed_store: Store):
    """The vocabulary's dates are not the dataset's: it was issued when its first statement
    was recorded, and modified on the newest date the records state."""
    answer = seed_store.query(
        "SELECT ?p ?d WHERE { <https://w3id.org/icegraph/dataset> ?p ?d "
        "FILTER(?p IN (<http://purl.org/dc/terms/issued>, <http://purl.org/dc/terms/modified>)) }",
        use_default_graph_as_union=True,
    )
    assert isinstance(answer, pyoxigraph.QuerySolutions)
    dates = {s["p"].value.rsplit("/", 1)[-1]: s["d"].value for s in answer}
    # the records: statements recorded on 2026-04-07, Wikidata links reviewed on 2026-11-25;
    # the vocabulary was last modified on 2026-12-02
    assert dates == {"issued": "2026-04-07", "modified": "2026-11-25"}


def test_every_term_is_defined_by_the_vocabulary_and_documented(vocabulary: rdflib.Graph):
    """Labels, comments and definitions in English; every term explained in words."""
    g = vocabulary
    found = terms(g)
    assert len(found) > 80  # classes, properties, schemes and concepts
    for term in found:
        assert (term, RDFS.isDefinedBy, NS) in g, term
        assert english(g, term, RDFS.label), f"{term} has no label"
        english(g, term, SKOS.prefLabel)
        english(g, term, SKOS.altLabel)
        explained = english(g, term, RDFS.comment) + english(g, term, SKOS.definition)
        assert explained, f"{term} has neither a comment nor a definition"


def test_a_deprecated_term_is_stated_nowhere(vocabulary: rdflib.Graph, seed_store: Store):
    """A term kept only so that saved queries and old data stay explained: no build states it,
    and no shape or catalogue question names it."""
    gone = {t for t in terms(vocabulary) if (t, OWL.deprecated, rdflib.Literal(True)) in vocabulary}
    assert IG.routeRank in gone
    for term in gone:
        assert not seed_store.query(f"ASK {{ GRAPH ?g {{ ?s <{term}> ?o }} }}")
        assert not seed_store.query(f"ASK {{ GRAPH ?g {{ ?s ?p <{term}> }} }}")
        texts = {p.name: p.read_text(encoding="utf-8")
                 for p in [*shapes_dir().glob("*.ttl"), *queries_dir().glob("*.rq")]}  # fmt: skip
        named = [n for n, t in texts.items() if str(term) in t or f"ig:{term[len(IG) :]}" in t]
        assert named == [], term


@pytest.mark.parametrize("what", ["domain", "range"])
def test_every_property_has_a_domain_and_range_or_says_why_not(vocabulary: rdflib.Graph, what: str):
    g = vocabulary
    predicate = RDFS.domain if what == "domain" else RDFS.range
    missing = []
    for kind in PROPERTIES:
        for prop in g.subjects(RDF.type, kind):
            if not str(prop).startswith(str(IG)) or g.value(prop, predicate) is not None:
                continue
            comment = " ".join(english(g, prop, RDFS.comment))
            if f"No rdfs:{what}:" not in comment:
                missing.append(str(prop))
    assert not missing, f"no rdfs:{what} and no comment saying why: {missing}"


def test_every_property_is_explained(vocabulary: rdflib.Graph):
    g = vocabulary
    for kind in PROPERTIES:
        for prop in g.subjects(RDF.type, kind):
            assert english(g, prop, RDFS.comment), f"{prop} has no comment"


def test_unknown_operator_is_not_an_organisation(vocabulary: rdflib.Graph):
    """Typed as its comment reads: a concept standing for ignorance, and nothing that a
    reasoner would count as an organisation (no range of ig:operatedBy says otherwise)."""
    g = vocabulary
    op = IG.unknownOperator
    types = set(g.objects(op, RDF.type))
    assert types == {SKOS.Concept}
    organisations = set(g.transitive_subjects(RDFS.subClassOf, IG.Organization))
    assert not types & organisations
    assert g.value(IG.operatedBy, RDFS.range) is None
    assert "not an organisation" in " ".join(english(g, op, RDFS.comment))


GRAPH_PREFIXES = """
@prefix ig: <https://w3id.org/icegraph/ns#> .
@prefix : <https://w3id.org/icegraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_an_operator_is_an_organisation_or_the_unknown_operator(engine: str):
    """The system shape takes the unknown operator as it is now typed, and still refuses an
    operator that is neither."""
    data = (
        GRAPH_PREFIXES
        + """
    ig:unknownOperator a skos:Concept .
    :ice a ig:Agency . :karp a ig:Person .
    :a a ig:System ; rdfs:label "A" ; ig:operatedBy :ice .
    :b a ig:System ; rdfs:label "B" ; ig:operatedBy ig:unknownOperator .
    :c a ig:System ; rdfs:label "C" ; ig:operatedBy :karp .
    ig:Agency rdfs:subClassOf ig:Organization .
    """
    )
    store = Store()
    store.bulk_extend(
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode("urn:g"))
        for t in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.TURTLE)
    )
    shapes = load_shapes(shapes_dir())
    check = validate_store_fast if engine == "fast" else validate_store
    found = {(r.focus.rsplit("/", 1)[-1], r.shape.rsplit("#", 1)[-1]) for r in check(store, shapes)}
    assert found == {("c", "system-operator")}
