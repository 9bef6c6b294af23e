"""Flow records as quads: the flow, its direct edges, its systems, its claim and repairs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import PurePath

from icegraph.catalogue import Catalogue, name_key
from icegraph.mapping.catalogue_quads import source_node, strongest_confidence
from icegraph.mapping.iris import Resolver, input_graph, input_slug
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
    slug,
    text,
    unstated,
)
from icegraph.readers.flows_table import FIELD_TITLES
from icegraph.records import FlowRecord, Repair
from icegraph.repair.directions import described_system, hub_keys

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
    """Maps the records of one flows file; keeps only what IRIs need to stay unique."""

    def __init__(
        self,
        cat: Catalogue,
        file_name: str,
        stated: set[Triple],
        flow_ids: dict[str, int],
    ) -> None:
        """`stated` and `flow_ids` are shared by every file of a build: what earlier files
        already stated, and how many flows each pair of systems has had so far."""
        self.cat = cat
        self.resolve = Resolver(cat)
        self.q = Q(input_graph(file_name))
        self.file = "raw/" + PurePath(file_name).name
        self._file_term = text(self.file)
        self.hubs = hub_keys(cat)
        self.activity = entity(f"activity/{input_slug(file_name)}-compilation")
        # Numbered across the build: two files' flows between the same systems are two flows.
        self._flow_ids = flow_ids
        # System facts and edges repeat on every row that names them. Each is sent once, in
        # the graph of the first file that states it: the loader parses it once, and stores
        # that count a triple once per named graph in their union (Oxigraph 0.5, Virtuoso)
        # give each row and count once, however many files repeat it.
        self._sent = stated
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
            yield from self.record(rec)

    def _flow_slug(self, rec: FlowRecord) -> str:
        base = f"{slug(rec.source)}--{slug(rec.destination)}"
        n = self._flow_ids.get(base, 0) + 1
        self._flow_ids[base] = n
        return base if n == 1 else f"{base}-{n}"

    def block(self, rec: FlowRecord) -> tuple[list[Triple], list[Term]]:
        """The record's triples, and the nodes minted for it alone (its flow, claim, repairs):
        no other record mentions them, which lets validation finish with the record."""
        minted: list[Term] = []
        return list(self.record(rec, minted)), minted

    def record(self, rec: FlowRecord, minted: list[Term] | None = None) -> Iterator[Triple]:
        q = self.q
        fslug = self._flow_slug(rec)
        flow = entity("flow/" + fslug)
        claim = entity("claim/flow/" + fslug)
        if minted is not None:
            minted += (flow, claim)
        src, _ = self.resolve.system(rec.source)
        dst, _ = self.resolve.system(rec.destination)

        yield q(flow, TYPE, I_INFORMATION_FLOW)
        yield q(flow, LABEL, text(f"{rec.source} → {rec.destination}"))
        yield q(flow, I_DATA_FROM, src if rec.directions[0][0] == rec.source else dst)
        yield q(flow, I_DATA_TO, dst if rec.directions[0][1] == rec.destination else src)
        yield q(flow, I_SHARING_TYPE, ig(rec.sharing_type))
        if rec.description:
            yield q(flow, I_DATA_DESCRIPTION, text(rec.description))
            for p, o in self._described(rec.description):
                yield q(flow, p, o)
        system = self.resolve.system
        edges = (q(system(a)[0], I_SENDS_DATA_TO, system(b)[0]) for a, b in rec.directions)
        yield from unstated(edges, self._sent)
        yield from unstated(self._systems(rec, src, dst), self._sent)

        yield q(claim, TYPE, I_CLAIM)
        yield q(claim, LABEL, text(f"Flow {rec.source} → {rec.destination} as the table states it"))
        yield q(claim, I_ASSERTS, flow)
        statement = f"{rec.source} → {rec.destination} ({SHARING_LABEL[rec.sharing_type]})"
        if rec.description:
            statement += f": {rec.description}"
        yield q(claim, I_STATEMENT, text(statement))
        for sid in rec.citations:
            yield q(claim, DERIVED_FROM, source_node(sid))
        grade = strongest_confidence(self.cat, rec.citations)
        yield q(claim, I_CONFIDENCE, ig(grade))
        yield q(claim, I_VERIFICATION, I_NOT_ASSESSED)
        yield q(claim, I_METHOD, I_DOCUMENT_REVIEW)
        yield q(claim, GENERATED_BY, self.activity)
        yield q(claim, I_UNDATED, boolean(True))
        yield q(claim, I_ABOUT, src)
        yield q(claim, I_ABOUT, dst)
        yield q(claim, I_SOURCE_FILE, self._file_term)
        yield q(claim, I_SOURCE_LINE, integer(rec.location.line or 0))
        if rec.raw_reference:
            yield q(claim, I_RAW_CITATION, text(rec.raw_reference))
        for i, repair in enumerate(rec.repairs, start=1):
            node = entity(f"repair/{fslug}/{i}")
            if minted is not None:
                minted.append(node)
            yield from self._repair(claim, node, repair)

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

    def _systems(self, rec: FlowRecord, src: Term, dst: Term) -> Iterator[Triple]:
        q = self.q
        described = described_system(rec, self.hubs)
        for name, node in ((rec.source, src), (rec.destination, dst)):
            entry = self.resolve.system(name)[1]
            if entry is not None:
                continue  # curated: the catalogue graph describes it
            yield q(node, TYPE, I_SYSTEM)
            yield q(node, LABEL, text(name))
            if name != described:
                continue
            if rec.full_name and name_key(rec.full_name) != name_key(name):
                yield q(node, ALT_LABEL, text(rec.full_name))
            if rec.classification:
                yield q(node, I_SOURCE_CLASSIFICATION, ig(CLASSIFICATION_TERM[rec.classification]))
            operator = entity(rec.operator_id) if rec.operator_id else I_UNKNOWN_OPERATOR
            yield q(node, I_OPERATED_BY, operator)
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
