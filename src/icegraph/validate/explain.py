"""Turn shape results into sentences: entity name, field, rule, and the raw file and line."""

from __future__ import annotations

from pathlib import Path

import rdflib
from pyoxigraph import NamedNode, Store, Variable
from rdflib.namespace import RDFS, SH

from icegraph.store import select
from icegraph.validate.results import Explained, ShapeResult

_WHERE = """
PREFIX ig: <https://w3id.org/icegraph/ns#>
SELECT ?file ?line WHERE {
  { ?focus ig:sourceFile ?file ; ig:sourceLine ?line }
  UNION { ?c ig:asserts ?focus ; ig:sourceFile ?file ; ig:sourceLine ?line }
  UNION { ?c ig:about ?focus ; ig:sourceFile ?file ; ig:sourceLine ?line }
  UNION { ?f ig:dataFrom|ig:dataTo ?focus . ?c ig:asserts ?f ; ig:sourceFile ?file ;
          ig:sourceLine ?line }
} ORDER BY ?line LIMIT 1
"""
_LABEL = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?focus ?label WHERE { ?focus rdfs:label ?label } ORDER BY ?label LIMIT 1
"""
_CURATED = {
    "https://w3id.org/icegraph/id/source/": "data/sources.csv",
    "https://w3id.org/icegraph/id/document-type/": "data/document-types.csv",
    "https://w3id.org/icegraph/id/relation-type/": "data/relation-types.csv",
    "https://w3id.org/icegraph/id/": "data/entities.csv",
    "https://w3id.org/icegraph/ns#": "ontology/icegraph.ttl",
}


def explain(
    results: list[ShapeResult], store: Store, shapes: rdflib.Graph, data_dir: Path
) -> list[Explained]:
    return [_one(r, store, shapes, data_dir) for r in results]


def _one(r: ShapeResult, store: Store, shapes: rdflib.Graph, data_dir: Path) -> Explained:
    shape = rdflib.URIRef(r.shape)
    name = shapes.value(shape, SH.name)
    field = str(name) if name is not None else None
    if field is None and r.path:
        field = r.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    node_kind = shapes.value(shape, RDFS.label)
    if node_kind is None:
        parent = shapes.value(None, SH.property, shape)
        node_kind = shapes.value(parent, RDFS.label) if parent is not None else None
    message = r.message or str(shapes.value(shape, SH.message) or "breaks a rule")
    label = _label(store, r.focus)
    entity = f"{node_kind or 'record'} '{label}' <{r.focus}>" if label else f"<{r.focus}>"
    return Explained(
        severity=r.severity,
        entity=entity,
        field=field or "(whole record)",
        rule=r.shape.rsplit("#", 1)[-1],
        message=message,
        where=_where(store, r.focus, data_dir),
        focus=r.focus,
        value=r.value,
    )


def _label(store: Store, focus: str) -> str | None:
    if not focus.startswith("http"):
        return None
    for row in select(store, _LABEL, substitutions={Variable("focus"): NamedNode(focus)}):
        return row["label"].value
    return None


def _where(store: Store, focus: str, data_dir: Path) -> str:
    if focus.startswith("http"):
        # written into the query rather than substituted: the store only plans the branches
        # around a constant (8 s a finding at 100,000 records with a substitution, 1 ms now)
        query = _WHERE.replace("?focus", str(NamedNode(focus)))
        for row in select(store, query):
            return f"{data_dir / row['file'].value}, line {row['line'].value}"
        for prefix, curated in _CURATED.items():
            if focus.startswith(prefix):
                return f"curated in {curated}"
    return "no source line recorded"
