"""SHACL Core validation compiled to SPARQL over the store: the fast path.

Each constraint of each shape becomes one SPARQL query that returns only the violations, so
the work over millions of focus nodes happens inside the store; Python only sees what is
wrong. Logical constraints (sh:node, sh:not, sh:and, sh:or, sh:xone, sh:qualifiedValueShape)
are evaluated as set operations on the failing nodes of their member shapes.

It covers the constraint components listed in SUPPORTED. A shapes graph that uses anything
else is refused with `Unsupported`, naming the shape and the parameter, rather than being
half-checked; `--validator pyshacl` evaluates full SHACL.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import rdflib
from pyoxigraph import Store
from rdflib import RDF, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from icegraph.errors import IcegraphError
from icegraph.validate.results import ShapeResult, shape_name

XSD = "http://www.w3.org/2001/XMLSchema#"
Pattern = Callable[[str], str]  # variable name -> SPARQL group binding that variable

# Parameters the fast path evaluates; any other sh: term on a shape makes it refuse.
SUPPORTED = {
    SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.property,
    SH.path, SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH.nodeKind, SH["in"],
    SH.hasValue, SH.pattern, SH.flags, SH.minLength, SH.maxLength, SH.minInclusive,
    SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.languageIn, SH.uniqueLang, SH.node,
    SH["not"], SH["and"], SH["or"], SH.xone, SH.qualifiedValueShape, SH.qualifiedMinCount,
    SH.qualifiedMaxCount, SH.severity, SH.message, SH.name, SH.description, SH.deactivated,
    SH.order, SH.group, SH.defaultValue,
}  # fmt: skip
# Casts that fail on an ill-formed lexical form, so sh:datatype can reject "abc"^^xsd:integer.
_CHECKED_DATATYPES = {
    XSD + t for t in ("integer", "decimal", "double", "float", "boolean", "date", "dateTime")
}
# Integer types SPARQL cannot cast to: checked as integers within their range.
_INTEGER_RANGES = {
    "byte": (-128, 127), "short": (-32768, 32767), "int": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1), "unsignedByte": (0, 255), "unsignedShort": (0, 65535),
    "unsignedInt": (0, 2**32 - 1), "unsignedLong": (0, 2**64 - 1),
    "nonNegativeInteger": (0, None), "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0), "negativeInteger": (None, -1),
}  # fmt: skip
_NODE_KINDS = {
    SH.IRI: "isIRI(?v)",
    SH.BlankNode: "isBlank(?v)",
    SH.Literal: "isLiteral(?v)",
    SH.BlankNodeOrIRI: "(isIRI(?v) || isBlank(?v))",
    SH.BlankNodeOrLiteral: "(isBlank(?v) || isLiteral(?v))",
    SH.IRIOrLiteral: "(isIRI(?v) || isLiteral(?v))",
}


class Unsupported(IcegraphError):
    """A shape uses SHACL the fast path does not evaluate."""


@dataclass
class Shape:
    node: rdflib.term.Node
    path: str | None  # SPARQL property path, for a property shape
    path_node: rdflib.term.Node | None
    severity: str
    message: str | None
    params: dict = field(default_factory=dict)


def _sparql(term: rdflib.term.Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise Unsupported(f"a blank node {term} cannot be used as a value in a constraint")


class Compiler:
    def __init__(self, shapes: rdflib.Graph, store: Store | None = None) -> None:
        self.g = shapes
        self.store = store
        self._shapes: dict[rdflib.term.Node, Shape] = {}
        self._fresh = itertools.count()
        self._classes: dict[str, str] = {}

    def instances(self, var: str, cls: rdflib.term.Node) -> str:
        """`var` is an instance of cls or a subclass: the subclasses are looked up once, so
        the engine joins on a short list instead of walking rdfs:subClassOf per node."""
        key = _sparql(cls)
        if key not in self._classes:
            subs = {key}
            if self.store is not None:
                q = f"SELECT DISTINCT ?c WHERE {{ ?c <{rdflib.RDFS.subClassOf}>* {key} }}"
                rows = self.store.query(q, use_default_graph_as_union=True)
                subs.update(str(r[0]) for r in rows if not str(r[0]).startswith("_:"))
            self._classes[key] = " ".join(sorted(subs))
        t = self.var()
        return f"VALUES {t} {{ {self._classes[key]} }} {var} a {t} ."

    def var(self) -> str:
        return f"?x{next(self._fresh)}"

    # ------------------------------------------------------------ reading shapes

    def shape(self, node: rdflib.term.Node) -> Shape:
        if node in self._shapes:
            return self._shapes[node]
        g = self.g
        for p in set(g.predicates(node, None)):
            if str(p).startswith(str(SH)) and p not in SUPPORTED:
                raise Unsupported(
                    f"shape {node} uses {p.n3(g.namespace_manager)}, which the fast validator "
                    "does not evaluate",
                    fix="Use --validator pyshacl for full SHACL.",
                )
        path_node = g.value(node, SH.path)
        severity = g.value(node, SH.severity) or SH.Violation
        message = g.value(node, SH.message)
        s = Shape(
            node,
            self.path(path_node) if path_node is not None else None,
            path_node,
            str(severity).rsplit("#", 1)[-1],
            str(message) if message is not None else None,
        )
        self._shapes[node] = s
        return s

    def path(self, node: rdflib.term.Node) -> str:
        g = self.g
        if isinstance(node, URIRef):
            return f"<{node}>"
        if (node, RDF.first, None) in g:
            return "(" + "/".join(self.path(n) for n in Collection(g, node)) + ")"
        for pred, fmt in (
            (SH.inversePath, "^({})"),
            (SH.zeroOrMorePath, "({})*"),
            (SH.oneOrMorePath, "({})+"),
            (SH.zeroOrOnePath, "({})?"),
        ):
            inner = g.value(node, pred)
            if inner is not None:
                return fmt.format(self.path(inner))
        alt = g.value(node, SH.alternativePath)
        if alt is not None:
            return "(" + "|".join(self.path(n) for n in Collection(g, alt)) + ")"
        raise Unsupported(f"path {node} is not a SHACL property path")

    def shapes_with_targets(self) -> list[rdflib.term.Node]:
        g = self.g
        found = set()
        for pred in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
            found.update(g.subjects(pred, None))
        for s in g.subjects(RDF.type, rdflib.RDFS.Class):
            if (s, RDF.type, SH.NodeShape) in g or (s, RDF.type, SH.PropertyShape) in g:
                found.add(s)  # implicit class target
        return sorted(found, key=str)

    def target_pattern(self, node: rdflib.term.Node) -> Pattern:
        g = self.g
        parts: list[Callable[[str], str]] = []
        classes = list(g.objects(node, SH.targetClass))
        if (node, RDF.type, rdflib.RDFS.Class) in g:
            classes.append(node)
        for c in classes:
            parts.append(lambda v, c=c: f"{{ {self.instances(v, c)} }}")
        nodes = list(g.objects(node, SH.targetNode))
        if nodes:
            values = " ".join(_sparql(n) for n in nodes)
            parts.append(lambda v, values=values: f"{{ VALUES {v} {{ {values} }} }}")
        for p in g.objects(node, SH.targetSubjectsOf):
            parts.append(lambda v, p=p: f"{{ {v} {_sparql(p)} [] }}")
        for p in g.objects(node, SH.targetObjectsOf):
            parts.append(lambda v, p=p: f"{{ [] {_sparql(p)} {v} }}")

        # A single class or node target is one row per focus node: a plain join the engine
        # plans freely. Subjects or objects of a property repeat once per value, so they are
        # made distinct first (a node with ten labels would otherwise be checked a hundred times).
        single = len(parts) == 1 and not (
            list(g.objects(node, SH.targetSubjectsOf)) or list(g.objects(node, SH.targetObjectsOf))
        )

        def pattern(v: str) -> str:
            if single:
                return parts[0](v)
            union = " UNION ".join(part(v) for part in parts)
            return f"{{ SELECT DISTINCT {v} WHERE {{ {union} }} }}"

        subjects = list(g.objects(node, SH.targetSubjectsOf))
        if len(parts) == 1 and len(subjects) == 1:
            pattern.subjects_of = _sparql(subjects[0])  # type: ignore[attr-defined]
        return pattern


@dataclass(frozen=True)
class Hit:
    focus: object  # pyoxigraph term
    value: object | None
    component: str
    shape: rdflib.term.Node


class Evaluator:
    def __init__(self, store: Store, compiler: Compiler) -> None:
        self.store = store
        self.c = compiler

    def rows(self, query: str) -> Iterable:
        return self.store.query(query, use_default_graph_as_union=True)

    # The value nodes of shape s for focus pattern F, as a pattern binding (focus, value).
    def values(self, s: Shape, focus: Pattern, f: str, v: str) -> str:
        if s.path is None:
            return f"{focus(f)} BIND({f} AS {v})"
        if s.path == getattr(focus, "subjects_of", None):
            # focus nodes are the subjects of this very property: its triples are the values
            return f"{f} {s.path} {v} ."
        return f"{focus(f)} {f} {s.path} {v} ."

    def value_pattern(self, s: Shape, focus: Pattern) -> Pattern:
        """The value nodes as a pattern of their own: the focus nodes of nested shapes."""

        def pattern(v: str) -> str:
            f = self.c.var()
            return f"{{ SELECT DISTINCT {v} WHERE {{ {self.values(s, focus, f, v)} }} }}"

        return pattern

    def failing(self, node: rdflib.term.Node, focus: Pattern) -> set:
        return {h.focus for h in self.check(node, focus)}

    def check(self, node: rdflib.term.Node, focus: Pattern) -> list[Hit]:
        g = self.c.g
        if g.value(node, SH.deactivated) == Literal(True):
            return []
        s = self.c.shape(node)
        hits: list[Hit] = []
        f, v = self.c.var(), self.c.var()
        vals = self.values(s, focus, f, v)

        def simple(component: str, condition: str) -> None:
            cond = condition.replace("?v", v)
            # An expression that errors (an ill-typed comparison, a failed cast) is a violation.
            q = f"SELECT DISTINCT {f} {v} WHERE {{ {vals} FILTER(!COALESCE({cond}, false)) }}"
            for r in self.rows(q):
                hits.append(Hit(r[0], r[1], component, node))

        for c in g.objects(node, SH["class"]):
            # values without a type in the class: an anti-join rather than a filter per value
            q = f"SELECT DISTINCT {f} {v} WHERE {{ {vals} MINUS {{ {self.c.instances(v, c)} }} }}"
            hits += [Hit(r[0], r[1], "ClassConstraintComponent", node) for r in self.rows(q)]
        for d in g.objects(node, SH.datatype):
            cond = f"isLiteral(?v) && datatype(?v) = {_sparql(d)}"
            if str(d) in _CHECKED_DATATYPES:
                cond += f" && STRLEN(STR(<{d}>(STR(?v)))) >= 0"
            local = str(d).removeprefix(XSD)
            if local in _INTEGER_RANGES:
                low, high = _INTEGER_RANGES[local]
                as_int = f"<{XSD}integer>(STR(?v))"
                cond += " && REGEX(STR(?v), '^[+-]?[0-9]+$')"
                cond += f" && {as_int} >= {low}" if low is not None else ""
                cond += f" && {as_int} <= {high}" if high is not None else ""
            if str(d) == XSD + "string":
                cond += " && lang(?v) = ''"
            simple("DatatypeConstraintComponent", cond)
        for k in g.objects(node, SH.nodeKind):
            simple("NodeKindConstraintComponent", _NODE_KINDS[k])
        for lst in g.objects(node, SH["in"]):
            members = [_sparql(m) for m in Collection(g, lst)]
            cond = " || ".join(f"sameTerm(?v, {m})" for m in members) or "false"
            simple("InConstraintComponent", cond)
        for p in g.objects(node, SH.pattern):
            flags = g.value(node, SH.flags)
            extra = f", {Literal(str(flags)).n3()}" if flags is not None else ""
            self._check_regex(node, Literal(str(p)).n3() + extra)
            simple("PatternConstraintComponent",
                   f"!isBlank(?v) && REGEX(STR(?v), {Literal(str(p)).n3()}{extra})")  # fmt: skip
        for n in g.objects(node, SH.minLength):
            simple("MinLengthConstraintComponent", f"!isBlank(?v) && STRLEN(STR(?v)) >= {int(n)}")
        for n in g.objects(node, SH.maxLength):
            simple("MaxLengthConstraintComponent", f"!isBlank(?v) && STRLEN(STR(?v)) <= {int(n)}")
        for pred, op, comp in (
            (SH.minInclusive, ">=", "MinInclusive"),
            (SH.maxInclusive, "<=", "MaxInclusive"),
            (SH.minExclusive, ">", "MinExclusive"),
            (SH.maxExclusive, "<", "MaxExclusive"),
        ):
            for bound in g.objects(node, pred):
                simple(f"{comp}ConstraintComponent",
                       f"isLiteral(?v) && COALESCE(?v {op} {_sparql(bound)}, false)")  # fmt: skip
        for lst in g.objects(node, SH.languageIn):
            langs = [str(x) for x in Collection(g, lst)]
            cond = " || ".join(f"langMatches(lang(?v), {Literal(x).n3()})" for x in langs)
            simple("LanguageInConstraintComponent", f"isLiteral(?v) && ({cond or 'false'})")
        for hv in g.objects(node, SH.hasValue):
            if s.path is None:
                cond = f"!sameTerm({f}, {_sparql(hv)})"
                q = f"SELECT DISTINCT {f} WHERE {{ {focus(f)} FILTER({cond}) }}"
            else:
                q = (f"SELECT DISTINCT {f} WHERE {{ {focus(f)} "
                     f"FILTER NOT EXISTS {{ {f} {s.path} {_sparql(hv)} }} }}")  # fmt: skip
            for r in self.rows(q):
                hits.append(Hit(r[0], None, "HasValueConstraintComponent", node))
        if s.path is not None:
            hits += self._counts(node, s, focus, f, v)
        hits += self._logical(node, s, focus, f, v, vals)
        for prop in g.objects(node, SH.property):
            hits += self.check(prop, focus if s.path is None else self.value_pattern(s, focus))
        return hits

    def _check_regex(self, node, args: str) -> None:
        """Refuse a pattern the store's regex engine cannot compile (e.g. a lookahead)."""
        probe = next(iter(self.rows(f'SELECT (REGEX("", {args}) AS ?ok) WHERE {{}}')))
        if probe[0] is None:
            raise Unsupported(
                f"shape {node}: the pattern {args} is not a regular expression the store can "
                "evaluate (SHACL patterns follow XPath: no lookaheads or backreferences)"
            )

    def _counts(self, node, s: Shape, focus: Pattern, f: str, v: str) -> list[Hit]:
        g = self.c.g
        hits = []
        for pred, op, comp in ((SH.minCount, "<", "MinCount"), (SH.maxCount, ">", "MaxCount")):
            for n in g.objects(node, pred):
                if comp == "MinCount" and int(n) == 1:
                    # "at least one": an anti-join, several times faster than counting
                    q = f"SELECT DISTINCT {f} WHERE {{ {focus(f)} MINUS {{ {f} {s.path} {v} }} }}"
                else:
                    q = (f"SELECT {f} WHERE {{ {focus(f)} OPTIONAL {{ {f} {s.path} {v} }} }} "
                         f"GROUP BY {f} HAVING (COUNT(DISTINCT {v}) {op} {int(n)})")  # fmt: skip
                hits += [Hit(r[0], None, f"{comp}ConstraintComponent", node) for r in self.rows(q)]
        if (node, SH.uniqueLang, Literal(True)) in g:
            lang = self.c.var()  # one result per language used twice, as the spec says
            q = (f"SELECT {f} {lang} WHERE {{ {focus(f)} {f} {s.path} {v} "
                 f"BIND(lang({v}) AS {lang}) FILTER({lang} != '') }} "
                 f"GROUP BY {f} {lang} HAVING (COUNT(DISTINCT {v}) > 1)")  # fmt: skip
            hits += [Hit(r[0], None, "UniqueLangConstraintComponent", node) for r in self.rows(q)]
        return hits

    def _pairs(self, vals: str, f: str, v: str) -> list[tuple]:
        return [(r[0], r[1]) for r in self.rows(f"SELECT DISTINCT {f} {v} WHERE {{ {vals} }}")]

    def _logical(self, node, s: Shape, focus: Pattern, f: str, v: str, vals: str) -> list[Hit]:
        g = self.c.g
        members: list[tuple[str, list[rdflib.term.Node]]] = []
        for n in g.objects(node, SH.node):
            members.append(("Node", [n]))
        for n in g.objects(node, SH["not"]):
            members.append(("Not", [n]))
        for key, comp in ((SH["and"], "And"), (SH["or"], "Or"), (SH.xone, "Xone")):
            for lst in g.objects(node, key):
                members.append((comp, list(Collection(g, lst))))
        quals = list(g.objects(node, SH.qualifiedValueShape))
        if not members and not quals:
            return []
        pairs = self._pairs(vals, f, v)
        inner = self.value_pattern(s, focus)
        hits = []
        for comp, shapes in members:
            failing = [self.failing(m, inner) for m in shapes]
            for fo, va in pairs:
                ok = [va not in fails for fails in failing]
                bad = {
                    "Node": not ok[0],
                    "Not": ok[0],
                    "And": not all(ok),
                    "Or": not any(ok),
                    "Xone": sum(ok) != 1,
                }[comp]
                if bad:
                    hits.append(Hit(fo, va, f"{comp}ConstraintComponent", node))
        for q in quals:
            fails = self.failing(q, inner)
            counts: dict = {}
            for fo, va in pairs:
                counts[fo] = counts.get(fo, 0) + (va not in fails)
            if s.path is not None:
                for r in self.rows(f"SELECT DISTINCT {f} WHERE {{ {focus(f)} }}"):
                    counts.setdefault(r[0], 0)
            low = g.value(node, SH.qualifiedMinCount)
            high = g.value(node, SH.qualifiedMaxCount)
            for fo, n in counts.items():
                if low is not None and n < int(low):
                    hits.append(Hit(fo, None, "QualifiedMinCountConstraintComponent", node))
                if high is not None and n > int(high):
                    hits.append(Hit(fo, None, "QualifiedMaxCountConstraintComponent", node))
        return hits


def hits(store: Store, shapes: rdflib.Graph) -> tuple[Compiler, list[Hit]]:
    """Every constraint violation, with its component and exact source shape."""
    compiler = Compiler(shapes, store)
    for node in compiler.shapes_with_targets():
        compiler.shape(node)  # refuse unsupported shapes before running anything
    evaluator = Evaluator(store, compiler)
    found: list[Hit] = []
    for node in compiler.shapes_with_targets():
        found += evaluator.check(node, compiler.target_pattern(node))
    return compiler, found


def validate_store_fast(store: Store, shapes: rdflib.Graph) -> list[ShapeResult]:
    """Every violation of the shapes, as pyshacl would report it; refuses what it cannot check."""
    compiler, found = hits(store, shapes)
    out = set()
    for hit in found:
        shape = compiler.shape(hit.shape)
        value = hit.value
        out.add(
            ShapeResult(
                severity=shape.severity,
                focus=hit.focus.value,
                path=str(shape.path_node) if isinstance(shape.path_node, URIRef) else None,
                shape=shape_name(hit.shape, shapes),
                message=shape.message or f"{hit.component} violated",
                value=value.value if value is not None else None,
            )
        )
    return sorted(out, key=lambda x: (x.severity, x.focus, x.shape, x.path or "", x.value or ""))
