"""The traces withholding leaves in the graph: a tombstone where a retracted claim was, and the
embargo or confidentiality marks an internal build keeps on a claim (repair/withhold.py)."""

from __future__ import annotations

from icegraph.mapping.terms import (
    LABEL,
    TYPE,
    Q,
    Term,
    Triple,
    boolean,
    date,
    entity,
    graph,
    ig,
    integer,
    iri,
    text,
)
from icegraph.namespaces import PROV
from icegraph.repair.withhold import Decision, Retraction

RETRACTIONS_GRAPH = graph("retractions")
INVALIDATED_AT = iri(PROV + "invalidatedAtTime")


def tombstone_quads(path: str, said: str, file: str, line: int, r: Retraction) -> list[Triple]:
    """What is left of a retracted claim: when, why and by whom it was withdrawn, what it
    said (earlier builds published it already: a retraction is not an embargo) and where."""
    q = Q(RETRACTIONS_GRAPH)
    node = entity(path)
    return [
        q(node, TYPE, ig("RetractedClaim")),
        q(node, LABEL, text(f"Withdrawn claim: {said}")),
        q(node, INVALIDATED_AT, date(r.when)),
        q(node, ig("retractionReason"), text(r.reason)),
        q(node, ig("retractedBy"), text(r.who)),
        q(node, ig("sourceFile"), text(file)),
        q(node, ig("sourceLine"), integer(line)),
    ]


def mark_quads(q: Q, claim: Term, decision: Decision) -> list[Triple]:
    """The marks an internal build keeps on an embargoed or confidential claim."""
    out = []
    if decision.until is not None:
        out.append(q(claim, ig("embargoedUntil"), date(decision.until)))
    if decision.confidential:
        out.append(q(claim, ig("confidential"), boolean(True)))
    return out
