"""Compact JSON-LD, written subject by subject from the store with a readable @context.

pyoxigraph writes expanded JSON-LD only, and compacting a large graph with a general
JSON-LD processor holds it all in memory; our context is fixed, so compaction is a
per-node rewrite that streams.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from icegraph.namespaces import (
    DCAT,
    DCTERMS,
    ORG,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    VOID,
    XSD,
    curie,
)

# Short names for the reused terms a reader meets most; the rest are prefixed names.
REUSED_TERMS: dict[str, tuple[str, bool]] = {
    "label": (RDFS + "label", False),
    "comment": (RDFS + "comment", False),
    "prefLabel": (SKOS + "prefLabel", False),
    "altLabel": (SKOS + "altLabel", False),
    "note": (SKOS + "note", False),
    "definition": (SKOS + "definition", False),
    "inScheme": (SKOS + "inScheme", True),
    "exactMatch": (SKOS + "exactMatch", True),
    "title": (DCTERMS + "title", False),
    "description": (DCTERMS + "description", False),
    "creator": (DCTERMS + "creator", False),
    "publisher": (DCTERMS + "publisher", False),
    "documentType": (DCTERMS + "type", True),
    "issued": (DCTERMS + "issued", False),
    "isPartOf": (DCTERMS + "isPartOf", True),
    "subOrganizationOf": (ORG + "subOrganizationOf", True),
    "wasDerivedFrom": (PROV + "wasDerivedFrom", True),
    "wasGeneratedBy": (PROV + "wasGeneratedBy", True),
    "generatedAtTime": (PROV + "generatedAtTime", False),
    "wasAssociatedWith": (PROV + "wasAssociatedWith", True),
    "sameAs": (OWL + "sameAs", True),
    "distribution": (DCAT + "distribution", True),
    "triples": (VOID + "triples", False),
    "entities": (VOID + "entities", False),
}
_NATIVE = {XSD + "string", XSD + "boolean", XSD + "integer"}


def build_context(ontology_path: Path) -> dict[str, Any]:
    """The @context: prefixes, reused terms, and every ig: property by its local name."""
    onto = rdflib.Graph().parse(ontology_path, format="turtle")
    ctx: dict[str, Any] = {"@version": 1.1, "id": "@id", "type": "@type"}
    ctx.update(PREFIXES)
    for term, (iri, is_ref) in REUSED_TERMS.items():
        ctx[term] = {"@id": curie(iri), "@type": "@id"} if is_ref else curie(iri)
    ig = PREFIXES["ig"]
    obj = rdflib.URIRef(OWL + "ObjectProperty")
    dat = rdflib.URIRef(OWL + "DatatypeProperty")
    for prop in sorted(set(onto.subjects(rdflib.RDF.type, obj)), key=str):
        if str(prop).startswith(ig):
            ctx[str(prop)[len(ig) :]] = {"@id": curie(str(prop)), "@type": "@id"}
    for prop in sorted(set(onto.subjects(rdflib.RDF.type, dat)), key=str):
        if str(prop).startswith(ig):
            ctx[str(prop)[len(ig) :]] = curie(str(prop))
    return ctx


class Compactor:
    def __init__(self, context: dict[str, Any]) -> None:
        self.keys: dict[str, tuple[str, bool]] = {}
        for term, definition in context.items():
            if term.startswith("@") or term in PREFIXES or term in ("id", "type"):
                continue
            if isinstance(definition, dict):
                self.keys[self.expand(definition["@id"])] = (term, definition.get("@type") == "@id")
            else:
                self.keys[self.expand(definition)] = (term, False)

    @staticmethod
    def expand(curie: str) -> str:
        prefix, _, local = curie.partition(":")
        return PREFIXES[prefix] + local if prefix in PREFIXES else curie

    def node(self, subject: NamedNode | BlankNode, triples: list[Triple]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self._id(subject)}
        types = [
            curie(t.object.value)
            for t in triples
            if t.predicate.value == RDF + "type" and isinstance(t.object, NamedNode)
        ]
        if types:
            out["type"] = sorted(types) if len(types) > 1 else types[0]
        for t in triples:
            p = t.predicate.value
            if p == RDF + "type":
                continue
            term, coerced = self.keys.get(p, (curie(p), False))
            value = self._value(t.object, coerced)
            if value is None:
                term, value = curie(p), self._value(t.object, False)
            out.setdefault(term, []).append(value)
        for k, v in out.items():
            if isinstance(v, list) and len(v) == 1:
                out[k] = v[0]
        return out

    def _id(self, node: NamedNode | BlankNode) -> str:
        return f"_:{node.value}" if isinstance(node, BlankNode) else curie(node.value)

    def _value(self, obj: Any, coerced: bool) -> Any:
        if isinstance(obj, (NamedNode, BlankNode)):
            return self._id(obj) if coerced else {"id": self._id(obj)}
        if coerced:
            return None  # a literal under an IRI-typed term needs the plain prefixed key
        assert isinstance(obj, Literal)
        dt = obj.datatype.value
        if obj.language:
            return {"@value": obj.value, "@language": obj.language}
        if dt in _NATIVE:
            if dt == XSD + "string":
                return obj.value
            if dt == XSD + "boolean":
                return obj.value == "true"
            if dt == XSD + "integer" and obj.value.lstrip("-").isdigit():
                return int(obj.value)
        return {"@value": obj.value, "@type": curie(dt)}


def write_jsonld(triples: Iterable[Triple], out: IO[str], context: dict[str, Any]) -> int:
    """Write {"@context": ..., "@graph": [...]} one node per line; return the node count."""
    compactor = Compactor(context)
    out.write('{\n"@context": ')
    out.write(json.dumps(context, indent=1, ensure_ascii=False))
    out.write(',\n"@graph": [\n')
    count = 0
    current: Any = None  # the subject of `group`: never a quoted triple in our graphs
    group: list[Triple] = []
    for t in triples:
        if t.subject != current:
            if group:
                out.write(("," if count else "") + _line(compactor.node(current, group)))
                count += 1
            current, group = t.subject, []
        group.append(t)
    if group:
        out.write(("," if count else "") + _line(compactor.node(current, group)))
        count += 1
    out.write("]\n}\n")
    return count


def _line(node: dict[str, Any]) -> str:
    return json.dumps(node, ensure_ascii=False, sort_keys=True) + "\n"
