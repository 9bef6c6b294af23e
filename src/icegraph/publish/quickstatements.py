"""QuickStatements (v1) for Wikidata: what we know about linked entities that Wikidata lacks.

For every system in the graph whose operator is an accepted Wikidata link, and which has no
Wikidata link itself, a CREATE block gives its name, full name and `operator` (P137), each
statement referenced with the documents our claims cite: title (S1476), publication date
(S577) and, where data/sources.csv gives one, the address (S854). A person reviews and
submits the file; nothing is sent from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pyoxigraph import Store

from icegraph.namespaces import PREFIXES, WD
from icegraph.store import select

OPERATOR = "P137"
TITLE = "S1476"
PUBLISHED = "S577"
URL = "S854"

_SYSTEMS = """
SELECT ?system ?label ?qop ?opLabel WHERE {
  ?system a ig:System ; rdfs:label ?label ; ig:operatedBy ?op .
  ?op owl:sameAs ?qop ; rdfs:label ?opLabel .
  FILTER NOT EXISTS { ?system owl:sameAs ?any }
} ORDER BY ?label
"""
_NAMES = "SELECT ?e ?alt WHERE { ?e skos:altLabel ?alt } ORDER BY ?alt"
_SOURCES = """
SELECT DISTINCT ?e ?title ?issued ?url WHERE {
  ?claim ig:about ?e ; prov:wasDerivedFrom ?s .
  ?s dcterms:title ?title .
  # documents only: not the knowledge base's page or its automated analysis
  FILTER NOT EXISTS { ?s dcterms:type ?t .
    FILTER(?t IN (igid:document-type\\/automated-analysis,
                  igid:document-type\\/knowledge-base-entry)) }
  OPTIONAL { ?s dcterms:issued ?issued }
  OPTIONAL { ?s schema:url ?url }
} ORDER BY ?title
"""


def _string(text: str) -> str:
    return '"' + text.replace('"', "'").replace("\t", " ").replace("\n", " ") + '"'


def _time(value: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"+{value}T00:00:00Z/11"
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return f"+{value}-01T00:00:00Z/10"
    return f"+{value[:4]}-01-01T00:00:00Z/9"


def quickstatements(store: Store) -> Iterator[str]:
    from pyoxigraph import NamedNode, Variable

    for row in select(store, _SYSTEMS, prefixes=PREFIXES):
        system, label = row["system"], row["label"].value
        operator = row["qop"].value[len(WD) :]
        subs = {Variable("e"): NamedNode(system.value)}
        alts = [
            r["alt"].value for r in select(store, _NAMES, prefixes=PREFIXES, substitutions=subs)
        ]
        refs = []
        for r in select(store, _SOURCES, prefixes=PREFIXES, substitutions=subs):
            ref = f"{TITLE}\ten:{_string(r['title'].value)}"
            if r["issued"] is not None:
                ref += f"\t{PUBLISHED}\t{_time(r['issued'].value)}"
            if r["url"] is not None:
                ref += f"\t{URL}\t{_string(r['url'].value)}"
            refs.append(ref)
        yield "CREATE"
        yield f"LAST\tLen\t{_string(label)}"
        desc = f"information system operated by {row['opLabel'].value}"
        yield f"LAST\tDen\t{_string(desc)}"
        for alt in alts:
            yield f"LAST\tAen\t{_string(alt)}"
        # One statement line per reference, as QuickStatements adds each as a reference.
        for ref in refs or [""]:
            yield f"LAST\t{OPERATOR}\t{operator}" + (f"\t{ref}" if ref else "")
