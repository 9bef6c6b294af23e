"""What an entity page shows, read from the store: labels, flows, claims, links."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, Store, Triple, Variable

from icegraph.namespaces import ID, PREFIXES, curie
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
class FlowView:
    iri: str
    label: str
    other: Value
    sharing: str
    description: str


@dataclass
class EntityView:
    iri: str
    label: str
    types: list[Value]
    properties: list[tuple[str, list[Value]]]
    flows_out: list[FlowView]
    flows_in: list[FlowView]
    claims: list[ClaimView]
    wikidata: list[Value]
    inbound: list[tuple[str, Value]]
    more_claims: bool = False  # a page shows at most PAGE_LIMIT claims and flows each


# Without ORDER BY the store stops at the limit; the page sorts what it shows. An entity
# such as ICM, named by a claim on every row of a large table, still opens at once.
PAGE_LIMIT = 500


def exists(store: Store, iri: str) -> bool:
    node = NamedNode(iri)
    return any(True for _ in store.quads_for_pattern(node, None, None, None))


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


def _label(store: Store, iri: str, cache: dict[str, str]) -> str:
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


def _value(store: Store, term: object, cache: dict[str, str]) -> Value:
    if isinstance(term, NamedNode):
        return Value(_label(store, term.value, cache), term.value, safe_href(term.value))
    if isinstance(term, BlankNode):
        return Value("_:" + term.value)
    assert isinstance(term, Literal)
    note = term.language or (
        "" if term.datatype.value.endswith("#string") else curie(term.datatype.value)
    )
    return Value(term.value, note=note)


_CLAIMS = """
SELECT DISTINCT ?e ?claim ?statement ?conf ?ver ?method ?date ?target WHERE {
  { ?claim ig:about ?e } UNION { ?claim ig:asserts ?e }
  UNION { ?claim ig:asserts ?target .
          ?target ig:dataFrom|ig:dataTo|ig:relationFrom|ig:relationTo ?e }
  ?claim ig:statement ?statement .
  OPTIONAL { ?claim ig:confidence/skos:prefLabel ?conf }
  OPTIONAL { ?claim ig:verification/skos:prefLabel ?ver }
  OPTIONAL { ?claim ig:method/skos:prefLabel ?method }
  OPTIONAL { ?claim prov:generatedAtTime ?date }
  OPTIONAL { ?claim ig:asserts ?target }
} LIMIT 501
"""
_FLOWS = """
SELECT ?e ?flow ?label ?other (GROUP_CONCAT(DISTINCT ?kind; separator=", ") AS ?sharing)
       (SAMPLE(?data) AS ?description) WHERE {
  ?flow ig:FROMTO ?e ; ig:OTHER ?other ; rdfs:label ?label .
  # what each claim says of the flow: its document's sharing type and data description
  OPTIONAL { ?claim ig:asserts ?flow ; ig:sharingType/skos:prefLabel ?kind }
  OPTIONAL { ?said ig:asserts ?flow ; ig:dataDescription ?data }
} GROUP BY ?e ?flow ?label ?other LIMIT 501
"""


def describe(store: Store, iri: str) -> EntityView:
    cache: dict[str, str] = {}
    node = NamedNode(iri)
    subs = {Variable("e"): node}
    props: dict[str, list[Value]] = {}
    types: list[Value] = []
    wikidata: list[Value] = []
    seen: set[tuple] = set()
    for q in store.quads_for_pattern(node, None, None, None):
        key = (q.predicate, q.object)
        if key in seen:
            continue
        seen.add(key)
        p = q.predicate.value
        v = _value(store, q.object, cache)
        if p == PREFIXES["rdf"] + "type":
            types.append(v)
        elif p in (PREFIXES["owl"] + "sameAs", PREFIXES["skos"] + "exactMatch") and (
            v.iri or ""
        ).startswith(PREFIXES["wd"]):
            wikidata.append(Value(v.iri.rsplit("/", 1)[-1], v.iri, v.iri))  # type: ignore[union-attr]
        else:
            props.setdefault(curie(p), []).append(v)
    inbound = []
    for q in store.quads_for_pattern(None, None, node, None):
        if len(inbound) >= 200:
            break
        entry = (curie(q.predicate.value), _value(store, q.subject, cache))
        if entry not in inbound:
            inbound.append(entry)

    def flows(fromto: str, other: str) -> list[FlowView]:
        text = _FLOWS.replace("ig:FROMTO", fromto).replace("ig:OTHER", other)
        return [
            FlowView(r["flow"].value, r["label"].value, _value(store, r["other"], cache),
                     r["sharing"].value, r["description"].value if r["description"] else "")
            for r in select(store, text, prefixes=PREFIXES, substitutions=subs)
        ]  # fmt: skip

    claims: dict[str, ClaimView] = {}
    for r in select(store, _CLAIMS, prefixes=PREFIXES, substitutions=subs):
        c = r["claim"].value
        if c in claims:
            continue
        claims[c] = ClaimView(
            c, r["statement"].value,
            r["conf"].value if r["conf"] else "", r["ver"].value if r["ver"] else "",
            r["method"].value if r["method"] else "", r["date"].value if r["date"] else "undated",
            asserts=_value(store, r["target"], cache) if r["target"] else None,
        )  # fmt: skip
    for c in claims.values():
        c.sources = [
            _value(store, q.object, cache)
            for q in store.quads_for_pattern(
                NamedNode(c.iri), NamedNode(PREFIXES["prov"] + "wasDerivedFrom"), None, None
            )
        ]
    shown = sorted(claims.values(), key=lambda c: c.iri)
    return EntityView(
        iri=iri,
        label=_label(store, iri, cache),
        types=types,
        properties=sorted(props.items()),
        flows_out=sorted(flows("ig:dataFrom", "ig:dataTo"), key=lambda f: f.label)[:PAGE_LIMIT],
        flows_in=sorted(flows("ig:dataTo", "ig:dataFrom"), key=lambda f: f.label)[:PAGE_LIMIT],
        claims=shown[:PAGE_LIMIT],
        wikidata=wikidata,
        inbound=inbound,
        more_claims=len(shown) > PAGE_LIMIT,
    )
