"""Each system's best route to ICM, worked out by the build (mapping/routes.py), answers
`weakest-link-to-icm` exactly as the question worked out at query time does
(tests/fixtures/plain_queries/weakest-link-to-icm.rq): on a hand-made network of corner cases,
on a build whose retracted claim took a route away, and after an incremental build. An
incremental build brings the routes up to date where its inputs change them: the same routes
as worked out anew, on hand-made and on random networks."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pyoxigraph
import pytest

from icegraph.mapping.routes import SENDS, SYSTEM, Additions, Routing, Strength, flow_of, routes
from icegraph.mapping.terms import LABEL, TYPE, Term, Triple, entity, lines, text
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


# An incremental build works out again only the routes its inputs can change
# (Routing.update). Each case below brings the routes of one network to another's as such a
# build does and requires what working them out anew gives: the same triples in the same
# order, the same state for the next build, and exactly the routes that differ sent on.

Grades = dict[tuple[str, str], int | None]  # (from, to) → its flow's grade (None: no claim)


def node(x: str) -> Term:
    return entity(f"system/{x}")


class Net(NamedTuple):
    """A hand-made network: each flow's grade, each entity's labels, the systems."""

    flows: Grades
    labels: dict[str, list[str]]
    systems: set[str]

    def stated(self) -> set[Triple]:
        out = {(node(a), SENDS, node(b)) for a, b in self.flows}
        out |= {(node(x), LABEL, text(n)) for x, names in self.labels.items() for n in names}
        return out | {(node(x), TYPE, SYSTEM) for x in self.systems}

    def strength(self) -> Strength:
        return {flow_of(node(a), node(b)): g for (a, b), g in self.flows.items()}.get

    def routing(self) -> Routing:
        return Routing.worked_out(self.stated(), self.strength())

    def plus(
        self, flows: Grades | None = None, labels: dict[str, list[str]] | None = None,
        systems: Iterable[str] = (),
    ) -> Net:  # fmt: skip
        more = labels or {}
        merged = {
            x: sorted({*self.labels.get(x, []), *more.get(x, [])}) for x in {*self.labels, *more}
        }
        return Net({**self.flows, **(flows or {})}, merged, self.systems | set(systems))

    def paths(self, start: str) -> list[str]:
        return [r.path for r in self.routing().rows() if r.start == node(start)]


def corner_net() -> Net:
    """The corner cases above (m2 labelled "alpha" plainly)."""
    flows: Grades = {(a, b): GRADE[g] for a, b, g in FLOWS}
    flows.update(dict.fromkeys(UNGRADED))
    names = {x for flow in flows for x in flow}
    labels = {x: sorted(LABELS.get(x, [x.upper()])) for x in names}
    labels["m2"] = ["alpha"]
    return Net(flows, labels, names - {"k"})


def sent_for(old: list[Triple], new: list[Triple]) -> tuple[set[Triple], set[Triple]]:
    """The triples, before and after, of the routes whose triples differ."""
    moved = {t[0] for t in set(old) ^ set(new)}
    return {t for t in old if t[0] in moved}, {t for t in new if t[0] in moved}


def brought_up(before: Net, after: Net, regraded: Iterable[tuple[str, str]] = ()) -> set[Term]:
    """Brings the routes of `before` to `after` as an incremental build does (told of the
    flows whose grade changed, and of `regraded` too: flows given a claim that changes
    nothing), checks the outcome, and returns the starts it worked out again."""
    routing = before.routing()
    stated = after.stated()
    added = Additions()
    added.note(sorted(stated - before.stated()), stated)
    again = [flow for flow, grade in after.flows.items() if before.flows.get(flow) != grade]
    told = [flow_of(node(a), node(b)) for a, b in [*again, *regraded]]
    earlier = routing.update(added, told, after.strength())
    full = after.routing()
    assert routing.quads() == full.quads()
    assert (routing.out, routing.labels, routing.systems) == (full.out, full.labels, full.systems)
    assert (routing.two, routing.best) == (full.two, full.best)
    assert {f: set(e) for f, e in routing.flows.items()} == {
        f: set(e) for f, e in full.flows.items()
    }
    want = sent_for(before.routing().quads(), full.quads())
    then, now = routing.moved(earlier)
    assert (set(then), set(now)) == want
    # a rewind compares the routes with those in the store (the latest build's) instead
    then, now = full.moved(full.differing(before.routing()))
    assert (set(then), set(now)) == want
    return set(earlier)


def test_a_flow_into_icm_from_a_new_system_redoes_that_start_alone() -> None:
    before = corner_net()
    after = before.plus({("new", "icm"): 1}, {"new": ["New"]}, {"new"})
    assert brought_up(before, after) == {node("new")}
    assert after.paths("new") == ["New → ICM"]


@pytest.mark.parametrize(
    ("flow", "grade", "path"),
    [
        (("b", "m2"), 1, "G → B → alpha → ICM"),  # raised: now the primary stop
        (("b", "m1"), 3, "G → B → alpha → ICM"),  # lowered: the other stop, as strong
        (("b", "m1"), None, "G → B → alpha → ICM"),  # its last graded claim gone
        (("m2", "icm"), 3, "G → B → Beta → ICM"),  # lowered, off the route: no change
        (("g", "b"), 3, "G → B → Beta → ICM"),  # the start's own flow
    ],
)
def test_a_flow_in_the_middle_of_a_three_flow_route_graded_again(
    flow: tuple[str, str], grade: int | None, path: str
) -> None:
    before = corner_net()
    assert before.paths("g") == ["G → B → Beta → ICM"]
    redone = brought_up(before, before.plus({flow: grade}))
    assert before.plus({flow: grade}).paths("g") == [path]
    # only starts whose route can pass the flow: its own start, or one or two flows up
    assert redone <= upstream(before, flow[0], 2)
    if path != "G → B → Beta → ICM":
        assert node("g") in redone


def upstream(net: Net, x: str, hops: int) -> set[Term]:
    """x and the entities `hops` flows or fewer upstream of it."""
    found = {x}
    for _ in range(hops):
        found |= {a for a, b in net.flows if b in found}
    return {node(y) for y in found}


@pytest.mark.parametrize(
    ("labels", "paths"),
    [
        ({"m2": ["Aardvark"]}, ["G → B → Aardvark → ICM"]),  # a stop's name sorts first
        ({"b": ["A"]}, ["A → Beta → ICM"]),  # the first stop's: a row per label for b too
        ({"g": ["Gee"]}, ["G → B → Beta → ICM", "Gee → B → Beta → ICM"]),  # the start's
    ],
)
def test_a_label_added_changes_the_routes_through_it(labels: dict, paths: list[str]) -> None:
    before = corner_net()
    after = before.plus(labels=labels)
    brought_up(before, after)
    shown = after.paths("g") if "g" in labels or "m2" in labels else after.paths("b")[:1]
    assert shown == paths


def test_a_label_numbers_a_starts_routes_anew() -> None:
    before = corner_net()
    after = before.plus(labels={"m2": ["Aardvark"]})
    brought_up(before, after)
    quads = after.routing().quads()
    first, second = entity("route/to-icm/system/m2"), entity("route/to-icm/system/m2/2")
    assert (first, LABEL, text("Aardvark → ICM")) in quads
    assert (second, LABEL, text("alpha → ICM")) in quads


def test_an_edge_far_downstream_gives_a_far_start_a_better_three_flow_route() -> None:
    chain = {("z", "y"): 1, ("y", "w"): 1, ("w", "v"): 1, ("v", "icm"): 1, ("z", "icm"): 3}
    names = {x: [x.upper()] for x in "zywv"}
    before = corner_net().plus(chain, names, "zywv")
    assert before.paths("z") == ["Z → ICM"]  # Z → Y → W → V → ICM is four flows
    after = before.plus({("w", "icm"): 1})
    redone = brought_up(before, after)
    assert after.paths("z") == ["Z → Y → W → ICM"]  # stronger, though longer
    assert node("z") in redone
    assert redone <= upstream(after, "w", 2)


def test_a_cycle_closed_by_the_added_flows() -> None:
    before = corner_net()
    after = before.plus({("c", "icm"): 2, ("p", "d"): 1, ("d", "p"): 1}, {"p": ["P"]}, {"p"})
    brought_up(before, after)
    assert after.paths("d") == ["D → C → ICM"]  # secondary beats the inferential D → ICM
    assert after.paths("p") == ["P → D → C → ICM"]
    assert after.paths("c") == ["C → ICM"]


def test_stops_that_read_the_same_are_taken_by_iri_whichever_flow_came_first() -> None:
    # s → x1 and s → x2, both named "Same", each on to m: the routes read the same, and the
    # one through x1 is taken, as when every route is worked out, though its flow came last
    same = {("x2", "m"): 1, ("x1", "m"): 1, ("m", "icm"): 1, ("s", "x2"): 2}
    names = {"s": ["S"], "x1": ["Same"], "x2": ["Same"], "m": ["M"]}
    before = Net(same, names, {"s", "x1", "x2", "m"})
    after = before.plus({("s", "x1"): 2})
    brought_up(before, after)
    assert after.routing().best[node("s")] == ("2 3 → Same → M", (node("x1"), node("m")))
    # and so between two-flow routes: s → m1 → ICM and s → m2 → ICM, m1 and m2 both "Same"
    same = {("m1", "icm"): 1, ("m2", "icm"): 1, ("s", "m2"): 2}
    before = Net(same, {"s": ["S"], "m1": ["Same"], "m2": ["Same"]}, {"s", "m1", "m2"})
    after = before.plus({("s", "m1"): 2})
    brought_up(before, after)
    assert after.routing().best[node("s")] == ("2 2 → Same", (node("m1"),))


def random_net(rng: random.Random) -> Net:
    names = ["icm"] + [f"s{i}" for i in range(rng.randint(2, 8))]
    flows: Grades = {
        (a, b): rng.choice([1, 2, 3, None]) for a in names for b in names if rng.random() < 0.3
    }
    # few names, often the same: routes that read the same, settled by their stops' IRIs
    pool = NAMES if rng.random() < 0.5 else NAMES[:2]
    labels = {x: sorted(set(rng.sample(pool, rng.randint(0, 2)))) for x in names}
    return Net(flows, labels, {x for x in names if rng.random() < 0.7})


NAMES = ["A", "a", "B", "b", "Á", "AB", "A B"]  # upper before lower, accents after both


def random_change(rng: random.Random, net: Net) -> Net:
    """Flows added (some from or to new entities), grades changed any way, labels and
    systems added: what an added document, or a rewind from an earlier state, can do."""
    names = sorted({x for flow in net.flows for x in flow} | {"icm", "t0", "t1"})
    flows: Grades = {}
    for _ in range(rng.randint(0, 3)):
        flows[(rng.choice(names), rng.choice(names))] = rng.choice([1, 2, 3, None])
    for flow in rng.sample(sorted(net.flows), min(len(net.flows), rng.randint(0, 2))):
        flows[flow] = rng.choice([1, 2, 3, None])
    labels = {rng.choice(names): [rng.choice(NAMES)] for _ in range(rng.randint(0, 2))}
    return net.plus(flows, labels, rng.sample(names, rng.randint(0, 2)))


@pytest.mark.parametrize("seed", range(10))
def test_random_networks_brought_up_to_date_equal_those_worked_out_anew(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        before = random_net(rng)
        after = random_change(rng, before)
        regraded = rng.sample(sorted(before.flows), min(len(before.flows), 2))
        brought_up(before, after, regraded)


def test_only_what_is_stated_is_noted() -> None:
    edge = (node("a"), SENDS, node("icm"))
    claims_label = (entity("claim/x"), LABEL, text("a claim's own label"))  # never stated
    added = Additions()
    added.note([claims_label, edge, (node("a"), TYPE, SYSTEM)], {edge})
    assert added == Additions([(node("a"), node("icm"))], [], [])
