"""Validation: SHACL shapes over the built graph, explained in a reader's words.

Two engines answer the same question: `fast` (streaming.py) checks SHACL Core in plain Python,
record by record while the build maps them or over a whole store, and refuses shapes it cannot
evaluate; `pyshacl` evaluates full SHACL over the loaded store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from icegraph.errors import IcegraphError

if TYPE_CHECKING:  # the CLI reads ENGINES at start-up, before any graph is needed
    import rdflib
    from pyoxigraph import Store

    from icegraph.validate.results import ShapeResult

    Engine = Callable[[Store, rdflib.Graph], list[ShapeResult]]

# the names `engine` accepts, for the CLI's choices
ENGINES = ("fast", "pyshacl")


def engine(name: str) -> Engine:
    if name == "fast":
        from icegraph.validate.streaming import validate_store_fast

        return validate_store_fast
    if name == "pyshacl":
        from icegraph.validate.pyshacl_engine import validate_store

        return validate_store
    raise IcegraphError(f"unknown validator '{name}'", expected="fast or pyshacl")
