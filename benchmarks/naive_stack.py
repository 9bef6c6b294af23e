"""The naive Python RDF stack on the same N-Quads: rdflib parse, pyshacl, rdflib serialisers.

    python benchmarks/naive_stack.py build.nq shapes/ out-dir timings.json

A peer for benchmarks/run.py; it prints nothing and writes the seconds of each stage.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pyshacl
import rdflib


def findings(report: rdflib.Graph, shapes: rdflib.Graph) -> list[list[str | None]]:
    """(severity, focus, shape, value) of each result, shapes named as icegraph names them."""
    from icegraph.validate.results import shape_name

    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    out = set()
    for r in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        value = report.value(r, sh.value)
        out.add(
            (
                str(report.value(r, sh.resultSeverity)).rsplit("#", 1)[-1],
                str(report.value(r, sh.focusNode)),
                shape_name(report.value(r, sh.sourceShape), shapes).rsplit("#", 1)[-1],
                str(value) if value is not None else None,
            )
        )
    return sorted(out, key=str)


def main() -> int:
    nq, shapes_dir, out, timings_path = (Path(a) for a in sys.argv[1:5])
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    def lap(stage: str, started: float) -> None:
        timings[stage] = round(time.perf_counter() - started, 3)
        timings_path.write_text(json.dumps(timings, indent=2))

    t = time.perf_counter()
    dataset = rdflib.Dataset()
    dataset.parse(nq, format="nquads")
    graph = rdflib.Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    lap("load", t)
    t = time.perf_counter()
    shapes = rdflib.Graph()
    for f in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(f, format="turtle")
    _conforms, report, _text = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True
    )
    lap("validate", t)
    (out / "findings.json").write_text(json.dumps(findings(report, shapes), indent=2))
    t = time.perf_counter()
    graph.serialize(out / "naive.ttl", format="turtle")
    lap("dump Turtle", t)
    t = time.perf_counter()
    graph.serialize(out / "naive.jsonld", format="json-ld")
    lap("dump JSON-LD", t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
