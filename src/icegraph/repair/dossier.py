"""Checks on a dossier: every fact names a known method and a source listed on the page."""

from __future__ import annotations

from icegraph.catalogue import Catalogue
from icegraph.errors import CatalogueError, InputError, Location
from icegraph.records import Dossier, Fact, Finding
from icegraph.report import Report


def method_of(label: str, cat: Catalogue) -> str | None:
    for rule in cat.text_rules:
        if rule.kind == "method" and rule.pattern.search(label):
            return rule.term
    return None


def source_for(fact: Fact, dossier: Dossier) -> int:
    """Number of the page's source whose label the fact's 'Added:' line names."""
    for s in dossier.sources:
        if s.label == fact.method_label:
            return s.number
    raise InputError(
        f"the fact's method '{fact.method_label[:60]}' names no source listed on the page",
        fact.location,
        field="Added",
        expected="a label from the page's Sources section",
    )


def repair_dossier(dossier: Dossier, cat: Catalogue, report: Report) -> Dossier:
    for fact in dossier.facts:
        if method_of(fact.method_label, cat) is None:
            raise CatalogueError(
                f"no rule in data/text-rules.csv says what method '{fact.method_label[:40]}' is",
                fact.location,
                field="Added",
                expected="a label starting with 'AI ANALYSIS' or 'Research:'",
                fix="Add a 'method' rule to data/text-rules.csv.",
            )
        source_for(fact, dossier)
    for c in dossier.connections:
        if c.relation.casefold() not in cat.relation_types:
            report.add_finding(
                _finding(
                    c.location,
                    f"relation type '{c.relation}' is not in "
                    "data/relation-types.csv; a concept was minted from the raw label",
                )
            )
    for s in dossier.sources:
        if s.doc_type.replace("_", "-") not in cat.document_types:
            report.add_finding(
                _finding(
                    s.location,
                    f"document type '{s.doc_type}' is not in "
                    "data/document-types.csv; a concept was minted from the raw label",
                )
            )
    for f in dossier.findings:
        report.add_finding(f)
    return dossier


def _finding(location: Location | None, message: str) -> Finding:
    return Finding(location, "vocabulary", message)
