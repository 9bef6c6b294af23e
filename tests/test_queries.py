"""The query catalogue on the real build: exact answers to the journalists' questions."""

from __future__ import annotations

import pyoxigraph
import pytest

from icegraph.errors import QueryError
from icegraph.queries import catalogue, find_query, run_select


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
    assert got[("U.S. Department of Homeland Security", "U.S. Customs and Border Protection")] == 5
    assert got[("U.S. Department of Justice", "Federal Bureau of Investigation")] == 2
    assert sum(got.values()) == 22  # NCIC → ACRIMe counts for both ends


def test_single_citation_flows(seed_store):
    got = [r[1] for r in answer(seed_store, "single-citation-flows")]
    assert len(got) == 11 and "ATS → ICM" in got and "TECS → ICM" not in got


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
ex:c1 ig:asserts ex:f1 ; prov:wasDerivedFrom ex:titled , ex:untitled .
ex:c2 ig:asserts ex:f2 ; prov:wasDerivedFrom ex:titled .
ex:titled dcterms:title "A report" .
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
