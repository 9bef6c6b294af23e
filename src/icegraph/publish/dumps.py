"""Turtle, TriG and JSON-LD dumps: sorted from the store when small, from the stream when large."""

from __future__ import annotations

import contextlib
import io
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import filterfalse
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from icegraph.beside import Beside
from icegraph.errors import Incompatible
from icegraph.lifetime import FORKED, as_spawned, die_with_parent, helper_context
from icegraph.mapping.contradictions import DERIVED_GRAPH
from icegraph.namespaces import PREFIXES
from icegraph.publish.jsonld import write_jsonld
from icegraph.publish.metadata import METADATA_GRAPH
from icegraph.resumable_sha256 import Sha256
from icegraph.store import union_triples


def write_turtle(store: Store, path: Path) -> None:
    """The union of all graphs, each triple once, sorted and prefixed."""
    with path.open("wb") as fh:
        pyoxigraph.serialize(union_triples(store), fh, RdfFormat.TURTLE, prefixes=PREFIXES)


def write_trig(store: Store, path: Path) -> None:
    """Every named graph as it is in the store: one per input file, plus metadata."""
    store.dump(str(path), RdfFormat.TRIG, prefixes=PREFIXES)


def write_jsonld_dump(store: Store, path: Path, context: dict[str, Any]) -> int:
    with path.open("w", encoding="utf-8") as fh:
        return write_jsonld(union_triples(store), fh, context)


def write_context(path: Path, context: dict[str, Any]) -> None:
    path.write_text(
        json.dumps({"@context": context}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def write_readable(store: Store, staging: Path, context: dict[str, Any]) -> dict[str, float]:
    """Sorted, prefixed dumps from the store, for builds small enough to read (the pipeline
    decides which builds those are; large ones use StreamedDumps)."""
    timings = {}
    for stage, write in (
        ("dump Turtle", lambda: write_turtle(store, staging / "icegraph.ttl")),
        ("dump TriG", lambda: write_trig(store, staging / "icegraph.trig")),
        ("dump JSON-LD", lambda: write_jsonld_dump(store, staging / "icegraph.jsonld", context)),
    ):
        started = time.perf_counter()
        write()
        timings[stage] = round(time.perf_counter() - started, 3)
    return timings


_WHOLE_BUILD = (f"{DERIVED_GRAPH} {{".encode(), f"{METADATA_GRAPH} {{".encode())
_DESCRIPTION = f"{METADATA_GRAPH} {{".encode()
_KEEP_CHUNK = 1 << 24  # bytes of the earlier derived graph read at a time
_HELD_MAX = 1 << 26  # bytes of blocks held while the threads before them run


@dataclass
class Seed:
    """What a continued build's dumps start from: the earlier build's `folder`, the length
    of each dump's first part (TriG, Turtle, JSON-LD: the bytes before the graphs worked
    out over the whole build) and, where it was kept and the file is as written, the
    sha256 state after that part (resumable_sha256.py), so that it is not read again."""

    folder: Path
    prefix: list[int]
    states: list[str | None]


STREAMED = ("icegraph.trig", "icegraph.ttl", "icegraph.jsonld")


def as_written(folder: Path) -> dict[str, list[int]]:
    """Each streamed dump's size and modification time (ns) in `folder`: a build keeps them
    with the hash states after its dumps' first parts, and a continued build trusts those
    states only while the files are as written (a file rewritten since is hashed again)."""
    found = {}
    for name in STREAMED:
        try:
            info = (folder / name).stat()
        except OSError:
            continue
        found[name] = [info.st_size, info.st_mtime_ns]
    return found


class _EarlierUnreadable(OSError):
    """An earlier build's dump is not as its build recorded it (shorter, or unreadable)."""


def _copy_start(src: Path, dst: BinaryIO, size: int) -> None:
    """The first `size` bytes of `src` onto `dst` (in the kernel where it can)."""
    with src.open("rb") as fh:
        dst.flush()
        left = size
        while left > 0:
            try:
                n = os.copy_file_range(fh.fileno(), dst.fileno(), left)
            except OSError:
                n = dst.write(fh.read(min(left, 1 << 24)))
            if n == 0:
                raise _EarlierUnreadable(f"{src} is shorter than its build recorded")
            left -= n
        dst.seek(0, os.SEEK_END)


class StreamedDumps:
    """TriG, Turtle and JSON-LD written from the mapper's stream while the store loads it.

    Re-reading a large on-disk store costs about 15 µs a triple; the stream is already text.
    TriG is the stream itself, one block per graph. Turtle is the same triples without the
    graph blocks (no triple is in two graphs: see produce.graph_blocks). A third
    process follows the Turtle file as it grows and writes it as JSON-LD (expanded form: every
    IRI in full, so it needs no context) with the store's Rust serialiser. If the loader
    refuses the text, the build fails and this dump is thrown away with the staging folder.
    Call it as the loader's tee; `close` when the last block is written, then `wait`.

    Each dump has a `prefix`: the bytes before the graphs worked out over the whole build
    (derived, metadata). The JSON-LD is serialised in two parts split there (a JSON array
    each, joined into one), so its prefix is whole too. An incremental build starts its
    dumps with the previous build's prefixes (`seed`) and writes only what follows; the
    sha256 state after each prefix (`prefix_states`) is kept for the next build. `derived`
    is where the derived graph lies in the Turtle dump (start and end), and
    `earlier_derived` the same in the seed's: an incremental build
    keeps the earlier derived graph's lines but those it removes (`drop`), and writes only
    what it adds, instead of the whole graph again.
    """

    def __init__(
        self,
        staging: Path,
        seed: Seed | None = None,
        earlier_derived: list[int] | None = None,
    ) -> None:
        self.trig = (staging / "icegraph.trig").open("wb")
        ttl_path = staging / "icegraph.ttl"
        self.ttl = ttl_path.open("wb")
        self.prefix: list[int] | None = None  # TriG, Turtle, JSON-LD: bytes before derived
        self.prefix_states: list[str | None] = [None, None, None]
        self.derived: list[int] | None = None
        self.earlier_derived = None
        if seed is not None and earlier_derived is not None:
            self.earlier_derived = (seed.folder / "icegraph.ttl", earlier_derived)
        # threads whose writes come before the held blocks; `keeper` stops the keeping
        self.copying: _Before | None = None
        self.keeping: _Before | None = None
        self.keeper: _Keeping | None = None
        self.held: list[tuple[bytes, bytes]] = []
        self.held_bytes = 0
        start = 0  # where the Turtle's own part begins
        jsonld_seed = None
        if seed is not None:
            folder, (trig_bytes, ttl_bytes, jsonld_bytes) = seed.folder, seed.prefix
            start = ttl_bytes
            jsonld_seed = (str(folder / "icegraph.jsonld"), jsonld_bytes, seed.states[2])
        self.jsonld_sha256: str | None = None
        # started before the threads below: forked, the writer must not be a copy of a
        # process in which they run (a lock one of them holds would stay held in it)
        ctx = helper_context()
        self.done = ctx.Event()
        self.boundary = ctx.Value("q", -1, lock=False)  # where the Turtle's prefix ends
        self.reader, writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_jsonld_writer,
            args=(
                [self.reader] if FORKED else [],
                str(ttl_path),
                str(staging / "icegraph.jsonld"),
                self.done,
                writer,
                self.boundary,
                start,
                jsonld_seed,
            ),  # fmt: skip
            name="icegraph-jsonld",
        )
        self.process.start()
        writer.close()
        prefixes: list[tuple[str, Path, int, str | None]] = []
        if seed is not None:
            # copied while the mapper starts and reads its state; the blocks wait in memory
            copies = [(folder / "icegraph.trig", self.trig, trig_bytes),
                      (folder / "icegraph.ttl", self.ttl, ttl_bytes)]  # fmt: skip
            self.copying = _Before("icegraph-copy-dumps", _copying(copies), folder)
            self.copying.start()
            prefixes = [
                ("icegraph.trig", folder / "icegraph.trig", trig_bytes, seed.states[0]),
                ("icegraph.ttl", folder / "icegraph.ttl", ttl_bytes, seed.states[1]),
            ]
        self.hashing = _Hashing(prefixes)

    def __call__(self, block: bytes, lines: bytes) -> None:
        # in order, after what the threads before it write: held in memory while they run,
        # so that the loader handing the blocks over does not wait for them (up to a limit)
        self.held.append((block, lines))
        self.held_bytes += len(block) + len(lines)
        if self.held_bytes > _HELD_MAX or not self._before_running():
            self._settle()

    def _before_running(self) -> bool:
        """Whether a thread still writes or hashes what comes before the held blocks."""
        before = (self.copying, self.keeping, self.hashing.earlier)
        return any(t is not None and t.is_alive() for t in before)

    def _settle(self) -> None:
        """Waits for the threads before, then writes the held blocks; a thread's failure
        fails the build (once: the threads are forgotten first)."""
        before = (self.copying, self.keeping)
        self.copying = self.keeping = self.keeper = None
        for thread in before:
            if thread is not None:
                thread.finish()
        held, self.held, self.held_bytes = self.held, [], 0
        for block, lines in held:
            self._write(block, lines)

    def _write(self, block: bytes, lines: bytes) -> None:
        if self.prefix is None and block.startswith(_WHOLE_BUILD):
            self._prefix_ends()
        if self.derived is None and block.startswith(_DESCRIPTION) and self.prefix is not None:
            self.derived = [self.prefix[1], self.ttl.tell()]
        self.trig.write(block)
        self.ttl.write(lines)
        self.hashing.add(block, lines)

    def _prefix_ends(self) -> list[int]:
        """The first part of each file ends here: where, and the hash's state there."""
        self.prefix = [self.trig.tell(), self.ttl.tell()]
        # before the first byte after it is written: the follower never reads past
        self.boundary.value = self.prefix[1]
        self.prefix_states[:2] = self.hashing.states()
        return self.prefix

    def drop(self, removed: bytes) -> None:
        """The earlier build's derived graph, but for the lines in `removed` (the triples
        this build takes out of it), as this build's first derived blocks. Its lines are
        N-Triples, one triple each, written by the same code as `removed`. Written by a
        thread, while the store goes on loading: the blocks that follow wait in memory."""
        if self.earlier_derived is None:
            raise RuntimeError("no earlier derived graph to keep: the build cannot continue")
        # kept once: a second time would write every line twice
        earlier, self.earlier_derived = self.earlier_derived, None
        self._settle()
        self.keeper = _Keeping(self._write, earlier, set(removed.split(b"\n")))
        self.keeping = _Before("icegraph-keep-derived", self.keeper, earlier[0].parent)
        self.keeping.start()

    def close(self) -> None:
        self._settle()
        for fh in (self.trig, self.ttl):
            if not fh.closed:
                prefix = self.prefix or self._prefix_ends()
                if self.derived is None:
                    self.derived = [prefix[1], self.ttl.tell()]
                fh.close()
        self.done.set()

    def wait(self) -> dict[str, float]:
        self.close()
        try:
            status, payload = self.reader.recv()
        except EOFError:
            status, payload = "error", "the JSON-LD process ended without a word"
        self.process.join()
        if status != "ok":
            raise RuntimeError(f"writing the JSON-LD dump failed: {payload}")
        timings, jsonld_prefix, self.jsonld_sha256, self.prefix_states[2] = payload
        if self.prefix is not None:
            self.prefix = [*self.prefix[:2], jsonld_prefix]
        return timings

    def checksums(self) -> dict[str, str]:
        """The sha256 of each dump, worked out as it was written (an earlier build's part
        from its files, beside the mapping), by file name; `wait` first. A dump missing
        here (an earlier part that could not be read) is hashed whole by the caller."""
        found = self.hashing.digests()
        if self.jsonld_sha256 is not None:
            found["icegraph.jsonld"] = self.jsonld_sha256
        return found

    def stop(self) -> None:
        """Ends a build's dumps, failed or not: what is still held or kept is thrown away
        with the staging folder, the files are closed and the JSON-LD writer is ended."""
        if self.keeper is not None:
            self.keeper.stop.set()
        self.held.clear()
        try:
            with contextlib.suppress(Exception):  # stopping a failed build: its error is told
                self.close()
        finally:
            for fh in (self.trig, self.ttl):
                fh.close()
            self.done.set()
            if self.process.is_alive():
                self.process.kill()
            self.process.join()


class _Before(Beside):
    """Work on the dumps that comes before the blocks held meanwhile (StreamedDumps): a file
    of the earlier build it could not read as recorded makes the build start again from
    nothing (Incompatible), anything else fails it."""

    def __init__(self, name: str, work: Callable[[], None], earlier: Path) -> None:
        super().__init__(name, work)
        self.earlier = earlier

    def finish(self) -> None:
        try:
            super().finish()
        except _EarlierUnreadable as exc:
            raise Incompatible(
                f"the dumps of the build in {self.earlier} cannot be continued ({exc})"
            ) from exc


def _copying(parts: Sequence[tuple[Path, BinaryIO, int]]) -> Callable[[], None]:
    """The first bytes of earlier dumps onto the new ones (the copy runs in the kernel,
    without the GIL)."""

    def work() -> None:
        for src, dst, size in parts:
            _copy_start(src, dst, size)

    return work


class _Keeping:
    """Writes the lines of an earlier derived graph (in the Turtle file `earlier`: path and
    start and end) that are not `gone`, in blocks, with `write`, until `stop` is set. Its
    work is mostly splitting and joining bytes, while the loader parses in threads of its
    own."""

    def __init__(
        self,
        write: Callable[[bytes, bytes], None],
        earlier: tuple[Path, list[int]],
        gone: set[bytes],
    ) -> None:
        self.write = write
        self.earlier = earlier
        self.gone = gone
        self.stop = threading.Event()  # the build failed: the rest is thrown away

    def __call__(self) -> None:
        path, (start, end) = self.earlier
        head = f"{DERIVED_GRAPH} {{\n".encode()
        try:
            fh = path.open("rb")
        except OSError as exc:
            raise _EarlierUnreadable(str(exc)) from exc
        with fh:
            fh.seek(start)
            left, rest = end - start, b""
            while left > 0 and not self.stop.is_set():
                try:
                    chunk = rest + fh.read(min(left, _KEEP_CHUNK))
                except OSError as exc:
                    raise _EarlierUnreadable(str(exc)) from exc
                if len(chunk) == len(rest):
                    raise _EarlierUnreadable(f"{path} is shorter than its build recorded")
                left -= len(chunk) - len(rest)
                cut = chunk.rfind(b"\n") + 1 if left > 0 else len(chunk)
                rest = chunk[cut:]
                kept = list(filterfalse(self.gone.__contains__, chunk[:cut].split(b"\n")[:-1]))
                if kept:
                    lines = b"\n".join(kept) + b"\n"
                    self.write(head + lines + b"}\n", lines)


class _Hashing:
    """The sha256 of the TriG and Turtle dumps, worked out as they are written instead of
    read back at the end (at a million records the end waited 15 s for that). Each block is
    hashed where it is written, in the loader's reading thread: hashing releases the
    interpreter's lock and the loader parses in threads of its own, and handing the blocks
    to a thread of ours made the load wait on the lock (11 s longer at 100,000 records). A
    continued build's copied first parts are hashed from the earlier build's files by a
    thread beside the mapping, unless the earlier build kept the hash's state after them;
    the blocks after them wait in memory until it ends (StreamedDumps.__call__). `digests`
    lacks a dump whose earlier part could not be read (it is then hashed whole)."""

    NAMES = STREAMED[:2]

    def __init__(self, prefixes: list[tuple[str, Path, int, str | None]]) -> None:
        self.hashes = {name: Sha256() for name in self.NAMES}
        self.unread: set[str] = set()
        self.earlier: Beside | None = None
        todo = []
        for name, path, size, state in prefixes:
            resumed = Sha256.resumed(state, size)
            if resumed is None:
                todo.append((name, path, size))
            else:
                self.hashes[name] = resumed
        if todo:
            self.earlier = Beside("icegraph-hash-dumps", lambda: self._hash_earlier(todo))
            self.earlier.start()
        self.trig, self.ttl = (self.hashes[name] for name in self.NAMES)

    def _hash_earlier(self, prefixes: list[tuple[str, Path, int]]) -> None:
        for name, path, size in prefixes:
            if not _hash_start(path, size, self.hashes[name]):
                self.unread.add(name)

    def _earlier_done(self) -> None:
        # a failure other than an unreadable file (a digest of part of a file) fails the build
        earlier, self.earlier = self.earlier, None
        if earlier is not None:
            earlier.finish()

    def add(self, block: bytes, lines: bytes) -> None:
        """What was just written to the TriG and the Turtle dump."""
        if self.earlier is not None:
            self._earlier_done()
        self.trig.update(block)
        self.ttl.update(lines)

    def states(self) -> list[str | None]:
        """The state of each hash (TriG, Turtle), for a build that continues from here."""
        self._earlier_done()
        return [None if n in self.unread else self.hashes[n].state() for n in self.NAMES]

    def digests(self) -> dict[str, str]:
        self._earlier_done()
        return {n: h.hexdigest() for n, h in self.hashes.items() if n not in self.unread}


def _hash_start(path: Path, size: int, h: Sha256) -> bool:
    """`h` updated with the first `size` bytes of `path`; False when they cannot be read."""
    try:
        with path.open("rb") as fh:
            left = size
            while left > 0:
                chunk = fh.read(min(left, 1 << 20))
                if not chunk:
                    return False
                h.update(chunk)
                left -= len(chunk)
    except OSError:
        return False
    return True


class _Following(io.RawIOBase):
    """A file still being written, from `start`, read to `end` (a shared value, -1 while
    unknown) or, when there is none, to its end once `done` is set."""

    def __init__(self, path: str, done: Event, start: int, end: Any = None) -> None:
        self.fh = open(path, "rb")  # noqa: SIM115 - closed with the reader
        self.fh.seek(start)
        self.pos = start
        self.done = done
        self.end = end

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        # `done` is asked only when the file has nothing more to give: asking costs a lock
        while True:
            if self.end is not None and 0 <= self.end.value <= self.pos:
                return 0
            n = self.fh.readinto(b)
            if n and self.end is not None and self.end.value >= 0:
                # asked after reading: the end is set before any byte beyond it is written,
                # so bytes read while it was unknown are all before it
                n = min(n, self.end.value - self.pos)
                self.fh.seek(self.pos + n)
            if n:
                self.pos += n
                return n
            if self.done.is_set():
                # everything was written before `done` was set: one last read finds it
                n = self.fh.readinto(b) or 0
                if self.end is not None and self.end.value >= 0:
                    n = max(0, min(n, self.end.value - self.pos))
                self.pos += n
                return n
            self.done.wait(0.05)

    def close(self) -> None:
        self.fh.close()
        super().close()


def _jsonld_writer(parents: list[Connection], *args: Any) -> None:
    as_spawned(parents)
    _follow_as_jsonld(*args)


def _follow_as_jsonld(
    ttl_path: str,
    out_path: str,
    done: Event,
    conn: Connection,
    boundary: Any,
    start: int,
    seed: tuple[str, int, str | None] | None,
) -> None:
    """The Turtle from `start` to `boundary`, then from there to its end, as two JSON-LD
    arrays joined into one, after the first `seed` bytes of an earlier JSON-LD dump (and
    from the hash's state after them, when it was kept)."""
    # Without its parent, `done` is never set and the file never ends: it would follow for ever
    die_with_parent()
    try:
        started = time.perf_counter()
        part = out_path + ".part"
        # hashed as written: the file is only ever appended to
        digest = Sha256()
        with open(out_path, "w+b") as out:
            if seed is None:
                out.write(b"[")
                digest.update(b"[")
            else:
                _copy_start(Path(seed[0]), out, seed[1])
                resumed = Sha256.resumed(seed[2], seed[1])
                if resumed is not None:
                    digest = resumed
                elif not _hash_start(Path(seed[0]), seed[1], digest):
                    raise OSError(f"{seed[0]} is shorter than its build recorded")
            for end in (boundary, None):
                with io.BufferedReader(_Following(ttl_path, done, start, end), 1 << 20) as src:
                    # The streamed Turtle is N-Triples lines, read as such, so its statements
                    # come out in the default graph and go to the serialiser without a Python
                    # step each (taking the triple out of each TriG quad doubled this
                    # process's time). Read leniently: the same lines are the loader's input,
                    # whose strict parse already stops the build on anything malformed;
                    # checking every IRI again cost a third.
                    quads = pyoxigraph.parse(src, RdfFormat.N_TRIPLES, lenient=True)
                    pyoxigraph.serialize(quads, part, RdfFormat.JSON_LD)
                _append_array(out, part, digest)
                if end is not None:
                    prefix, prefix_state = out.tell(), digest.state()
                    start = end.value
            out.write(b"]")
            digest.update(b"]")
        os.unlink(part)
        timings = {"dump JSON-LD (following the load)": round(time.perf_counter() - started, 3)}
        conn.send(("ok", (timings, prefix, digest.hexdigest(), prefix_state)))
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _append_array(out: BinaryIO, part: str, digest: Sha256) -> None:
    """The items of the JSON array in `part` onto `out`, an array left open ('[' and any
    items before, no ']'); `digest` is updated with the bytes written."""
    with open(part, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size <= 2:  # "[]"
            return
        out.seek(-1, os.SEEK_CUR)
        last = out.read(1)
        if last != b"[":
            out.write(b",")
            digest.update(b",")
        fh.seek(1)
        left = size - 2
        while left > 0:
            chunk = fh.read(min(left, 1 << 24))
            if not chunk:
                raise OSError(f"{part} is shorter than it was")
            out.write(chunk)
            digest.update(chunk)
            left -= len(chunk)
