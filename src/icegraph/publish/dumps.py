"""Turtle, TriG and JSON-LD dumps, streamed from the store into a directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from icegraph.namespaces import PREFIXES
from icegraph.publish.jsonld import write_jsonld
from icegraph.store import UNION, union_triples

# Up to this many triples, dumps are sorted and use prefixes: a person reads them. Beyond,
# they stream straight from the store in its own order, since sorting and prefixing would
# pass every triple through Python (about 15 µs each).
READABLE_LIMIT = 300_000


def write_turtle(store: Store, path: Path, triples: int) -> None:
    """The union of all graphs, each triple once."""
    if triples > READABLE_LIMIT:
        store.query(UNION).serialize(str(path), RdfFormat.TURTLE)
        return
    with path.open("wb") as fh:
        pyoxigraph.serialize(union_triples(store), fh, RdfFormat.TURTLE, prefixes=PREFIXES)


def write_trig(store: Store, path: Path) -> None:
    """Every named graph as it is in the store: one per input file, plus metadata."""
    store.dump(str(path), RdfFormat.TRIG, prefixes=PREFIXES)


def write_jsonld_dump(store: Store, path: Path, context: dict[str, Any], triples: int) -> int:
    source = store.query(UNION) if triples > READABLE_LIMIT else union_triples(store)
    with path.open("w", encoding="utf-8") as fh:
        return write_jsonld(source, fh, context)


def write_context(path: Path, context: dict[str, Any]) -> None:
    path.write_text(
        json.dumps({"@context": context}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
