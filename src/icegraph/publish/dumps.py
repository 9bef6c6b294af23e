"""Turtle, TriG and JSON-LD dumps, streamed from the store into a directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from icegraph.namespaces import PREFIXES
from icegraph.publish.jsonld import write_jsonld
from icegraph.store import union_triples


def write_turtle(store: Store, path: Path) -> None:
    """The union of all graphs, each triple once."""
    with path.open("wb") as fh:
        pyoxigraph.serialize(union_triples(store), fh, RdfFormat.TURTLE, prefixes=PREFIXES)


def write_trig(store: Store, path: Path) -> None:
    """Every named graph as it is in the store: one per input file, plus metadata."""
    store.dump(str(path), RdfFormat.TRIG, prefixes=PREFIXES)


def write_jsonld_dump(store: Store, path: Path, context: dict[str, Any]) -> int:
    with path.open("w", encoding="utf-8") as fh:
        return write_jsonld(union_triples(store), fh, context)


def write_context(path: Path, context: dict[str, Any]) -> None:
    path.write_text(
        json.dumps({"@context": context}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
