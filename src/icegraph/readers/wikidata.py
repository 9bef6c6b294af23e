"""Read Wikidata entity exports (Special:EntityData .rdf and .json) into candidate items.

Wikidata's RDF/XML uses blank-node ids that start with a digit (`rdf:nodeID="0b8b…"`), which
is not an XML NCName, so strict parsers (pyoxigraph, rdflib) reject the whole file. Those ids
are rewritten with a letter in front before parsing; the files themselves are never changed,
and every rewrite is counted for the report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from icegraph.errors import InputError, Location
from icegraph.textfile import read_bytes, read_text

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
LABEL_PREDICATES = {
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://schema.org/name",
}
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
DESCRIPTION = "http://schema.org/description"
# The statements matching looks at: what it is, its parent, what it replaced or became.
PROPERTIES = {"P31", "P749", "P361", "P1365", "P1366", "P576", "P571"}
_NODE_ID = re.compile(rb'rdf:nodeID="([0-9][^"]*)"')


@dataclass
class WikidataItem:
    qid: str
    labels: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    descriptions: set[str] = field(default_factory=set)
    claims: dict[str, set[str]] = field(default_factory=dict)
    full_record: bool = False  # True when the file holds the item's own statements
    files: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return sorted(self.labels)[0] if self.labels else self.qid

    @property
    def description(self) -> str:
        return sorted(self.descriptions)[0] if self.descriptions else ""


@dataclass
class WikidataPool:
    items: dict[str, WikidataItem] = field(default_factory=dict)
    repairs: list[str] = field(default_factory=list)

    def item(self, qid: str) -> WikidataItem:
        if qid not in self.items:
            self.items[qid] = WikidataItem(qid)
        return self.items[qid]


def _english(lang: str | None) -> bool:
    return lang is not None and (lang == "en" or lang.startswith("en-"))


def read_rdf(path: Path, pool: WikidataPool) -> None:
    data = read_bytes(path, str(path))
    fixed, n = _NODE_ID.subn(rb'rdf:nodeID="b\1"', data)
    if n:
        pool.repairs.append(
            f"{path.name}: {n} blank-node id(s) starting with a digit (not valid XML names) "
            "were prefixed with 'b' so the file parses; the file is unchanged"
        )
    try:
        triples = pyoxigraph.parse(fixed, format=pyoxigraph.RdfFormat.RDF_XML)
        for t in triples:
            s = t.subject.value
            if not s.startswith(WD + "Q"):
                continue
            item = pool.item(s[len(WD) :])
            item.files.add(path.name)
            p, o = t.predicate.value, t.object
            if isinstance(o, pyoxigraph.Literal):
                if not _english(o.language):
                    continue
                if p in LABEL_PREDICATES:
                    item.labels.add(o.value)
                elif p == ALT_LABEL:
                    item.aliases.add(o.value)
                elif p == DESCRIPTION:
                    item.descriptions.add(o.value)
                elif p.startswith(WDT) and p[len(WDT) :] in PROPERTIES:
                    item.claims.setdefault(p[len(WDT) :], set()).add(o.value)
            elif p.startswith(WDT) and p[len(WDT) :] in PROPERTIES:
                item.full_record = True
                value = o.value[len(WD) :] if o.value.startswith(WD) else o.value
                item.claims.setdefault(p[len(WDT) :], set()).add(value)
    except SyntaxError as exc:
        raise InputError(f"cannot read Wikidata RDF/XML: {exc}", Location(str(path))) from None


def read_json(path: Path, pool: WikidataPool) -> None:
    text = read_text(path, str(path))  # UTF-8 errors located, a byte-order mark accepted
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not Wikidata JSON: {exc.msg}", Location(str(path), exc.lineno, exc.colno)
        ) from None
    entities = doc.get("entities") if isinstance(doc, dict) else None
    if not isinstance(entities, dict):
        raise InputError(
            "no 'entities' object", Location(str(path)), expected="Special:EntityData JSON"
        )
    for qid, ent in entities.items():
        add_json_entity(pool, qid, ent, path.name)


def add_json_entity(pool: WikidataPool, qid: str, ent: dict, source: str) -> None:
    """One entity in Wikidata's JSON shape (EntityData or wbgetentities) into the pool."""
    item = pool.item(qid)
    item.files.add(source)
    for lang, v in (ent.get("labels") or {}).items():
        if _english(lang):
            item.labels.add(v["value"])
    for lang, vs in (ent.get("aliases") or {}).items():
        if _english(lang):
            item.aliases.update(a["value"] for a in vs)
    for lang, v in (ent.get("descriptions") or {}).items():
        if _english(lang):
            item.descriptions.add(v["value"])
    for prop, statements in (ent.get("claims") or {}).items():
        if prop not in PROPERTIES:
            continue
        item.full_record = True
        for st in statements:
            value = (st.get("mainsnak") or {}).get("datavalue", {}).get("value")
            if isinstance(value, dict) and "id" in value:
                item.claims.setdefault(prop, set()).add(value["id"])
            elif isinstance(value, dict) and "time" in value:
                item.claims.setdefault(prop, set()).add(value["time"])


def read_pool(paths: list[Path]) -> WikidataPool:
    """Every item in the given files; .rdf and .json of the same entity are merged."""
    pool = WikidataPool()
    for path in sorted(paths):
        if path.suffix == ".rdf":
            read_rdf(path, pool)
        elif path.suffix == ".json":
            read_json(path, pool)
        else:
            raise InputError(
                "unknown Wikidata file type", Location(str(path)), expected=".rdf or .json"
            )
    return pool
