"""The pyoxigraph store: the single source for dumps, queries and the server."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pyoxigraph import Quad, QuerySolutions, Store, Triple

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


def bulk_load(store: Store, quads: Iterable[Quad]) -> None:
    """Stream quads into the store without holding them in memory."""
    store.bulk_extend(quads)


def select(store: Store, sparql: str, **options) -> QuerySolutions:
    """A query over the union of all named graphs, so users need no GRAPH clauses."""
    return store.query(sparql, use_default_graph_as_union=True, **options)


def union_triples(store: Store) -> Iterator[Triple]:
    """Every distinct triple of every graph, sorted by subject, then predicate and object.

    Subjects come from one sorted query; each subject's quads, whatever their graph, from the
    subject-first index, so only one subject's triples are held at a time.
    """
    subjects = store.query(
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?s",
    )
    for row in subjects:
        subject = row[0]
        seen = {(q.predicate, q.object) for q in store.quads_for_pattern(subject, None, None, None)}
        for p, o in sorted(seen, key=_term_key):
            yield Triple(subject, p, o)


def _term_key(pair: tuple) -> tuple:
    p, o = pair
    return (p.value, type(o).__name__, o.value, str(o))
