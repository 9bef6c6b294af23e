"""The fast validator fed the way the build feeds it: shared nodes, then record blocks."""

from __future__ import annotations

import gc

import pytest

from icegraph.paths import shapes_dir
from icegraph.validate.shapes_program import load_shapes
from icegraph.validate.streaming import StreamValidator

IG = "https://w3id.org/icegraph/ns#"
ID = "https://w3id.org/icegraph/id/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


def ig(term: str) -> str:
    return f"<{IG}{term}>"


def node(path: str) -> str:
    return f"<{ID}{path}>"


def system(name: str) -> list[tuple[str, str, str]]:
    s = node(f"system/{name}")
    return [
        (s, RDF_TYPE, ig("System")),
        (s, LABEL, f'"{name}"'),
        (s, ig("operatedBy"), ig("unknownOperator")),
    ]


def shared() -> list[tuple[str, str, str]]:
    return [
        (ig("unknownOperator"), RDF_TYPE, ig("Organization")),
        (node("source/doc"), RDF_TYPE, ig("Source")),
        (node("source/doc"), "<http://purl.org/dc/terms/title>", '"A document"'),
        (node("activity/a"), RDF_TYPE, "<http://www.w3.org/ns/prov#Activity>"),
        *system("a"),
    ]


def record(n: int, to: str = "b") -> tuple[list[tuple[str, str, str]], list[str]]:
    flow, claim = node(f"flow/{n}"), node(f"claim/{n}")
    triples = [
        (flow, RDF_TYPE, ig("InformationFlow")),
        (flow, ig("dataFrom"), node("system/a")),
        (flow, ig("dataTo"), node(f"system/{to}")),
        (flow, ig("sharingType"), ig("inbound")),
        (claim, RDF_TYPE, ig("Claim")),
        (claim, ig("asserts"), flow),
        (claim, "<http://www.w3.org/ns/prov#wasDerivedFrom>", node("source/doc")),
        (claim, "<http://www.w3.org/ns/prov#wasGeneratedBy>", node("activity/a")),
        (claim, ig("statement"), '"a to b"'),
        (claim, ig("confidence"), ig("primary")),
        (claim, ig("verification"), ig("notAssessed")),
        (claim, ig("method"), ig("documentReview")),
        (claim, ig("undated"), '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
    ]
    return triples, [flow, claim]


@pytest.fixture(scope="module")
def shapes():
    return load_shapes(shapes_dir())


def test_records_are_checked_as_they_come(shapes):
    v = StreamValidator(shapes)
    v.add(shared() + system("b"))
    for n in range(3):
        v.add(*record(n))
    assert v.results() == []
    assert (v.blocks_checked, v.blocks_deferred) == (3, 0)
    assert "<https://w3id.org/icegraph/id/flow/0>" not in v.shared.out  # forgotten


def test_a_system_described_later_defers_the_record_not_the_answer(shapes):
    v = StreamValidator(shapes)
    v.add(shared())
    v.add(*record(0, to="late"))  # the system arrives after the flow naming it
    v.add(system("late"))
    assert v.results() == []
    assert v.blocks_deferred == 1


def test_a_missing_system_is_found_whenever_it_is_checked(shapes):
    v = StreamValidator(shapes)
    v.add(shared())
    v.add(*record(0, to="nowhere"))
    found = v.results()
    assert [(r.focus.rsplit("/", 2)[-2:], r.path.rsplit("#")[-1]) for r in found] == [
        (["flow", "0"], "dataTo")
    ]


def test_a_shared_node_may_not_point_into_a_record(shapes):
    v = StreamValidator(shapes)
    triples, minted = record(0)
    triples.append((node("system/a"), ig("about"), minted[0]))
    with pytest.raises(ValueError, match="points from a shared node to a node minted"):
        v.add(triples, minted)


def test_the_class_hierarchy_may_not_change_after_records(shapes):
    v = StreamValidator(shapes)
    v.add(shared() + system("b"))
    v.add(*record(0))
    with pytest.raises(ValueError, match="class hierarchy changed"):
        v.add([(ig("Gadget"), "<http://www.w3.org/2000/01/rdf-schema#subClassOf>", ig("System"))])


def test_a_record_triggers_no_collection_and_leaves_nothing_behind(shapes):
    """What checking a record costs must not depend on how many records came before: its
    index is freed as soon as it is checked, without the garbage collector (whose full
    collections walk everything the build holds), and nothing of it is kept."""
    v = StreamValidator(shapes)
    v.add(shared() + system("b"))
    v.add(*record(0))  # the first record of its kind fills the caches
    records = [record(n) for n in range(1, 300)]
    inside: list[bool] = [False]
    during: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start" and inside[0]:
            during.append(info["generation"])

    threshold = gc.get_threshold()
    gc.callbacks.append(seen)
    gc.set_threshold(1)  # outside the validator, a collection at every allocation
    try:
        gc.collect()  # garbage from before the records is not theirs to leave or free
        before = len(gc.get_objects())
        for triples, minted in records:
            inside[0] = True
            v.add(triples, minted)
            inside[0] = False
        after = len(gc.get_objects())
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(seen)
    assert during == []
    assert after == before
    assert (v.blocks_checked, v.blocks_deferred) == (300, 0)
    assert v.results() == []
