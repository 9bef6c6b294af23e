"""The streamed dumps: what the loader is given, as TriG, Turtle and JSON-LD."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pyoxigraph
import pytest
from pyoxigraph import RdfFormat

from icegraph.errors import Incompatible
from icegraph.publish import dumps as dumps_module
from icegraph.publish.dumps import Seed, StreamedDumps

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


NO_STATES: list[str | None] = [None, None, None]


@pytest.mark.parametrize("states_kept", [True, False])
def test_checksums_are_worked_out_as_the_dumps_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, states_kept: bool
):
    """Each dump's sha256, hashed block by block as it is written (the JSON-LD in its own
    process), is the file's: for a build's own dumps and for dumps continued from an
    earlier build's first parts, which are copied, and hashed on from the state the
    earlier build kept after them, or, without it, from the earlier files."""
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
        prefix, where, states = dumps.prefix, dumps.derived, dumps.prefix_states
    finally:
        dumps.stop()
    names = ["icegraph.trig", "icegraph.ttl", "icegraph.jsonld"]
    assert found == {name: _sha256(first / name) for name in names}
    assert prefix is not None and where is not None
    if states_kept:
        assert all(state is not None for state in states)
        # the earlier files are copied, never read to be hashed (the JSON-LD writer's
        # own process is not patched: its checksum below shows it went on from its state)
        monkeypatch.setattr(dumps_module, "_hash_start", _never_hashed)
    else:
        states = NO_STATES

    continued = StreamedDumps(second, Seed(first, prefix, states), where)
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


def _never_hashed(*_args: object) -> bool:
    raise AssertionError("an earlier dump was hashed again despite its kept state")


def _earlier_build(folder: Path, derived_lines: int) -> tuple[list[int], list[int]]:
    """Streamed dumps of a small build with a derived graph; its prefix and derived range."""
    folder.mkdir()
    dumps = StreamedDumps(folder)
    try:
        _tee(dumps, GOOD)
        derived = b"".join(_derived_line(n) for n in range(derived_lines))
        dumps(b"%s {\n%s}\n" % (DERIVED, derived), derived)
        dumps.wait()
        assert dumps.prefix is not None and dumps.derived is not None
        return dumps.prefix, dumps.derived
    finally:
        dumps.stop()


METADATA = b"<https://w3id.org/icegraph/graph/metadata>"
DESCRIBED = b'<https://w3id.org/icegraph/id/dataset> <%s> "the dataset" .\n' % LABEL


@pytest.mark.parametrize("held_max", [1 << 26, 1])
def test_blocks_after_a_drop_follow_the_kept_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held_max: int
):
    """The earlier derived lines are kept by a thread while the load goes on; the blocks
    that come meanwhile (more derived lines, then the description) wait for them, in
    memory or, past the limit, for the thread, and are written after them in their order.
    The derived graph stays one range of the Turtle dump, which the next build keeps."""
    monkeypatch.setattr(dumps_module, "_HELD_MAX", held_max)
    prefix, where = _earlier_build(tmp_path / "first", 5_000)
    second = tmp_path / "second"
    second.mkdir()
    continued = StreamedDumps(second, Seed(tmp_path / "first", prefix, NO_STATES), where)
    try:
        continued.drop(_derived_line(3) + _derived_line(4_000))
        added = [_derived_line(n) for n in (7_001, 7_002)]
        for line in added:
            continued(b"%s {\n%s}\n" % (DERIVED, line), line)
        continued(b"%s {\n%s}\n" % (METADATA, DESCRIBED), DESCRIBED)
        continued.wait()
        derived_range = continued.derived
    finally:
        continued.stop()
    ttl = (second / "icegraph.ttl").read_bytes()
    kept = [_derived_line(n) for n in range(5_000) if n not in (3, 4_000)]
    assert ttl == GOOD + b"".join(kept + added) + DESCRIBED
    assert derived_range == [len(GOOD), len(ttl) - len(DESCRIBED)]
    trig = {
        str(q) for q in pyoxigraph.parse(path=str(second / "icegraph.trig"), format=RdfFormat.TRIG)
    }
    assert len(trig) == 1 + len(kept) + len(added) + 1


def test_an_earlier_derived_graph_cut_short_cannot_be_continued(tmp_path: Path):
    """The thread that keeps the earlier lines finds the file shorter than its build said:
    the build hears it when it waits for the dumps (and starts again from nothing), not a
    silent half graph."""
    prefix, where = _earlier_build(tmp_path / "first", 100)
    ttl = tmp_path / "first" / "icegraph.ttl"
    ttl.write_bytes(ttl.read_bytes()[: where[0] + 10])
    second = tmp_path / "second"
    second.mkdir()
    continued = StreamedDumps(second, Seed(tmp_path / "first", prefix, NO_STATES), where)
    try:
        continued.drop(_derived_line(1))
        with pytest.raises(Incompatible, match="shorter than its build recorded"):
            continued.wait()
    finally:
        continued.stop()


def test_blocks_wait_in_memory_while_the_earlier_lines_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """While the thread keeping the earlier derived lines has not run, the blocks that come
    are held and nothing is written after the copied first part: the loader handing them
    over does not wait. Once it has run, they follow its lines."""
    prefix, where = _earlier_build(tmp_path / "first", 50)
    gate = threading.Event()
    keep = dumps_module._Keeping.__call__

    def gated(self: dumps_module._Keeping) -> None:
        gate.wait(timeout=60)
        keep(self)

    monkeypatch.setattr(dumps_module._Keeping, "__call__", gated)
    second = tmp_path / "second"
    second.mkdir()
    continued = StreamedDumps(second, Seed(tmp_path / "first", prefix, NO_STATES), where)
    try:
        continued.drop(_derived_line(3))
        added = _derived_line(7_001)
        continued(b"%s {\n%s}\n" % (DERIVED, added), added)
        continued(b"%s {\n%s}\n" % (METADATA, DESCRIBED), DESCRIBED)
        assert len(continued.held) == 2
        assert continued.ttl.tell() == len(GOOD)
        gate.set()
        continued.wait()
    finally:
        gate.set()
        continued.stop()
    kept = [_derived_line(n) for n in range(50) if n != 3]
    assert (second / "icegraph.ttl").read_bytes() == GOOD + b"".join(kept) + added + DESCRIBED


def test_a_failure_hashing_the_earlier_parts_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # else the checksum would be of part of the file, published as the file's
    def broken(path: Path, size: int, h: object) -> bool:
        raise ValueError("hashing broke")

    monkeypatch.setattr(dumps_module, "_hash_start", broken)
    earlier = tmp_path / "icegraph.trig"
    earlier.write_bytes(b"<a> <b> <c> .\n")
    hashing = dumps_module._Hashing([("icegraph.trig", earlier, 5, None)])
    with pytest.raises(ValueError, match="hashing broke"):
        hashing.digests()
