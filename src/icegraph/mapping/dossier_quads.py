"""A dossier as quads: the subject entity, graded fact claims, relationships and sources."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import PurePath

from icegraph.catalogue import Catalogue
from icegraph.digests import short_digest
from icegraph.mapping.catalogue_quads import document_type, relation_type, relation_type_quads
from icegraph.mapping.contradictions import Contradictions, Said, Subject
from icegraph.mapping.iris import Resolver, input_graph, input_slug
from icegraph.mapping.support import Support
from icegraph.mapping.terms import (
    ALT_LABEL,
    ASSOCIATED_WITH,
    DCTYPE,
    DERIVED_FROM,
    GENERATED_AT,
    GENERATED_BY,
    ISSUED,
    LABEL,
    NOTE,
    PROV_ACTIVITY,
    PROV_AGENT,
    TITLE,
    TYPE,
    Q,
    Term,
    Triple,
    boolean,
    date,
    entity,
    ig,
    integer,
    iri,
    text,
)
from icegraph.namespaces import DCTERMS, PROV
from icegraph.records import Connection, Dossier, DossierSource, Fact, Finding
from icegraph.repair.dossier import method_of, source_for
from icegraph.report import Report
from icegraph.resolve.identity import Entity, Identities
from icegraph.resolve.names import name_key, slug

ACTIVITY_CLASS = {
    "automatedAnalysis": "AutomatedAnalysis",
    "recordsSearch": "RecordsSearch",
    "documentReview": "DocumentReview",
}


class DossierMapper:
    """Maps one dossier page. Its claims are named by the page and a digest of what they say
    (`claim/{page}/fact-{digest}`), never by their position, so a fact added above another
    leaves the other's IRI alone; relationships are named by their two entities and type."""

    def __init__(
        self,
        cat: Catalogue,
        ids: Identities,
        file_name: str,
        report: Report,
        tracker: Contradictions,
        support: Support,
    ) -> None:
        self.cat = cat
        self.report = report
        self.tracker = tracker
        self.support = support
        self.resolve = Resolver(ids)
        self.q = Q(input_graph(file_name))
        self.file = "raw/" + PurePath(file_name).name
        self.key = input_slug(file_name)
        self._mentions = _mention_pattern(cat)

    def quads(self, d: Dossier) -> Iterator[Triple]:
        q = self.q
        self._sources = {src.number: self._source_path(src) for src in d.sources}
        subject_entity = self.resolve.by_kind(d.header.name, d.header.kind)
        subject = entity(subject_entity.id)
        yield from self._entity(d.header.name, d.header.kind)
        yield q(subject, iri(DCTERMS + "description"), text(d.header.summary))
        yield q(subject, NOTE, text(d.header.role))
        yield q(subject, ig("status"), text(d.header.status))

        page = entity(f"source/{self.key}")
        yield q(page, TYPE, ig("Source"))
        yield q(page, TITLE, text(f"Dossier page: {d.header.name}"))
        yield q(page, LABEL, text(f"Dossier page: {d.header.name}"))
        yield q(page, DCTYPE, document_type("knowledge-base-entry"))
        yield q(page, ig("sourceFile"), text(self.file))
        page_review = entity(f"activity/{self.key}/page-reading")
        yield q(page_review, TYPE, PROV_ACTIVITY)
        yield q(page_review, TYPE, ig("DocumentReview"))
        yield q(page_review, LABEL, text(f"Reading the dossier page {self.file}"))
        yield q(page_review, iri(PROV + "used"), page)

        for s in d.sources:
            yield from self._source(s)
        for fact in d.facts:
            yield from self._fact(fact, d, subject)
        yield from self._connections(d, subject, page, page_review)
        yield from self.minted_relation_types(d)
        self._tally(d)

    # ------------------------------------------------------------ entities

    def _entity(self, name: str, kind: str) -> Iterator[Triple]:
        """Type and label for a named entity; page spellings of curated ones become altLabels."""
        q = self.q
        found = self.resolve.by_kind(name, kind)
        entry = found.curated
        if entry is not None and name_key(name) != name_key(entry.label):
            yield q(entity(found.id), ALT_LABEL, text(name))
        if entry is not None and entry.candidates:
            self.report.add_finding(
                Finding(None, "ambiguous", f"'{name}' may mean any of: "
                        + ", ".join(self.cat.entities[c].label for c in entry.candidates)
                        + "; kept as one ambiguous entity with candidates, not merged")
            )  # fmt: skip

    def _mentioned(self, statement: str) -> list[Term]:
        ids = dict.fromkeys(self._mentions_in(statement))
        return [entity(i) for i in ids]

    def _mentions_in(self, statement: str) -> Iterator[str]:
        if self._mentions is None:
            return
        for m in self._mentions.finditer(statement):
            entry = self.cat.lookup(m.group(0))
            if entry is not None:
                yield entry.id

    # ------------------------------------------------------------ sources and facts

    def _source_path(self, s: DossierSource) -> str:
        return f"source/{self.key}/{slug(s.doc_type)}-{digest(s.label)}"

    def _source_node(self, number: int) -> Term:
        return entity(self._sources[number])

    def _source(self, s: DossierSource) -> Iterator[Triple]:
        q = self.q
        node = self._source_node(s.number)
        automated = method_of(s.label, self.cat) == "automatedAnalysis"
        title = f"Automated analysis ({s.label}) behind the dossier" if automated else s.label
        yield q(node, TYPE, ig("Source"))
        yield q(node, TITLE, text(title))
        yield q(node, LABEL, text(title))
        yield q(node, ig("citation"), text(s.label))
        raw_type = s.doc_type.replace("_", "-")
        # The page files its AI output under a disclosure type; what it is, is analysis output.
        type_id = "automated-analysis" if automated else raw_type
        yield q(node, DCTYPE, document_type(type_id))
        if type_id not in self.cat.document_types:
            yield q(
                document_type(type_id), TYPE, iri("http://www.w3.org/2004/02/skos/core#Concept")
            )
            yield q(document_type(type_id), LABEL, text(s.doc_type))
        yield q(node, ig("rawLabel"), text(s.doc_type))
        if s.year:
            yield q(node, ISSUED, date(s.year))
        yield q(node, ig("status"), text(s.status))
        if s.mark:
            yield q(node, NOTE, text(f"Marked {s.mark} on the page"))
        if s.label.endswith("…"):
            yield q(
                node, NOTE, text("The page cuts this label short (…); the full title is not given")
            )
        yield q(node, ig("sourceFile"), text(self.file))
        yield q(node, ig("sourceLine"), integer(s.location.line or 0))

    def _activity(self, label: str) -> tuple[Term, Iterator[Triple]]:
        method = method_of(label, self.cat) or "documentReview"
        node = entity(f"activity/{self.key}/{slug(label)[:60]}")
        who = "automated-analysis" if method == "automatedAnalysis" else "researchers"
        agent = entity(f"agent/{self.key}/{who}")

        def quads() -> Iterator[Triple]:
            q = self.q
            yield q(node, TYPE, PROV_ACTIVITY)
            yield q(node, TYPE, ig(ACTIVITY_CLASS[method]))
            yield q(node, LABEL, text(f"{label} (dossier {self.file})"))
            yield q(node, ASSOCIATED_WITH, agent)
            if method == "automatedAnalysis":
                yield q(agent, TYPE, PROV_AGENT)
                yield q(agent, LABEL, text("The knowledge base's automated (AI) analysis"))
            else:
                yield q(agent, TYPE, iri(PROV + "Agent"))
                yield q(agent, LABEL, text("The knowledge base's researchers (not named)"))

        return node, quads()

    def _fact(self, f: Fact, d: Dossier, subject: Term) -> Iterator[Triple]:
        q = self.q
        claim = entity(fact_path(self.key, f))
        activity, activity_quads = self._activity(f.method_label)
        yield from activity_quads
        yield q(claim, TYPE, ig("Claim"))
        yield q(claim, LABEL, text(f"Fact {f.number} of the dossier {d.header.name}"))
        yield q(claim, ig("statement"), text(f.text))
        yield q(claim, ig("confidence"), ig(f.tier))
        yield q(claim, ig("rawConfidence"), text(f.tier_group))
        yield q(claim, ig("verification"), ig(f.verification))
        yield q(claim, ig("method"), ig(method_of(f.method_label, self.cat) or "documentReview"))
        yield q(claim, GENERATED_BY, activity)
        if f.date:
            yield q(claim, GENERATED_AT, date(f.date))
        else:
            yield q(claim, ig("undated"), boolean(True))
        yield q(claim, DERIVED_FROM, self._source_node(source_for(f, d)))
        yield q(claim, ig("about"), subject)
        for node in self._mentioned(f.text):
            if node != subject:
                yield q(claim, ig("about"), node)
        if f.tier == "inferential":
            yield from self._basis(claim, f.text)
        yield q(claim, ig("sourceFile"), text(self.file))
        yield q(claim, ig("sourceLine"), integer(f.location.line or 0))

    def _basis(self, claim: Term, statement: str) -> Iterator[Triple]:
        found = False
        for rule in self.cat.text_rules:
            if rule.kind != "inference-basis":
                continue
            m = rule.pattern.search(statement)
            if m and m.groupdict().get("basis"):
                found = True
                yield self.q(claim, ig("inferredFrom"), text(m["basis"].strip()))
        if not found:
            self.report.count("inferential claims whose page text names no basis")

    # ------------------------------------------------------------ connections

    def _connections(self, d: Dossier, subject: Term, page: Term, review: Term) -> Iterator[Triple]:
        q = self.q
        for c in d.connections:
            assert c.name is not None and c.kind is not None
            found = self.resolve.by_kind(c.name, c.kind)
            target = entity(found.id)
            yield from self._entity(c.name, c.kind)
            term, label = self._relation_term(c)
            origin = self.resolve.by_kind(d.header.name, d.header.kind)
            rel = entity(f"relationship/{origin.local}--{slug(term)}--{found.local}")
            yield q(rel, TYPE, ig("Relationship"))
            yield q(rel, LABEL, text(f"{origin.label} — {label} → {found.label}"))
            yield q(rel, ig("relationFrom"), subject)
            yield q(rel, ig("relationTo"), target)
            yield q(rel, ig("relationType"), relation_type(term))

            claim = entity(connection_path(self.key, c))
            self._track(c, claim, origin, found, label)
            yield q(claim, TYPE, ig("Claim"))
            yield q(claim, LABEL, text(f"Connection {c.number} of the dossier {d.header.name}"))
            yield q(claim, ig("asserts"), rel)
            yield q(claim, ig("statement"), text(c.description))
            yield q(claim, ig("confidence"), ig(c.tier))
            self.support.add([rel], [page], c.tier)
            yield q(claim, ig("rawConfidence"), text(c.tier))
            yield q(claim, ig("rawLabel"), text(c.relation))
            yield q(claim, ig("verification"), ig("notAssessed"))
            yield q(claim, ig("method"), ig("documentReview"))
            yield q(claim, GENERATED_BY, review)
            yield q(claim, ig("undated"), boolean(True))
            if c.since:
                yield q(claim, ig("since"), date(c.since))
            yield q(claim, DERIVED_FROM, page)
            yield q(claim, ig("about"), subject)
            yield q(claim, ig("about"), target)
            for node in self._mentioned(c.description):
                if node not in (subject, target):
                    yield q(claim, ig("about"), node)
            if c.tier == "inferential":
                yield from self._basis(claim, c.description)
            if c.resolved_by_description:
                yield q(claim, NOTE, text(
                    f"Listed on the page without a name; matched to the key connection "
                    f"'{c.name}' by its identical description"))  # fmt: skip
            yield q(claim, ig("sourceFile"), text(self.file))
            yield q(claim, ig("sourceLine"), integer(c.location.line or 0))

    def _track(
        self, c: Connection, claim: Term, origin: Entity, target: Entity, label: str
    ) -> None:
        """What this connection says that another statement may contradict: the kind of
        relationship between the two entities, and the relationship's date and grade."""
        said = partial(Said, claim, file=self.file, line=c.location.line or 0)
        ends = (entity(origin.id), entity(target.id))
        pair = Subject(f"{origin.id} {target.id}", ends, f"{origin.label} and {target.label}")
        term, _ = self._relation_term(c)
        self.tracker.say(pair, "relation-type", said(term, label))
        path = f"relationship/{origin.local}--{slug(term)}--{target.local}"
        rel = Subject(path, (entity(path),), f"{origin.label} — {label} → {target.label}")
        self.tracker.say(rel, "since", said(c.since or "", c.since or "no date"))
        self.tracker.say(rel, "confidence", said(c.tier, c.tier))

    def _relation_term(self, c: Connection) -> tuple[str, str]:
        hit = self.cat.relation_types.get(c.relation.casefold())
        if hit is not None:
            return hit
        term = slug(c.relation)
        return term, c.relation

    def minted_relation_types(self, d: Dossier) -> Iterator[Triple]:
        for c in d.connections:
            if c.relation.casefold() not in self.cat.relation_types:
                term, label = self._relation_term(c)
                yield from relation_type_quads(self.q, term, label)

    def _tally(self, d: Dossier) -> None:
        r = self.report
        rows = []
        for tier in ("primary", "secondary", "inferential"):
            for status in ("verified", "unverified", "notAssessed"):
                n = sum(1 for f in d.facts if f.tier == tier and f.verification == status)
                if n:
                    rows.append({"dossier": self.file, "tier": tier, "verification": status,
                                 "facts": n})  # fmt: skip
        r.tables.setdefault("Dossier facts by tier and verification", []).extend(rows)
        conn_rows = []
        for tier in ("primary", "secondary", "inferential"):
            n = sum(1 for c in d.connections if c.tier == tier)
            if n:
                conn_rows.append({"dossier": self.file, "tier": tier, "connections": n})
        r.tables.setdefault("Dossier connections by tier", []).extend(conn_rows)
        r.count("dossier facts", len(d.facts))
        r.count("dossier connection claims", len(d.connections))
        r.count("dossier sources", len(d.sources))
        r.count(
            "dossier relationships",
            len({(self._relation_term(c)[0], c.name) for c in d.connections}),
        )
        r.count(
            "connections resolved by description",
            sum(1 for c in d.connections if c.resolved_by_description),
        )


def fact_path(page: str, f: Fact) -> str:
    """The IRI path of a fact's claim on the page whose input slug is `page`."""
    return f"claim/{page}/fact-{digest(f.text)}"


def connection_path(page: str, c: Connection) -> str:
    """The IRI path of a connection's claim: named by what it says, not by its place."""
    key = "|".join((c.name or "", c.relation, c.tier, c.since or "", c.description))
    return f"claim/{page}/connection-{digest(key)}"


def digest(value: str) -> str:
    """A short digest of a statement, spacing and case aside: what names its claim."""
    key = " ".join(value.split()).casefold()
    return short_digest(key)


def _mention_pattern(cat: Catalogue) -> re.Pattern[str] | None:
    names = set()
    for e in cat.entities.values():
        for n in (e.label, e.acronym, *e.alt_labels):
            if n and len(n) >= 3:
                names.add(n)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(r"(?<![\w-])(?:" + alternatives + r")(?![\w-])")
