"""Entities the documents name that data/entities.csv does not: one node each, with every
name the documents give it, and the IRIs an earlier, smaller build may have published for it."""

from __future__ import annotations

from collections.abc import Iterator

from icegraph.mapping.terms import (
    ALT_LABEL,
    IS_REPLACED_BY,
    LABEL,
    TYPE,
    Q,
    Triple,
    entity,
    graph,
    ig,
    text,
)
from icegraph.resolve.identity import Identities
from icegraph.resolve.names import name_key

RESOLVED_GRAPH = graph("resolved")


def resolved_quads(ids: Identities, unknown_operator: set[str]) -> Iterator[Triple]:
    """`unknown_operator`: the systems documents describe without naming who runs them."""
    q = Q(RESOLVED_GRAPH)
    for e in sorted(ids.entities.values(), key=lambda e: e.id):
        node = entity(e.id)
        if e.curated is None:
            yield q(node, TYPE, ig(e.type))
            yield q(node, LABEL, text(e.label))
            if e.id in unknown_operator:
                yield q(node, ig("operatedBy"), ig("unknownOperator"))
            known = {name_key(e.label)}
            names = e.names
        else:  # data/entities.csv names it; the names of what a person folded in are added
            c = e.curated
            known = {name_key(n) for n in (c.label, c.acronym, *c.alt_labels) if n}
            names = e.folded
        for name in sorted(names):
            key = name_key(name)
            if key not in known:
                known.add(key)
                yield q(node, ALT_LABEL, text(name))
        for alias in sorted(e.aliases):
            yield q(entity(alias), IS_REPLACED_BY, node)
