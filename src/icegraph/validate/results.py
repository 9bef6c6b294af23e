"""A validation result, independent of the engine that found it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import rdflib


@dataclass(frozen=True, slots=True)
class ShapeResult:
    severity: str  # Violation, Warning or Info
    focus: str  # IRI (or blank node id) of the entity that fails
    path: str | None  # property IRI, or None for a node-level rule
    shape: str  # IRI of the shape whose rule failed
    message: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A failed check as the fast validator finds it: terms in N-Triples, the shape's node."""

    focus: str
    value: str | None
    component: str
    shape: rdflib.term.Node


@dataclass(frozen=True, slots=True)
class Explained:
    """A result in the words a journalist reads: which record, which field, which rule, where."""

    severity: str
    entity: str
    field: str
    rule: str
    message: str
    where: str
    focus: str
    value: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        value = f" (value: {self.value!r})" if self.value else ""
        return (
            f"{self.severity}: {self.entity} — {self.field}: {self.message}{value}\n"
            f"    rule {self.rule}; {self.where}"
        )


def shape_name(shape: rdflib.term.Node | None, shapes: rdflib.Graph) -> str:
    """IRI of the named shape; for a blank-node shape, the named shape that holds it.

    Both engines name results this way, so their reports compare field for field."""
    seen = set()
    while isinstance(shape, rdflib.BNode) and shape not in seen:
        seen.add(shape)
        parent = next(shapes.subjects(None, shape), None)
        if parent is None:
            break
        shape = parent
    return str(shape)
