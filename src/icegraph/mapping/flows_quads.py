"""Flow records as quads: the flow, its direct edges, its systems, its claim and repairs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import PurePath

from icegraph.catalogue import Catalogue
from icegraph.mapping.catalogue_quads import source_node, strongest_confidence
from icegraph.mapping.contradictions import Contradictions, Said, Subject
from icegraph.mapping.iris import Resolver, input_graph, input_slug
from icegraph.mapping.support import Support
from icegraph.mapping.terms import (
    ALT_LABEL,
    DERIVED_FROM,
    GENERATED_BY,
    LABEL,
    PROV_ACTIVITY,
    TYPE,
    Q,
    Term,
    Triple,
    boolean,
    entity,
    ig,
    integer,
    iri,
    text,
    unstated,
)
from icegraph.readers.flows_table import FIELD_TITLES
from icegraph.records import Finding, FlowRecord, Repair
from icegraph.repair.directions import described_system, hub_keys
from icegraph.report import Report
from icegraph.resolve.identity import Entity, Identities
from icegraph.resolve.names import name_key

# Terms of the hot path, built once.
I_CLAIM = ig("Claim")
I_INFORMATION_FLOW = ig("InformationFlow")
I_REPAIR = ig("Repair")
I_SYSTEM = ig("System")
I_ABOUT = ig("about")
I_ASSERTS = ig("asserts")
I_CONFIDENCE = ig("confidence")
I_CORRECTED_VALUE = ig("correctedValue")
I_DATA_DESCRIPTION = ig("dataDescription")
I_DATA_FROM = ig("dataFrom")
I_DATA_TO = ig("dataTo")
I_DOCUMENT_REVIEW = ig("documentReview")
I_EVIDENCE = ig("evidence")
I_FIELD = ig("field")
I_FREQUENCY = ig("frequency")
I_HAS_REPAIR = ig("hasRepair")
I_MECHANISM = ig("mechanism")
I_METHOD = ig("method")
I_NOT_ASSESSED = ig("notAssessed")
I_OPERATED_BY = ig("operatedBy")
I_RAW_CITATION = ig("rawCitation")
I_RAW_VALUE = ig("rawValue")
I_REASON = ig("reason")
I_REPAIR_RULE = ig("repairRule")
I_SENDS_DATA_TO = ig("sendsDataTo")
I_SHARING_TYPE = ig("sharingType")
I_SOURCE_CLASSIFICATION = ig("sourceClassification")
I_SOURCE_COLUMN = ig("sourceColumn")
I_SOURCE_FILE = ig("sourceFile")
I_SOURCE_LINE = ig("sourceLine")
I_STATEMENT = ig("statement")
I_UNDATED = ig("undated")
I_UNKNOWN_OPERATOR = ig("unknownOperator")
I_VERIFICATION = ig("verification")
SHARING_LABEL = {"inbound": "Inbound", "outbound": "Outbound", "bidirectional": "Bi-directional"}
CLASSIFICATION_TERM = {"government": "governmentSource", "commercial": "commercialSource"}


class FlowMapper:
    """Maps the records of one flows file.

    A flow is one movement of data, from one system to another: the same two systems in the
    same direction are one flow, whichever documents state it and however they spell the
    systems, named `flow/{from}--{to}` after the two entities. Each row is a claim
    (`claim/{file}/{source}--{destination}-{digest of the row's cells}`): it asserts one flow,
    or two for a bi-directional row, and keeps what the row says (sharing type, data
    description, citations, file and line). A row repeated word for word in one file is one
    claim.
    """

    def __init__(
        self,
        cat: Catalogue,
        ids: Identities,
        file_name: str,
        stated: set[Triple],
        flows: set[Term],
        tracker: Contradictions,
        report: Report,
        support: Support,
    ) -> None:
        """`stated` and `flows` are shared by every file of a build: what earlier files already
        stated, and the flows already described."""
        self.cat = cat
        self.resolve = Resolver(ids)
        self.q = Q(input_graph(file_name))
        self.key = input_slug(file_name)
        self.file = "raw/" + PurePath(file_name).name
        self._file_term = text(self.file)
        self.hubs = hub_keys(cat)
        self.activity = entity(f"activity/{self.key}-compilation")
        self.tracker = tracker
        self.report = report
        self.support = support
        # System facts and edges repeat on every row that names them. Each is sent once, in
        # the graph of the first file that states it: the loader parses it once, and stores
        # that count a triple once per named graph in their union (Oxigraph 0.5, Virtuoso)
        # give each row and count once, however many files repeat it.
        self._sent = stated
        self._flows = flows
        # a hash of each claim's path → the line that first stated it: a dict of ints, so a
        # million rows cost tens of megabytes (two paths sharing a hash would be reported as a
        # repeat, which the line numbers let a reader check)
        self._claims: dict[int, int] = {}
        self._mechanisms = [r for r in cat.text_rules if r.kind == "mechanism"]
        self._frequencies = [r for r in cat.text_rules if r.kind == "frequency"]
        self._descriptions: dict[str, list[tuple[Term, Term]]] = {}

    def header(self) -> Iterator[Triple]:
        q = self.q
        yield q(self.activity, TYPE, PROV_ACTIVITY)
        yield q(self.activity, TYPE, ig("DocumentReview"))
        yield q(self.activity, LABEL, text(f"Compilation of the flows table {self.file}"))

    def quads(self, records: Iterable[FlowRecord]) -> Iterator[Triple]:
        yield from self.header()
        for rec in records:
            yield from self.record(rec, [])

    def block(self, rec: FlowRecord) -> tuple[list[Triple], list[Term], list[Triple]]:
        """The record's triples; the nodes whose every triple the block holds (its claim, its
        repairs, the flows it asserts), which lets validation finish with the record; and the
        triples of the flows an earlier record stated, for the checker only."""
        minted: list[Term] = []
        context: list[Triple] = []
        return list(self.record(rec, minted, context)), minted, context

    def record(
        self, rec: FlowRecord, minted: list[Term], context: list[Triple] | None = None
    ) -> Iterator[Triple]:
        q = self.q
        src = self.resolve.system(rec.source)
        dst = self.resolve.system(rec.destination)
        path = f"{self.key}/{src.local}--{dst.local}-{rec.fingerprint}"
        first = self._claims.get(hash(path))
        if first is not None:
            self.report.add_finding(
                Finding(rec.location, "repeated row",
                        f"the same cells as line {first}; counted as one claim")
            )  # fmt: skip
            return
        self._claims[hash(path)] = rec.location.line or 0
        claim = entity("claim/" + path)
        minted.append(claim)
        flows = []
        for a_name, b_name in rec.directions:
            a, b = self.resolve.system(a_name), self.resolve.system(b_name)
            flow = entity(f"flow/{a.local}--{b.local}")
            flows.append(flow)
            minted.append(flow)
            described = [
                q(flow, TYPE, I_INFORMATION_FLOW),
                q(flow, LABEL, text(f"{a.label} → {b.label}")),
                q(flow, I_DATA_FROM, entity(a.id)),
                q(flow, I_DATA_TO, entity(b.id)),
            ]
            if flow not in self._flows:
                self._flows.add(flow)
                yield from described
            elif context is not None:
                context += described
            edge = q(entity(a.id), I_SENDS_DATA_TO, entity(b.id))
            if edge not in self._sent:
                self._sent.add(edge)
                yield edge
        yield from unstated(self._systems(rec, src, dst), self._sent)

        arrow = "↔" if rec.sharing_type == "bidirectional" else "→"
        yield q(claim, TYPE, I_CLAIM)
        yield q(claim, LABEL, text(f"{rec.source} {arrow} {rec.destination}, as {self.file} "
                                   f"states it on line {rec.location.line}"))  # fmt: skip
        for flow in flows:
            yield q(claim, I_ASSERTS, flow)
        statement = f"{rec.source} → {rec.destination} ({SHARING_LABEL[rec.sharing_type]})"
        if rec.description:
            statement += f": {rec.description}"
        yield q(claim, I_STATEMENT, text(statement))
        yield q(claim, I_SHARING_TYPE, ig(rec.sharing_type))
        if rec.description:
            yield q(claim, I_DATA_DESCRIPTION, text(rec.description))
            for p, o in self._described(rec.description):
                yield q(claim, p, o)
        for sid in rec.citations:
            yield q(claim, DERIVED_FROM, source_node(sid))
        grade = strongest_confidence(self.cat, rec.citations)
        yield q(claim, I_CONFIDENCE, ig(grade))
        self.support.add(flows, [source_node(s) for s in rec.citations], grade)
        yield q(claim, I_VERIFICATION, I_NOT_ASSESSED)
        yield q(claim, I_METHOD, I_DOCUMENT_REVIEW)
        yield q(claim, GENERATED_BY, self.activity)
        yield q(claim, I_UNDATED, boolean(True))
        yield q(claim, I_ABOUT, entity(src.id))
        if dst.id != src.id:
            yield q(claim, I_ABOUT, entity(dst.id))
        yield q(claim, I_SOURCE_FILE, self._file_term)
        yield q(claim, I_SOURCE_LINE, integer(rec.location.line or 0))
        if rec.raw_reference:
            yield q(claim, I_RAW_CITATION, text(rec.raw_reference))
        for i, repair in enumerate(rec.repairs, start=1):
            node = entity(f"repair/{path}/{i}")
            minted.append(node)
            yield from self._repair(claim, node, repair)
        self._track(rec, claim, src, dst)

    def _track(self, rec: FlowRecord, claim: Term, src: Entity, dst: Entity) -> None:
        """What this row says that another document may contradict."""
        line = rec.location.line or 0
        said = partial(Said, claim, file=self.file, line=line)
        a, b = sorted((src, dst), key=lambda e: e.id)
        pair = Subject(f"{a.id} {b.id}", (entity(a.id), entity(b.id)), f"{a.label} and {b.label}")
        moves = sorted({(self.resolve.system(x).label, self.resolve.system(y).label)
                        for x, y in rec.directions})  # fmt: skip
        shown = " and ".join(f"{x} → {y}" for x, y in moves)
        self.tracker.say(pair, "direction", said(shown, shown))
        kind = SHARING_LABEL[rec.sharing_type]
        columns = (rec.source, rec.destination)
        if rec.sharing_type != "bidirectional" and rec.directions[0] != columns:
            self.tracker.within(
                pair, "sharing-type-vs-columns",
                said(f"{rec.source} → {rec.destination}",
                     f"columns: {rec.source} → {rec.destination}"),
                said(shown, f"sharing type '{kind}': {shown}"),
            )  # fmt: skip
        described = described_system(rec, self.hubs)
        system = src if described == rec.source else dst
        about = Subject(system.id, (entity(system.id),), system.label)
        if rec.operator_id:
            operator = self.cat.entities[rec.operator_id].label
            self.tracker.say(about, "operator", said(rec.operator_id, operator))
        if rec.full_name:
            self.tracker.say(about, "full-name", said(name_key(rec.full_name), rec.full_name))

    def _described(self, description: str) -> list[tuple[Term, Term]]:
        """How and how often, as the text rules read them in the description. A system's
        description recurs on every row about it, so each is read once."""
        found = self._descriptions.get(description)
        if found is None:
            found = [
                (I_MECHANISM, ig(r.term)) for r in self._mechanisms if r.pattern.search(description)
            ]
            found += [
                (I_FREQUENCY, iri(r.term))
                for r in self._frequencies
                if r.pattern.search(description)
            ]
            if len(self._descriptions) < 65536:  # bounded, whatever the input
                self._descriptions[description] = found
        return found

    def _systems(self, rec: FlowRecord, src: Entity, dst: Entity) -> Iterator[Triple]:
        """What the row says of the system it describes, when data/entities.csv does not."""
        q = self.q
        described = described_system(rec, self.hubs)
        system = src if described == rec.source else dst
        if system.curated is None:
            node = entity(system.id)
            if rec.classification:
                yield q(node, I_SOURCE_CLASSIFICATION, ig(CLASSIFICATION_TERM[rec.classification]))
            if rec.operator_id:
                yield q(node, I_OPERATED_BY, entity(rec.operator_id))
        yield from self._variant_labels(rec)

    def _variant_labels(self, rec: FlowRecord) -> Iterator[Triple]:
        """The table's own spellings of agency names, kept as alternative labels."""
        q = self.q
        for fld, eid in (("agency", rec.agency_id), ("sub_agency", rec.operator_id)):
            value = getattr(rec, fld)
            if not eid or value is None:
                continue
            label = self.cat.entities[eid].label
            variants = [value] + [
                r.raw for r in rec.repairs if r.field == fld and r.rule == "variant-spelling"
            ]
            for v in variants:
                if name_key(v) != name_key(label):
                    yield q(entity(eid), ALT_LABEL, text(v))

    def _repair(self, claim: Term, node: Term, r: Repair) -> Iterator[Triple]:
        q = self.q
        yield q(claim, I_HAS_REPAIR, node)
        yield q(node, TYPE, I_REPAIR)
        yield q(node, LABEL, text(f"Repair of {r.field} on line {r.location.line}"))
        yield q(node, I_FIELD, text(FIELD_TITLES.get(r.field, r.field)))
        yield q(node, I_RAW_VALUE, text(r.raw))
        if r.corrected is not None:
            yield q(node, I_CORRECTED_VALUE, text(r.corrected))
        yield q(node, I_REPAIR_RULE, text(r.rule))
        yield q(node, I_REASON, text(r.why))
        if r.evidence:
            yield q(node, I_EVIDENCE, text(r.evidence))
        yield q(node, I_SOURCE_FILE, self._file_term)
        yield q(node, I_SOURCE_LINE, integer(r.location.line or 0))
        if r.location.column:
            yield q(node, I_SOURCE_COLUMN, integer(r.location.column))
