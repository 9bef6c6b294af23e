"""The entity directory: every entity by kind, with counts, filtered by a name (alternative
names and acronyms count), a kind, an operator and a confidence grade. A plain GET form, so it
works without JavaScript and every filtered view has an address."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import Store

from icegraph.namespaces import ID, IG, PREFIXES
from icegraph.serve.describe import TIERS, local_link
from icegraph.serve.labels import term_label
from icegraph.store import select

# The kinds the directory lists, in the order it lists them.
KINDS = (
    "System", "Agency", "Company", "InternationalOrganization", "PrivateOrganization",
    "Person", "InformationFlow", "Relationship", "Source", "Claim",
)  # fmt: skip
# Listed when no kind is asked for: the things, not the edges and the evidence.
DEFAULT_KINDS = KINDS[:6]
PER_KIND_LIMIT = 2000

_ENTITIES = """
SELECT ?e ?t ?label WHERE { ?e a ?t ; rdfs:label ?label . VALUES ?t { KINDS } }
"""
_ALTS = "SELECT ?e ?alt WHERE { ?e a ?t ; skos:altLabel ?alt . VALUES ?t { KINDS } }"
_OPERATORS = (
    "SELECT ?e ?op ?name WHERE { ?e ig:operatedBy ?op . OPTIONAL { ?op rdfs:label ?name } }"
)
_GRADES = """
SELECT ?e ?conf (COUNT(DISTINCT ?c) AS ?n) WHERE {
  { ?c ig:about ?e } UNION { ?c ig:asserts ?e }
  UNION { ?c ig:asserts/(ig:dataFrom|ig:dataTo|ig:relationFrom|ig:relationTo) ?e }
  ?c ig:confidence ?conf .
} GROUP BY ?e ?conf
"""


@dataclass
class Entry:
    iri: str
    href: str
    kind: str
    label: str
    alts: list[str] = field(default_factory=list)
    operator: str = ""  # the operator's id path ("agency/ice")
    operator_label: str = ""
    claims: dict[str, int] = field(default_factory=dict)

    @property
    def claim_count(self) -> int:
        return sum(self.claims.values())

    @property
    def strongest(self) -> str:
        return next((t for t in TIERS if self.claims.get(t)), "")

    def matches(self, words: str) -> bool:
        wanted = words.casefold()
        return any(wanted in n.casefold() for n in (self.label, *self.alts))


@dataclass
class Directory:
    entries: list[Entry]
    kind_labels: dict[str, str]
    operators: list[tuple[str, str]]  # (id path, label), by label


def load_directory(store: Store) -> Directory:
    """Everything the directory filters, read once (the store is read-only)."""
    kinds = " ".join(f"ig:{k}" for k in KINDS)
    names: dict[str, str] = {}
    entries: dict[str, Entry] = {}
    for r in select(store, _ENTITIES.replace("KINDS", kinds), prefixes=PREFIXES):
        iri = r["e"].value
        href = local_link(iri)
        if href is None or iri in entries:
            continue
        kind = r["t"].value[len(IG) :]
        entries[iri] = Entry(iri, href, kind, r["label"].value)
    for r in select(store, _ALTS.replace("KINDS", kinds), prefixes=PREFIXES):
        e = entries.get(r["e"].value)
        if e is not None and r["alt"].value not in e.alts:
            e.alts.append(r["alt"].value)
    operators: dict[str, str] = {}
    for r in select(store, _OPERATORS, prefixes=PREFIXES):
        e = entries.get(r["e"].value)
        op = r["op"].value
        if e is None or not op.startswith(ID):
            continue
        e.operator = op[len(ID) :]
        e.operator_label = r["name"].value if r["name"] else e.operator
        operators[e.operator] = e.operator_label
    for r in select(store, _GRADES, prefixes=PREFIXES):
        e = entries.get(r["e"].value)
        if e is not None:
            grade = r["conf"].value.rsplit("#", 1)[-1]
            e.claims[grade] = e.claims.get(grade, 0) + int(r["n"].value)
    for e in entries.values():
        e.alts.sort(key=str.casefold)
    labels = {k: term_label(store, IG + k, names) for k in KINDS}
    ordered = sorted(entries.values(), key=lambda e: (KINDS.index(e.kind), e.label.casefold()))
    return Directory(ordered, labels, sorted(operators.items(), key=lambda o: o[1].casefold()))


@dataclass
class Listing:
    """One filtered view: the groups shown and what the form holds."""

    groups: list[tuple[str, str, list[Entry]]]  # (kind, its label, entries)
    total: int
    q: str
    kind: str
    operator: str
    confidence: str
    kinds: list[tuple[str, str, int]]  # every kind with how many entities it has
    operators: list[tuple[str, str]]
    tiers: tuple[str, ...] = TIERS


def listing(d: Directory, q: str, kind: str, operator: str, confidence: str) -> Listing:
    """The entries that pass every filter given; an unknown kind, operator or grade filters
    nothing out rather than everything (the form never sends one)."""
    kind = kind if kind in KINDS else ""
    operator = operator if any(operator == o for o, _ in d.operators) else ""
    confidence = confidence if confidence in TIERS else ""
    shown_kinds = (kind,) if kind else DEFAULT_KINDS
    groups: dict[str, list[Entry]] = {}
    for e in d.entries:
        if e.kind not in shown_kinds:
            continue
        if q and not e.matches(q):
            continue
        if operator and e.operator != operator:
            continue
        if confidence and not e.claims.get(confidence):
            continue
        group = groups.setdefault(e.kind, [])
        if len(group) < PER_KIND_LIMIT:
            group.append(e)
    counts = {k: 0 for k in KINDS}
    for e in d.entries:
        counts[e.kind] += 1
    return Listing(
        groups=[(k, d.kind_labels[k], groups[k]) for k in KINDS if k in groups],
        total=sum(len(g) for g in groups.values()),
        q=q,
        kind=kind,
        operator=operator,
        confidence=confidence,
        kinds=[(k, d.kind_labels[k], counts[k]) for k in KINDS if counts[k]],
        operators=d.operators,
    )
