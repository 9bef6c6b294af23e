"""Each rule in shapes/ on a small hand-made graph: a good record passes, a bad one is named."""

from __future__ import annotations

import pyoxigraph
import pytest
from pyoxigraph import Store

from icegraph.paths import shapes_dir
from icegraph.validate.pyshacl_engine import validate_store
from icegraph.validate.shape_functions import generated_source
from icegraph.validate.shapes_program import Program, load_shapes
from icegraph.validate.streaming import StreamValidator, Unsupported, validate_store_fast

PREFIXES = """
@prefix ig: <https://w3id.org/icegraph/ns#> .
@prefix : <https://w3id.org/icegraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
GOOD = """
ig:primary a skos:Concept . ig:inbound a skos:Concept .
ig:agencyA a ig:Organization .
:a a ig:System ; rdfs:label "A" ; ig:operatedBy ig:agencyA .
:b a ig:System ; rdfs:label "B" ; ig:operatedBy ig:unknownOperator .
ig:unknownOperator a ig:Organization .
:doc a ig:Source ; dcterms:title "A document" .
:act a prov:Activity .
:flow a ig:InformationFlow ; ig:dataFrom :a ; ig:dataTo :b ; rdfs:label "A → B" .
:claim a ig:Claim ; ig:asserts :flow ; prov:wasDerivedFrom :doc ; prov:wasGeneratedBy :act ;
    ig:sharingType ig:inbound ;
    ig:statement "A sends to B" ; ig:confidence ig:primary ; ig:verification ig:notAssessed ;
    ig:method ig:documentReview ; ig:undated true .
"""


def results(
    extra: str = "", drop: str | tuple[str, ...] = "", engine: str = "pyshacl"
) -> set[tuple[str, str, str]]:
    data = GOOD
    for text in (drop,) if isinstance(drop, str) else drop:
        data = data.replace(text, "") if text else data
    store = Store()
    store.bulk_extend(
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode("urn:g"))
        for t in pyoxigraph.parse(PREFIXES + data + extra, format=pyoxigraph.RdfFormat.TURTLE)
    )
    shapes = load_shapes(shapes_dir())
    found = validate_store(store, shapes)
    if engine == "both":
        # the fast path must report exactly what pyshacl reports, field for field: on the
        # whole graph at once, and with flows and claims checked record by record
        assert set(validate_store_fast(store, shapes)) == set(found)
        assert set(validate_in_blocks(store, shapes)) == set(found)
    return {(r.severity, r.focus.rsplit("/", 1)[-1], r.shape.rsplit("#", 1)[-1]) for r in found}


def validate_in_blocks(store: Store, shapes) -> list:
    """As the mapper feeds the validator: shared nodes first, then one block holding the
    flows and claims (and whatever points at them) as nodes minted for it alone."""
    triples = [(str(q.subject), str(q.predicate), str(q.object)) for q in store]
    typed = {
        "<https://w3id.org/icegraph/ns#Claim>",
        "<https://w3id.org/icegraph/ns#InformationFlow>",
    }
    minted = {s for s, p, o in triples if p.endswith("#type>") and o in typed}
    grown = True
    while grown:
        more = {s for s, _p, o in triples if o in minted} - minted
        minted |= more
        grown = bool(more)
    v = StreamValidator(shapes)
    v.add([t for t in triples if t[0] not in minted and t[2] not in minted])
    v.add([t for t in triples if t[0] in minted or t[2] in minted], minted)
    assert v.blocks_checked == 1
    return v.results()


def test_a_good_graph_passes():
    assert results(engine="both") == set()


@pytest.mark.parametrize(
    ("extra", "drop", "expected"),
    [
        ("", "ig:dataTo :b ;", ("flow", "flow-to")),
        (":flow ig:dataFrom :b .", "", ("flow", "flow-from")),
        (":claim ig:sharingType ig:outbound .", "", ("claim", "claim-sharing-type")),
        (
            ":claim ig:sharingType ig:primary .",
            "ig:sharingType ig:inbound ;",
            ("claim", "claim-sharing-type"),
        ),  # fmt: skip
        ("", "ig:asserts :flow ;", ("flow", "flow-claim")),
        ("", "prov:wasDerivedFrom :doc ;", ("claim", "claim-source")),
        ("", "prov:wasGeneratedBy :act ;", ("claim", "claim-activity")),
        ("", "ig:confidence ig:primary ;", ("claim", "claim-confidence")),
        (":claim ig:confidence ig:inferential .", "", ("claim", "claim-confidence")),
        ("", "ig:verification ig:notAssessed ;", ("claim", "claim-verification")),
        ("", "ig:method ig:documentReview ;", ("claim", "claim-method")),
        ("", "ig:undated true", ("claim", "ClaimShape")),
        ("", 'dcterms:title "A document"', ("doc", "SourceShape")),
        ("", "ig:operatedBy ig:agencyA", ("a", "system-operator")),
        ("", 'rdfs:label "A" ;', ("a", "system-label")),
        (':a skos:altLabel "<i>Alpha</i>" .', "", ("a", "alt-html")),
        (':b rdfs:label "\u0406\u0421\u041c" .', "", ("b", "label-script")),
        (
            ":rel a ig:Relationship ; ig:relationFrom :a ; ig:relationTo :b ; "
            "ig:relationType ig:primary .",
            "",
            ("rel", "relationship-claim"),
        ),
    ],
)
def test_each_rule_names_the_record_and_rule(extra: str, drop: str, expected: tuple[str, str]):
    got = results(extra, drop, engine="both")
    assert ("Violation", *expected) in got, got


def test_ai_only_verified_claim_is_a_warning_unless_reviewed_with_a_document():
    drop = ("ig:verification ig:notAssessed ;", "ig:method ig:documentReview ;")
    ai = ":claim ig:verification ig:verified ; ig:method ig:automatedAnalysis ."
    warning = ("Warning", "claim", "AutomatedClaimStrengthShape")
    assert results(ai, drop, engine="both") == {warning}
    assert results(ai + " :claim ig:reviewedBy :editor .", drop, engine="both") == set()
    ai_source = " :doc dcterms:type :document-type\\/automated-analysis ."
    assert results(ai + " :claim ig:reviewedBy :editor ." + ai_source, drop, engine="both") == {
        warning
    }
    assert results(":claim ig:verification ig:verified .", drop[:1]) == set()


def test_fast_validator_refuses_what_it_cannot_check():
    import rdflib

    shapes = rdflib.Graph().parse(
        data=PREFIXES
        + """
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        :S a sh:NodeShape ; sh:targetClass ig:System ; sh:closed true .
    """,
        format="turtle",
    )
    with pytest.raises(Unsupported, match="uses sh:closed, which the fast validator does not"):
        validate_store_fast(Store(), shapes)


def test_engines_agree_on_the_seed_build(seed_store):
    shapes = load_shapes(shapes_dir())
    fast = validate_store_fast(seed_store, shapes)
    assert fast == validate_store(seed_store, shapes)
    assert [r.shape.rsplit("#", 1)[-1] for r in fast] == ["AutomatedClaimStrengthShape"]


def test_generated_checks_agree_with_pyshacl_on_nested_and_switched_off_shapes():
    """Property shapes are written out inside their node shape's generated function, and the
    same node shape also runs nested (sh:node, sh:or), where it stops at the first failure."""
    import rdflib

    shapes = rdflib.Graph().parse(
        data=PREFIXES
        + """
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        ig:Named a sh:NodeShape ;
            sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:datatype xsd:string ;
                          sh:pattern "^[A-Z]" ] ,
                        [ sh:path skos:altLabel ; sh:maxCount 0 ; sh:deactivated true ] ,
                        [ sh:path ig:operatedBy ; sh:class ig:Organization ] .
        ig:SystemShape a sh:NodeShape ; sh:targetClass ig:System ; sh:node ig:Named .
        ig:FlowShape a sh:NodeShape ; sh:targetClass ig:InformationFlow ;
            sh:property [ sh:path ig:dataFrom ; sh:or ( ig:Named [ sh:hasValue :a ] ) ] ,
                        [ sh:path ig:dataTo ; sh:node ig:Named ; sh:maxCount 1 ] .
    """,
        format="turtle",
    )
    store = Store()
    data = """
        ig:agencyA a ig:Organization .
        :a a ig:System ; rdfs:label "lower case" , 7 ; skos:altLabel "ignored" ;
            ig:operatedBy :nobody .
        :b a ig:System ; rdfs:label "B" ; ig:operatedBy ig:agencyA .
        :c a ig:System .
        :f1 a ig:InformationFlow ; ig:dataFrom :a ; ig:dataTo :b , :c .
        :f2 a ig:InformationFlow ; ig:dataFrom :c ; ig:dataTo :b .
    """
    store.bulk_extend(
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode("urn:g"))
        for t in pyoxigraph.parse(PREFIXES + data, format=pyoxigraph.RdfFormat.TURTLE)
    )

    def fields(found: list) -> set[tuple]:
        # without the message: pyshacl words its own where a shape has no sh:message
        return {(r.severity, r.focus, r.path, r.shape, r.value) for r in found}

    expected = fields(validate_store(store, shapes))
    assert {
        (f.rsplit("/", 1)[-1], v and v.rsplit("/", 1)[-1]) for _s, f, _p, _sh, v in expected
    } == {
        ("a", "a"),
        ("c", "c"),
        ("f1", "c"),
        ("f1", None),
        ("f2", "c"),
    }
    assert fields(validate_store_fast(store, shapes)) == expected


def test_value_only_shapes_written_in_place_agree_with_pyshacl():
    """A shape that only tests its focus as a value (the text rules) is written out where
    sh:node points to it, on a node shape's focus and on a property's values; a switched-off
    one passes everything. Range and datatype answers are remembered for recurring values:
    the same literal is met on many nodes here, and every node must still be named."""
    import rdflib

    shapes = rdflib.Graph().parse(
        data=PREFIXES
        + """
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        ig:Capital a sh:NodeShape ; sh:pattern "^[A-Z]" ; sh:maxLength 5 .
        ig:Off a sh:NodeShape ; sh:deactivated true ; sh:pattern "^never$" .
        ig:Count a sh:NodeShape ; sh:datatype xsd:integer ; sh:minInclusive 1 .
        ig:IriOnly a sh:NodeShape ; sh:nodeKind sh:IRI .
        ig:SystemShape a sh:NodeShape ; sh:targetClass ig:System ; sh:node ig:IriOnly ;
            sh:property [ sh:path rdfs:label ; sh:node ig:Capital ; sh:node ig:Off ] ,
                        [ sh:path ig:claimCount ; sh:node ig:Count ;
                          sh:not [ sh:node ig:Capital ] ] .
    """,
        format="turtle",
    )
    data = "".join(
        f':s{i} a ig:System ; rdfs:label "{label}" ; ig:claimCount {count} .\n'
        for i, (label, count) in enumerate(
            [("Ok", "1"), ("lower", "0"), ("Toolong", "1"), ("Ok", '"1"'), ("Ok", "0")] * 3
        )
    )
    store = Store()
    store.bulk_extend(
        pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode("urn:g"))
        for t in pyoxigraph.parse(PREFIXES + data, format=pyoxigraph.RdfFormat.TURTLE)
    )
    expected = {
        (r.severity, r.focus, r.path, r.shape, r.value) for r in validate_store(store, shapes)
    }
    assert {(f.rsplit("/", 1)[-1], v) for _s, f, _p, _sh, v in expected} == {
        (f"s{i}", v)
        for i in range(15)
        for v, bad in [
            ("lower", i % 5 == 1),
            ("Toolong", i % 5 == 2),
            ("0", i % 5 in (1, 4)),
            ("1", i % 5 == 3),  # a string "1", not an integer
        ]
        if bad
    }
    found = validate_store_fast(store, shapes)
    assert {(r.severity, r.focus, r.path, r.shape, r.value) for r in found} == expected
    # written in place: the system's checks call none of the value-only shapes
    text = generated_source(Program(shapes))
    system = text.split("def check_SystemShape(", 1)[1].split("\n\n\n", 1)[0]
    assert "check_SystemShape_claimCount_not(ck, v, None)" in system  # sh:not: still a call
    assert not any(f"check_{name}(" in system for name in ("Capital", "Off", "Count", "IriOnly"))
