"""The pyoxigraph store: the single source for dumps, queries and the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from pyoxigraph import QuerySolutions, QueryTriples, Store, Triple

from icegraph.errors import IcegraphError, Location


def open_store(path: Path | None, read_only: bool = False) -> Store:
    """An on-disk store at `path` (created if missing), or an in-memory one for None."""
    if path is None:
        return Store()
    if read_only:
        if not path.exists():
            raise IcegraphError(
                "no built store here",
                Location(str(path)),
                fix="Run 'icegraph build' first (or 'make run').",
            )
        return Store.read_only(str(path))
    path.mkdir(parents=True, exist_ok=True)
    return Store(str(path))


def select(store: Store, sparql: str, **options: Any) -> QuerySolutions:
    """A query over the union of all named graphs, so users need no GRAPH clauses."""
    return cast(QuerySolutions, store.query(sparql, use_default_graph_as_union=True, **options))


UNION = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def count_quads(store: Store) -> int:
    """Statements in all named graphs. Counted by the store itself: a DISTINCT over every
    triple would hold them all in memory (gigabytes at a million records)."""
    return len(store)


def union_triples(store: Store) -> list[Triple]:
    """Every distinct triple of every graph, sorted by subject, predicate and object.

    Holds them all: for graphs small enough to want a sorted, readable dump. Large builds
    write their dumps from the mapping stream instead (see publish/dumps.py).
    """
    triples = list(cast(QueryTriples, store.query(UNION)))
    triples.sort(key=_triple_key)
    return triples


def _triple_key(t: Triple) -> tuple[str, ...]:
    s: Any = t.subject  # never a quoted triple in our graphs
    o: Any = t.object
    return (s.value, t.predicate.value, type(o).__name__, o.value, str(o))
