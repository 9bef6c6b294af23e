"""What SHACL Core allows as the value of each parameter the fast validator reads.

Checked when the shapes load, so a mistake in a shapes file is reported with the shape, the
parameter, what was expected and the section of the SHACL specification that says so, before
any record is read; not as a Python error from deep inside a check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import rdflib
from rdflib import RDF, XSD, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from icegraph.errors import IcegraphError

SPEC = "https://www.w3.org/TR/shacl/"


class ShapeError(IcegraphError):
    """A shape gives a parameter a value SHACL does not allow."""

    # the parameter as written in Turtle ("sh:minLength"), to find its line in the file
    parameter: str | None = None


Allows = Callable[[rdflib.Graph, rdflib.term.Node], bool]


@dataclass(frozen=True)
class Parameter:
    anchor: str  # the section of the SHACL specification, as its fragment
    expected: str
    allows: Allows


def _iri(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return isinstance(v, URIRef)


def _iri_or_literal(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return isinstance(v, URIRef | Literal)


def _literal(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return isinstance(v, Literal)


def _string(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return isinstance(v, Literal) and v.datatype in (None, XSD.string) and not v.language


def _boolean(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return (
        isinstance(v, Literal)
        and v.datatype == XSD.boolean
        and str(v) in ("true", "false", "1", "0")
    )


def _integer(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return isinstance(v, Literal) and v.datatype == XSD.integer and isinstance(v.value, int)


def _count(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return isinstance(v, Literal) and _integer(g, v) and v.value >= 0


def _shape(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return isinstance(v, URIRef | BNode)


def _list(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
    return v == RDF.nil or (isinstance(v, BNode) and (v, RDF.first, None) in g)


def _list_of(member: Allows) -> Allows:
    def allows(g: rdflib.Graph, v: rdflib.term.Node) -> bool:
        return _list(g, v) and all(member(g, m) for m in Collection(g, v))

    return allows


_NODE_KINDS = {
    SH.BlankNode,
    SH.IRI,
    SH.Literal,
    SH.BlankNodeOrIRI,
    SH.BlankNodeOrLiteral,
    SH.IRIOrLiteral,
}

IRI = "an IRI"
COUNT = "a non-negative xsd:integer"
SHAPE = "a shape (an IRI or a blank node)"

PARAMETERS: dict[rdflib.term.Node, Parameter] = {
    SH.targetClass: Parameter("targetClass", IRI, _iri),
    SH.targetNode: Parameter("targetNode", "an IRI or a literal", _iri_or_literal),
    SH.targetSubjectsOf: Parameter("targetSubjectsOf", IRI, _iri),
    SH.targetObjectsOf: Parameter("targetObjectsOf", IRI, _iri),
    SH.severity: Parameter("severity", IRI, _iri),
    SH.deactivated: Parameter("deactivated", "true or false (xsd:boolean)", _boolean),
    SH.message: Parameter("message", "a literal", _literal),
    SH.property: Parameter("PropertyConstraintComponent", SHAPE, _shape),
    SH["class"]: Parameter("ClassConstraintComponent", IRI, _iri),
    SH.datatype: Parameter("DatatypeConstraintComponent", IRI, _iri),
    SH.nodeKind: Parameter(
        "NodeKindConstraintComponent",
        "one of sh:BlankNode, sh:IRI, sh:Literal, sh:BlankNodeOrIRI, sh:BlankNodeOrLiteral, "
        "sh:IRIOrLiteral",
        lambda g, v: v in _NODE_KINDS,
    ),
    SH.minCount: Parameter("MinCountConstraintComponent", COUNT, _count),
    SH.maxCount: Parameter("MaxCountConstraintComponent", COUNT, _count),
    SH.minExclusive: Parameter("MinExclusiveConstraintComponent", "a literal", _literal),
    SH.minInclusive: Parameter("MinInclusiveConstraintComponent", "a literal", _literal),
    SH.maxExclusive: Parameter("MaxExclusiveConstraintComponent", "a literal", _literal),
    SH.maxInclusive: Parameter("MaxInclusiveConstraintComponent", "a literal", _literal),
    SH.minLength: Parameter("MinLengthConstraintComponent", COUNT, _count),
    SH.maxLength: Parameter("MaxLengthConstraintComponent", COUNT, _count),
    SH.pattern: Parameter("PatternConstraintComponent", "a string literal", _string),
    SH.flags: Parameter("PatternConstraintComponent", "a string literal", _string),
    SH.languageIn: Parameter(
        "LanguageInConstraintComponent", "a list of string literals", _list_of(_string)
    ),
    SH.uniqueLang: Parameter("UniqueLangConstraintComponent", "true or false", _boolean),
    SH["not"]: Parameter("NotConstraintComponent", SHAPE, _shape),
    SH["and"]: Parameter("AndConstraintComponent", "a list of shapes", _list_of(_shape)),
    SH["or"]: Parameter("OrConstraintComponent", "a list of shapes", _list_of(_shape)),
    SH.xone: Parameter("XoneConstraintComponent", "a list of shapes", _list_of(_shape)),
    SH.node: Parameter("NodeConstraintComponent", SHAPE, _shape),
    SH.qualifiedValueShape: Parameter("QualifiedValueShapeConstraintComponent", SHAPE, _shape),
    SH.qualifiedMinCount: Parameter(
        "QualifiedValueShapeConstraintComponent", "an xsd:integer", _integer
    ),
    SH.qualifiedMaxCount: Parameter(
        "QualifiedValueShapeConstraintComponent", "an xsd:integer", _integer
    ),
    SH["in"]: Parameter("InConstraintComponent", "a list", _list),
    SH.hasValue: Parameter("HasValueConstraintComponent", "an IRI or a literal", _iri_or_literal),
}

# Parameters a shape may give only once (SHACL's syntax rules for each component).
SINGLE = {
    SH.datatype,
    SH.nodeKind,
    SH.minCount,
    SH.maxCount,
    SH.minLength,
    SH.maxLength,
    SH.flags,
    SH.uniqueLang,
    SH.languageIn,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.deactivated,
    SH.severity,
    SH.path,
}


def check_parameters(g: rdflib.Graph, shape: rdflib.term.Node, name: str) -> None:
    """Every parameter of `shape` holds a value SHACL allows; `name` says which shape."""
    for p in set(g.predicates(shape, None)):
        values = list(g.objects(shape, p))
        rule = PARAMETERS.get(p)
        if p in SINGLE and len(values) > 1:
            anchor = rule.anchor if rule is not None else "property-shapes"
            raise error(name, p, g, f"is given {len(values)} times", "one value", anchor)
        if rule is None:
            continue
        for v in values:
            if not rule.allows(g, v):
                shown = v.n3(g.namespace_manager)
                raise error(name, p, g, f"is {shown}", rule.expected, rule.anchor)


def error(
    name: str, p: rdflib.term.Node, g: rdflib.Graph, what: str, expected: str, anchor: str
) -> ShapeError:
    """A ShapeError naming the shape, the parameter and the section of the specification."""
    err = ShapeError(
        f"shape {name}: {p.n3(g.namespace_manager)} {what}",
        expected=expected,
        fix=f"See {SPEC}#{anchor}",
    )
    err.parameter = p.n3(g.namespace_manager)
    return err
