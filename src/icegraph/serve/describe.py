"""What an entity page shows, read from the store: a dossier of the entity (header, counts,
facts with who says each, contradictions, claims by tier, connections, sources) and the
triples behind it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple

from icegraph.namespaces import DCAT, DCTERMS, FOAF, GRAPH, ID, IG, PREFIXES, RDF, curie
from icegraph.serve.findings import BuildFinding
from icegraph.serve.labels import term_label
from icegraph.serve.withheld_notice import Notice, notices
from icegraph.store import select


def local_link(iri: str) -> str | None:
    """Where this server shows an IRI of ours, or None for outside IRIs."""
    if iri.startswith(ID):
        return "/id/" + iri[len(ID) :]
    return None


def safe_href(iri: str) -> str | None:
    """A link a page may hold: our own page for our IRIs, http(s) as is, nothing else."""
    local = local_link(iri)
    if local is not None:
        return local
    if iri.lower().startswith(("http://", "https://")):
        return iri
    return None


@dataclass
class Value:
    text: str
    iri: str | None = None
    href: str | None = None
    note: str = ""
    # who says so: the curated record's document or curator, or the document read
    sources: list[Value] = field(default_factory=list)


@dataclass
class ClaimView:
    iri: str
    statement: str
    confidence: str
    verification: str
    method: str
    date: str
    sources: list[Value] = field(default_factory=list)
    asserts: Value | None = None


@dataclass
class Connection:
    iri: str
    label: str
    relation: str  # "sends data to", "Contractor →", "← Contractor"
    other: Value
    claims: int
    strongest: str


@dataclass
class Position:
    said: str
    claim: Value
    file: str
    line: str


@dataclass
class ContradictionView:
    iri: str
    label: str
    aspect: str
    positions: list[Position]


@dataclass
class SupportView:
    claims: int
    documents: int
    publishers: int
    strongest: str
    weakest: str

    @property
    def sentence(self) -> str:
        """'3 claims from 5 documents by 3 independent publishers; strongest primary,
        weakest secondary'."""

        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        return (
            f"{n(self.claims, 'claim')} from {n(self.documents, 'document')} by "
            f"{n(self.publishers, 'independent publisher')}; strongest {self.strongest}, "
            f"weakest {self.weakest}"
        )


@dataclass
class FactRow:
    label: str
    predicate: str
    values: list[Value]


@dataclass
class EntityView:
    iri: str
    label: str
    types: list[Value]
    facts: list[FactRow]
    wikidata: Value | None
    summary: Value | None
    role: Value | None
    status: Value | None
    claims_apply: bool
    claim_groups: list[tuple[str, list[ClaimView]]]
    claim_count: int
    connections: list[Connection]
    key_connections: list[Connection]
    sources: list[Value]
    contradictions: list[ContradictionView]
    support: SupportView | None
    warnings: list[BuildFinding]
    inbound: Inbound
    more_claims: bool = False  # a page shows at most PAGE_LIMIT claims and connections each
    more_connections: bool = False
    more_contradictions: bool = False  # and at most CONTRADICTION_LIMIT disagreements
    # withdrawn (a tombstone), embargoed or confidential: said before anything else
    notices: list[Notice] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return ", ".join(t.text for t in self.types)

    @property
    def graph_href(self) -> str | None:
        local = local_link(self.iri)
        return "/graph/" + local[len("/id/") :] if local and self.has_connections else None

    @property
    def has_connections(self) -> bool:
        return bool(self.connections)


# Without ORDER BY the store stops at the limit; the page sorts what it shows. An entity
# such as ICM, named by a claim on every row of a large table, still opens at once.
PAGE_LIMIT = 200
# Disagreements a page shows; the catalogue's `contradictions` question lists them all.
CONTRADICTION_LIMIT = 50
# "Referred to by" entries a page shows; the rest are a link away (?referred=OFFSET).
INBOUND_PAGE = 200
# Things claims are about, or that claims assert; a claim, a document or the dataset is not.
CLAIMABLE = {
    IG + k
    for k in (
        "System", "Agency", "Company", "Person", "InternationalOrganization",
        "PrivateOrganization", "InformationFlow", "Relationship",
    )
}  # fmt: skip
TIERS = ("primary", "secondary", "inferential")
# Shown in the header, or as the page's title, rather than in the facts table.
_HEADER = {
    DCTERMS + "description": "summary",
    PREFIXES["skos"] + "note": "role",
    IG + "status": "status",
}
_HIDDEN = {PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel"}
_DERIVED = {
    IG + k
    for k in (
        "claimCount", "documentCount", "publisherCount", "strongestConfidence",
        "weakestConfidence", "soleDocument",  # the claims below name that document
    )
}  # fmt: skip
_WIKIDATA = (PREFIXES["owl"] + "sameAs", PREFIXES["skos"] + "exactMatch")
# Kinds whose links to an entity the dossier shows elsewhere (claims, contradictions, sources).
_SHOWN_ELSEWHERE = {IG + "Claim", IG + "Contradiction", IG + "Position", DCAT + "CatalogRecord"}


def exists(store: Store, iri: str) -> bool:
    node = NamedNode(iri)
    return any(True for _ in store.quads_for_pattern(node, None, None, None))


def replaced_by(store: Store, iri: str) -> str | None:
    """The IRI that now stands for an IRI an earlier build published, if the graph says so."""
    for q in store.quads_for_pattern(
        NamedNode(iri), NamedNode(DCTERMS + "isReplacedBy"), None, None
    ):
        if isinstance(q.object, NamedNode):
            return q.object.value
    return None


def triples_about(store: Store, iri: str) -> list[Triple]:
    """The entity's own triples (every graph), and the triples that point at it."""
    node = NamedNode(iri)
    seen: set[tuple] = set()
    out = []
    for q in store.quads_for_pattern(node, None, None, None):
        key = (q.subject, q.predicate, q.object)
        if key not in seen:
            seen.add(key)
            out.append(Triple(*key))
    for q in store.quads_for_pattern(None, None, node, None):
        key = (q.subject, q.predicate, q.object)
        if key not in seen:
            seen.add(key)
            out.append(Triple(*key))
    return out


def label_of(store: Store, iri: str, cache: dict[str, str]) -> str:
    if iri not in cache:
        node = NamedNode(iri)
        labels = sorted(
            q.object.value
            for q in store.quads_for_pattern(
                node, NamedNode(PREFIXES["rdfs"] + "label"), None, None
            )
        )
        cache[iri] = labels[0] if labels else curie(iri)
    return cache[iri]


def value_of(store: Store, term: object, cache: dict[str, str]) -> Value:
    if isinstance(term, NamedNode):
        return Value(label_of(store, term.value, cache), term.value, safe_href(term.value))
    if isinstance(term, BlankNode):
        return Value("_:" + term.value)
    assert isinstance(term, Literal)
    note = term.language or (
        "" if term.datatype.value.endswith("#string") else curie(term.datatype.value)
    )
    return Value(term.value, note=note)


class _Sources:
    """Who says so for a value, from the graph that holds it: the curated record of
    data/entities.csv (its document, or its curator and date), the document page a reader
    took it from, or the review that accepted a Wikidata link."""

    def __init__(self, store: Store, iri: str, cache: dict[str, str]) -> None:
        self.store = store
        self.cache = cache
        self.by_graph: dict[str, list[Value]] = {}
        self.record = self._record(iri)

    def _record(self, iri: str) -> list[Value]:
        out: list[Value] = []
        for q in self.store.quads_for_pattern(
            None, NamedNode(FOAF + "primaryTopic"), NamedNode(iri), None
        ):
            rec = q.subject
            for s in self.store.quads_for_pattern(rec, NamedNode(DCTERMS + "source"), None, None):
                out.append(value_of(self.store, s.object, self.cache))
            who = [x.object.value for x in self.store.quads_for_pattern(
                rec, NamedNode(DCTERMS + "creator"), None, None)]  # fmt: skip
            when = [x.object.value for x in self.store.quads_for_pattern(
                rec, NamedNode(DCTERMS + "date"), None, None)]  # fmt: skip
            if who:
                text = f"curated by {who[0]}" + (f", {when[0]}" if when else "")
                out.append(Value(text, rec.value, safe_href(rec.value)))
        return out

    def of(self, graph: object) -> list[Value]:
        name = getattr(graph, "value", "")
        if name not in self.by_graph:
            self.by_graph[name] = self._of(name)
        return self.by_graph[name]

    def _of(self, name: str) -> list[Value]:
        if name == GRAPH + "entities":
            return self.record or [Value("data/entities.csv, no source given")]
        if name.startswith(GRAPH + "raw/"):
            key = name[len(GRAPH + "raw/") :]
            page = ID + "source/" + key
            if exists(self.store, page):
                return [value_of(self.store, NamedNode(page), self.cache)]
            return [Value("raw/" + key)]
        if name == GRAPH + "wikidata-links":
            return [Value("link review accepted in data/wikidata-links.csv")]
        if name == GRAPH + "derived":
            return [Value("counted by the build from the claims")]
        if name == GRAPH + "sources":
            return [Value("data/sources.csv")]
        return []


# Triple patterns from the entity rather than property paths towards it: Oxigraph starts
# these branches from the bound entity, where a path's branch read every claim in the store
# (here and in _CONTRADICTIONS).
_CLAIMS = """
SELECT DISTINCT ?e ?claim ?statement ?conf ?ver ?method ?date ?target WHERE {
  { ?claim ig:about ?e } UNION { ?claim ig:asserts ?e }
  UNION { ?target ig:dataFrom ?e . ?claim ig:asserts ?target }
  UNION { ?target ig:dataTo ?e . ?claim ig:asserts ?target }
  UNION { ?target ig:relationFrom ?e . ?claim ig:asserts ?target }
  UNION { ?target ig:relationTo ?e . ?claim ig:asserts ?target }
  ?claim ig:statement ?statement .
  OPTIONAL { ?claim ig:confidence ?conf }
  OPTIONAL { ?claim ig:verification/skos:prefLabel ?ver }
  OPTIONAL { ?claim ig:method/skos:prefLabel ?method }
  OPTIONAL { ?claim prov:generatedAtTime ?date }
  OPTIONAL { ?claim ig:asserts ?target }
} LIMIT 201
"""
_CONNECTIONS = """
SELECT DISTINCT ?e ?c ?label ?other ?dir ?rt ?claims ?best WHERE {
  { ?c ig:dataFrom ?e ; ig:dataTo ?other . BIND("out" AS ?dir) }
  UNION { ?c ig:dataTo ?e ; ig:dataFrom ?other . BIND("in" AS ?dir) }
  UNION { ?c ig:relationFrom ?e ; ig:relationTo ?other . BIND("to" AS ?dir) }
  UNION { ?c ig:relationTo ?e ; ig:relationFrom ?other . BIND("from" AS ?dir) }
  FILTER(?other != ?e)
  ?c rdfs:label ?label .
  OPTIONAL { ?c ig:relationType/skos:prefLabel ?rt }
  OPTIONAL { ?c ig:claimCount ?claims }
  OPTIONAL { ?c ig:strongestConfidence ?best }
}
"""


_CONTRADICTION_KEYS = """
SELECT DISTINCT ?k WHERE {
  { ?k dcterms:subject ?e } UNION { ?p0 ig:statedBy ?e . ?k ig:hasPosition ?p0 }
  UNION { ?c0 ig:asserts ?e . ?p0 ig:statedBy ?c0 . ?k ig:hasPosition ?p0 }
  ?k a ig:Contradiction .
}
"""
# The positions of disagreements already chosen (VALUES ?k): asked apart, because with the
# entity's patterns in the same query the store plans the positions from every claim.
_POSITIONS = """
SELECT ?k ?label ?aspect ?said ?claim ?file ?line WHERE {
  ?k a ig:Contradiction ; rdfs:label ?label ; ig:aspect ?aspect ; ig:hasPosition ?p .
  ?p rdfs:label ?said ; ig:statedBy ?claim .
  OPTIONAL { ?p ig:sourceFile ?file }
  OPTIONAL { ?p ig:sourceLine ?line }
}
"""


def about(query: str, iri: str) -> str:
    """The query with ?e bound to the entity by a VALUES block at the top of its WHERE
    clause: bound as a substitution, the store plans as if ?e were unknown and lists every
    flow of the graph before keeping the entity's (36 s for a system at 100,000 records,
    2 ms this way)."""
    return query.replace("WHERE {", "WHERE {\n  VALUES ?e { " + str(NamedNode(iri)) + " }", 1)


def connections(
    store: Store, iri: str, cache: dict[str, str], limit: int = 1001
) -> list[Connection]:
    """Flows and relationships the entity is an end of (from the first `limit` rows the
    store finds: no ORDER BY, so a hub's are found as fast as any), sorted by the other
    end's name."""
    out: dict[tuple[str, str], Connection] = {}
    query = about(_CONNECTIONS, iri) + f" LIMIT {limit}"
    for r in select(store, query, prefixes=PREFIXES):
        direction = r["dir"].value
        rt = r["rt"].value if r["rt"] else "related to"
        relation = {
            "out": "sends data to",
            "in": "receives data from",
            "to": f"{rt} →",
            "from": f"← {rt}",
        }[direction]
        key = (r["c"].value, direction)
        out.setdefault(key, Connection(
            r["c"].value, r["label"].value, relation, value_of(store, r["other"], cache),
            int(r["claims"].value) if r["claims"] else 0,
            _local_name(r["best"].value) if r["best"] else "",
        ))  # fmt: skip
    return sorted(out.values(), key=lambda c: (c.other.text.casefold(), c.relation, c.iri))


def _local_name(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _rank(grade: str) -> int:
    return TIERS.index(grade) if grade in TIERS else len(TIERS)


def describe(
    store: Store,
    iri: str,
    warnings: dict[str, list[BuildFinding]] | None = None,
    referred: int = 0,
) -> EntityView:
    """The entity's dossier; `referred` is where its "Referred to by" page starts."""
    cache: dict[str, str] = {}
    names: dict[str, str] = {}
    node = NamedNode(iri)
    sources = _Sources(store, iri, cache)
    rows: dict[str, dict[str, Value]] = {}
    types: list[Value] = []
    type_iris: set[str] = set()
    wikidata: Value | None = None
    header: dict[str, Value] = {}
    derived: dict[str, str] = {}
    for q in store.quads_for_pattern(node, None, None, None):
        p = q.predicate.value
        if p == RDF + "type":
            if q.object.value not in type_iris:
                type_iris.add(q.object.value)
                types.append(Value(term_label(store, q.object.value, names), q.object.value))
            continue
        if p in _HIDDEN:
            continue
        if p in _DERIVED:
            derived[p[len(IG) :]] = q.object.value
            continue
        if p in _WIKIDATA and q.object.value.startswith(PREFIXES["wd"]):
            if wikidata is None:  # owl:sameAs and skos:exactMatch name the same item
                qid = q.object.value.rsplit("/", 1)[-1]
                wikidata = Value(qid, q.object.value, q.object.value)
            continue
        v = value_of(store, q.object, cache)
        key = v.iri or f"{v.text}\x00{v.note}"
        seen = rows.setdefault(p, {})
        if key not in seen:
            seen[key] = v
        for s in sources.of(q.graph_name):
            if s not in seen[key].sources:
                seen[key].sources.append(s)
        if p in _HEADER and _HEADER[p] not in header:
            header[_HEADER[p]] = seen[key]
    facts = sorted(
        (
            FactRow(term_label(store, p, names), curie(p),
                    sorted(vals.values(), key=lambda v: v.text.casefold()))
            for p, vals in rows.items()
            if p not in _HEADER
        ),
        key=lambda f: f.label.casefold(),
    )  # fmt: skip

    claims: dict[str, ClaimView] = {}
    for r in select(store, about(_CLAIMS, iri), prefixes=PREFIXES):
        c = r["claim"].value
        if c in claims:
            continue
        claims[c] = ClaimView(
            c, r["statement"].value,
            _local_name(r["conf"].value) if r["conf"] else "", r["ver"].value if r["ver"] else "",
            r["method"].value if r["method"] else "", r["date"].value if r["date"] else "",
            asserts=value_of(store, r["target"], cache) if r["target"] else None,
        )  # fmt: skip
    documents: dict[str, Value] = {}
    for c in claims.values():
        c.sources = [
            value_of(store, q.object, cache)
            for q in store.quads_for_pattern(
                NamedNode(c.iri), NamedNode(PREFIXES["prov"] + "wasDerivedFrom"), None, None
            )
        ]
        for s in c.sources:
            if s.iri and s.iri not in documents:
                documents[s.iri] = s
    for s in documents.values():
        kinds = [
            label_of(store, q.object.value, cache)
            for q in store.quads_for_pattern(
                NamedNode(s.iri or ""), NamedNode(DCTERMS + "type"), None, None
            )
        ]
        s.note = ", ".join(sorted(set(kinds)))
    # By tier, then newest first; undated claims last within their tier.
    ordered = sorted(claims.values(), key=lambda c: c.iri)
    ordered.sort(key=lambda c: c.date, reverse=True)
    ordered.sort(key=lambda c: (_rank(c.confidence), c.date == ""))
    shown = ordered[:PAGE_LIMIT]
    groups: list[tuple[str, list[ClaimView]]] = []
    for c in shown:
        tier = c.confidence or "ungraded"
        if not groups or groups[-1][0] != tier:
            groups.append((tier, []))
        groups[-1][1].append(c)

    found_links = connections(store, iri, cache, PAGE_LIMIT + 1)
    links = found_links[:PAGE_LIMIT]
    key_links = sorted(links, key=lambda c: (-c.claims, _rank(c.strongest), c.other.text))[:5]

    disagreements = contradictions(store, iri, cache, CONTRADICTION_LIMIT + 1)
    support = None
    if "claimCount" in derived:
        support = SupportView(
            int(derived["claimCount"]), int(derived.get("documentCount", 0)),
            int(derived.get("publisherCount", 0)),
            _local_name(derived.get("strongestConfidence", "")),
            _local_name(derived.get("weakestConfidence", "")),
        )  # fmt: skip

    return EntityView(
        iri=iri,
        label=label_of(store, iri, cache),
        types=types,
        facts=facts,
        wikidata=wikidata,
        summary=header.get("summary"),
        role=header.get("role"),
        status=header.get("status"),
        claims_apply=bool(claims) or bool(type_iris & CLAIMABLE),
        claim_groups=groups,
        claim_count=len(claims),
        connections=links,
        key_connections=key_links,
        sources=sorted(documents.values(), key=lambda s: s.text.casefold()),
        contradictions=disagreements[:CONTRADICTION_LIMIT],
        more_contradictions=len(disagreements) > CONTRADICTION_LIMIT,
        support=support,
        warnings=(warnings or {}).get(iri, []),
        inbound=_inbound(store, node, cache, names, referred),
        more_claims=len(ordered) > PAGE_LIMIT,
        more_connections=len(found_links) > PAGE_LIMIT,
        notices=notices(store, iri),
    )


def contradictions(
    store: Store, iri: str, cache: dict[str, str], limit: int | None = None
) -> list[ContradictionView]:
    """Disagreements about the entity, or stated by it (a claim) or by claims asserting it;
    at most `limit` of them (each with all its positions), in the store's order before
    sorting, so a hub with thousands opens at once."""
    keys = about(_CONTRADICTION_KEYS, iri) + (f" LIMIT {limit}" if limit is not None else "")
    chosen = " ".join(str(r["k"]) for r in select(store, keys, prefixes=PREFIXES))
    if not chosen:
        return []
    query = _POSITIONS.replace("WHERE {", "WHERE {\n  VALUES ?k { " + chosen + " }", 1)
    found: dict[str, ContradictionView] = {}
    for r in select(store, query, prefixes=PREFIXES):
        k = found.setdefault(
            r["k"].value,
            ContradictionView(r["k"].value, r["label"].value, r["aspect"].value, []),
        )
        pos = Position(
            r["said"].value, value_of(store, r["claim"], cache),
            r["file"].value if r["file"] else "", r["line"].value if r["line"] else "",
        )  # fmt: skip
        if pos not in k.positions:
            k.positions.append(pos)
    for k in found.values():
        k.positions.sort(key=lambda p: (p.file, int(p.line) if p.line.isdigit() else 0, p.said))
    return sorted(found.values(), key=lambda k: (k.label.casefold(), k.iri))


# What points at the entity, less what the dossier shows in sections of its own (claims,
# contradictions, curated records), a page at a time in the store's own order: no ORDER BY,
# so a hub named by a million statements gives its first page as fast as any other entity.
_INBOUND = """
SELECT DISTINCT ?s ?p WHERE {
  ?s ?p ?e .
  FILTER NOT EXISTS {
    VALUES ?elsewhere { ig:Claim ig:Contradiction ig:Position dcat:CatalogRecord }
    ?s a ?elsewhere
  }
}
"""


@dataclass
class Inbound:
    groups: list[tuple[str, list[tuple[str, Value]]]]
    offset: int  # the first shown is the offset-th (from 0)
    more: bool  # whether another page follows
    # Statements of any kind that point here, claims included: counted only for a hub,
    # where the section's own count would cost a type lookup per statement (seconds).
    referring: int | None = None

    @property
    def page_size(self) -> int:
        return INBOUND_PAGE

    @property
    def shown(self) -> int:
        return sum(len(entries) for _, entries in self.groups)

    @property
    def next_offset(self) -> int | None:
        return self.offset + INBOUND_PAGE if self.more else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - INBOUND_PAGE) if self.offset else None

    @property
    def paged(self) -> bool:
        return self.more or self.offset > 0


def _inbound(
    store: Store, node: NamedNode, cache: dict[str, str], names: dict[str, str], offset: int = 0
) -> Inbound:
    """What points at the entity, a page of INBOUND_PAGE from `offset`, grouped by the kind
    of thing that does, each group sorted by name."""
    query = about(_INBOUND, node.value)
    found = [
        (r["s"], r["p"].value)
        for r in select(
            store, f"{query} OFFSET {offset} LIMIT {INBOUND_PAGE + 1}", prefixes=PREFIXES
        )
    ]
    more = len(found) > INBOUND_PAGE
    referring = None
    if more or offset:
        counted = select(
            store, f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p {node} }}", prefixes=PREFIXES
        )
        referring = int(next(iter(counted))["n"].value)
    groups: dict[str, list[tuple[str, Value]]] = {}
    kinds: dict[str, list[str]] = {}
    for subject, predicate in found[:INBOUND_PAGE]:
        if subject.value not in kinds:
            kinds[subject.value] = sorted(
                {
                    t.object.value
                    for t in store.quads_for_pattern(subject, NamedNode(RDF + "type"), None, None)
                }  # fmt: skip
            )
        types = kinds[subject.value]
        kind = term_label(store, types[0], names) if types else "Other"
        entry = (term_label(store, predicate, names), value_of(store, subject, cache))
        groups.setdefault(kind, []).append(entry)
    return Inbound(
        [
            (kind, sorted(entries, key=lambda e: (e[1].text.casefold(), e[0])))
            for kind, entries in sorted(groups.items(), key=lambda g: g[0].casefold())
        ],
        offset,
        more,
        referring,
    )
