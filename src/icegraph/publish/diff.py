"""A change log (publish/changes.py) for people (text, Markdown), programs (JSON) and the
graph (RDF in its own named graph, `graph/changes`)."""

from __future__ import annotations

import json
from collections.abc import Callable

from pyoxigraph import Literal, NamedNode, Quad

from icegraph.digests import short_digest
from icegraph.mapping.terms import graph, value_of
from icegraph.namespaces import DCTERMS, IG, PROV, RDF, RDFS, SKOS

CHANGES_GRAPH = graph("changes")
FORMATS = ("text", "json", "md")

# (section, kind) -> how a person reads it; the order is the order of CHANGES.md
KINDS = (
    ("claims", "added", "Claims added"),
    ("claims", "changed", "Claims changed"),
    ("claims", "removed", "Claims removed"),
    ("entities", "added", "Entities added"),
    ("entities", "merged", "Entities merged"),
    ("entities", "removed", "Entities removed"),
    ("corrections", "added", "Corrections added"),
    ("corrections", "withdrawn", "Corrections withdrawn"),
    ("wikidata_links", "added", "Wikidata links added"),
    ("wikidata_links", "withdrawn", "Wikidata links withdrawn"),
    ("contradictions", "opened", "Contradictions opened"),
    ("contradictions", "resolved", "Contradictions resolved"),
)


SINGULAR = {
    "claims": "claim",
    "entities": "entity",
    "corrections": "correction",
    "wikidata_links": "Wikidata link",
    "contradictions": "contradiction",
}


SECTIONS = {
    "claims": "Claims",
    "entities": "Entities",
    "corrections": "Corrections",
    "wikidata_links": "Wikidata links",
    "contradictions": "Contradictions",
}


def change_kind(section: str, kind: str) -> str:
    """The `ig:changeKind` of an entry: 'claim added', 'entity merged', …"""
    return f"{SINGULAR[section]} {kind}"


def render(log: dict, fmt: str) -> str:
    if fmt == "json":
        return to_json(log)
    return to_markdown(log) if fmt == "md" else to_text(log)


def to_json(log: dict) -> str:
    return json.dumps(log, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _title(log: dict) -> str:
    if log["from"] is None:
        return f"Release {log['to']}: the first of its series, nothing to compare with"
    return f"Changes from release {log['from']} to {log['to']}"


def _summary(log: dict) -> str:
    if log["from"] is None:
        return "Every claim, entity and link in it is new."
    parts: dict[str, list[str]] = {}
    for section, kind, _ in KINDS:
        parts.setdefault(section, []).append(f"{len(log[section][kind])} {kind}")
    return "; ".join(f"{SECTIONS[s]}: {', '.join(p)}" for s, p in parts.items()) + "."


def _lines(section: str, kind: str, entry: dict, code: str) -> list[str]:
    """One entry as lines of text; `code` quotes IRIs (backticks in Markdown)."""

    def q(value: str) -> str:
        return f"{code}{value}{code}"

    if section == "claims" and kind == "changed":
        out = [f"{entry['label'] or entry['new']}: {q(entry['old'])} → {q(entry['new'])}"]
        for f in entry["fields"]:
            old = " | ".join(f["old"]) or "(none)"
            new = " | ".join(f["new"]) or "(none)"
            out.append(f"    {f['field']}: {json.dumps(old, ensure_ascii=False)} → "
                       f"{json.dumps(new, ensure_ascii=False)}")  # fmt: skip
        return out
    if section == "claims" and kind == "removed":
        r = entry["retraction"]
        why = (
            f" (retracted {r['when']}" + (f" by {r['who']}" if r["who"] else "")
            + (f": {r['reason']}" if r["reason"] else "") + ")"
            if r else " (no retraction recorded)"
        )  # fmt: skip
        return [f"{entry['label'] or entry['iri']}: {q(entry['iri'])}{why}"]
    if section == "entities" and kind == "merged":
        return [
            f"{entry['label'] or entry['iri']} {q(entry['iri'])} folded into "
            f"{entry['into_label'] or entry['into']} {q(entry['into'])}"
        ]
    if section == "corrections":
        return [
            f"raw/{entry['file'].removeprefix('raw/')}, line {entry['line']}, {entry['field']}: "
            f"{json.dumps(entry['raw'], ensure_ascii=False)} → "
            f"{json.dumps(entry['corrected'], ensure_ascii=False)} ({entry['rule']})"
        ]
    if section == "wikidata_links":
        return [
            f"{entry['label'] or entry['entity']} {q(entry['entity'])} = {q(entry['wikidata'])}"
        ]
    return [f"{entry['label'] or entry['iri']}: {q(entry['iri'])}"]


def to_markdown(log: dict) -> str:
    out = [f"# {_title(log)}", "", _summary(log), ""]
    for section, kind, title in KINDS:
        entries = log[section][kind]
        if not entries:
            continue
        out += [f"## {title} ({len(entries)})", ""]
        for entry in entries:
            first, *rest = _lines(section, kind, entry, "`")
            out.append(f"- {first}")
            out += [f"  - {line.strip()}" for line in rest]
        out.append("")
    return "\n".join(out)


def to_text(log: dict) -> str:
    out = [_title(log), _summary(log)]
    for section, kind, title in KINDS:
        entries = log[section][kind]
        if not entries:
            continue
        out += ["", f"{title} ({len(entries)}):"]
        for entry in entries:
            first, *rest = _lines(section, kind, entry, "")
            out.append(f"  {first}")
            out += [f"  {line}" for line in rest]
    return "\n".join(out) + "\n"


def _n(value: str) -> NamedNode:
    return NamedNode(value)


def changes_quads(
    log: dict, release: str, present: Callable[[str], bool] = lambda _iri: True
) -> list[Quad]:
    """Each entry an `ig:Change` of the release (`dcterms:isPartOf`), with its kind, the
    IRIs it concerns (`dcterms:subject`) and, for a changed claim, each field's old and new
    values; an edited claim is also `prov:wasRevisionOf` the one it replaces.
    Only IRIs the release still answers for (`present`, or an edited claim's earlier IRI,
    which redirects) are linked: a removed entity is named by the change's label alone, so
    that no page of the release links to an address that is gone."""
    g = _n(value_of(CHANGES_GRAPH))
    out: list[Quad] = []
    redirected = {c["old"] for c in log["claims"]["changed"]}

    def add(s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        out.append(Quad(s, _n(p), o, g))

    for section, kind, _ in KINDS:
        for entry in log[section][kind]:
            digest = short_digest(section + kind + json.dumps(entry, sort_keys=True))
            node = _n(f"{release}/change/{digest}")
            add(node, RDF + "type", _n(IG + "Change"))
            add(node, DCTERMS + "isPartOf", _n(release))
            add(node, IG + "changeKind", Literal(change_kind(section, kind)))
            add(node, RDFS + "label", Literal(" ".join(_lines(section, kind, entry, ""))))
            for iri in _subjects(section, entry):
                if iri in redirected or present(iri):
                    add(node, DCTERMS + "subject", _n(iri))
            if section == "claims" and kind == "changed":
                add(_n(entry["new"]), PROV + "wasRevisionOf", _n(entry["old"]))
                # the edited claim's earlier IRI, cited in a story, leads to the claim now
                add(_n(entry["old"]), DCTERMS + "isReplacedBy", _n(entry["new"]))
                for f in entry["fields"]:
                    fc = _n(f"{node.value}/{short_digest(f['property'])}")
                    add(node, IG + "hasFieldChange", fc)
                    add(fc, RDF + "type", _n(IG + "FieldChange"))
                    add(fc, IG + "changedProperty", _n(f["property"]))
                    for v in f["old"]:
                        add(fc, IG + "oldValue", Literal(v))
                    for v in f["new"]:
                        add(fc, IG + "newValue", Literal(v))
            if section == "claims" and kind == "removed" and entry["retraction"]:
                r = entry["retraction"]
                add(
                    node,
                    SKOS + "note",
                    Literal(f"retracted {r['when']} by {r['who']}: {r['reason']}"),
                )
    return out


def _subjects(section: str, entry: dict) -> list[str]:
    if section == "claims" and "old" in entry:
        return [entry["old"], entry["new"]]
    if section == "entities" and "into" in entry:
        return [entry["iri"], entry["into"]]
    if section == "wikidata_links":
        return [entry["entity"], entry["wikidata"]]
    if section == "contradictions":
        return [entry["iri"], *entry["subjects"]]
    return [entry["iri"]] if "iri" in entry else []
