"""What changed between two releases, claim by claim: computed from their stores.

Claims are named by what they say (`claim/{file}/{a}--{b}-{digest}`), so an edited row is a
new IRI and the old one disappears. A removed and an added claim of the same file about the
same thing (the flow or relationship it asserts, else whom it is about) are one claim
changed: the pair is reported with the fields that differ, old and new. What is left over
is added or removed; a removed claim the newer release marks retracted
(`prov:invalidatedAtTime` on its IRI) carries the retraction's when, who and why.

Corrections, Wikidata links and contradictions are compared by content, so an edit that
renames the claim a repair hangs on does not report its repairs withdrawn and re-added.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Store

from icegraph.mapping.link_quads import LINKS_GRAPH
from icegraph.mapping.terms import value_of
from icegraph.namespaces import DCTERMS, GRAPH, ID, IG, OWL, PROV, RDF, RDFS, curie

ENTITY_CLASSES = tuple(
    IG + c
    for c in ("System", "Agency", "Company", "PrivateOrganization", "InternationalOrganization",
              "Person")
)  # fmt: skip
CLAIM_BASE = ID + "claim/"
RETRACTIONS_FILE = "data/retractions.csv"
RETRACTION_COLUMNS = "claim,reason,who,when"

Fields = dict[str, tuple[str, ...]]  # predicate IRI -> sorted values


@dataclass
class Snapshot:
    """What one release's store says, in the terms the change log compares."""

    claims: dict[str, Fields] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    entities: set[str] = field(default_factory=set)
    replaced_by: dict[str, str] = field(default_factory=dict)
    corrections: set[tuple[str, ...]] = field(default_factory=set)
    links: set[tuple[str, str]] = field(default_factory=set)
    contradictions: dict[str, list[str]] = field(default_factory=dict)  # iri -> subjects
    retractions: dict[str, dict[str, str]] = field(default_factory=dict)


def _value(term: object) -> str:
    if isinstance(term, (NamedNode, Literal)):
        return term.value
    return str(term)


_REPAIR_FIELDS = ("sourceFile", "sourceLine", "field", "rawValue", "correctedValue", "repairRule")
_REPAIR_PREDICATES = {IG + f: f for f in _REPAIR_FIELDS}
# What a release says about its claims (its description, its change log) is not a claim's.
_RELEASE_GRAPHS = {GRAPH + "changes", GRAPH + "release"}


def snapshot(store: Store) -> Snapshot:
    """Read a store into the comparable facts of a Snapshot: the typed nodes first, then one
    pass over every statement (SPARQL row by row costs several times more)."""
    snap = Snapshot()
    typed: dict[str, set[str]] = defaultdict(set)
    for q in store.quads_for_pattern(None, NamedNode(RDF + "type"), None):
        typed[_value(q.object)].add(_value(q.subject))
    claims_of = typed[IG + "Claim"]
    repair_nodes = typed[IG + "Repair"]
    snap.entities = {e for c in ENTITY_CLASSES for e in typed[c] if e.startswith(ID)}
    snap.contradictions = {c: [] for c in typed[IG + "Contradiction"]}
    links_graph = value_of(LINKS_GRAPH)
    claims: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    repairs: dict[str, dict[str, str]] = defaultdict(dict)
    label, replaced, same_as = RDFS + "label", DCTERMS + "isReplacedBy", OWL + "sameAs"
    subject_of, invalidated = DCTERMS + "subject", PROV + "invalidatedAtTime"
    for q in store.quads_for_pattern(None, None, None):
        s, p, o = _value(q.subject), q.predicate.value, _value(q.object)
        if s in claims_of and _value(q.graph_name) not in _RELEASE_GRAPHS:
            claims[s][p].add(o)
        if p == label:
            snap.labels.setdefault(s, o)
        elif p in _REPAIR_PREDICATES and s in repair_nodes:
            repairs[s][_REPAIR_PREDICATES[p]] = o
        elif p == replaced:
            snap.replaced_by[s] = o
        elif p == same_as and _value(q.graph_name) == links_graph:
            snap.links.add((s, o))
        elif p == subject_of and s in snap.contradictions:
            snap.contradictions[s].append(o)
        elif p == invalidated:
            snap.retractions[s] = {"when": o, "reason": "", "who": ""}
    for fields in repairs.values():
        snap.corrections.add(tuple(fields.get(f, "") for f in _REPAIR_FIELDS))
    for by_property in claims.values():
        # a repair by what it repaired: its IRI is named after the claim's
        done = by_property.get(IG + "hasRepair", set())
        by_property[IG + "hasRepair"] = {
            _repair_text(repairs[r]) if r in repairs else r for r in done
        }
        if not by_property[IG + "hasRepair"]:
            del by_property[IG + "hasRepair"]
    # a retracted claim is gone, whether its tombstone keeps its type or not
    snap.claims = {
        c: {p: tuple(sorted(v)) for p, v in f.items()}
        for c, f in claims.items()
        if c not in snap.retractions
    }
    for c, retraction in snap.retractions.items():
        _read_retraction(store, c, retraction, snap.labels)
    return snap


def _repair_text(r: dict[str, str]) -> str:
    return f"{r.get('field', '')}: {r.get('rawValue', '')} → {r.get('correctedValue', '')}"


def _read_retraction(store: Store, claim: str, into: dict[str, str], labels: dict) -> None:
    """A tombstone's reason (ig:retractionReason) and who withdrew the claim (ig:retractedBy,
    or prov:wasInvalidatedBy naming a labelled node)."""
    for q in store.quads_for_pattern(NamedNode(claim), None, None):
        value = _value(q.object)
        if q.predicate.value == IG + "retractionReason":
            into["reason"] = value
        elif q.predicate.value in (IG + "retractedBy", PROV + "wasInvalidatedBy"):
            into["who"] = labels.get(value, value)


@dataclass
class Removal:
    iri: str
    label: str


def _claim_key(iri: str, fields: Fields) -> tuple[str, ...]:
    """Claims of the same file about the same thing: what the pairing matches on."""
    path = iri[len(CLAIM_BASE) :] if iri.startswith(CLAIM_BASE) else iri
    file_part = path.split("/", 1)[0]
    about = fields.get(IG + "asserts") or fields.get(IG + "about") or ()
    if not about:
        local = path.rsplit("/", 1)[-1]
        about = (local.rsplit("-", 1)[0],)
    return (file_part, *about)


def _likeness(a: Fields, b: Fields) -> int:
    return sum(1 for p, v in a.items() if b.get(p) == v)


def _line_key(iri: str, fields: Fields) -> tuple[str, ...]:
    """The same file and line: a row whose systems were merged asserts another flow."""
    path = iri[len(CLAIM_BASE) :] if iri.startswith(CLAIM_BASE) else iri
    line = fields.get(IG + "sourceLine")
    return (path.split("/", 1)[0], *line) if line else (iri,)


def _pair(
    old: dict[str, Fields], new: dict[str, Fields], gone: set[str], came: set[str]
) -> tuple[list[tuple[str, str]], set[str], set[str]]:
    """Removed and added claims paired, first by what they are about, then by file and
    line; within a key the most alike first. Returns the pairs and what is left over."""
    pairs: list[tuple[str, str]] = []
    for key in (_claim_key, _line_key):
        by_key: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for c in sorted(came):
            by_key[key(c, new[c])].append(c)
        candidates = [
            (-_likeness(old[o], new[n]), o, n)
            for o in sorted(gone)
            for n in by_key.get(key(o, old[o]), [])
        ]
        used_old: set[str] = set()
        used_new: set[str] = set()
        for _, o, n in sorted(candidates):
            if o not in used_old and n not in used_new:
                used_old.add(o)
                used_new.add(n)
                pairs.append((o, n))
        gone, came = gone - used_old, came - used_new
    return sorted(pairs), gone, came


def _field_changes(a: Fields, b: Fields) -> list[dict]:
    out = []
    for p in sorted(set(a) | set(b)):
        if p == RDF + "type" or a.get(p) == b.get(p):
            continue
        out.append(
            {"field": curie(p), "property": p, "old": list(a.get(p, ())), "new": list(b.get(p, ()))}
        )
    return out


def _mentions(snap: Snapshot, iris: Iterable[str], fields: Fields | None = None) -> list[str]:
    """The IRIs an entry is about, the things its claim asserts and concerns, and their
    labels: what a citation's rows are matched against."""
    found = set(iris)
    if fields:
        for p in (IG + "asserts", IG + "about"):
            found.update(fields.get(p, ()))
    labels = {snap.labels[i] for i in found if i in snap.labels}
    return sorted(found | labels)


def compare(old: Snapshot, new: Snapshot, old_version: str | None, new_version: str) -> dict:
    """The change log between two snapshots, as plain data (the JSON of changes.json)."""
    gone = set(old.claims) - set(new.claims)
    came = set(new.claims) - set(old.claims)
    pairs, removed, added = _pair(old.claims, new.claims, gone, came)
    claims = {
        "added": [
            {
                "iri": c,
                "label": new.labels.get(c, ""),
                "mentions": _mentions(new, [c], new.claims[c]),
            }
            for c in sorted(added)
        ],
        "removed": [
            {
                "iri": c,
                "label": old.labels.get(c, ""),
                "retraction": new.retractions.get(c),
                "mentions": _mentions(old, [c], old.claims[c]),
            }
            for c in sorted(removed)
        ],
        "changed": [
            {
                "old": o,
                "new": n,
                "label": new.labels.get(n, ""),
                "fields": _field_changes(old.claims[o], new.claims[n]),
                "mentions": sorted(
                    set(_mentions(old, [o], old.claims[o]))
                    | set(_mentions(new, [n], new.claims[n]))
                ),
            }
            for o, n in pairs
        ],
    }
    merged = sorted(e for e in old.entities - new.entities if e in new.replaced_by)
    entities = {
        "added": [
            {"iri": e, "label": new.labels.get(e, ""), "mentions": _mentions(new, [e])}
            for e in sorted(new.entities - old.entities)
        ],
        "merged": [
            {
                "iri": e,
                "label": old.labels.get(e, ""),
                "into": new.replaced_by[e],
                "into_label": new.labels.get(new.replaced_by[e], ""),
                "mentions": _mentions(old, [e]) + _mentions(new, [new.replaced_by[e]]),
            }
            for e in merged
        ],
        "removed": [
            {"iri": e, "label": old.labels.get(e, ""), "mentions": _mentions(old, [e])}
            for e in sorted(old.entities - new.entities - set(merged))
        ],
    }
    return {
        "from": old_version,
        "to": new_version,
        "claims": claims,
        "entities": entities,
        "corrections": {
            "added": [_correction(c) for c in sorted(new.corrections - old.corrections)],
            "withdrawn": [_correction(c) for c in sorted(old.corrections - new.corrections)],
        },
        "wikidata_links": {
            "added": [_link(new, link) for link in sorted(new.links - old.links)],
            "withdrawn": [_link(old, link) for link in sorted(old.links - new.links)],
        },
        "contradictions": {
            "opened": [
                _contradiction(new, c)
                for c in sorted(set(new.contradictions) - set(old.contradictions))
            ],
            "resolved": [
                _contradiction(old, c)
                for c in sorted(set(old.contradictions) - set(new.contradictions))
            ],
        },  # fmt: skip
    }


def _correction(c: tuple[str, ...]) -> dict:
    entry = dict(zip(_REPAIR_FIELDS, c, strict=True))
    return {
        "file": entry["sourceFile"],
        "line": entry["sourceLine"],
        "field": entry["field"],
        "raw": entry["rawValue"],
        "corrected": entry["correctedValue"],
        "rule": entry["repairRule"],
        "mentions": [],
    }


def _link(snap: Snapshot, link: tuple[str, str]) -> dict:
    entity, target = link
    return {
        "entity": entity,
        "label": snap.labels.get(entity, ""),
        "wikidata": target,
        "mentions": _mentions(snap, [entity]),
    }


def _contradiction(snap: Snapshot, c: str) -> dict:
    return {
        "iri": c,
        "label": snap.labels.get(c, ""),
        "subjects": sorted(snap.contradictions[c]),
        "mentions": _mentions(snap, [c, *snap.contradictions[c]]),
    }


def first_release(new_version: str) -> dict:
    """The change log of a series' first release: nothing to compare with."""
    return compare(Snapshot(), Snapshot(), None, new_version)


def unexplained_removals(log: dict) -> list[Removal]:
    """Claims removed with neither a retraction nor an edited claim taking their place."""
    return [Removal(c["iri"], c["label"]) for c in log["claims"]["removed"] if not c["retraction"]]


def counts(log: dict) -> dict[str, int]:
    """How many entries of each kind: `claims added`, `entities merged`, …"""
    out = {}
    for section, kinds in log.items():
        if isinstance(kinds, dict):
            for kind, entries in kinds.items():
                out[f"{section.replace('_', ' ')} {kind}"] = len(entries)
    return out
