"""Plain records that readers produce and repairs refine; nothing here knows RDF."""

from __future__ import annotations

from dataclasses import dataclass, field

from icegraph.errors import Location


@dataclass(slots=True)
class Repair:
    """One change to a raw value, with the raw value kept and the reason given."""

    location: Location
    field: str
    raw: str
    corrected: str | None
    rule: str
    why: str
    evidence: str = ""


@dataclass(slots=True)
class Finding:
    """A warning or note for the build report that does not stop the build."""

    location: Location | None
    kind: str
    message: str


@dataclass(slots=True)
class FlowRecord:
    """One row of the flows table; fields are corrected in place, raw values live in repairs."""

    location: Location
    source: str
    destination: str
    full_name: str | None
    classification: str | None
    sharing_type: str
    agency: str | None
    sub_agency: str | None
    description: str | None
    reference: str | None
    columns: dict[str, int]
    # The row's cells as read, before any repair: what names its claim (stable when rows
    # are inserted or moved, the same for a row repeated word for word).
    fingerprint: str = ""
    raw_reference: str | None = None
    repairs: list[Repair] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    # (from, to) pairs of the names the data really moves between, set by the direction rule.
    directions: list[tuple[str, str]] = field(default_factory=list)
    # Catalogue ids of the organisations named in the agency columns, set by name resolution.
    agency_id: str | None = None
    operator_id: str | None = None

    def cell_location(self, fld: str) -> Location:
        return Location(self.location.file, self.location.line, self.columns.get(fld))

    def set(self, fld: str, value: str | None, rule: str, why: str, evidence: str = "") -> None:
        raw = getattr(self, fld)
        if raw == value:
            return
        self.repairs.append(
            Repair(self.cell_location(fld), fld, raw or "", value, rule, why, evidence)
        )
        setattr(self, fld, value)


@dataclass(slots=True)
class DossierHeader:
    name: str
    kind: str
    status: str
    role: str
    summary: str
    location: Location


@dataclass(slots=True)
class KeyConnection:
    name: str
    kind: str
    relation: str
    description: str
    location: Location


@dataclass(slots=True)
class Fact:
    text: str
    tier: str
    tier_group: str
    verification: str
    date: str | None
    method_label: str
    location: Location
    number: int = 0


@dataclass(slots=True)
class Connection:
    name: str | None
    kind: str | None
    relation: str
    tier: str
    since: str | None
    description: str
    location: Location
    number: int = 0
    resolved_by_description: bool = False


@dataclass(slots=True)
class DossierSource:
    year: str | None
    mark: str
    label: str
    doc_type: str
    status: str
    location: Location
    number: int = 0


@dataclass(slots=True)
class Dossier:
    header: DossierHeader
    announced: dict[str, int]
    key_connections: list[KeyConnection]
    facts: list[Fact]
    connections: list[Connection]
    sources: list[DossierSource]
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class EnteredStatement:
    """One flow or relationship a person entered by hand from a document that is not a table
    (a report's paragraph, a contract), with where in the document it is said."""

    location: Location
    statement: str  # "flow" or "relationship"
    origin: str
    origin_kind: str
    target: str
    target_kind: str
    relation: str
    both_ways: bool
    data: str
    since: str | None
    source: str
    locator: str
    confidence: str
    entered_by: str
    entered_on: str
    fingerprint: str
    columns: dict[str, int] = field(default_factory=dict)
    # kept out of public builds until this date (YYYY-MM-DD), or for good when confidential
    embargoed_until: str | None = None
    confidential: bool = False
