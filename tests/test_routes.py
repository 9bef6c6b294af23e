"""Each system's best route to ICM, worked out by the build (mapping/routes.py), answers
`weakest-link-to-icm` exactly as the question worked out at query time does
(tests/fixtures/plain_queries/weakest-link-to-icm.rq): on a hand-made network of corner cases,
on a build whose retracted claim took a route away, and after an incremental build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

from icegraph.mapping.routes import routes
from icegraph.mapping.terms import lines
from icegraph.namespaces import ID
from icegraph.pipeline import build
from icegraph.queries import find_query, read_query, run_select
from icegraph.store import open_store
from tests.conftest import flows_table, only_flows, row, rows

PLAIN = Path(__file__).parent / "fixtures" / "plain_queries" / "weakest-link-to-icm.rq"
ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology" / "icegraph.ttl"
GRADE = {"primary": 1, "secondary": 2, "inferential": 3}

# Systems a … n, each flow x → y named flow/x--y, with the grade of its best claim.
FLOWS = [
    ("a", "icm", "primary"),
    # two equally strong two-flow routes: the stop whose name sorts first (code points:
    # "Beta", m1's second label, before "alpha")
    ("b", "m1", "secondary"), ("m1", "icm", "secondary"),
    ("b", "m2", "secondary"), ("m2", "icm", "primary"),
    # a cycle: c and d send to each other, only d to ICM
    ("c", "d", "primary"), ("d", "c", "primary"), ("d", "icm", "inferential"),
    # ICM's own flows start no route
    ("icm", "c", "primary"),
    # stronger beats shorter
    ("e", "icm", "inferential"), ("e", "a", "primary"),
    # as strong: shorter beats longer
    ("f", "icm", "secondary"), ("f", "a", "secondary"),
    # three flows: g → b → (m1 or m2) → ICM
    ("g", "b", "primary"),
    # an agency starts one-flow and three-flow routes, never two-flow ones
    ("k", "b", "secondary"), ("k", "a", "primary"),
    # a start with two labels: a row for each
    ("n", "icm", "primary"),
    ("h", "a", "primary"),
]  # fmt: skip
UNGRADED = [("h", "icm")]  # no claim left to grade it (all withheld)
LABELS = {"icm": ["ICM"], "m1": ["Zeta", "Beta"], "m2": ['alpha"@en'], "n": ["N1", "N-one"]}


def corner_cases() -> str:
    sys, flow = f"<{ID}system/", f"<{ID}flow/"
    out = ["@prefix ig: <https://w3id.org/icegraph/ns#> .",
           "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ."]  # fmt: skip
    names = {x for f in FLOWS + UNGRADED for x in f[:2]}
    for x in sorted(names):
        kind = "ig:Agency" if x == "k" else "ig:System"
        out.append(f"{sys}{x}> a {kind} .")
        for label in LABELS.get(x, [x.upper()]):
            tail = "" if label.endswith("@en") else '"'
            out.append(f'{sys}{x}> rdfs:label "{label}{tail} .')
    for a, b, *grade in FLOWS + UNGRADED:  # type: ignore[misc]
        out.append(f"{sys}{a}> ig:sendsDataTo {sys}{b}> .")
        out.append(f"{flow}{a}--{b}> a ig:InformationFlow ; ig:dataFrom {sys}{a}> ; "
                   f"ig:dataTo {sys}{b}> .")  # fmt: skip
        if grade:
            out.append(f"{flow}{a}--{b}> ig:strongestConfidence ig:{grade[0]} .")
    return "\n".join(out) + "\n"


def answer(store: pyoxigraph.Store, query) -> list[tuple[str, ...]]:
    _names, table = run_select(store, query)
    return [tuple(v.value if v is not None else "" for v in r) for r in table]


def derive_routes(store: pyoxigraph.Store) -> list[tuple[str, str, str]]:
    """What the build would derive from the store's flows and grades."""
    stated = [(str(q.subject), str(q.predicate), str(q.object)) for q in store]
    graded = {
        f"<{flow}>": GRADE[grade.rsplit("#", 1)[-1]]
        for flow, grade in rows(store, "SELECT ?f ?g WHERE { ?f ig:strongestConfidence ?g }")
        if flow and grade
    }
    return routes(stated, graded.get)


@pytest.fixture(scope="module")
def corners() -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    store.load(corner_cases().encode(), format=pyoxigraph.RdfFormat.TURTLE)
    store.load(path=ONTOLOGY, format=pyoxigraph.RdfFormat.TURTLE)
    derived = lines(derive_routes(store))
    store.load(derived.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    return store


def test_the_routes_answer_as_the_plain_question_on_corner_cases(corners) -> None:
    plain = answer(corners, read_query(PLAIN))
    assert answer(corners, find_query("weakest-link-to-icm")) == plain


def test_the_corner_cases_take_the_routes_they_mean(corners) -> None:
    got = {(r[1], r[2], r[3]) for r in answer(corners, find_query("weakest-link-to-icm"))}
    assert got == {
        ("A → ICM", "1", "primary"),
        ("B → Beta → ICM", "2", "secondary"),  # tied with "alpha": the first name
        ("C → D → ICM", "2", "inferential"),  # through the cycle, never back through C
        ("D → ICM", "1", "inferential"),
        ("E → A → ICM", "2", "primary"),  # stronger, though longer
        ("F → ICM", "1", "secondary"),  # as strong as F → A → ICM, and shorter
        ("G → B → Beta → ICM", "3", "secondary"),
        ("H → A → ICM", "2", "primary"),  # the ungraded flow into ICM is no route
        ("K → B → Beta → ICM", "3", "secondary"),  # an agency: K → A → ICM is not offered
        ("Beta → ICM", "1", "secondary"),  # m1, by each of its labels
        ("Zeta → ICM", "1", "secondary"),
        ("alpha → ICM", "1", "primary"),
        ("N-one → ICM", "1", "primary"),
        ("N1 → ICM", "1", "primary"),
    }
    # the question orders the answer: by hops, then by the path in lower case
    ranked = answer(corners, find_query("weakest-link-to-icm"))
    assert [r[2] for r in ranked] == sorted(r[2] for r in ranked)


def test_a_route_added_first_in_the_answer_leaves_the_others_triples_alone(corners) -> None:
    # an incremental build sends the store only the routes whose triples differ: a route's
    # triples must not depend on where the others come in the answer
    before = set(derive_routes(corners))
    sys, flow = f"<{ID}system/", f"<{ID}flow/"
    corners_too = pyoxigraph.Store()
    corners_too.extend(corners)
    corners_too.load(
        "@prefix ig: <https://w3id.org/icegraph/ns#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'{sys}aa> a ig:System ; rdfs:label "1ST" ; ig:sendsDataTo {sys}icm> .\n'
        f"{flow}aa--icm> a ig:InformationFlow ; ig:dataFrom {sys}aa> ; ig:dataTo {sys}icm> ;"
        " ig:strongestConfidence ig:primary .\n".encode(),
        format=pyoxigraph.RdfFormat.TURTLE,
    )
    after = set(derive_routes(corners_too))
    new = {t[0] for t in after - before}
    assert new == {f"<{ID}route/to-icm/system/aa>"}  # "1ST → ICM" comes first of all
    assert before <= after
    # loaded as an incremental build would: the new route's triples alone
    fresh = lines([t for t in after if t[0] in new])
    corners_too.load(fresh.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    answered = answer(corners_too, find_query("weakest-link-to-icm"))
    assert answered[0][1:] == ("1ST → ICM", "1", "primary")
    assert answered == answer(corners_too, read_query(PLAIN))


RETRACTED = flows_table(
    # the way round: a press report (secondary), then a primary document
    row(source="Feeder", destination="Middle", full_name="Feeder System",
        reference="The Intercept, Spencer Woodman"),
    row(source="Middle", destination="ICM", full_name="Middle System"),
    # the direct route, on a primary document, then retracted
    row(source="Feeder", destination="ICM", full_name="Feeder System"),
)  # fmt: skip


def weakest(store: pyoxigraph.Store) -> list[tuple[str, ...]]:
    return answer(store, find_query("weakest-link-to-icm"))


def test_a_retracted_claim_takes_its_route_away(data_copy: Path, tmp_path: Path) -> None:
    only_flows(data_copy, RETRACTED)
    first = build(data_copy, tmp_path / "before")
    store = open_store(first.out_dir / "store", read_only=True)
    feeder = [r[1:] for r in weakest(store) if r[1].startswith("Feeder")]
    assert feeder == [("Feeder → ICM", "1", "primary")]
    (claim,) = rows(store, f"SELECT ?c WHERE {{ ?c ig:asserts <{ID}flow/feeder--icm> }}")
    (data_copy / "retractions.csv").write_text(
        f"claim,reason,who,when\n{claim[0]},Misread,Desk editor,2026-12-01\n", encoding="utf-8"
    )
    after = open_store(build(data_copy, tmp_path / "after").out_dir / "store", read_only=True)
    assert [r[1:] for r in weakest(after) if r[1].startswith("Feeder")] == [
        ("Feeder → Middle → ICM", "2", "secondary")
    ]
    assert weakest(after) == answer(after, read_query(PLAIN))
