"""The query catalogue on the real build: exact answers to the journalists' questions."""

from __future__ import annotations

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
