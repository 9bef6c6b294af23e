"""Turtle, TriG and JSON-LD dumps: sorted from the store when small, from the stream when large."""

from __future__ import annotations

import io
import json
import os
import shutil
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
    writes only what follows.
    """

    def __init__(self, staging: Path, seed: tuple[Path, list[int]] | None = None) -> None:
        import multiprocessing as mp

        self.trig = (staging / "icegraph.trig").open("wb")
        ttl_path = staging / "icegraph.ttl"
        self.ttl = ttl_path.open("wb")
        self.prefix: list[int] | None = None  # TriG, Turtle, JSON-LD: bytes before derived
        jsonld_seed = None
        if seed is not None:
            folder, (trig_bytes, ttl_bytes, jsonld_bytes) = seed
            _copy_start(folder / "icegraph.trig", self.trig, trig_bytes)
            _copy_start(folder / "icegraph.ttl", self.ttl, ttl_bytes)
            jsonld_seed = (str(folder / "icegraph.jsonld"), jsonld_bytes)
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
                self.ttl.tell(),
                jsonld_seed,
            ),  # fmt: skip
            name="icegraph-jsonld",
        )
        self.process.start()
        writer.close()

    def __call__(self, block: bytes, lines: bytes) -> None:
        if self.prefix is None and block.startswith(_WHOLE_BUILD):
            self.prefix = [self.trig.tell(), self.ttl.tell()]
            # before the first byte after it is written: the follower never reads past
            self.boundary.value = self.prefix[1]
        self.trig.write(block)
        self.ttl.write(lines)

    def close(self) -> None:
        for fh in (self.trig, self.ttl):
            if not fh.closed:
                if self.prefix is None:
                    self.prefix = [self.trig.tell(), self.ttl.tell()]
                    self.boundary.value = self.prefix[1]
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

    def stop(self) -> None:
        self.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


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
                with open(seed[0], "rb") as old:
                    shutil.copyfileobj(_Limited(old, seed[1]), out, 1 << 24)
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
