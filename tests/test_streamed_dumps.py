"""The streamed dumps: what the loader is given, as TriG, Turtle and JSON-LD."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
from pyoxigraph import RdfFormat

from icegraph.publish.dumps import StreamedDumps

GOOD = (
    b'<https://w3id.org/icegraph/id/system/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\n'
)
GRAPH = b"<https://w3id.org/icegraph/graph/input/t>"


def _tee(dumps: StreamedDumps, lines: bytes) -> None:
    dumps(b"%s {\n%s}\n" % (GRAPH, lines), lines)


def test_well_formed_lines_make_all_three_dumps(tmp_path: Path):
    dumps = StreamedDumps(tmp_path)
    try:
        _tee(dumps, GOOD)
        dumps.wait()
    finally:
        dumps.stop()
    for name, fmt in (
        ("icegraph.trig", RdfFormat.TRIG),
        ("icegraph.ttl", RdfFormat.TURTLE),
        ("icegraph.jsonld", RdfFormat.JSON_LD),
    ):
        triples = {str(q.triple) for q in pyoxigraph.parse(path=str(tmp_path / name), format=fmt)}
        assert triples == {str(t.triple) for t in pyoxigraph.parse(GOOD, RdfFormat.N_TRIPLES)}
