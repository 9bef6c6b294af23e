"""The streamed dumps are the one strict reading of what the mapper sends the loader."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import RdfFormat

from icegraph.publish.dumps import StreamedDumps

GOOD = (
    b'<https://w3id.org/icegraph/id/system/a> <http://www.w3.org/2000/01/rdf-schema#label> "A" .\n'
)
# no character the mapper's IRI check refuses, but not an absolute IRI (no scheme)
BAD = b'<system/b> <http://www.w3.org/2000/01/rdf-schema#label> "B" .\n'
GRAPH = b"<https://w3id.org/icegraph/graph/input/t>"


def _tee(dumps: StreamedDumps, lines: bytes) -> None:
    dumps(b"%s {\n%s}\n" % (GRAPH, lines), lines)


def test_the_lenient_loader_takes_what_the_dumps_refuse(tmp_path: Path):
    """Why the dumps must check: the loader, reading leniently, stores the relative IRI."""
    store = pyoxigraph.Store()
    store.bulk_load(input=b"%s {\n%s}\n" % (GRAPH, BAD), format=RdfFormat.TRIG, lenient=True)
    assert len(store) == 1
    with pytest.raises(SyntaxError):
        pyoxigraph.Store().bulk_load(input=b"%s {\n%s}\n" % (GRAPH, BAD), format=RdfFormat.TRIG)


def test_a_malformed_line_fails_the_streamed_dumps(tmp_path: Path):
    dumps = StreamedDumps(tmp_path)
    try:
        _tee(dumps, GOOD)
        _tee(dumps, BAD)
        with pytest.raises(RuntimeError, match="SyntaxError.*No scheme"):
            dumps.wait()
    finally:
        dumps.stop()


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
