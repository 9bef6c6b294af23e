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
    boolean,
    entity,
    ig,
    integer,
    iri,
    slug,
    text,
)
from icegraph.readers.flows_table import FIELD_TITLES
from icegraph.records import FlowRecord, Repair
from icegraph.repair.directions import described_system, hub_keys

SHARING_LABEL = {"inbound": "Inbound", "outbound": "Outbound", "bidirectional": "Bi-directional"}
CLASSIFICATION_TERM = {"government": "governmentSource", "commercial": "commercialSource"}


class FlowMapper:
    """Maps the records of one flows file; keeps only what IRIs need to stay unique."""

    def __init__(self, cat: Catalogue, file_name: str) -> None:
        self.cat = cat
        self.resolve = Resolver(cat)
        self.q = Q(input_graph(file_name))
        self.file = "raw/" + PurePath(file_name).name
        self.hubs = hub_keys(cat)
        self.activity = entity(f"activity/{input_slug(file_name)}-compilation")
        self._flow_ids: dict[str, int] = {}
        self._mechanisms = [r for r in cat.text_rules if r.kind == "mechanism"]
        self._frequencies = [r for r in cat.text_rules if r.kind == "frequency"]

    def header(self) -> Iterator[str]:
        q = self.q
        yield q(self.activity, TYPE, PROV_ACTIVITY)
        yield q(self.activity, TYPE, ig("DocumentReview"))
        yield q(self.activity, LABEL, text(f"Compilation of the flows table {self.file}"))

    def quads(self, records: Iterable[FlowRecord]) -> Iterator[str]:
        yield from self.header()
        for rec in records:
            yield from self.record(rec)

    def _flow_slug(self, rec: FlowRecord) -> str:
        base = f"{slug(rec.source)}--{slug(rec.destination)}"
        n = self._flow_ids.get(base, 0) + 1
        self._flow_ids[base] = n
        return base if n == 1 else f"{base}-{n}"

    def record(self, rec: FlowRecord) -> Iterator[str]:
        q = self.q
        fslug = self._flow_slug(rec)
        flow = entity("flow/" + fslug)
        claim = entity("claim/flow/" + fslug)
        src, _ = self.resolve.system(rec.source)
        dst, _ = self.resolve.system(rec.destination)

        yield q(flow, TYPE, ig("InformationFlow"))
        yield q(flow, LABEL, text(f"{rec.source} → {rec.destination}"))
        yield q(flow, ig("dataFrom"), src if rec.directions[0][0] == rec.source else dst)
        yield q(flow, ig("dataTo"), dst if rec.directions[0][1] == rec.destination else src)
        yield q(flow, ig("sharingType"), ig(rec.sharing_type))
        if rec.description:
            yield q(flow, ig("dataDescription"), text(rec.description))
            for rule in self._mechanisms:
                if rule.pattern.search(rec.description):
                    yield q(flow, ig("mechanism"), ig(rule.term))
            for rule in self._frequencies:
                if rule.pattern.search(rec.description):
                    yield q(flow, ig("frequency"), iri(rule.term))
        for a, b in rec.directions:
            yield q(self.resolve.system(a)[0], ig("sendsDataTo"), self.resolve.system(b)[0])

        yield from self._systems(rec, src, dst)

        yield q(claim, TYPE, ig("Claim"))
        yield q(claim, LABEL, text(f"Flow {rec.source} → {rec.destination} as the table states it"))
        yield q(claim, ig("asserts"), flow)
        statement = f"{rec.source} → {rec.destination} ({SHARING_LABEL[rec.sharing_type]})"
        if rec.description:
            statement += f": {rec.description}"
        yield q(claim, ig("statement"), text(statement))
        for sid in rec.citations:
            yield q(claim, DERIVED_FROM, source_node(sid))
        grade = strongest_confidence(self.cat, rec.citations)
        yield q(claim, ig("confidence"), ig(grade))
        yield q(claim, ig("verification"), ig("notAssessed"))
        yield q(claim, ig("method"), ig("documentReview"))
        yield q(claim, GENERATED_BY, self.activity)
        yield q(claim, ig("undated"), boolean(True))
        yield q(claim, ig("about"), src)
        yield q(claim, ig("about"), dst)
        yield q(claim, ig("sourceFile"), text(self.file))
        yield q(claim, ig("sourceLine"), integer(rec.location.line or 0))
        if rec.raw_reference:
            yield q(claim, ig("rawCitation"), text(rec.raw_reference))
        for i, repair in enumerate(rec.repairs, start=1):
            yield from self._repair(claim, fslug, i, repair)

    def _systems(self, rec: FlowRecord, src: Term, dst: Term) -> Iterator[str]:
        q = self.q
        described = described_system(rec, self.hubs)
        for name, node in ((rec.source, src), (rec.destination, dst)):
            entry = self.resolve.system(name)[1]
            if entry is not None:
                continue  # curated: the catalogue graph describes it
            yield q(node, TYPE, ig("System"))
            yield q(node, LABEL, text(name))
            if name != described:
                continue
            if rec.full_name and name_key(rec.full_name) != name_key(name):
                yield q(node, ALT_LABEL, text(rec.full_name))
            if rec.classification:
                yield q(
                    node, ig("sourceClassification"), ig(CLASSIFICATION_TERM[rec.classification])
                )
            operator = entity(rec.operator_id) if rec.operator_id else ig("unknownOperator")
            yield q(node, ig("operatedBy"), operator)
        yield from self._variant_labels(rec)

    def _variant_labels(self, rec: FlowRecord) -> Iterator[str]:
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

    def _repair(self, claim: Term, fslug: str, i: int, r: Repair) -> Iterator[str]:
        q = self.q
        node = entity(f"repair/{fslug}/{i}")
        yield q(claim, ig("hasRepair"), node)
        yield q(node, TYPE, ig("Repair"))
        yield q(node, LABEL, text(f"Repair of {r.field} on line {r.location.line}"))
        yield q(node, ig("field"), text(FIELD_TITLES.get(r.field, r.field)))
        yield q(node, ig("rawValue"), text(r.raw))
        if r.corrected is not None:
            yield q(node, ig("correctedValue"), text(r.corrected))
        yield q(node, ig("repairRule"), text(r.rule))
        yield q(node, ig("reason"), text(r.why))
        if r.evidence:
            yield q(node, ig("evidence"), text(r.evidence))
        yield q(node, ig("sourceFile"), text(self.file))
        yield q(node, ig("sourceLine"), integer(r.location.line or 0))
        if r.location.column:
            yield q(node, ig("sourceColumn"), integer(r.location.column))
