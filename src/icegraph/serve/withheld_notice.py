"""The notice a page opens with when its claim is withdrawn, embargoed or confidential: read
from the store, so the local server and any page rendered from a build say the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pyoxigraph import NamedNode, Store

from icegraph.namespaces import IG, PROV


@dataclass(frozen=True)
class Notice:
    kind: str  # "withdrawn", "embargoed" or "confidential": the banner's class
    text: str


def _values(store: Store, iri: str, predicate: str) -> list[str]:
    return sorted(
        q.object.value
        for q in store.quads_for_pattern(NamedNode(iri), NamedNode(predicate), None, None)
    )


def notices(store: Store, iri: str, today: date | None = None) -> list[Notice]:
    """What a reader must know before anything else on the page of `iri`."""
    found = []
    for when in _values(store, iri, PROV + "invalidatedAtTime"):
        who = ", ".join(_values(store, iri, IG + "retractedBy")) or "an editor"
        why = "; ".join(_values(store, iri, IG + "retractionReason"))
        found.append(Notice("withdrawn", f"Withdrawn on {when} by {who}: {why}"))
    for until in _values(store, iri, IG + "embargoedUntil"):
        ended = date.fromisoformat(until) <= (today or date.today())
        found.append(
            Notice("embargoed", f"Embargo ended on {until}: a public build now includes it")
            if ended
            else Notice("embargoed", f"Embargoed until {until}: not for publication")
        )
    if "true" in _values(store, iri, IG + "confidential"):
        found.append(Notice("confidential", "Confidential: internal only"))
    return found
