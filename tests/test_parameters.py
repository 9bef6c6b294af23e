"""Query parameters are bound as RDF terms, never pasted into the query text."""

from __future__ import annotations

import pytest

from icegraph.errors import QueryError
from icegraph.namespaces import PREFIXES
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


def test_a_query_may_place_its_own_values_block():
    text = 'SELECT ?a ?b WHERE {\n  VALUES ?a { "default" }\n  ?s ?p ?a, ?b }'
    assert (
        bind_values(text, {"a": "x"})
        == 'SELECT ?a ?b WHERE {\n  VALUES ?a { "x" }\n  ?s ?p ?a, ?b }'
    )
    # a value that looks like another parameter's block is a literal, never searched again
    both = bind_values(
        text.replace("?s ?p", "VALUES ?b { 1 } ?s ?p"), {"a": "VALUES ?b { 2 }", "b": "y"}
    )
    assert 'VALUES ?a { "VALUES ?b { 2 }" }' in both and 'VALUES ?b { "y" }' in both
    assert "VALUES (" not in both
    # parameters without a block of their own are appended, as before
    assert bind_values(text, {"a": "x", "b": "y"}).endswith('VALUES (?b) { ("y") }\n')


def test_parametrised_catalogue_query(seed_store):
    q = find_query("reaches-system")
    assert q.params == {"system": "ICM"}
    names, rows = run_select(seed_store, q, {"system": "ACRIMe"})
    assert [r[1].value for r in rows] == ["NCIC"]
    _names, default = run_select(seed_store, q)
    assert len(default) == 17
    # the file itself runs as it is, with its default, in any SPARQL tool
    assert [tuple(r) for r in run_select(seed_store, q, {})[1]] == [
        tuple(r)
        for r in seed_store.query(q.text, use_default_graph_as_union=True, prefixes=PREFIXES)
    ]
    _names, hostile = run_select(seed_store, q, {"system": 'ICM" } UNION { ?x ?y ?z'})
    assert hostile == []
    with pytest.raises(QueryError, match="has no parameter nope"):
        run_select(seed_store, q, {"nope": "1"})
