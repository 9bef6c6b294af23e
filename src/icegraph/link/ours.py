"""The graph's linkable entities, with every name the graph knows for them."""

from __future__ import annotations

from pyoxigraph import Store

from icegraph.link.match import OurEntity
from icegraph.namespaces import ID, PREFIXES
from icegraph.store import select

LINKABLE = ("Agency", "InternationalOrganization", "Company", "PrivateOrganization", "Person",
            "System")  # fmt: skip

_ENTITIES = """
SELECT ?e ?type ?label ?name ?parent WHERE {
  VALUES ?type { %s }
  ?e a ?type ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?e), "%s"))
  OPTIONAL { ?e skos:prefLabel|skos:altLabel ?name }
  OPTIONAL { ?e org:subOrganizationOf ?parent }
}
"""


def linkable_entities(store: Store) -> list[OurEntity]:
    types = " ".join(f"ig:{t}" for t in LINKABLE)
    found: dict[str, OurEntity] = {}
    for row in select(store, _ENTITIES % (types, ID), prefixes=PREFIXES):
        iri = row["e"].value
        e = found.get(iri)
        if e is None:
            label = row["label"].value
            e = found[iri] = OurEntity(iri, row["type"].value.rsplit("#", 1)[-1], label, [label])
        if row["name"] is not None and row["name"].value not in e.names:
            e.names.append(row["name"].value)
        if row["parent"] is not None and row["parent"].value not in e.parents:
            e.parents.append(row["parent"].value)
    for e in found.values():
        e.names = [e.names[0], *sorted(e.names[1:])]
    return sorted(found.values(), key=lambda e: e.iri)
