"""What the build says about possible duplicates: decisions that no longer apply, and the
pairs still waiting for a person (data/same-as.csv's proposed rows, and new ones)."""

from __future__ import annotations

from icegraph.records import Finding
from icegraph.report import Report
from icegraph.resolve.identity import Identities
from icegraph.resolve.same_as import SameAsRow, decided_pairs, open_proposals
from icegraph.resolve.similar import Named, propose

# Scoring every entity against its candidates takes about a second per 4,000; beyond 5,000,
# the build leaves it to `icegraph same-as`, which a person runs when they mean to review.
SCORED_AT_BUILD = 5_000
TABLE = "Possible duplicates waiting for a decision"


def report_duplicates(ids: Identities, decisions: list[SameAsRow], report: Report) -> None:
    for row in decisions:
        if row.status != "accepted":
            continue
        for eid in (row.entity, row.same_as):
            if eid not in ids.entities and not _folded(ids, eid):
                report.add_finding(
                    Finding(
                        None,
                        "same-as",
                        f"data/same-as.csv folds '{row.same_as}' into '{row.entity}', but no "
                        f"document names '{eid}' any more; the decision is kept, unused",
                    )
                )
    rows = [
        {"entity": r.entity, "label": r.entity_label, "same as": r.same_as,
         "its label": r.same_as_label, "score": r.score, "evidence": r.evidence,
         "status": "proposed in data/same-as.csv"}
        for r in open_proposals(decisions)
    ]  # fmt: skip
    listed = {frozenset((r.entity, r.same_as)) for r in decisions}
    named = [
        Named(e.id, e.type, e.label, tuple(sorted(e.names - {e.label})), (), e.curated is not None)
        for e in ids.entities.values()
    ]
    if sum(not n.curated for n in named) <= SCORED_AT_BUILD:
        for p in propose(named, decided_pairs(decisions)):
            if p.pair not in listed:
                rows.append(
                    {"entity": p.entity, "label": p.entity_label, "same as": p.same_as,
                     "its label": p.same_as_label, "score": f"{p.score:.2f}",
                     "evidence": p.evidence, "status": "new: run icegraph same-as"}
                )  # fmt: skip
    else:
        report.count("entities too many to score for duplicates during the build")
    report.count("possible duplicates waiting for a decision", len(rows))
    report.set_table(TABLE, rows)


def _folded(ids: Identities, eid: str) -> bool:
    return any(eid in e.aliases for e in ids.entities.values())
