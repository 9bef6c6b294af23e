"""SHACL Core checked as the triples are made: the fast validator.

The mapper hands over its triples a block at a time (one flow record, one curated table), and
says which nodes it minted for that block alone: the flow, its claim, its repairs. Those
*local* nodes are mentioned by no other block, so every shape that targets one of them can be
checked as soon as its block arrives, then the block is forgotten. The graph is never held.

Everything else (systems, agencies, sources, vocabulary: nodes many blocks share) is kept in
a small "shared" graph and checked once at the end, when all of its triples have been seen. A
check on a local node that needs to know more about a shared node than its classes so far (a
nested shape on a source, a class not seen yet) cannot be decided early: its block is then kept
in the shared graph and checked at the end instead. The answer is the same either way, only
the memory differs; tests compare it with pyshacl on every rule and on the seeds, and the
W3C SHACL Core suite runs through the same code.

Fed a whole graph as one block with no local nodes (`validate_store_fast`), this is an
ordinary in-memory SHACL Core validator.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import rdflib
from pyoxigraph import Store
from rdflib import URIRef

from icegraph.validate.literals import lexical
from icegraph.validate.results import Hit, ShapeResult, shape_name
from icegraph.validate.shape_functions import compile_shapes
from icegraph.validate.shapes_program import (
    RDF_TYPE,
    SUBCLASS_OF,
    CheckFunction,
    Program,
    Shape,
    Unsupported,
)

__all__ = ["StreamValidator", "Unsupported", "hits", "validate_store_fast"]

Triple = tuple[str, str, str]
_EMPTY: frozenset = frozenset()
_NO_PREDICATES: dict[str, set[str]] = {}  # shared default for lookups; never written


@contextmanager
def _collector_held() -> Iterator[None]:
    """Python's cyclic garbage collector held off while the validator works on a block.

    The validator makes no reference cycles: a block's index (a dict per node, a set per
    predicate) is freed by reference counting as soon as the block is checked. But while it
    is alive, the collections that the allocations trigger find it, move it to an older
    generation and, in time, trigger full collections, each walking every object the build
    holds that is not frozen (produce.py freezes them every 1,000 blocks, but the derived
    graph comes in a few large blocks). The cost of those grew faster than the records: at a
    million records 12.7 s of the validator's 72.5 s of CPU went to collections, 0.4 s of
    5.4 s at 100,000. Held off, the block is gone before any collection could see it."""
    if not gc.isenabled():
        yield  # already held off by the caller
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Defer(Exception):
    """A check reached beyond its block; the block is checked at the end instead."""


class Graph:
    """Triples indexed by subject, and by object for the predicates walked backwards."""

    __slots__ = ("out", "back", "backward")

    def __init__(self, backward: Collection[str]) -> None:
        self.out: dict[str, dict[str, set[str]]] = {}
        self.back: dict[str, dict[str, set[str]]] = {}
        self.backward = backward

    def add(self, s: str, p: str, o: str) -> None:
        preds = self.out.get(s)
        if preds is None:
            self.out[s] = {p: {o}}
        else:
            objs = preds.get(p)
            if objs is None:
                preds[p] = {o}
            else:
                objs.add(o)
        if p in self.backward:
            self.back.setdefault(o, {}).setdefault(p, set()).add(s)


class Classes:
    """The class hierarchy, read from the shared graph (where the vocabulary is), and the
    classes shared nodes were found in. Kept for the whole stream: a node's types are only
    ever added to, so a node once found in a class stays in it."""

    __slots__ = ("shared", "_supers", "shared_in")

    def __init__(self, shared: Graph) -> None:
        self.shared = shared
        self._supers: dict[str, set[str]] = {}
        self.shared_in: set[tuple[str, str]] = set()

    def supers(self, cls: str) -> set[str]:
        """cls and every class above it."""
        found = self._supers.get(cls)
        if found is None:
            found, todo = {cls}, [cls]
            while todo:
                for sup in self.shared.out.get(todo.pop(), _NO_PREDICATES).get(SUBCLASS_OF, ()):
                    if sup not in found:
                        found.add(sup)
                        todo.append(sup)
            self._supers[cls] = found
        return found

    def clear(self) -> None:
        self._supers.clear()
        self.shared_in.clear()


class Checker:
    """Evaluates shapes on focus nodes; with `local` set, reads only that block's nodes."""

    def __init__(self, graph: Graph, local: Collection[str] | None, classes: Classes) -> None:
        self.graph = graph
        self.local = local
        self.classes = classes

    # ------------------------------------------------------------ reading the graph

    def objects(self, n: str, p: str) -> Collection[str]:
        if self.local is not None and n not in self.local:
            if n[0] == '"':
                return _EMPTY
            raise Defer
        return self.graph.out.get(n, {}).get(p, _EMPTY)

    def subjects(self, n: str, p: str) -> Collection[str]:
        if self.local is not None and n not in self.local:
            raise Defer
        return self.graph.back.get(n, {}).get(p, _EMPTY)

    def has_class(self, n: str, cls: str) -> bool:
        """Whether n is in cls or a class below it. A shared node found in a class is
        remembered in `classes.shared_in`, which the generated checks test before calling."""
        if n[0] == '"':
            return False
        supers = self.classes.supers
        if self.local is None or n in self.local:
            for t in self.graph.out.get(n, _NO_PREDICATES).get(RDF_TYPE, ()):
                if cls in supers(t):
                    return True
            return False
        for t in self.classes.shared.out.get(n, _NO_PREDICATES).get(RDF_TYPE, ()):
            if cls in supers(t):
                self.classes.shared_in.add((n, cls))
                return True
        raise Defer  # a shared node's type may still arrive in a later block

    def values(self, n: str, path: tuple) -> Collection[str]:
        kind, arg = path
        if kind == "p":
            return self.objects(n, arg)
        if kind == "^":
            return self.subjects(n, arg)
        if kind == "seq":
            current: Collection[str] = (n,)
            for step in arg:
                current = {v for c in current for v in self.values(c, step)}
            return current
        if kind == "alt":
            return {v for step in arg for v in self.values(n, step)}
        if kind == "?":
            return {n, *self.values(n, arg)}
        seen = {n} if kind == "*" else set()
        todo = [n]
        while todo:
            for v in self.values(todo.pop(), arg):
                if v not in seen:
                    seen.add(v)
                    todo.append(v)
        return seen


class StreamValidator:
    """Feed blocks of triples with `add`, then `finish` for the results."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.program = Program(shapes)
        compile_shapes(self.program)
        p = self.program
        self.indexed_backward = p.inverse_predicates | p.object_targets
        self.shared = Graph(self.indexed_backward)
        self.hits: set[Hit] = set()
        self.blocks_checked = 0
        self.blocks_deferred = 0
        self._checked_nodes: set[str] = set()
        self._by_subject_of: dict[str, list[Shape]] = {}
        self._by_object_of: dict[str, list[Shape]] = {}
        self._by_node: dict[str, list[Shape]] = {}
        for root in p.roots:
            for pred in root.target_subjects_of:
                self._by_subject_of.setdefault(pred, []).append(root)
            for pred in root.target_objects_of:
                self._by_object_of.setdefault(pred, []).append(root)
            for n in root.target_nodes:
                self._by_node.setdefault(n, []).append(root)
        self._by_type: dict[str, list[Shape]] = {}
        self._roots: dict[tuple, list[CheckFunction]] = {}
        self._classes = Classes(self.shared)
        self._checker = Checker(self.shared, None, self._classes)
        self._block_checker = Checker(self.shared, (), self._classes)
        self._prior: set[ShapeResult] = set()  # found before a snapshot this one restores

    def snapshot(self) -> dict[str, Any]:
        """What the stream has learnt so far, as plain data: an incremental build restores
        it (with the same shapes) to go on checking where an earlier build stopped."""
        return {
            "out": self.shared.out,
            "back": self.shared.back,
            # as results, not hits: a hit names its shape by node, and a blank node's name
            # is new each time the shapes are read
            "results": sorted(
                self._prior | set(to_results(self.hits, self.program)), key=_result_key
            ),
            "blocks_checked": self.blocks_checked,
            "blocks_deferred": self.blocks_deferred,
            "checked_nodes": self._checked_nodes,
            "shared_in": self._classes.shared_in,
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.shared.out, self.shared.back = state["out"], state["back"]
        self.hits = set()
        self._prior = set(state["results"])
        self.blocks_checked = state["blocks_checked"]
        self.blocks_deferred = state["blocks_deferred"]
        self._checked_nodes = state["checked_nodes"]
        self._classes.clear()
        self._by_type.clear()
        self._roots.clear()
        self._classes.shared_in.update(state["shared_in"])

    def keep(self, results: Iterable[ShapeResult]) -> None:
        """Findings made earlier (by another build) that still hold: reported with these."""
        self._prior.update(results)

    def share(self, triples: Iterable[Triple]) -> None:
        """Triples of shared nodes only, checked at the end: `add` without local nodes."""
        with _collector_held():
            for s, p, o in triples:
                self._share(s, p, o)

    def add(self, triples: Iterable[Triple], local: Collection[str] = ()) -> None:
        """One block: its local nodes checked now (or, when they reach beyond the block, at
        the end), its triples about shared nodes kept for the end."""
        if not gc.isenabled():
            self._add(triples, local)
            return
        gc.disable()  # _collector_held, written out: asked once per record
        try:
            self._add(triples, local)
        finally:
            gc.enable()

    def _add(self, triples: Iterable[Triple], local: Collection[str]) -> None:
        if not local:
            for s, p, o in triples:
                self._share(s, p, o)
            return
        if len(local) > 16 and not isinstance(local, set | frozenset | dict):
            local = set(local)  # asked of every triple: a long list would cost its length
        block = Graph(self.indexed_backward)
        out, back, backward = block.out, block.back, self.indexed_backward
        kept = triples if isinstance(triples, list) else list(triples)
        escapes = False
        read = self.program.read_predicates
        shared = self.shared.out
        # Graph.add, written out, for every triple of the build. A record's triples come
        # grouped by subject, so whether the subject is local, and its index, is asked once
        # per run of the same subject.
        last = mine = None
        preds: dict[str, set[str]] = _NO_PREDICATES
        for s, p, o in kept:
            if s is not last:
                last, mine = s, s in local
                if mine:
                    preds = out.get(s) or out.setdefault(s, {})
            if mine:
                if p not in read:
                    continue  # no check reads it; it is in `kept` if the block is deferred
                objs = preds.get(p)
                if objs is None:
                    preds[p] = {o}
                else:
                    objs.add(o)
                if p in backward:
                    back.setdefault(o, {}).setdefault(p, set()).add(s)
                    if o not in local and o[0] != '"':
                        # a shared node whose backward values include a local one: only the
                        # end can see all of them
                        escapes = True
                elif p == SUBCLASS_OF and o not in local and o[0] != '"':
                    escapes = True
            elif o in local:
                raise ValueError(
                    f"the triple {s} {p} {o} points from a shared node to a node minted for "
                    "one block; the mapper must keep such nodes to their own block"
                )
            elif p in read:
                if p in backward or p == SUBCLASS_OF:
                    self._share(s, p, o)
                    continue
                # Graph.add on the shared graph, written out: a record names its systems
                known = shared.get(s)
                if known is None:
                    shared[s] = {p: {o}}
                else:
                    objs = known.get(p)
                    if objs is None:
                        known[p] = {o}
                    else:
                        objs.add(o)
        if escapes or not self._check_block(block, local):
            for s, p, o in kept:
                if s in local or o in local:
                    self._share(s, p, o)
            self.blocks_deferred += 1
        self.blocks_checked += 1

    def _share(self, s: str, p: str, o: str) -> None:
        if p not in self.program.read_predicates:
            return  # no check reads it: the shared graph holds only what the checks need
        if p == SUBCLASS_OF and o not in self.shared.out.get(s, {}).get(p, ()):
            if self.blocks_checked:
                raise ValueError(
                    f"the class hierarchy changed ({s} rdfs:subClassOf {o}) after records were "
                    "checked; the vocabulary must come before the records"
                )
            self._classes.clear()
            self._by_type.clear()
            self._roots.clear()
        self.shared.add(s, p, o)

    def _roots_for_type(self, t: str) -> list[Shape]:
        found = self._by_type.get(t)
        if found is None:
            sup = self._classes.supers(t)
            found = [r for r in self.program.roots if any(c in sup for c in r.target_classes)]
            self._by_type[t] = found
        return found

    def _checks(self, graph: Graph, n: str) -> list[CheckFunction]:
        """The generated functions of the shapes that target n in graph. Nodes of one kind
        look alike (a flow has the same types and predicates as the next one): what a kind
        of node is checked against is worked out once."""
        preds = graph.out.get(n, _NO_PREDICATES)
        key = (
            tuple(preds.get(RDF_TYPE, ())),
            tuple(preds),
            tuple(graph.back.get(n, _NO_PREDICATES)),
        )
        named = n in self._by_node  # a target of its own: not a kind
        checks = None if named else self._roots.get(key)
        if checks is None:
            found = [r for t in key[0] for r in self._roots_for_type(t)]
            for p in key[1]:
                found += self._by_subject_of.get(p, ())
            for p in key[2]:
                found += self._by_object_of.get(p, ())
            found += self._by_node.get(n, ())
            checks = [_compiled(r) for r in {id(r): r for r in found}.values()]
            if not named:
                self._roots[key] = checks
        return checks

    def _check_block(self, block: Graph, local: Collection[str]) -> bool:
        checker = self._block_checker
        checker.graph, checker.local = block, local
        found: list[Hit] = []
        checks = self._checks
        try:
            for n in local:
                for check in checks(block, n):
                    check(checker, n, found)
        except Defer:
            return False
        finally:
            checker.graph, checker.local = self.shared, ()  # the block is not kept
        if found:
            self.hits.update(found)
        if self._by_node:
            self._checked_nodes.update(n for n in local if n in self._by_node)
        return True

    def finish(self) -> list[Hit]:
        """Check the shared graph (and every deferred block); every hit of the stream."""
        with _collector_held():
            return self._finish()

    def _finish(self) -> list[Hit]:
        graph = self.shared
        found: list[Hit] = []
        nodes = set(graph.out)
        for p in self._by_object_of:
            nodes.update(o for o, preds in graph.back.items() if p in preds)
        nodes.update(n for n in self._by_node if n not in self._checked_nodes)
        for n in sorted(nodes):
            for check in self._checks(graph, n):
                check(self._checker, n, found)
        self.hits.update(found)
        return sorted(self.hits, key=lambda h: (h.focus, str(h.shape), h.component, h.value or ""))

    def results(self) -> list[ShapeResult]:
        found = to_results(self.finish(), self.program)
        return sorted(self._prior.union(found), key=_result_key) if self._prior else found


def _compiled(shape: Shape) -> CheckFunction:
    assert shape.run is not None, "compile_shapes gives every shape its function"
    return shape.run


def to_results(found: Iterable[Hit], program: Program) -> list[ShapeResult]:
    out = set()
    for hit in found:
        shape = program.shape(hit.shape)
        out.add(
            ShapeResult(
                severity=shape.severity,
                focus=lexical(hit.focus),
                path=str(shape.path_node) if isinstance(shape.path_node, URIRef) else None,
                shape=shape_name(hit.shape, program.g),
                message=shape.message or f"{hit.component} violated",
                value=lexical(hit.value) if hit.value is not None else None,
            )
        )
    return sorted(out, key=_result_key)


def _result_key(x: ShapeResult) -> tuple[str, ...]:
    return (x.severity, x.focus, x.shape, x.path or "", x.value or "")


def _store_triples(store: Store) -> Iterable[Triple]:
    for q in store.quads_for_pattern(None, None, None, None):
        yield str(q.subject), str(q.predicate), str(q.object)


def hits(store: Store, shapes: rdflib.Graph) -> tuple[Program, list[Hit]]:
    """Every constraint violation in the union of the store's graphs, with its source shape."""
    v = StreamValidator(shapes)
    v.add(_store_triples(store))
    return v.program, v.finish()


def validate_store_fast(store: Store, shapes: rdflib.Graph) -> list[ShapeResult]:
    """Every result pyshacl would report on the store's graphs; refuses what it cannot check."""
    program, found = hits(store, shapes)
    return to_results(found, program)
