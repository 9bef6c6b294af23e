"""The fast validator against the W3C SHACL Core test suite.

Every test whose shapes use only what the fast path supports must give exactly the expected
results (focus node, path, value, source shape, constraint component, severity); every other
test must be refused with `Unsupported`, never half-checked. The counts are printed at the end
of the run.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib import RDF, BNode, URIRef
from rdflib.namespace import SH

from icegraph.validate.streaming import Unsupported, hits

SUITE = Path(__file__).parent / "fixtures" / "shacl-test-suite" / "core"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")
OUTCOMES: dict[str, list[str]] = {"passed": [], "refused": [], "failed": []}


def suite_tests() -> list[tuple[str, Path, Path, Path]]:
    found = []
    todo = [SUITE / "manifest.ttl"]
    while todo:
        path = todo.pop()
        g = rdflib.Graph().parse(path, format="turtle")
        for inc in g.objects(None, MF.include):
            todo.append(Path(str(inc).removeprefix("file://")))
        for test in g.subjects(RDF.type, SHT.Validate):
            action = g.value(test, MF.action)
            data = Path(str(g.value(action, SHT.dataGraph)).removeprefix("file://"))
            shapes = Path(str(g.value(action, SHT.shapesGraph)).removeprefix("file://"))
            name = str(test).rsplit("/", 2)[-2] + "/" + str(test).rsplit("/", 1)[-1]
            found.append((name, path, data, shapes))
    return sorted(found)


_CANON = pyoxigraph.Store()


def _key(term) -> str:
    """A term as N-Triples; literals in the store's canonical form (it stores 4.0 as "4")."""
    if term is None:
        return ""
    if isinstance(term, BNode) or (isinstance(term, str) and term.startswith("_:")):
        return "_:"
    if isinstance(term, rdflib.Literal):
        row = next(iter(_CANON.query(f"SELECT ?x WHERE {{ VALUES ?x {{ {term.n3()} }} }}")))
        return str(row[0])
    if isinstance(term, rdflib.term.Node):
        return f"<{term}>"
    return str(term)


def expected(manifest: Path, name: str) -> set[tuple]:
    # Keep lexical forms as written ("none"^^xsd:boolean stays "none"), as the suite expects;
    # set here, since other tests (pyshacl) may turn rdflib's normalisation back on.
    rdflib.NORMALIZE_LITERALS = False
    g = rdflib.Graph().parse(manifest, format="turtle")
    test = next(
        t for t in g.subjects(RDF.type, SHT.Validate) if str(t).endswith(name.split("/")[-1])
    )
    report = g.value(test, MF.result)
    out = set()
    for r in g.objects(report, SH.result):
        path = g.value(r, SH.resultPath)
        out.add(
            (
                _key(g.value(r, SH.focusNode)),
                str(path) if isinstance(path, URIRef) else ("" if path is None else "_:"),
                _key(g.value(r, SH.value)),
                _key(g.value(r, SH.sourceShape)),
                str(g.value(r, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                str(g.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            )
        )
    return out


def actual(data: Path, shapes_path: Path) -> set[tuple]:
    store = pyoxigraph.Store()
    graph = pyoxigraph.NamedNode("urn:data")
    store.load(
        path=str(data), format=pyoxigraph.RdfFormat.TURTLE, to_graph=graph, base_iri=data.as_uri()
    )
    shapes = rdflib.Graph().parse(shapes_path, format="turtle", publicID=shapes_path.as_uri())
    compiler, found = hits(store, shapes)
    out = set()
    for h in found:
        s = compiler.shape(h.shape)
        value = h.value
        path = (
            ""
            if s.path_node is None
            else (str(s.path_node) if isinstance(s.path_node, URIRef) else "_:")
        )
        out.add((_key(h.focus), path, _key(value), _key(h.shape), h.component, s.severity))
    return out


TESTS = suite_tests()


@pytest.mark.parametrize(("name", "manifest", "data", "shapes"), TESTS, ids=[t[0] for t in TESTS])
def test_w3c_core(name: str, manifest: Path, data: Path, shapes: Path):
    try:
        got = actual(data, shapes)
    except Unsupported as exc:
        OUTCOMES["refused"].append(name)
        pytest.skip(f"refused: {exc}")
    want = expected(manifest, name)
    if got == want:
        OUTCOMES["passed"].append(name)
    else:
        OUTCOMES["failed"].append(name)
    assert got == want
