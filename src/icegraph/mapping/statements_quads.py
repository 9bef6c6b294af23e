"""Hand-entered statements as quads: each row a claim, dated and signed by the person who
entered it, derived from a document of data/sources.csv at a locator; it asserts a flow (or
two, both ways) or a relationship, the same nodes the tables and pages assert."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import PurePath

from icegraph.catalogue import Catalogue
from icegraph.errors import CatalogueError
from icegraph.mapping.catalogue_quads import relation_type, relation_type_quads, source_node
from icegraph.mapping.contradictions import Contradictions, Said, Subject
from icegraph.mapping.flows_quads import flow_triples, review_activity
from icegraph.mapping.iris import Resolver, input_graph, input_slug
from icegraph.mapping.support import Support
from icegraph.mapping.terms import (
    DERIVED_FROM,
    GENERATED_AT,
    GENERATED_BY,
    LABEL,
    TYPE,
    Q,
    Term,
    Triple,
    date,
    entity,
    ig,
    integer,
    iri,
    text,
)
from icegraph.namespaces import PROV
from icegraph.records import EnteredStatement
from icegraph.resolve.identity import Entity, Identities
from icegraph.resolve.names import slug


class StatementMapper:
    """Maps one file of hand-entered statements; flows already described are shared with the
    other mappers of the build, so a statement corroborates a table's row."""

    def __init__(
        self,
        cat: Catalogue,
        ids: Identities,
        file_name: str,
        flows: set[Term],
        tracker: Contradictions,
        support: Support,
    ) -> None:
        self.cat = cat
        self.resolve = Resolver(ids)
        self.q = Q(input_graph(file_name))
        self.key = input_slug(file_name)
        self.file = "raw/" + PurePath(file_name).name
        self._flows = flows
        self.tracker = tracker
        self.support = support
        self.activity = entity(f"activity/{self.key}-entry")

    def header(self) -> list[Triple]:
        return review_activity(self.q, self.activity, f"Statements entered by hand in {self.file}")

    def claim_path(self, rec: EnteredStatement) -> str:
        """The IRI path of the statement's claim (`claim/{file}/{from}--{to}-{digest}`)."""
        origin = self.resolve.by_kind(rec.origin, rec.origin_kind)
        target = self.resolve.by_kind(rec.target, rec.target_kind)
        return f"claim/{self.key}/{origin.local}--{target.local}-{rec.fingerprint}"

    def record(self, rec: EnteredStatement) -> list[Triple]:
        if rec.source not in self.cat.sources:
            raise CatalogueError(
                f"'{rec.source}' is not a source id",
                rec.location,
                field="source",
                expected="an id from data/sources.csv",
                fix="Add the document to data/sources.csv first, then cite its id.",
            )
        origin = self.resolve.by_kind(rec.origin, rec.origin_kind)
        target = self.resolve.by_kind(rec.target, rec.target_kind)
        claim = entity(self.claim_path(rec))
        said = partial(Said, claim, file=self.file, line=rec.location.line or 0)
        out: list[Triple] = []
        if rec.statement == "flow":
            asserted = self._flow(rec, origin, target, said, out)
            label = f"{rec.origin} {'↔' if rec.both_ways else '→'} {rec.target}"
        else:
            asserted, kind = self._relationship(rec, origin, target, said, out)
            label = f"{rec.origin} — {kind} → {rec.target}"
        out += self._claim(rec, claim, asserted, label, origin, target)
        self.support.add(asserted, [source_node(rec.source)], rec.confidence)
        return out

    def _flow(
        self, rec: EnteredStatement, a: Entity, b: Entity, said: Callable[..., Said],
        out: list[Triple],
    ) -> list[Term]:  # fmt: skip
        q = self.q
        moves = [(a, b), (b, a)] if rec.both_ways else [(a, b)]
        flows = []
        for x, y in moves:
            flow, described = flow_triples(q, x, y)
            flows.append(flow)
            if flow not in self._flows:
                self._flows.add(flow)
                out += described
            # stated once in the whole build: the caller passes every record through
            # `unstated`, which also keeps it from a second statement of the same edge
            out.append(q(entity(x.id), ig("sendsDataTo"), entity(y.id)))
        first, second = sorted((a, b), key=lambda e: e.id)
        pair = Subject(f"{first.id} {second.id}", (entity(first.id), entity(second.id)),
                       f"{first.label} and {second.label}")  # fmt: skip
        shown = " and ".join(sorted(f"{x.label} → {y.label}" for x, y in moves))
        self.tracker.say(pair, "direction", said(shown, shown))
        return flows

    def _relationship(
        self, rec: EnteredStatement, a: Entity, b: Entity, said: Callable[..., Said],
        out: list[Triple],
    ) -> tuple[list[Term], str]:  # fmt: skip
        q = self.q
        hit = self.cat.relation_types.get(rec.relation.casefold())
        term, kind = hit if hit is not None else (slug(rec.relation), rec.relation)
        if hit is None:
            out += relation_type_quads(q, term, kind)
        path = f"relationship/{a.local}--{slug(term)}--{b.local}"
        rel = entity(path)
        rel_text = f"{a.label} — {kind} → {b.label}"
        out.append(q(rel, TYPE, ig("Relationship")))
        out.append(q(rel, LABEL, text(rel_text)))
        out.append(q(rel, ig("relationFrom"), entity(a.id)))
        out.append(q(rel, ig("relationTo"), entity(b.id)))
        out.append(q(rel, ig("relationType"), relation_type(term)))
        ends = (entity(a.id), entity(b.id))
        pair = Subject(f"{a.id} {b.id}", ends, f"{a.label} and {b.label}")
        self.tracker.say(pair, "relation-type", said(term, kind))
        subject = Subject(path, (rel,), rel_text)
        self.tracker.say(subject, "since", said(rec.since or "", rec.since or "no date"))
        self.tracker.say(subject, "confidence", said(rec.confidence, rec.confidence))
        return [rel], kind

    def _claim(
        self,
        rec: EnteredStatement,
        claim: Term,
        asserted: list[Term],
        label: str,
        origin: Entity,
        target: Entity,
    ) -> Iterator[Triple]:
        q = self.q
        person = entity(f"agent/{slug(rec.entered_by)}")
        yield q(person, TYPE, iri(PROV + "Person"))
        yield q(person, LABEL, text(rec.entered_by))
        yield q(claim, TYPE, ig("Claim"))
        yield q(claim, LABEL, text(f"{label}, entered from {rec.source} ({rec.locator})"))
        for node in asserted:
            yield q(claim, ig("asserts"), node)
        statement = f"{label}: {rec.data}" if rec.data else label
        yield q(claim, ig("statement"), text(statement))
        if rec.statement == "flow" and rec.data:
            yield q(claim, ig("dataDescription"), text(rec.data))
        yield q(claim, DERIVED_FROM, source_node(rec.source))
        yield q(claim, ig("locator"), text(rec.locator))
        yield q(claim, ig("confidence"), ig(rec.confidence))
        yield q(claim, ig("verification"), ig("notAssessed"))
        yield q(claim, ig("method"), ig("documentReview"))
        yield q(claim, GENERATED_BY, self.activity)
        yield q(claim, iri(PROV + "wasAttributedTo"), person)
        yield q(claim, GENERATED_AT, date(rec.entered_on))
        if rec.since:
            yield q(claim, ig("since"), date(rec.since))
        if rec.statement == "relationship":
            yield q(claim, ig("rawLabel"), text(rec.relation))
        yield q(claim, ig("about"), entity(origin.id))
        if target.id != origin.id:
            yield q(claim, ig("about"), entity(target.id))
        yield q(claim, ig("sourceFile"), text(self.file))
        yield q(claim, ig("sourceLine"), integer(rec.location.line or 0))
