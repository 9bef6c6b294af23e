"""Accepted Wikidata links as quads, each with its review row as provenance."""

from __future__ import annotations

from collections.abc import Iterator

from icegraph.link.review import ReviewRow
from icegraph.mapping.terms import (
    LABEL,
    NOTE,
    SAME_AS,
    TYPE,
    Q,
    Triple,
    date,
    decimal,
    entity,
    graph,
    ig,
    iri,
    text,
)
from icegraph.namespaces import DCTERMS, SKOS, WD

LINKS_GRAPH = graph("wikidata-links")


def link_quads(rows: list[ReviewRow]) -> Iterator[Triple]:
    q = Q(LINKS_GRAPH)
    for r in rows:
        if r.status != "accepted":
            continue  # only a person's acceptance publishes a link
        subject = entity(r.entity)
        target = iri(WD + r.qid)
        yield q(subject, SAME_AS, target)
        yield q(subject, iri(SKOS + "exactMatch"), target)
        review = entity(f"link/{r.entity}/{r.qid}")
        yield q(review, TYPE, ig("LinkReview"))
        yield q(
            review, LABEL, text(f"Wikidata link: {r.entity_label} = {r.qid} ({r.wikidata_label})")
        )
        yield q(review, ig("linkSubject"), subject)
        yield q(review, ig("linkTarget"), target)
        yield q(review, ig("reviewStatus"), text(r.status))
        yield q(review, ig("reviewer"), text(r.reviewer))
        yield q(review, iri(DCTERMS + "date"), date(r.reviewed_on))
        yield q(review, ig("evidence"), text(r.evidence))
        yield q(review, ig("score"), decimal(r.score))
        if r.note:
            yield q(review, NOTE, text(r.note))
