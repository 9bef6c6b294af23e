"""SHACL Core shapes read once into plain Python objects: the parser.

Reading the shapes graph happens here and only here: each shape becomes a `Shape` holding its
path and constraint parameters as N-Triples terms and compiled regular expressions, every
parameter checked against what SHACL allows (shape_parameters) as it is read. The generator
(shape_functions) then writes one function per shape, so checking a focus node never goes back
to rdflib. A shapes graph that uses anything outside SUPPORTED is refused with `Unsupported`,
naming the shape and the parameter, rather than half-checked; `--validator pyshacl` evaluates
full SHACL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph
import rdflib
from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from icegraph.errors import IcegraphError, Location
from icegraph.mapping.terms import text
from icegraph.validate.results import Hit, shape_name
from icegraph.validate.shape_parameters import ShapeError, check_parameters, error

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = f"<{RDF.type}>"
SUBCLASS_OF = f"<{RDFS.subClassOf}>"

# Parameters the fast validator evaluates; any other sh: term on a shape makes it refuse.
SUPPORTED = {
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.property,
    SH.path,
    SH.minCount,
    SH.maxCount,
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH["in"],
    SH.hasValue,
    SH.pattern,
    SH.flags,
    SH.minLength,
    SH.maxLength,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.languageIn,
    SH.uniqueLang,
    SH.node,
    SH["not"],
    SH["and"],
    SH["or"],
    SH.xone,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.deactivated,
    SH.order,
    SH.group,
    SH.defaultValue,
}
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}
_CANON = pyoxigraph.Store()

# A path is a tuple: ("p", iri) forward, ("^", iri) backward, ("seq", paths), ("alt", paths),
# ("*", path), ("+", path), ("?", path). Inverses are pushed down to single predicates when
# compiling, so evaluation only ever steps forwards or backwards along one predicate.
PropertyPath = tuple

# (checker, focus, hits) -> whether the focus fails; see shape_functions
CheckFunction = Callable[[object, str, "list[Hit] | None"], bool]


class Unsupported(IcegraphError):
    """A shape uses SHACL the fast validator does not evaluate."""


@dataclass(eq=False)
class Shape:
    node: rdflib.term.Node
    path: PropertyPath | None
    path_node: rdflib.term.Node | None
    severity: str
    message: str | None
    deactivated: bool = False
    classes: list[str] = field(default_factory=list)
    datatypes: list[str] = field(default_factory=list)
    node_kinds: list[str] = field(default_factory=list)
    ins: list[frozenset] = field(default_factory=list)
    has_values: list[str] = field(default_factory=list)
    patterns: list[re.Pattern] = field(default_factory=list)
    min_lengths: list[int] = field(default_factory=list)
    max_lengths: list[int] = field(default_factory=list)
    ranges: list[tuple[str, str, str]] = field(default_factory=list)  # component, op, bound
    languages: list[list[str]] = field(default_factory=list)
    unique_lang: bool = False
    min_counts: list[int] = field(default_factory=list)
    max_counts: list[int] = field(default_factory=list)
    logical: list[tuple[str, list[Shape]]] = field(default_factory=list)  # Node/Not/And/Or/Xone
    qualified: list[tuple[Shape, int | None, int | None]] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    # the generated function that checks a focus node against this shape, set by
    # shape_functions.compile_shapes
    run: CheckFunction | None = None
    # targets (only on shapes that have them)
    target_classes: list[str] = field(default_factory=list)
    target_nodes: list[str] = field(default_factory=list)
    target_subjects_of: list[str] = field(default_factory=list)
    target_objects_of: list[str] = field(default_factory=list)

    @property
    def has_targets(self) -> bool:
        return bool(
            self.target_classes
            or self.target_nodes
            or self.target_subjects_of
            or self.target_objects_of
        )


class ShapesGraph(rdflib.Graph):
    """The shapes as one graph, and the files they were read from: a mistake in a shape is
    reported at its line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sources: list[Path] = []


def load_shapes(shapes_dir: Path) -> ShapesGraph:
    """Every shapes file of a folder, as one graph (both engines read this)."""
    shapes = ShapesGraph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
        shapes.sources.append(path)
    return shapes


def term(node: rdflib.term.Node) -> str:
    """An rdflib term as N-Triples text, literals in the store's canonical form."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        if node.language:
            return f"{text(str(node))}@{node.language.lower()}"
        if node.datatype is None or str(node.datatype) == XSD + "string":
            return text(str(node))
        rows = _CANON.query(f"SELECT ?x WHERE {{ VALUES ?x {{ {node.n3()} }} }}")
        assert isinstance(rows, pyoxigraph.QuerySolutions)
        return str(next(iter(rows))[0])
    raise Unsupported(f"{node!r} is not an RDF term")


class Program:
    """Every shape of a shapes graph, read and checked; `roots` are the shapes with targets."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.g = shapes
        # every shape read, in the order met: roots and the shapes they refer to
        self.shapes: dict[rdflib.term.Node, Shape] = {}
        roots: set[rdflib.term.Node] = set()
        for pred in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            roots.update(shapes.subjects(pred, None))
        for c in shapes.subjects(RDF.type, RDFS.Class):
            if (c, RDF.type, SH.NodeShape) in shapes or (c, RDF.type, SH.PropertyShape) in shapes:
                roots.add(c)  # implicit class target
        self.roots = [self.shape(n) for n in sorted(roots, key=str)]
        # walked backwards: the validator indexes them by object
        self.inverse_predicates = {
            p for s in self.shapes.values() for p in _predicates(s.path, ("^",))
        }
        self.object_targets = {p for r in self.roots for p in r.target_objects_of}
        # every predicate a check can read: a record's other triples need not be indexed
        self.read_predicates = {RDF_TYPE, SUBCLASS_OF, *self.object_targets}
        for s in self.shapes.values():
            self.read_predicates |= _predicates(s.path) | set(s.target_subjects_of)

    def name(self, node: rdflib.term.Node) -> str:
        """A shape as a reader finds it in the file: its name, or for a blank node the named
        shape that holds it and its path."""
        g = self.g
        if not isinstance(node, BNode):
            return node.n3(g.namespace_manager)
        path = g.value(node, SH.path)
        holder = shape_name(node, g)
        where = f" on {path.n3(g.namespace_manager)}" if isinstance(path, URIRef) else ""
        return f"<{holder}>'s nested shape{where}"

    def shape(self, node: rdflib.term.Node) -> Shape:
        if node in self.shapes:
            return self.shapes[node]
        g = self.g
        for p in set(g.predicates(node, None)):
            if str(p).startswith(str(SH)) and p not in SUPPORTED:
                raise Unsupported(
                    f"shape {self.name(node)} uses {p.n3(g.namespace_manager)}, which the fast "
                    "validator does not evaluate",
                    fix="Use --validator pyshacl for full SHACL.",
                )
        try:
            check_parameters(g, node, self.name(node))
            path_node = g.value(node, SH.path)
            message = g.value(node, SH.message)
            s = Shape(
                node,
                self.path(path_node) if path_node is not None else None,
                path_node,
                str(g.value(node, SH.severity) or SH.Violation).rsplit("#", 1)[-1],
                str(message) if message is not None else None,
                deactivated=g.value(node, SH.deactivated) == Literal(True),
            )
            self.shapes[node] = s  # before the nested shapes, which may refer back to it
            self._constraints(s)
        except ShapeError as exc:
            if exc.location is None:  # a nested shape's error is located already
                exc.location = self.locate(node, exc.parameter)
            raise
        return s

    def locate(self, node: rdflib.term.Node, parameter: str | None) -> Location | None:
        """The line of a shapes file where `node` (or the named shape holding it) gives
        `parameter`; or where that shape starts; None for shapes not read from files."""
        sources = self.g.sources if isinstance(self.g, ShapesGraph) else []
        named = URIRef(shape_name(node, self.g))
        starts = (named.n3(self.g.namespace_manager), f"<{named}>")
        for path in sources:
            lines = path.read_text(encoding="utf-8").splitlines()
            first = next((i for i, line in enumerate(lines) if line.startswith(starts)), None)
            if first is None:
                continue
            for i in range(first, len(lines)):
                if i > first and lines[i][:1] not in ("", " ", "\t", "#"):
                    break  # the next statement: the parameter was not on its own line
                if parameter and parameter in lines[i]:
                    return Location(str(path), i + 1)
            return Location(str(path), first + 1)
        return None

    def _constraints(self, s: Shape) -> None:
        g, node = self.g, s.node
        s.classes = [term(c) for c in g.objects(node, SH["class"])]
        s.datatypes = [str(d) for d in g.objects(node, SH.datatype)]
        s.node_kinds = [str(k).rsplit("#", 1)[-1] for k in g.objects(node, SH.nodeKind)]
        s.ins = [
            frozenset(term(m) for m in Collection(g, lst)) for lst in g.objects(node, SH["in"])
        ]
        s.has_values = [term(v) for v in g.objects(node, SH.hasValue)]
        flags = g.value(node, SH.flags)
        for p in g.objects(node, SH.pattern):
            bits = 0
            for f in str(flags or ""):
                bits |= _FLAGS.get(f, 0)
            try:
                s.patterns.append(re.compile(str(p), bits))
            except re.error as exc:
                raise error(
                    self.name(node),
                    SH.pattern,
                    g,
                    f"{str(p)!r} is not a regular expression ({exc})",
                    "a regular expression",
                    "PatternConstraintComponent",
                ) from exc
        s.min_lengths = _integers(g, node, SH.minLength)
        s.max_lengths = _integers(g, node, SH.maxLength)
        for pred, op, comp in (
            (SH.minInclusive, ">=", "MinInclusive"),
            (SH.maxInclusive, "<=", "MaxInclusive"),
            (SH.minExclusive, ">", "MinExclusive"),
            (SH.maxExclusive, "<", "MaxExclusive"),
        ):
            s.ranges += [(comp, op, term(b)) for b in g.objects(node, pred)]
        s.languages = [
            [str(x) for x in Collection(g, lst)] for lst in g.objects(node, SH.languageIn)
        ]
        s.unique_lang = (node, SH.uniqueLang, Literal(True)) in g
        s.min_counts = _integers(g, node, SH.minCount)
        s.max_counts = _integers(g, node, SH.maxCount)
        for n in g.objects(node, SH.node):
            s.logical.append(("Node", [self.shape(n)]))
        for n in g.objects(node, SH["not"]):
            s.logical.append(("Not", [self.shape(n)]))
        for key, comp in ((SH["and"], "And"), (SH["or"], "Or"), (SH.xone, "Xone")):
            for lst in g.objects(node, key):
                s.logical.append((comp, [self.shape(m) for m in Collection(g, lst)]))
        low, high = g.value(node, SH.qualifiedMinCount), g.value(node, SH.qualifiedMaxCount)
        for q in g.objects(node, SH.qualifiedValueShape):
            s.qualified.append((self.shape(q), _int(low), _int(high)))
        s.properties = [self.shape(p) for p in g.objects(node, SH.property)]
        s.target_classes = [term(c) for c in g.objects(node, SH.targetClass)]
        if (node, RDF.type, RDFS.Class) in g:
            s.target_classes.append(term(node))
        s.target_nodes = [term(n) for n in g.objects(node, SH.targetNode)]
        s.target_subjects_of = [term(p) for p in g.objects(node, SH.targetSubjectsOf)]
        s.target_objects_of = [term(p) for p in g.objects(node, SH.targetObjectsOf)]

    def path(self, node: rdflib.term.Node, inverse: bool = False) -> PropertyPath:
        g = self.g
        if isinstance(node, URIRef):
            return ("^" if inverse else "p", f"<{node}>")
        if (node, RDF.first, None) in g:
            steps = [self.path(n, inverse) for n in Collection(g, node)]
            return ("seq", steps[::-1] if inverse else steps)
        inner = g.value(node, SH.inversePath)
        if inner is not None:
            return self.path(inner, not inverse)
        for pred, kind in (
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = g.value(node, pred)
            if inner is not None:
                return (kind, self.path(inner, inverse))
        alt = g.value(node, SH.alternativePath)
        if alt is not None:
            return ("alt", [self.path(n, inverse) for n in Collection(g, alt)])
        err = ShapeError(
            f"the path {node.n3(g.namespace_manager)} is not a SHACL property path",
            fix="See https://www.w3.org/TR/shacl/#property-paths",
        )
        err.parameter = "sh:path"
        raise err


def _int(n: rdflib.term.Node | None) -> int | None:
    return int(str(n)) if n is not None else None


def _integers(g: rdflib.Graph, node: rdflib.term.Node, pred: rdflib.term.Node) -> list[int]:
    """The values of an integer parameter (checked on load: each an xsd:integer)."""
    return [int(str(n)) for n in g.objects(node, pred)]


def _predicates(path: PropertyPath | None, steps: tuple[str, ...] = ("p", "^")) -> set[str]:
    """The predicates a path walks by the given steps: forwards ("p"), backwards ("^")."""
    if path is None:
        return set()
    kind, arg = path
    if kind in ("p", "^"):
        return {arg} if kind in steps else set()
    if kind in ("seq", "alt"):
        return set().union(*(_predicates(p, steps) for p in arg))
    return _predicates(arg, steps)
