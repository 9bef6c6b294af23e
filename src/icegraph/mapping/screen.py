"""Each input's records through the build's withholding decisions (repair/withhold.py), on
their way to the mappers: dropped records never reach a mapper, so nothing only they said is
made; a retracted one leaves a tombstone; a marked one gets its marks on its claim.

A flows row is repaired before it is judged (its sources are known only then), into a report
of its own that joins the build's only when the row is kept: a withheld row's repairs would
tell of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from icegraph.catalogue import Catalogue
from icegraph.mapping.flows_quads import SHARING_LABEL, FlowMapper
from icegraph.mapping.statements_quads import StatementMapper
from icegraph.mapping.terms import Q, Term, Triple, entity
from icegraph.mapping.withheld_quads import mark_quads, tombstone_quads
from icegraph.records import Connection, EnteredStatement, Fact, FlowRecord
from icegraph.repair.flows import repair_flows
from icegraph.repair.withhold import KEEP, Decision, Withholding
from icegraph.report import Report


class Screen:
    """The build's decisions applied; tombstones and counts gathered for the end."""

    def __init__(self, hold: Withholding) -> None:
        self.hold = hold
        self.tombstones: list[Triple] = []
        self.retracted: list[Term] = []
        self.applied: list[dict[str, str]] = []
        self.withheld = 0
        self.marked = 0
        self._marked: set[str] = set()  # a fact a page states twice is one claim, marked once

    def flows(
        self, rows: Iterable[FlowRecord], cat: Catalogue, mapper: FlowMapper, report: Report
    ) -> Iterator[tuple[FlowRecord, Decision]]:
        """The kept rows, repaired, with their decisions; the dropped ones are dealt with."""
        if not self.hold.screens_flows:
            yield from ((rec, KEEP) for rec in repair_flows(rows, cat, mapper.file, report))
            return
        own = Report()
        for rec in repair_flows(rows, cat, mapper.file, own):
            decision = self.hold.flow(mapper.file, rec, rec.citations)
            if decision.retraction is not None:
                _move(own, report)  # a retraction is public: its row's repairs may be told
                path = mapper.claim_path(rec)
                said = f"{rec.source} → {rec.destination} ({SHARING_LABEL[rec.sharing_type]})"
                said += f": {rec.description}" if rec.description else ""
                self._retract(path, said, mapper.file, rec.location.line, decision)
            elif decision.withheld:
                self.withheld += 1
                _move(own, None)
            else:
                _move(own, report)
                yield rec, decision

    def statements(
        self, records: Iterable[EnteredStatement], mapper: StatementMapper
    ) -> Iterator[tuple[EnteredStatement, Decision]]:
        for rec in records:
            decision = self.hold.statement(mapper.file, rec)
            if decision.retraction is not None:
                label = rec.relation or ("↔" if rec.both_ways else "→")
                said = f"{rec.origin} {label} {rec.target}" + (f": {rec.data}" if rec.data else "")
                path = mapper.claim_path(rec)
                self._retract(path, said, mapper.file, rec.location.line, decision)
            elif decision.withheld:
                self.withheld += 1
            else:
                yield rec, decision

    def dossier_item(
        self, path: str, decision: Decision, item: Fact | Connection, file: str
    ) -> None:
        """A dossier's fact or connection that the page's mapping left out or must mark."""
        if decision.retraction is not None:
            said = item.text if isinstance(item, Fact) else item.description
            self._retract(path, said, file, item.location.line, decision)
        elif decision.withheld:
            self.withheld += 1

    def marks(self, q: Q, path: str, decision: Decision, mapped: list[Triple]) -> list[Triple]:
        """The marks on a kept claim, once its triples are made (none for a repeated row,
        whose claim is already made and marked); its IRI checked against the table's."""
        self.hold.check_iri(decision, path)
        if not decision.marked or not mapped or path in self._marked:
            return []
        self._marked.add(path)
        self.marked += 1
        return mark_quads(q, entity(path), decision)

    def _retract(
        self, path: str, said: str, file: str, line: int | None, decision: Decision
    ) -> None:
        self.hold.check_iri(decision, path)
        r = decision.retraction
        assert r is not None
        if entity(path) in self.retracted:
            return  # a row repeated word for word is one claim, retracted once
        self.retracted.append(entity(path))
        self.tombstones += tombstone_quads(path, said, file, line or 0, r)
        self.applied.append(
            {"claim": entity(path)[1:-1], "when": r.when, "who": r.who, "reason": r.reason}
        )

    def tell(self, report: Report) -> None:
        """Counts, and the retractions applied; of withheld claims, only how many."""
        if self.hold.public:
            report.count("claims withheld (embargo or confidential)", self.withheld)
        elif self.marked:
            report.count("claims marked embargoed or confidential (kept: not a public build)",
                         self.marked)  # fmt: skip
        if self.applied:
            report.count("claims retracted (tombstones published)", len(self.applied))
            report.set_table("Retractions applied", self.applied)


def unmentioned(triples: Iterable[Triple], hidden: set[Term]) -> Iterator[Triple]:
    """The triples that neither describe nor point to a hidden node."""
    return (t for t in triples if t[0] not in hidden and t[2] not in hidden)


def _move(own: Report, to: Report | None) -> None:
    """What one row's repair recorded, into the build's report (or nowhere), leaving `own`
    empty for the next row. Most rows record nothing."""
    if not (own.counts or own.repairs_by_rule or own.findings_by_kind or own.tables):
        return
    if to is not None:
        to.merge(own)
    own.counts.clear()
    own.repairs.clear()
    own.repairs_by_rule.clear()
    own.findings.clear()
    own.findings_by_kind.clear()
    own.tables.clear()
