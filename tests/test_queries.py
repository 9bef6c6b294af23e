"""The query catalogue on the real build: exact answers to the journalists' questions."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest

from icegraph.errors import QueryError
from icegraph.mapping.routes import best_routes, network, route_quads
from icegraph.mapping.terms import lines
from icegraph.queries import catalogue, find_query, read_query, run_select

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology" / "icegraph.ttl"


def answer(store, name: str) -> list[tuple[str, ...]]:
    names, table = run_select(store, find_query(name))
    return [tuple(v.value if v is not None else "" for v in r) for r in table]


def test_every_query_says_what_question_it_answers_and_runs(seed_store):
    qs = catalogue()
    assert len(qs) >= 11
    for q in qs:
        assert q.question.endswith("?") or "?" in q.question, q.name
        run_select(seed_store, q)


def test_reaches_icm(seed_store):
    got = {(r[1], r[2]) for r in answer(seed_store, "reaches-icm")}
    assert ("NCIC", "through other systems") in got
    assert ("ACRIMe", "direct") in got and ("TLS", "direct") in got
    assert ("HSI Data Warehouse", "direct") not in {g for g in got}
    assert len(got) == 17


def test_receives_icm_data(seed_store):
    got = [r[1] for r in answer(seed_store, "receives-icm-data")]
    assert got == ["EID", "FBI Joint Terrorism Task Forces", "HSI Data Warehouse", "INTERPOL",
                   "LEIS Service", "SEACATS", "TECS"]  # fmt: skip


def test_commercial_sources(seed_store):
    got = [(r[1], r[2]) for r in answer(seed_store, "commercial-sources-feeding-icm")]
    assert got == [
        ("NICB", "National Insurance Crime Bureau"),
        ("Publicly available data from the Internet (social media, public records)",
         "unknown operator"),
    ]  # fmt: skip


def test_flows_per_agency(seed_store):
    got = {(r[0], r[1]): int(r[2]) for r in answer(seed_store, "flows-per-agency")}
    # AFI, ATS and CTTP send to ICM; SEACATS and TECS exchange with it both ways (two flows each)
    assert got[("U.S. Department of Homeland Security", "U.S. Customs and Border Protection")] == 7
    assert got[("U.S. Department of Justice", "Federal Bureau of Investigation")] == 2
    assert sum(got.values()) == 25  # 24 flows; NCIC → ACRIMe counts for both ends


def test_single_citation_flows(seed_store):
    got = [r[1] for r in answer(seed_store, "single-citation-flows")]
    assert len(got) == 12 and "ATS → ICM" in got and "TECS → ICM" not in got
    assert "ICM → HSI Data Warehouse" in got  # the way the data moves, not the columns


def test_unknown_query_name_lists_the_catalogue():
    with pytest.raises(QueryError, match="no query named 'nope'.*reaches-icm"):
        find_query("nope")


HAND_MADE = """
@prefix ig: <https://w3id.org/icegraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix sys: <https://w3id.org/icegraph/id/system/> .
@prefix ag: <https://w3id.org/icegraph/id/agency/> .
@prefix ex: <https://example.org/> .

sys:icm a ig:System ; rdfs:label "ICM" .
sys:broker a ig:System ; rdfs:label "broker" ; ig:sourceClassification ig:commercialSource ;
    ig:operatedBy ag:vendor ; ig:sendsDataTo sys:hub , sys:icm .
sys:hub a ig:System ; rdfs:label "Hub" ; ig:operatedBy ag:vendor ; ig:sendsDataTo sys:icm .
ag:vendor rdfs:label "Vendor" ; org:subOrganizationOf ag:parent .
ag:parent rdfs:label "Parent" .

ex:f1 a ig:InformationFlow ; rdfs:label "broker → Hub" ; ig:dataFrom sys:broker ;
    ig:dataTo sys:hub .
ex:f2 a ig:InformationFlow ; rdfs:label "Hub → ICM" ; ig:dataFrom sys:hub ; ig:dataTo sys:icm .
ex:c1 ig:asserts ex:f1 ; prov:wasDerivedFrom ex:titled , ex:untitled ; ig:confidence ig:primary .
ex:c2 ig:asserts ex:f2 ; prov:wasDerivedFrom ex:titled ; ig:confidence ig:primary .
ex:titled dcterms:title "A report" .
# what the build works out for each flow (graph/derived)
ex:f1 ig:documentCount 2 . ex:f2 ig:documentCount 1 ; ig:soleDocument ex:titled .
"""


@pytest.fixture
def hand_made_store():
    store = pyoxigraph.Store()
    store.load(HAND_MADE.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    return store


def test_rewritten_queries_keep_their_meaning_on_edge_cases(hand_made_store):
    # a source without a title still counts as a second source
    assert answer(hand_made_store, "single-citation-flows") == [
        ("https://example.org/f2", "Hub → ICM", "https://example.org/titled", "A report")
    ]
    # a commercial system feeding ICM, with one flow and no description of it
    assert answer(hand_made_store, "commercial-sources-feeding-icm") == [
        ("https://w3id.org/icegraph/id/system/broker", "broker", "Vendor", "1", "")
    ]
    # a flow between two systems of one agency counts once for it, under its parent
    assert answer(hand_made_store, "flows-per-agency") == [("Parent", "Vendor", "2")]
    # sorted regardless of case
    assert [r[1] for r in answer(hand_made_store, "reaches-icm")] == ["broker", "Hub"]


ROUTES = """
@prefix ig: <https://w3id.org/icegraph/ns#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sys: <https://w3id.org/icegraph/id/system/> .
@prefix ex: <https://example.org/> .

sys:icm a ig:System ; rdfs:label "ICM" .
sys:a a ig:System ; rdfs:label "A" .   sys:b a ig:System ; rdfs:label "B" .
sys:c a ig:System ; rdfs:label "C" .   sys:d a ig:System ; rdfs:label "D" .
sys:e a ig:System ; rdfs:label "E" .   sys:g a ig:System ; rdfs:label "G" .
sys:far a ig:System ; rdfs:label "Far" .

# A → ICM rests on an inference only, A → B → ICM on primary sources: the longer route wins
ex:ai ig:dataFrom sys:a ; ig:dataTo sys:icm .
ex:ab ig:dataFrom sys:a ; ig:dataTo sys:b .
ex:bi ig:dataFrom sys:b ; ig:dataTo sys:icm .
# B → ICM is also claimed by a secondary source: an edge is as strong as its best claim
ex:bi2 ig:dataFrom sys:b ; ig:dataTo sys:icm .
# C → A: the three-hop route C → A → B → ICM, all primary
ex:ca ig:dataFrom sys:c ; ig:dataTo sys:a .
# D → ICM and D → B → ICM equally strong (secondary): the shorter is shown
ex:di ig:dataFrom sys:d ; ig:dataTo sys:icm .
ex:db ig:dataFrom sys:d ; ig:dataTo sys:b .
# ICM ⇄ E, bi-directional: one claim asserts a flow each way
ex:ie ig:dataFrom sys:icm ; ig:dataTo sys:e .
ex:ei ig:dataFrom sys:e ; ig:dataTo sys:icm .
# G → C: within three hops only G → C → A → ICM, on the inference (the primary route is
# four hops long)
ex:gc ig:dataFrom sys:g ; ig:dataTo sys:c .
# Far → G → … and a loop G → Far: neither reaches ICM in three hops
ex:fg ig:dataFrom sys:far ; ig:dataTo sys:g .
ex:gf ig:dataFrom sys:g ; ig:dataTo sys:far .

ex:c-ai ig:asserts ex:ai ; ig:confidence ig:inferential .
ex:c-ab ig:asserts ex:ab ; ig:confidence ig:primary .
ex:c-bi ig:asserts ex:bi ; ig:confidence ig:secondary .
ex:c-bi2 ig:asserts ex:bi2 ; ig:confidence ig:primary .
ex:c-ca ig:asserts ex:ca ; ig:confidence ig:primary .
ex:c-di ig:asserts ex:di ; ig:confidence ig:secondary .
ex:c-db ig:asserts ex:db ; ig:confidence ig:secondary .
ex:c-ie ig:asserts ex:ie , ex:ei ; ig:confidence ig:secondary ; ig:sharingType ig:bidirectional .
ex:c-gc ig:asserts ex:gc ; ig:confidence ig:primary .
ex:c-fg ig:asserts ex:fg ; ig:confidence ig:primary .
ex:c-gf ig:asserts ex:gf ; ig:confidence ig:primary .
# what the build works out for each flow (graph/derived): the best grade among its claims
ex:ai ig:strongestConfidence ig:inferential .  ex:ab ig:strongestConfidence ig:primary .
ex:bi ig:strongestConfidence ig:secondary .    ex:bi2 ig:strongestConfidence ig:primary .
ex:ca ig:strongestConfidence ig:primary .      ex:di ig:strongestConfidence ig:secondary .
ex:db ig:strongestConfidence ig:secondary .    ex:ie ig:strongestConfidence ig:secondary .
ex:ei ig:strongestConfidence ig:secondary .    ex:gc ig:strongestConfidence ig:primary .
ex:fg ig:strongestConfidence ig:primary .      ex:gf ig:strongestConfidence ig:primary .
"""


def derived_routes(store: pyoxigraph.Store) -> str:
    """The routes the build would derive from these flows (mapping/routes.py), as N-Triples."""
    flows = [(str(a), str(b), int(n.value)) for a, b, n in store.query(
        "SELECT ?a ?b ?n WHERE { ?f <https://w3id.org/icegraph/ns#dataFrom> ?a ; "
        "<https://w3id.org/icegraph/ns#dataTo> ?b ; <https://w3id.org/icegraph/ns#strongestConfidence>"
        "/<http://www.w3.org/2004/02/skos/core#notation> ?n }")]  # fmt: skip
    net = network((str(q.subject), str(q.predicate), str(q.object)) for q in store)
    return lines(route_quads(best_routes(flows, net.labels, net.systems)))


@pytest.mark.parametrize("form", ["derived", "plain"])
def test_weakest_link_picks_each_systems_strongest_route(form: str):
    store = pyoxigraph.Store()
    store.load(ROUTES.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    store.load(path=ONTOLOGY, format=pyoxigraph.RdfFormat.TURTLE)
    if form == "derived":  # the catalogue's question reads the routes the build derives
        store.load(derived_routes(store).encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
        query = find_query("weakest-link-to-icm")
    else:  # the question worked out at query time
        query = read_query(Path(__file__).parent / "fixtures/plain_queries/weakest-link-to-icm.rq")
    got = [
        tuple(v.value if v is not None else "" for v in r)[1:] for r in run_select(store, query)[1]
    ]
    assert got == [
        ("B → ICM", "1", "primary"),
        ("D → ICM", "1", "secondary"),
        ("E → ICM", "1", "secondary"),
        ("A → B → ICM", "2", "primary"),
        ("C → A → B → ICM", "3", "primary"),
        ("G → C → A → ICM", "3", "inferential"),
    ]


TIED_POSITIONS = [
    f"""ex:p{n} rdfs:label "{says}" ; ig:statedBy ex:claim{n} ; ig:sourceFile "raw/t.txt" ;
        ig:sourceLine 7 ."""
    for n, says in ((1, "Inbound"), (2, "Outbound"))
]


def test_contradictions_come_in_one_order_however_the_store_holds_them():
    # two positions from the same file and line: the sort keys of the question tie on them
    head = """@prefix ig: <https://w3id.org/icegraph/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/> .
ex:x a ig:Contradiction ; rdfs:label "A → B" ; ig:aspect "direction" ;
    ig:hasPosition ex:p1 , ex:p2 .
"""
    answers = []
    for positions in (TIED_POSITIONS, TIED_POSITIONS[::-1]):
        store = pyoxigraph.Store()
        store.load((head + "\n".join(positions)).encode(), format=pyoxigraph.RdfFormat.TURTLE)
        answers.append(answer(store, "contradictions"))
    assert answers[0] == answers[1]
    assert [(row[3], row[4]) for row in answers[0]] == [
        ("Inbound", "https://example.org/claim1"),
        ("Outbound", "https://example.org/claim2"),
    ]
