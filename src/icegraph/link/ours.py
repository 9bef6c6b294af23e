"""The graph's named entities, with every name the graph knows for them.

Read once for both sides of matching: `icegraph link` (our entities against Wikidata) and the
reconciliation service (a journalist's names against our entities)."""

from __future__ import annotations

from pyoxigraph import Store

from icegraph.link.match import OurEntity
from icegraph.namespaces import ID, PREFIXES
from icegraph.store import select

LINKABLE = (
    "Agency",
    "InternationalOrganization",
    "Company",
    "PrivateOrganization",
    "Person",
    "System",
)

_ENTITIES = """
SELECT ?e ?type ?label ?name ?parent ?operator ?note WHERE {
  VALUES ?type { %s }
  ?e a ?type ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?e), "%s"))
  OPTIONAL { ?e skos:prefLabel|skos:altLabel ?name }
  OPTIONAL { ?e org:subOrganizationOf ?parent }
  OPTIONAL { ?e ig:operatedBy ?operator }
  OPTIONAL { ?e skos:note ?note }
}
"""


def linkable_entities(store: Store) -> list[OurEntity]:
    types = " ".join(f"ig:{t}" for t in LINKABLE)
    found: dict[str, OurEntity] = {}
    for row in select(store, _ENTITIES % (types, ID), prefixes=PREFIXES):
        iri = row["e"].value
        e = found.get(iri)
        etype = row["type"].value.rsplit("#", 1)[-1]
        if e is None:
            label = row["label"].value
            e = found[iri] = OurEntity(iri, etype, label, [label])
        e.types.add(etype)
        if row["name"] is not None and row["name"].value not in e.names:
            e.names.append(row["name"].value)
        for key, values in (("parent", e.parents), ("operator", e.operators)):
            if row[key] is not None and row[key].value not in values:
                values.append(row[key].value)
        if row["note"] is not None and not e.note:
            e.note = row["note"].value
    for e in found.values():
        e.names = [e.names[0], *sorted(e.names[1:])]
    return sorted(found.values(), key=lambda e: e.iri)
