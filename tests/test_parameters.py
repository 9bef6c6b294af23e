"""Query parameters are bound as RDF terms, never pasted into the query text."""

from __future__ import annotations

import pytest

from icegraph.errors import QueryError
from icegraph.queries import bind_values, find_query, run_select, sparql_term


def test_values_become_terms():
    assert sparql_term("ICM") == '"ICM"'
    assert sparql_term('x" } ; DROP ALL #') == '"x\\" } ; DROP ALL #"'
    assert (
        sparql_term("<https://w3id.org/icegraph/id/system/icm>")
        == "<https://w3id.org/icegraph/id/system/icm>"
    )
    with pytest.raises(QueryError):
        sparql_term("<https://x> } DROP ALL { <a:b>")
    assert (
        bind_values("SELECT ?a WHERE {}", {"a": "1"})
        == 'SELECT ?a WHERE {}\nVALUES (?a) { ("1") }\n'
    )


def test_parametrised_catalogue_query(seed_store):
    q = find_query("reaches-system")
    assert q.params == {"system": "ICM"}
    names, rows = run_select(seed_store, q, {"system": "ACRIMe"})
    assert [r[1].value for r in rows] == ["NCIC"]
    _names, default = run_select(seed_store, q)
    assert len(default) == 17
    _names, hostile = run_select(seed_store, q, {"system": 'ICM" } UNION { ?x ?y ?z'})
    assert hostile == []
    with pytest.raises(QueryError, match="has no parameter nope"):
        run_select(seed_store, q, {"nope": "1"})
