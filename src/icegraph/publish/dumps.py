"""Turtle, TriG and JSON-LD dumps: sorted from the store when small, from the stream when large."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from icegraph.lifetime import die_with_parent
from icegraph.mapping.contradictions import DERIVED_GRAPH
from icegraph.namespaces import PREFIXES
from icegraph.publish.jsonld import write_jsonld
from icegraph.publish.metadata import METADATA_GRAPH
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
                raise OSError(f"{src} is shorter than its build recorded")
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
    dumps with the previous build's prefixes (`seed`: its folder and their lengths) and
    writes only what follows. `derived` is where the derived graph lies in the Turtle dump
    (start and end), and `earlier_derived` the same in the seed's: an incremental build
    keeps the earlier derived graph's lines but those it removes (`drop`), and writes only
    what it adds, instead of the whole graph again.
    """

    def __init__(
        self,
        staging: Path,
        seed: tuple[Path, list[int]] | None = None,
        earlier_derived: list[int] | None = None,
    ) -> None:
        import multiprocessing as mp

        self.trig = (staging / "icegraph.trig").open("wb")
        ttl_path = staging / "icegraph.ttl"
        self.ttl = ttl_path.open("wb")
        self.prefix: list[int] | None = None  # TriG, Turtle, JSON-LD: bytes before derived
        self.derived: list[int] | None = None
        self.earlier_derived = None
        if seed is not None and earlier_derived is not None:
            self.earlier_derived = (seed[0] / "icegraph.ttl", earlier_derived)
        jsonld_seed = None
        self.hashing: _PrefixHashes | None = None
        self.copying: _Copying | None = None
        start = 0  # where the Turtle's own part begins
        if seed is not None:
            folder, (trig_bytes, ttl_bytes, jsonld_bytes) = seed
            # copied while the mapper starts and reads its state: the first block waits
            self.copying = _Copying(
                [(folder / "icegraph.trig", self.trig, trig_bytes),
                 (folder / "icegraph.ttl", self.ttl, ttl_bytes)]
            )  # fmt: skip
            self.copying.start()
            start = ttl_bytes
            jsonld_seed = (str(folder / "icegraph.jsonld"), jsonld_bytes)
            sizes = zip(("icegraph.trig", "icegraph.ttl", "icegraph.jsonld"), seed[1], strict=True)
            self.hashing = _PrefixHashes([(name, folder / name, size) for name, size in sizes])
            self.hashing.start()
        ctx = mp.get_context("spawn")
        self.done = ctx.Event()
        self.boundary = ctx.Value("q", -1, lock=False)  # where the Turtle's prefix ends
        self.reader, writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_follow_as_jsonld,
            args=(
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

    def _copied(self) -> None:
        if self.copying is not None:
            self.copying.join()
            if self.copying.error is not None:
                raise self.copying.error
            self.copying = None

    def __call__(self, block: bytes, lines: bytes) -> None:
        self._copied()
        if self.prefix is None and block.startswith(_WHOLE_BUILD):
            self.prefix = [self.trig.tell(), self.ttl.tell()]
            # before the first byte after it is written: the follower never reads past
            self.boundary.value = self.prefix[1]
        if self.derived is None and block.startswith(_DESCRIPTION) and self.prefix is not None:
            self.derived = [self.prefix[1], self.ttl.tell()]
        self.trig.write(block)
        self.ttl.write(lines)

    def drop(self, removed: bytes) -> None:
        """The earlier build's derived graph, but for the lines in `removed` (the triples
        this build takes out of it), as this build's first derived blocks. Its lines are
        N-Triples, one triple each, written by the same code as `removed`."""
        if self.earlier_derived is None:
            raise RuntimeError("no earlier derived graph to keep: the build cannot continue")
        gone = set(removed.split(b"\n"))
        path, (start, end) = self.earlier_derived
        self.earlier_derived = None  # kept once: a second copy would be every line twice
        head = f"{DERIVED_GRAPH} {{\n".encode()
        with path.open("rb") as fh:
            fh.seek(start)
            left, rest = end - start, b""
            while left > 0:
                chunk = rest + fh.read(min(left, _KEEP_CHUNK))
                if len(chunk) == len(rest):
                    raise OSError(f"{path} is shorter than its build recorded")
                left -= len(chunk) - len(rest)
                cut = chunk.rfind(b"\n") + 1 if left > 0 else len(chunk)
                rest = chunk[cut:]
                kept = [line for line in chunk[:cut].split(b"\n")[:-1] if line not in gone]
                if kept:
                    lines = b"\n".join(kept) + b"\n"
                    self(head + lines + b"}\n", lines)

    def close(self) -> None:
        self._copied()  # a failed copy fails the build
        for fh in (self.trig, self.ttl):
            if not fh.closed:
                if self.prefix is None:
                    self.prefix = [self.trig.tell(), self.ttl.tell()]
                    self.boundary.value = self.prefix[1]
                if self.derived is None:
                    self.derived = [self.prefix[1], self.ttl.tell()]
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
        timings, jsonld_prefix = payload
        if self.prefix is not None:
            self.prefix = [*self.prefix[:2], jsonld_prefix]
        return timings

    def checksums(self, folder: Path) -> dict[str, str]:
        """The sha256 of each dump in `folder` whose first part was the earlier build's:
        that part was hashed while the build mapped, only the rest is read now."""
        if self.hashing is None:
            return {}
        self.hashing.join()
        found = {}
        for name, h in self.hashing.hashes.items():
            with (folder / name).open("rb") as fh:
                fh.seek(self.hashing.sizes[name])
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            found[name] = h.hexdigest()
        return found

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # stopping a failed build: its error is told
            self.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


class _Copying(threading.Thread):
    """The first bytes of earlier dumps onto the new ones, beside the build (the copy runs
    in the kernel, without the GIL); `error` holds what stopped it."""

    def __init__(self, parts: list[tuple[Path, BinaryIO, int]]) -> None:
        super().__init__(name="icegraph-copy-dumps", daemon=True)
        self.parts = parts
        self.error: OSError | None = None

    def run(self) -> None:
        try:
            for src, dst, size in self.parts:
                _copy_start(src, dst, size)
        except OSError as exc:
            self.error = exc


class _PrefixHashes(threading.Thread):
    """The sha256 of the first bytes of earlier dumps, which a continued build copies:
    hashed beside the mapping, on the core the loader leaves idle while little is added.
    `hashes` lacks a dump whose part could not be read (it is then hashed whole)."""

    def __init__(self, parts: list[tuple[str, Path, int]]) -> None:
        super().__init__(name="icegraph-hash-dumps", daemon=True)
        self.parts = parts
        self.sizes = {name: size for name, _, size in parts}
        self.hashes: dict[str, Any] = {}

    def run(self) -> None:
        for name, path, size in self.parts:
            h = hashlib.sha256()
            try:
                with path.open("rb") as fh:
                    left = size
                    while left > 0:
                        chunk = fh.read(min(left, 1 << 20))
                        if not chunk:
                            break
                        h.update(chunk)  # without the GIL: the build goes on meanwhile
                        left -= len(chunk)
            except OSError:
                continue
            if left == 0:
                self.hashes[name] = h


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


def _follow_as_jsonld(
    ttl_path: str,
    out_path: str,
    done: Event,
    conn: Connection,
    boundary: Any,
    start: int,
    seed: tuple[str, int] | None,
) -> None:
    """The Turtle from `start` to `boundary`, then from there to its end, as two JSON-LD
    arrays joined into one, after the first `seed` bytes of an earlier JSON-LD dump."""
    # Without its parent, `done` is never set and the file never ends: it would follow for ever
    die_with_parent()
    try:
        started = time.perf_counter()
        part = out_path + ".part"
        with open(out_path, "w+b") as out:
            if seed is None:
                out.write(b"[")
            else:
                _copy_start(Path(seed[0]), out, seed[1])
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
                _append_array(out, part)
                if end is not None:
                    prefix = out.tell()
                    start = end.value
            out.write(b"]")
        os.unlink(part)
        timings = {"dump JSON-LD (following the load)": round(time.perf_counter() - started, 3)}
        conn.send(("ok", (timings, prefix)))
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _append_array(out: BinaryIO, part: str) -> None:
    """The items of the JSON array in `part` onto `out`, an array left open ('[' and any
    items before, no ']')."""
    with open(part, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        if size <= 2:  # "[]"
            return
        out.seek(-1, os.SEEK_CUR)
        last = out.read(1)
        if last != b"[":
            out.write(b",")
        fh.seek(1)
        shutil.copyfileobj(_Limited(fh, size - 2), out, 1 << 24)


class _Limited(io.RawIOBase):
    """The next `size` bytes of a file."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh = fh
        self.left = size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.fh.read(n)
        self.left -= len(data)
        return data
