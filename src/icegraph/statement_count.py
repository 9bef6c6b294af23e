"""How many statements the dataset holds (the description's void:triples), without counting
the whole store in every build.

Counting the store is a scan of every quad (1.2 s at 100,000 records on a loaded machine,
most of the description's 9.5 s at a million). An incremental build never writes into the
graphs of the inputs it reuses, nor into the vocabulary and curated graphs (incremental.py):
those are the *stable* graphs, and their number of statements is kept in the build's state
(`statements.json`) and carried to the next build. Only the other graphs are counted, each
over its own range of the store's graph index: the inputs mapped now, the resolved and
derived graphs (which every build changes), and any other graph the store holds. A full
build counts the whole store, as before, and subtracts the others to know the stable part.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from icegraph.mapping.catalogue_quads import ENTITIES_GRAPH, SOURCES_GRAPH
from icegraph.mapping.iris import input_graph
from icegraph.mapping.link_quads import LINKS_GRAPH
from icegraph.mapping.terms import Term
from icegraph.produce import VOCABULARY_GRAPH
from icegraph.publish.metadata import METADATA_GRAPH
from icegraph.store import count_quads, select

STATE_FILE = "statements.json"
# written once from the curated tables and the ontology, never by an incremental build
_CURATED = (VOCABULARY_GRAPH, ENTITIES_GRAPH, SOURCES_GRAPH, LINKS_GRAPH)


def count_graph(store: Store, graph_term: Term) -> int:
    """The statements in one named graph: a scan of that graph's range only."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph_term} {{ ?s ?p ?o }} }}"
    for row in select(store, query):
        return int(row[0].value)
    return 0


@dataclass
class Stable:
    """The graphs a later incremental build leaves as they are, and their statements."""

    graphs: set[Term]
    quads: int

    def to_json(self) -> dict:
        return {"graphs": sorted(self.graphs), "quads": self.quads}


def stable_graphs(input_names: list[str]) -> set[Term]:
    return set(_CURATED) | {input_graph(name) for name in input_names}


def read_stable(state_dir: Path, dropped: dict[Term, int]) -> Stable | None:
    """The stable part an earlier build kept, less the graphs this build drops (`dropped`:
    their statements, counted before they were emptied); None when it kept none."""
    try:
        kept = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
        stable = Stable(set(kept["graphs"]), int(kept["quads"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for name, n in dropped.items():
        if name in stable.graphs:
            stable.graphs.discard(name)
            stable.quads -= n
    return stable


def count_statements(
    store: Store, input_names: list[str], mapped: list[str], earlier: Stable | None
) -> tuple[int, Stable]:
    """Statements in every graph but the description (not loaded yet), and the stable part
    for the next build. With `earlier`, the stable part of the build this one continues
    (whose inputs before `mapped` it reuses), only the rest is counted; without, the whole
    store."""
    graphs = {str(g) for g in store.named_graphs()} - {METADATA_GRAPH}
    stable = stable_graphs(input_names) & graphs
    if (
        earlier is None
        or not earlier.graphs <= stable
        or any(input_graph(name) in earlier.graphs for name in mapped)
    ):
        # a full build (or a state that does not fit this store): count it all
        total = count_quads(store) - count_graph(store, METADATA_GRAPH)
        rest = sum(count_graph(store, g) for g in graphs - stable)
        return total, Stable(stable, total - rest)
    fresh = {g: count_graph(store, g) for g in graphs - earlier.graphs}
    now = Stable(set(earlier.graphs), earlier.quads)
    for g in stable - earlier.graphs:  # the inputs mapped now
        now.graphs.add(g)
        now.quads += fresh[g]
    return earlier.quads + sum(fresh.values()), now


def write_stable(state_dir: Path, stable: Stable) -> None:
    path = state_dir / STATE_FILE
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(stable.to_json()) + "\n", encoding="utf-8")
    os.replace(tmp, path)
