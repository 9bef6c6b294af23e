"""Full SHACL validation with pyshacl, over the store's triples."""

from __future__ import annotations

import pyoxigraph
import rdflib
from pyoxigraph import Store
from rdflib.namespace import SH

from icegraph.store import UNION
from icegraph.validate.results import ShapeResult, shape_name


def validate_store(store: Store, shapes: rdflib.Graph) -> list[ShapeResult]:
    """Every result pyshacl reports for the union of the store's graphs."""
    import pyshacl

    data = rdflib.Graph()
    triples = store.query(UNION)
    assert isinstance(triples, pyoxigraph.QueryTriples)  # UNION is a CONSTRUCT
    data.parse(data=triples.serialize(format=pyoxigraph.RdfFormat.N_TRIPLES), format="nt")
    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True
    )
    out = []
    # the report's own results: not the sh:detail results nested under an sh:node failure
    for r in results.objects(None, SH.result):
        severity = results.value(r, SH.resultSeverity)
        path = results.value(r, SH.resultPath)
        value = results.value(r, SH.value)
        out.append(
            ShapeResult(
                severity=str(severity).rsplit("#", 1)[-1],
                focus=str(results.value(r, SH.focusNode)),
                path=str(path) if isinstance(path, rdflib.URIRef) else None,
                shape=shape_name(results.value(r, SH.sourceShape), shapes),
                message=str(results.value(r, SH.resultMessage) or ""),
                value=str(value) if value is not None else None,
            )
        )
    return sorted(out, key=lambda x: (x.severity, x.focus, x.shape, x.path or "", x.value or ""))
