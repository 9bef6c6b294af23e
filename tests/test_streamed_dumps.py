"""The streamed dumps: what the loader is given, as TriG, Turtle and JSON-LD."""

from __future__ import annotations

import hashlib
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


DERIVED = b"<https://w3id.org/icegraph/graph/derived>"
LABEL = b"http://www.w3.org/2000/01/rdf-schema#label"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _derived_line(n: int) -> bytes:
    return b'<https://w3id.org/icegraph/id/flow/f%d> <%s> "%d" .\n' % (n, LABEL, n)


def test_checksums_are_worked_out_as_the_dumps_are_written(tmp_path: Path):
    """Each dump's sha256, hashed block by block as it is written (the JSON-LD in its own
    process), is the file's: for a build's own dumps and for dumps continued from an
    earlier build's first parts, which are copied and hashed from the earlier files."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    many = b"".join(
        b'<https://w3id.org/icegraph/id/system/s%d> <%s> "S %d" .\n' % (n, LABEL, n)
        for n in range(20_000)  # more than one block, and than the hashing queue's chunk
    )
    dumps = StreamedDumps(first)
    try:
        _tee(dumps, many)
        _tee(dumps, GOOD)
        derived = b"".join(_derived_line(n) for n in range(3))
        dumps(b"%s {\n%s}\n" % (DERIVED, derived), derived)
        dumps.wait()
        found = dumps.checksums()
        prefix, where = dumps.prefix, dumps.derived
    finally:
        dumps.stop()
    names = ["icegraph.trig", "icegraph.ttl", "icegraph.jsonld"]
    assert found == {name: _sha256(first / name) for name in names}
    assert prefix is not None and where is not None

    continued = StreamedDumps(second, (first, prefix), where)
    try:
        continued.drop(_derived_line(1))  # the earlier derived graph but one line
        added = _derived_line(7)
        continued(b"%s {\n%s}\n" % (DERIVED, added), added)
        continued.wait()
        again = continued.checksums()
    finally:
        continued.stop()
    assert again == {name: _sha256(second / name) for name in names}
    ttl = (second / "icegraph.ttl").read_bytes()
    assert ttl.startswith(many) and _derived_line(7) in ttl and _derived_line(1) not in ttl
    parsed = pyoxigraph.parse(path=str(second / "icegraph.jsonld"), format=RdfFormat.JSON_LD)
    assert len(list(parsed)) == 20_000 + 1 + 3
