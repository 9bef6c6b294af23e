"""Turning ranked candidates into review rows, keeping every human decision.

Re-running `icegraph link` refreshes the machine's proposals and never touches a row a
person has accepted or rejected; a rejected pair is never proposed again, and an entity with
an accepted link gets no new proposals.
"""

from __future__ import annotations

from icegraph.link.match import Candidate
from icegraph.link.review import ReviewRow
from icegraph.namespaces import ID


def merge(existing: list[ReviewRow], proposals: dict[str, list[Candidate]]) -> list[ReviewRow]:
    """Decided rows as they are; fresh proposals for everything not yet decided."""
    decided = [r for r in existing if r.decided]
    rejected = {(r.entity, r.qid) for r in decided if r.status == "rejected"}
    linked = {r.entity for r in decided if r.status == "accepted"}
    out = list(decided)
    for iri, cands in proposals.items():
        entity = iri[len(ID) :] if iri.startswith(ID) else iri
        if entity in linked:
            continue
        for c in cands:
            if (entity, c.qid) in rejected:
                continue
            out.append(
                ReviewRow(
                    entity,
                    c.entity_label,
                    c.qid,
                    c.wikidata_label,
                    f"{c.score:.2f}",
                    c.evidence_text,
                    "proposed",
                )
            )
    out.sort(key=lambda r: (r.entity, -float(r.score or 0), r.qid))
    return out
