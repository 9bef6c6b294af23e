"""DCAT (DCAT-AP 3.0) and VoID description of the built dataset.

Everything in it comes from the data or from constants here, never from the clock or the
machine: builds of the same input stay byte-identical. What cannot be known inside the dumps
(each dump's checksum and size: the description is itself part of every dump) is published
beside them in `checksums.sha256` and added to the server's `/dataset` answer at run time
(`distribution_files`). docs/standards.md explains the choices.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from datetime import datetime as dt
from pathlib import Path, PurePath

from pyoxigraph import Store

from icegraph import __version__
from icegraph.digests import file_sha256
from icegraph.mapping.terms import (
    DCTYPE,
    LABEL,
    TITLE,
    TYPE,
    Q,
    Term,
    Triple,
    date,
    graph,
    integer,
    iri,
    text,
    typed,
)
from icegraph.namespaces import (
    DATASET,
    DCAT,
    DCTERMS,
    FOAF,
    ID,
    IG,
    ORG,
    PROV,
    RDFS,
    SKOS,
    VOID,
    XSD,
)
from icegraph.store import count_quads, select

METADATA_GRAPH = graph("metadata")
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
# The server publishes the dumps under /dumps/ (w3id.org/icegraph/ forwards to the server).
DUMP_BASE = "https://w3id.org/icegraph/dumps/"
HOME = "https://w3id.org/icegraph/"
SPARQL_ENDPOINT = "https://w3id.org/icegraph/sparql"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"
IANA = "https://www.iana.org/assignments/media-types/"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
CHECKSUMS_FILE = "checksums.sha256"


@dataclass(frozen=True)
class Dump:
    name: str
    media: str
    file_type: str  # the EU file-type authority table's code
    label: str


DUMPS = (
    Dump("icegraph.ttl", "text/turtle", "RDF_TURTLE", "Turtle"),
    Dump("icegraph.trig", "application/trig", "RDF_TRIG", "TriG (one named graph per source)"),
    Dump("icegraph.jsonld", "application/ld+json", "JSON_LD", "JSON-LD"),
)
TITLE_TEXT = "icegraph: immigration-enforcement data systems"
DESCRIPTION = (
    "Information flows between ICE's Investigative Case Management system and other "
    "systems, the agencies and companies behind them, and sourced, graded claims "
    "about each, built from public records."
)
# Who publishes the graph and how to reach them. A newsroom publishing its own build says
# so here (docs/standards.md).
PUBLISHER_NAME = "The icegraph project"
CONTACT_URL = HOME
KEYWORDS = (
    "immigration enforcement",
    "ICE",
    "Investigative Case Management",
    "information sharing",
    "surveillance",
    "government data systems",
    "public records",
)
# EU data themes (http://publications.europa.eu/resource/authority/data-theme).
THEMES = {
    "GOVE": "Government and public sector",
    "JUST": "Justice, legal system and public safety",
}


@dataclass
class Typed:
    """Typed entities counted as the triples stream past, per class and in all.

    Counting distinct subjects over the loaded store takes most of a minute at a million
    records; here it costs a comparison a triple. Nodes minted for one record are typed in
    that record's block only, so they are counted without being kept; shared nodes (a few
    thousand) are kept in sets, since several graphs may type them.
    """

    minted: Counter = field(default_factory=Counter)
    minted_entities: int = 0
    shared: dict[str, set[str]] = field(default_factory=dict)

    def add(self, triples: Iterable[Triple], minted: Iterable[str] = ()) -> None:
        local = set(minted)
        seen: set[tuple[str, str]] = set()
        for s, p, o in triples:
            if p != TYPE:
                continue
            if s in local:
                if (s, o) not in seen:
                    seen.add((s, o))
                    self.minted[o] += 1
            else:
                self.shared.setdefault(o, set()).add(s)
        self.minted_entities += len({s for s, _ in seen if s.startswith("<" + ID)})

    def summary(self) -> dict:
        """What the dataset description needs: entities, entities per ig: class, sources."""
        classes = Counter(self.minted)
        for cls, subjects in self.shared.items():
            classes[cls] += len(subjects)
        shared = set().union(*self.shared.values()) if self.shared else set()
        return {
            "entities": self.minted_entities + sum(s.startswith("<" + ID) for s in shared),
            "classes": sorted((c[1:-1], n) for c, n in classes.items() if c.startswith("<" + IG)),
            "sources": sorted(s[1:-1] for s in self.shared.get(f"<{IG}Source>", ())),
        }


def _dates(store: Store, query: str) -> list[str]:
    return [r["d"].value for r in select(store, query) if r["d"] is not None]


# Dates the records state, outside the vocabulary and this description (which describe
# themselves, not the data): when each statement was recorded, when each document was
# issued, when each link was reviewed.
_RECORD_DATES = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT (STR(?date) AS ?d) WHERE {
  GRAPH ?g { { ?x prov:generatedAtTime ?date } UNION { ?x dcterms:issued ?date }
             UNION { ?x dcterms:date ?date } }
  FILTER(?g NOT IN (<https://w3id.org/icegraph/graph/vocabulary>,
                    <https://w3id.org/icegraph/graph/metadata>)) }"""
# What the records are about: since when relationships hold, and the documents' dates.
_COVERED_DATES = """PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX ig: <https://w3id.org/icegraph/ns#>
SELECT DISTINCT (STR(?date) AS ?d) WHERE {
  GRAPH ?g { { ?x ig:since ?date } UNION { ?x a ig:Source ; dcterms:issued ?date } }
  FILTER(?g NOT IN (<https://w3id.org/icegraph/graph/vocabulary>,
                    <https://w3id.org/icegraph/graph/metadata>)) }"""


def _valid(values: list[str]) -> list[str]:
    """Dates of a year, a month or a day (what `terms.date` types), others left out."""
    return [v for v in values if len(v) in (4, 7, 10) and v[:4].isdigit()]


def _first(values: list[str]) -> str | None:
    # A year or month starts where its first day does: "2016" < "2016-06-16" as text, too.
    return min(values) if values else None


def _last(values: list[str]) -> str | None:
    # The latest end: "2026" (all of 2026) ends after "2026-04-07".
    return max(values, key=lambda v: (v[:4], v[5:7] or "99", v[8:10] or "99")) if values else None


def modified_date(store: Store) -> str | None:
    """SOURCE_DATE_EPOCH when set, else the newest date the records state."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
    days = [v for v in _valid(_dates(store, _RECORD_DATES)) if len(v) == 10]
    return max(days) if days else None


def issued_date(store: Store) -> str | None:
    """The oldest day a statement was recorded: when the records this graph is built from
    were first issued."""
    q = """PREFIX prov: <http://www.w3.org/ns/prov#>
    SELECT (STR(?date) AS ?d) WHERE { ?x prov:generatedAtTime ?date }"""
    days = [v for v in _valid(_dates(store, q)) if len(v) == 10]
    return min(days) if days else None


def temporal_coverage(store: Store) -> tuple[str | None, str | None]:
    """From the earliest date the records are about to the latest one."""
    values = _valid(_dates(store, _COVERED_DATES) + _dates(store, _RECORD_DATES))
    return _first(values), _last(values)


def input_iri(file_name: str) -> str:
    """Where the description of one raw input file is published: its name in the data
    folder (raw/…), never the path it was read from."""
    return f"{DATASET}/input/{PurePath(file_name).name}"


def metadata_quads(
    store: Store, input_files: list[str], typed_counts: dict, statements: int | None = None
) -> list[Triple]:
    """The dataset's description: DCAT-AP 3.0 and VoID, with counts of the loaded store.

    `typed_counts` is `Typed.summary()` of the same triples. void:triples counts every
    statement in every named graph, this description's included, as the endpoint and the
    home page count them; `statements`, when known, is how many the store holds without the
    description (an incremental build knows it without counting: statement_count.py)."""
    q = Q(METADATA_GRAPH)
    ds = iri(DATASET)
    out: list[Triple] = []
    add = out.append
    add(q(ds, TYPE, iri(DCAT + "Dataset")))
    add(q(ds, TYPE, iri(VOID + "Dataset")))
    add(q(ds, TITLE, _en(TITLE_TEXT)))
    add(q(ds, LABEL, _en(TITLE_TEXT)))
    add(q(ds, iri(DCTERMS + "description"), _en(DESCRIPTION)))
    add(q(ds, iri(DCAT + "landingPage"), iri(HOME)))
    add(q(iri(HOME), TYPE, iri(FOAF + "Document")))
    add(q(ds, iri(DCTERMS + "license"), iri(LICENSE)))
    add(q(iri(LICENSE), TYPE, iri(DCTERMS + "LicenseDocument")))
    add(q(iri(LICENSE), LABEL, text("Creative Commons Attribution 4.0 International")))
    add(q(ds, iri(DCAT + "version"), text(__version__)))
    add(q(ds, iri(DCTERMS + "hasVersion"), text(__version__)))
    out.extend(_publisher(q, ds))
    for word in KEYWORDS:
        add(q(ds, iri(DCAT + "keyword"), _en(word)))
    for code, label in THEMES.items():
        theme = iri(DATA_THEME + code)
        add(q(ds, iri(DCAT + "theme"), theme))
        add(q(theme, TYPE, iri(SKOS + "Concept")))
        add(q(theme, iri(SKOS + "prefLabel"), _en(label)))
        add(q(theme, iri(SKOS + "inScheme"), iri(DATA_THEME.rstrip("/"))))
    issued, modified = issued_date(store), modified_date(store)
    if issued:
        add(q(ds, iri(DCTERMS + "issued"), date(issued)))
    if modified:
        add(q(ds, iri(DCTERMS + "modified"), date(modified)))
    start, end = temporal_coverage(store)
    if start and end:
        period = iri(DATASET + "#temporal")
        add(q(ds, iri(DCTERMS + "temporal"), period))
        add(q(period, TYPE, iri(DCTERMS + "PeriodOfTime")))
        add(q(period, iri(DCAT + "startDate"), date(start)))
        add(q(period, iri(DCAT + "endDate"), date(end)))
    # The raw inputs are data sets themselves (tables and a dossier of records); the
    # documents their records cite are referenced, each at its own page under /id/source/.
    for name in sorted(PurePath(f).name for f in input_files):
        raw = iri(input_iri(name))
        add(q(ds, iri(DCTERMS + "source"), raw))
        add(q(raw, TYPE, iri(DCAT + "Dataset")))
        add(q(raw, TITLE, text(f"raw/{name}")))
        add(
            q(
                raw,
                iri(DCTERMS + "description"),
                _en(f"The raw input file raw/{name}, kept unchanged in the data folder."),
            )
        )
    for source in typed_counts["sources"]:
        add(q(ds, iri(DCTERMS + "references"), iri(source)))
        add(q(ds, iri(PROV + "wasDerivedFrom"), iri(source)))
    add(q(ds, iri(VOID + "entities"), integer(typed_counts["entities"])))
    add(q(ds, iri(VOID + "sparqlEndpoint"), iri(SPARQL_ENDPOINT)))
    add(q(ds, iri(VOID + "vocabulary"), iri(IG.rstrip("#"))))
    for cls, n in typed_counts["classes"]:
        part = iri(f"{DATASET}/class/{cls.rsplit('#', 1)[-1].rsplit('/', 1)[-1]}")
        add(q(ds, iri(VOID + "classPartition"), part))
        add(q(part, iri(VOID + "class"), iri(cls)))
        add(q(part, iri(VOID + "entities"), integer(n)))
    for dump in DUMPS:
        out.extend(_distribution(q, ds, dump))
    add(q(ds, iri(VOID + "dataDump"), iri(DUMP_BASE + "icegraph.ttl")))
    # The count includes this description, and the statement that states it.
    total = (count_quads(store) if statements is None else statements) + len(out) + 1
    add(q(ds, iri(VOID + "triples"), integer(total)))
    return out


def _en(value: str) -> Term:
    return f"{text(value)}@en"


def _publisher(q: Q, ds: Term) -> list[Triple]:
    publisher, contact = iri(DATASET + "#publisher"), iri(DATASET + "#contact")
    return [
        q(ds, iri(DCTERMS + "publisher"), publisher),
        q(ds, iri(DCTERMS + "creator"), publisher),
        q(publisher, TYPE, iri(FOAF + "Agent")),
        q(publisher, TYPE, iri(ORG + "Organization")),
        q(publisher, iri(FOAF + "name"), text(PUBLISHER_NAME)),
        q(publisher, LABEL, text(PUBLISHER_NAME)),
        q(publisher, iri(FOAF + "homepage"), iri(HOME)),
        q(ds, iri(DCAT + "contactPoint"), contact),
        q(contact, TYPE, iri(VCARD + "Kind")),
        q(contact, TYPE, iri(VCARD + "Organization")),
        q(contact, iri(VCARD + "fn"), text(PUBLISHER_NAME)),
        q(contact, iri(VCARD + "hasURL"), iri(CONTACT_URL)),
    ]


def _distribution(q: Q, ds: Term, dump: Dump) -> list[Triple]:
    url = iri(DUMP_BASE + dump.name)
    media, fmt = iri(IANA + dump.media), iri(FILE_TYPE + dump.file_type)
    return [
        q(ds, iri(DCAT + "distribution"), url),
        q(url, TYPE, iri(DCAT + "Distribution")),
        # the shapes range download and access URLs over rdfs:Resource, which they are
        q(url, TYPE, iri(RDFS + "Resource")),
        q(url, TITLE, _en(f"icegraph dump: {dump.label}")),
        q(url, iri(DCAT + "accessURL"), url),
        q(url, iri(DCAT + "downloadURL"), url),
        q(url, iri(DCAT + "mediaType"), media),
        q(media, TYPE, iri(DCTERMS + "MediaType")),
        q(url, iri(DCTERMS + "format"), fmt),
        q(fmt, TYPE, iri(DCTERMS + "MediaTypeOrExtent")),
        q(url, iri(DCTERMS + "license"), iri(LICENSE)),
        q(url, DCTYPE, iri(VOID + "Dataset")),
    ]


def checksums_text(folder: Path, known: dict[str, str] | None = None) -> str:
    """`sha256sum` lines for the dumps in `folder` (the format `sha256sum -c` checks);
    `known`: digests already worked out, by file name.

    The others are hashed side by side: hashing releases the interpreter's lock, and at the
    end of a build this is all that runs (a gigabyte of dumps at 100,000 records)."""
    known = known or {}
    paths = [folder / dump.name for dump in DUMPS if (folder / dump.name).exists()]
    todo = [p for p in paths if p.name not in known]
    with ThreadPoolExecutor(max_workers=len(todo) or 1) as pool:
        found = dict(zip((p.name for p in todo), pool.map(file_sha256, todo), strict=True))
    return "".join(f"{known.get(p.name) or found[p.name]}  {p.name}\n" for p in paths)


def distribution_files(folder: Path) -> list[Triple]:
    """Each dump's sha256 checksum and size in bytes, as triples for the served `/dataset`
    answer: they cannot be inside the dumps they describe."""
    q = Q(METADATA_GRAPH)
    out: list[Triple] = []
    algorithm = iri(SPDX + "checksumAlgorithm_sha256")
    for dump in DUMPS:
        path = folder / dump.name
        if not path.exists():
            continue
        url = iri(DUMP_BASE + dump.name)
        checksum = iri(DUMP_BASE + dump.name + "#sha256")
        out += [
            q(url, iri(SPDX + "checksum"), checksum),
            q(checksum, TYPE, iri(SPDX + "Checksum")),
            q(checksum, iri(SPDX + "algorithm"), algorithm),
            q(checksum, iri(SPDX + "checksumValue"), typed(file_sha256(path), XSD + "hexBinary")),
            q(
                url,
                iri(DCAT + "byteSize"),
                typed(str(path.stat().st_size), XSD + "nonNegativeInteger"),
            ),
        ]
    if out:
        out.append(q(algorithm, TYPE, iri(SPDX + "ChecksumAlgorithm")))
    return out
