"""The pyoxigraph store: the single source for dumps, queries and the server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, cast

from pyoxigraph import QuerySolutions, QueryTriples, Store, Triple

from icegraph.errors import IcegraphError, Location


def open_store(path: Path | None, read_only: bool = False) -> Store:
    """An on-disk store at `path` (created if missing), or an in-memory one for None.

    Read-only, `path` may be a build folder (--out) or its `store` link; the store opened
    is the one published at that moment (see resolve_store).
    """
    if path is None:
        return Store()
    if not read_only:
        path.mkdir(parents=True, exist_ok=True)
        return Store(str(path))
    for attempt in range(2):
        real = resolve_store(path)
        if not real.is_dir():
            raise IcegraphError(
                "no built store here",
                Location(str(path)),
                fix="Run 'icegraph build' first (or 'make run').",
            )
        try:
            return Store.read_only(str(real))
        except OSError as exc:
            # A build published meanwhile removes the one resolved above: resolve again.
            if attempt == 0 and not real.exists():
                continue
            raise IcegraphError(f"cannot open the store: {exc}", Location(str(path))) from None
    raise AssertionError("unreachable")


def resolve_store(path: Path) -> Path:
    """The real folder of the store `path` names now.

    A build folder means its store. The links through `current` are followed once, here:
    the store's files are then all read from one build, even if another build switches
    `current` while the store is being opened.
    """
    return store_path(path).resolve()


def store_path(path: Path) -> Path:
    """`path`, or its `store` when it is a build folder; links are left as they are, so
    the name keeps following the published build."""
    if not (path / "CURRENT").exists() and (path / "store").exists():
        return path / "store"
    return path


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


def clone_store(src: Path, dst: Path) -> None:
    """A store at `dst` holding what the closed store at `src` holds, without re-loading it.

    The table files (`*.sst`) never change once written, so they are hard-linked (copied
    where the file system has none); the rest (the write-ahead log with the writes not yet
    in a table, the manifest) is copied, and replayed when `dst` opens. `Store.backup` from
    a read-only store leaves the write-ahead log out, and with it the last small writes.
    """
    dst.mkdir()
    for f in src.iterdir():
        if f.name in ("LOCK", "LOG") or f.name.startswith("LOG.old"):
            continue
        if f.suffix == ".sst":
            try:
                os.link(f, dst / f.name)
                continue
            except OSError:
                pass
        shutil.copy2(f, dst / f.name)
