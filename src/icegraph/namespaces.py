"""Every namespace the project uses, defined once."""

from __future__ import annotations

import re

IG = "https://w3id.org/icegraph/ns#"
ID = "https://w3id.org/icegraph/id/"
GRAPH = "https://w3id.org/icegraph/graph/"
DATASET = "https://w3id.org/icegraph/dataset"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
VOID = "http://rdfs.org/ns/void#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
SH = "http://www.w3.org/ns/shacl#"
FREQ = "http://purl.org/cld/freq/"
WD = "http://www.wikidata.org/entity/"
SD = "http://www.w3.org/ns/sparql-service-description#"

PREFIXES: dict[str, str] = {
    "ig": IG,
    "igid": ID,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "void": VOID,
    "org": ORG,
    "schema": SCHEMA,
    "foaf": FOAF,
    "freq": FREQ,
    "wd": WD,
    "sd": SD,
}


_DECLARED = re.compile(r"^\s*PREFIX\s+([\w.-]*):", re.IGNORECASE | re.MULTILINE)


def with_prefixes(sparql: str) -> str:
    """The query with PREFIX lines for the known namespaces it does not declare itself, for a
    server that knows none (a declared prefix is never repeated, nor overridden)."""
    declared = set(_DECLARED.findall(sparql))
    missing = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if p not in declared)
    return missing + sparql


def curie(iri: str) -> str:
    """'ig:System' for an IRI in a known namespace; the IRI itself otherwise."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri
