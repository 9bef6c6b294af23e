"""The dataset as a schema.org `Dataset` in JSON-LD, what dataset search engines read.

Made from the DCAT description in the store (the `metadata` graph), so the two never
disagree; the pages embed it in a `<script type="application/ld+json">` data block.
"""

from __future__ import annotations

import json
from typing import Any

from pyoxigraph import NamedNode, Store, Triple

from icegraph.mapping.terms import value_of
from icegraph.namespaces import DATASET, DCAT, DCTERMS, FOAF
from icegraph.publish.metadata import METADATA_GRAPH


def _values(store: Store, subject: str, predicate: str) -> list[str]:
    graph = NamedNode(value_of(METADATA_GRAPH))
    return sorted(
        q.object.value
        for q in store.quads_for_pattern(NamedNode(subject), NamedNode(predicate), None, graph)
        if not isinstance(q.object, Triple)  # the description holds no quoted triples
    )


def _one(store: Store, subject: str, predicate: str) -> str | None:
    found = _values(store, subject, predicate)
    return found[0] if found else None


def schema_org_dataset(store: Store) -> dict[str, Any]:
    """name, description, url, license, creator, distribution, dateModified, isBasedOn …"""
    ds = DATASET
    doc: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": ds,
        "name": _one(store, ds, DCTERMS + "title"),
        "description": _one(store, ds, DCTERMS + "description"),
        "url": _one(store, ds, DCAT + "landingPage") or ds,
        "identifier": ds,
        "license": _one(store, ds, DCTERMS + "license"),
        "version": _one(store, ds, DCAT + "version"),
        "keywords": _values(store, ds, DCAT + "keyword"),
        "isAccessibleForFree": True,
    }
    publisher = _one(store, ds, DCTERMS + "publisher")
    if publisher:
        agent = {
            "@type": "Organization",
            "@id": publisher,
            "name": _one(store, publisher, FOAF + "name"),
            "url": _one(store, publisher, FOAF + "homepage"),
        }
        doc["creator"] = agent
        doc["publisher"] = agent
    for key, predicate in (("dateModified", "modified"), ("datePublished", "issued")):
        value = _one(store, ds, DCTERMS + predicate)
        if value:
            doc[key] = value
    period = _one(store, ds, DCTERMS + "temporal")
    if period:
        start, end = _one(store, period, DCAT + "startDate"), _one(store, period, DCAT + "endDate")
        if start and end:
            doc["temporalCoverage"] = f"{start}/{end}"
    doc["distribution"] = [
        {
            "@type": "DataDownload",
            "contentUrl": dist,
            "encodingFormat": _one(store, dist, DCAT + "mediaType"),
            "name": _one(store, dist, DCTERMS + "title"),
        }
        for dist in _values(store, ds, DCAT + "distribution")
    ]
    for entry in doc["distribution"]:
        media = entry["encodingFormat"] or ""
        entry["encodingFormat"] = media.rsplit("/media-types/", 1)[-1]
    # What the graph is built from: the raw input files and the documents they cite.
    doc["isBasedOn"] = _values(store, ds, DCTERMS + "source") + _values(
        store, ds, DCTERMS + "references"
    )
    return {k: v for k, v in doc.items() if v not in (None, [], "")}


def script_json(value: object) -> str:
    """JSON safe inside a <script> element: JSON's own escapes for <, > and & keep a value
    from ever ending the element or becoming markup."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
