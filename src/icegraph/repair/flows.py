"""The repair stage for flow records: corrections, look-alikes, N/A, citations, names, direction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from icegraph.catalogue import Catalogue
from icegraph.errors import CatalogueError, InputError
from icegraph.readers.flows_table import FIELD_TITLES
from icegraph.records import Finding, FlowRecord
from icegraph.repair.citations import CitationSplitter
from icegraph.repair.corrections import CorrectionBook
from icegraph.repair.directions import SHARING_TYPES, derive_direction, hub_keys
from icegraph.repair.lookalikes import fold_known
from icegraph.report import Report

PLACEHOLDERS = {"n/a", "na", "none", "-", "—", "unknown"}
OPTIONAL = ("full_name", "classification", "agency", "sub_agency", "description", "reference")
TEXT_FIELDS = ("source", "destination", *OPTIONAL)
ORG_TYPES = ("Agency", "InternationalOrganization", "PrivateOrganization", "Company")
CLASSIFICATIONS = {"government": "government", "commercial": "commercial"}


def repair_flows(
    records: Iterable[FlowRecord], cat: Catalogue, file_name: str, report: Report
) -> Iterator[FlowRecord]:
    """Yield each record repaired; every change is on the record, every count in the report."""
    book = CorrectionBook(cat.corrections, file_name, cat.used_corrections)
    splitter = CitationSplitter(cat.sources)
    known = cat.known_names()
    hubs = hub_keys(cat)
    for rec in records:
        book.apply(rec)
        for fld in TEXT_FIELDS:
            value = getattr(rec, fld)
            if value is None or value.isascii():
                continue
            folded = fold_known(value, known, rec.cell_location(fld), FIELD_TITLES[fld])
            if folded is not None:
                rec.set(
                    fld,
                    folded,
                    "lookalike-letters",
                    "letters from another script that look like Latin ones were folded, "
                    "and the result is a known name",
                    f"'{folded}' is a name in data/entities.csv",
                )
        for fld in OPTIONAL:
            value = getattr(rec, fld)
            if value is not None and value.casefold() in PLACEHOLDERS:
                setattr(rec, fld, None)
                report.count(f"placeholder '{value}' read as no value: {FIELD_TITLES[fld]}")
        _normalise_term(rec, "sharing_type", SHARING_TYPES, "Inbound, Outbound or Bi-directional")
        _normalise_term(rec, "classification", CLASSIFICATIONS, "Government, Commercial or N/A")
        if rec.reference:
            rec.raw_reference = rec.reference
            rec.citations = splitter.split(rec.reference, rec.cell_location("reference"))
            if "<" in rec.reference:
                report.count("citation cells with HTML tags stripped")
        else:
            raise InputError(
                "the row cites no source",
                rec.cell_location("reference"),
                field="Reference",
                expected="at least one citation from data/sources.csv",
            )
        _resolve_agencies(rec, cat, report)
        for finding in derive_direction(rec, hubs, cat):
            report.add_finding(finding)
        for repair in rec.repairs:
            report.add_repair(repair)
        yield rec
    book.check_all_used()


def _normalise_term(rec: FlowRecord, fld: str, table: dict[str, str], expected: str) -> None:
    """A closed-list cell (sharing type, classification) to its key, or a clear error."""
    value = getattr(rec, fld)
    if value is None:
        return
    key = table.get(" ".join(value.split()).casefold())
    if key is None:
        title = FIELD_TITLES[fld]
        raise InputError(
            f"unknown {title.lower().rstrip('s')} '{value}'",
            rec.cell_location(fld),
            field=title,
            expected=expected,
        )
    setattr(rec, fld, key)


def _resolve_agencies(rec: FlowRecord, cat: Catalogue, report: Report) -> None:
    ids: dict[str, str | None] = {}
    for fld in ("agency", "sub_agency"):
        name = getattr(rec, fld)
        if name is None:
            ids[fld] = None
            continue
        entry = cat.lookup(name, ORG_TYPES)
        if entry is None:
            raise CatalogueError(
                f"'{name}' is not a known organisation",
                rec.cell_location(fld),
                field=FIELD_TITLES[fld],
                expected="a name, acronym or alternative label from data/entities.csv",
                fix="If it is a misspelling, add a row to data/corrections.csv; if it is a new "
                "organisation, add it to data/entities.csv with its parent.",
            )
        ids[fld] = entry.id
    rec.agency_id = ids["agency"]
    rec.operator_id = ids["sub_agency"] or ids["agency"]
    if ids["agency"] and ids["sub_agency"] and not _is_under(ids["sub_agency"], ids["agency"], cat):
        report.add_finding(
            Finding(
                rec.cell_location("sub_agency"),
                "hierarchy",
                f"{rec.sub_agency} is not recorded under {rec.agency} in data/entities.csv",
            )
        )


def _is_under(child: str, parent: str, cat: Catalogue) -> bool:
    seen = set()
    node: str | None = child
    while node and node not in seen:
        if node == parent:
            return True
        seen.add(node)
        node = cat.entities[node].parent or None
    return False
