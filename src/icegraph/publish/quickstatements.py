"""QuickStatements (v1) for Wikidata: what we know about linked entities that Wikidata lacks.

For every system in the graph whose operator is an accepted Wikidata link, and which has no
Wikidata link itself, a CREATE block gives its name, full name, what it is (P31, from the
`wikidata_class` column of data/entities.csv) and `operator` (P137), each operator statement
referenced with the documents our claims cite: title (S1476), publication date (S577) and,
where data/sources.csv gives one, the address (S854).

A thing nobody has classed is not created: the graph calls everything that sends or receives
data a system, and some are not (a task force, an intelligence centre). Such an entity gets a
comment line instead, saying that its class needs a person. A person reviews and submits the
file; nothing is sent from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from pyoxigraph import NamedNode, Store, Variable

from icegraph.namespaces import PREFIXES, WD
from icegraph.store import select

INSTANCE_OF = "P31"
OPERATOR = "P137"
TITLE = "S1476"
PUBLISHED = "S577"
URL = "S854"

# How a description names a thing of each class; a class not listed gets no description
# rather than a wrong one.
CLASS_NOUNS = {
    "Q8513": "database",
    "Q7397": "software",
}

_SYSTEMS = """
SELECT ?system ?label ?qop ?opLabel WHERE {
  ?system a ig:System ; rdfs:label ?label ; ig:operatedBy ?op .
  ?op owl:sameAs ?qop ; rdfs:label ?opLabel .
  FILTER NOT EXISTS { ?system owl:sameAs ?any }
} ORDER BY ?label
"""
_NAMES = "SELECT ?e ?alt WHERE { ?e skos:altLabel ?alt } ORDER BY ?alt"
_SOURCES = """
SELECT ?e ?title ?citation ?publisher (GROUP_CONCAT(?author; SEPARATOR="\\n") AS ?authors)
       (SAMPLE(?issued0) AS ?issued) (SAMPLE(?url0) AS ?url) WHERE {
  ?claim ig:about ?e ; prov:wasDerivedFrom ?s .
  ?s dcterms:title ?title .
  # documents only: not the knowledge base's page or its automated analysis
  FILTER NOT EXISTS { ?s dcterms:type ?t .
    FILTER(?t IN (igid:document-type\\/automated-analysis,
                  igid:document-type\\/knowledge-base-entry)) }
  OPTIONAL { ?s ig:citation ?citation }
  OPTIONAL { ?s dcterms:publisher ?publisher }
  OPTIONAL { ?s dcterms:creator ?author }
  OPTIONAL { ?s dcterms:issued ?issued0 }
  OPTIONAL { ?s schema:url ?url0 }
} GROUP BY ?e ?s ?title ?citation ?publisher ORDER BY ?title
"""
_TRAILING_NOTE = re.compile(r"^(?P<title>.*\S)\s*\((?P<note>[^()]*)\)$")


def document_title(title: str, citation: str, publisher: str, authors: list[str]) -> str | None:
    """The document's own title, without the editor's note about it; None when the sources
    table knows no title (the citation names only the outlet and the author).

    A trailing parenthesis is the editor's when the citation does not carry it:
    'Statement of Objectives (ICE TECS Modernization)' is cited as 'Statement of Objectives',
    while the '(DHS/ICE/PIA-045)' of a privacy impact assessment is its number, cited too."""
    m = _TRAILING_NOTE.match(title)
    if m and m["note"] not in citation:
        title = m["title"]
    parts = {p.strip() for p in title.split(",")}
    if parts <= {publisher, *authors}:
        return None
    return title


def _string(text: str) -> str:
    return '"' + text.replace('"', "'").replace("\t", " ").replace("\n", " ") + '"'


def _comment(text: str) -> str:
    # QuickStatements reads '/* … */' at the end of a line as an edit summary; on a line of its
    # own it is no command at all, which is what a note to the reviewer must be.
    return "/* " + text.replace("*/", "* /").replace("\n", " ") + " */"


def _time(value: str) -> str:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"+{value}T00:00:00Z/11"
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return f"+{value}-01T00:00:00Z/10"
    return f"+{value[:4]}-01-01T00:00:00Z/9"


def quickstatements(store: Store, classes: Mapping[str, str]) -> Iterator[str]:
    """The file's lines. `classes` maps an entity's IRI to its Wikidata class (a QID)."""
    for row in select(store, _SYSTEMS, prefixes=PREFIXES):
        system, label = row["system"], row["label"].value
        operator = row["qop"].value[len(WD) :]
        wikidata_class = classes.get(system.value, "")
        if not wikidata_class:
            yield _comment(
                f"Not created: {label} <{system.value}>, operated by {row['opLabel'].value}. "
                "What it is (instance of, P31) needs a person: give it a wikidata_class in "
                "data/entities.csv."
            )
            continue
        subs = {Variable("e"): NamedNode(system.value)}
        alts = [
            r["alt"].value for r in select(store, _NAMES, prefixes=PREFIXES, substitutions=subs)
        ]
        refs, untitled = [], []
        for r in select(store, _SOURCES, prefixes=PREFIXES, substitutions=subs):
            authors = r["authors"].value.split("\n") if r["authors"] is not None else []
            title = document_title(
                r["title"].value,
                r["citation"].value if r["citation"] is not None else "",
                r["publisher"].value if r["publisher"] is not None else "",
                authors,
            )
            if title is None:
                untitled.append(r["citation"].value if r["citation"] is not None else "")
                continue
            ref = f"{TITLE}\ten:{_string(title)}"
            if r["issued"] is not None:
                ref += f"\t{PUBLISHED}\t{_time(r['issued'].value)}"
            if r["url"] is not None:
                ref += f"\t{URL}\t{_string(r['url'].value)}"
            refs.append(ref)
        yield "CREATE"
        yield f"LAST\tLen\t{_string(label)}"
        noun = CLASS_NOUNS.get(wikidata_class)
        if noun:
            description = f"{noun} operated by {row['opLabel'].value}"
            yield f"LAST\tDen\t{_string(description)}"
        for alt in alts:
            yield f"LAST\tAen\t{_string(alt)}"
        yield f"LAST\t{INSTANCE_OF}\t{wikidata_class}"
        # One statement line per reference, as QuickStatements adds each as a reference.
        for ref in sorted(set(refs)) or [""]:
            yield f"LAST\t{OPERATOR}\t{operator}" + (f"\t{ref}" if ref else "")
        for citation in sorted(set(untitled)):
            yield _comment(
                f"Also cited for {label}: '{citation}', which names no document title; "
                "identify the document before citing it."
            )
