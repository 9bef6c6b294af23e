"""Turtle, TriG and JSON-LD dumps: sorted from the store when small, from the stream when large."""

from __future__ import annotations

import hashlib
import io
import json
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from icegraph.lifetime import die_with_parent
from icegraph.namespaces import PREFIXES
from icegraph.publish.jsonld import write_jsonld
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


class StreamedDumps:
    """TriG, Turtle and JSON-LD written from the mapper's stream while the store loads it.

    Re-reading a large on-disk store costs about 15 µs a triple; the stream is already text.
    TriG is the stream itself, one block per graph. Turtle is the same triples without the
    graph blocks (no triple is in two graphs: see produce.graph_blocks). A third
    process follows the Turtle file as it grows and writes it as JSON-LD (expanded form: every
    IRI in full, so it needs no context) with the store's Rust serialiser. If the loader
    refuses the text, the build fails and this dump is thrown away with the staging folder.
    Call it as the loader's tee; `close` when the last block is written, then `wait`.
    """

    def __init__(self, staging: Path) -> None:
        import multiprocessing as mp

        self.trig = (staging / "icegraph.trig").open("wb")
        ttl_path = staging / "icegraph.ttl"
        self.ttl = ttl_path.open("wb")
        # hashed as they are written: reading gigabytes back for checksums.sha256 would be
        # a stage of its own after the load
        self._hashes = {"icegraph.trig": hashlib.sha256(), "icegraph.ttl": hashlib.sha256()}
        self.digests: dict[str, str] = {}
        ctx = mp.get_context("spawn")
        self.done = ctx.Event()
        self.reader, writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_follow_as_jsonld,
            args=(str(ttl_path), str(staging / "icegraph.jsonld"), self.done, writer),
            name="icegraph-jsonld",
        )
        self.process.start()
        writer.close()

    def __call__(self, block: bytes, lines: bytes) -> None:
        self.trig.write(block)
        self.ttl.write(lines)
        self._hashes["icegraph.trig"].update(block)
        self._hashes["icegraph.ttl"].update(lines)

    def close(self) -> None:
        for fh in (self.trig, self.ttl):
            if not fh.closed:
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
        timings, jsonld_digest = payload
        self.digests = {name: h.hexdigest() for name, h in self._hashes.items()}
        self.digests["icegraph.jsonld"] = jsonld_digest
        return timings

    def stop(self) -> None:
        self.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


class _Following(io.RawIOBase):
    """A file still being written, read to its end once `done` is set."""

    def __init__(self, path: str, done: Event) -> None:
        self.fh = open(path, "rb")  # noqa: SIM115 - closed with the reader
        self.done = done

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        # `done` is asked only when the file has nothing more to give: asking costs a lock
        while True:
            n = self.fh.readinto(b)
            if n:
                return n
            if self.done.is_set():
                # everything was written before `done` was set: one last read finds it
                return self.fh.readinto(b) or 0
            self.done.wait(0.05)

    def close(self) -> None:
        self.fh.close()
        super().close()


class _Hashing(io.RawIOBase):
    """A file being written, hashed as it is written (the serialiser writes in chunks)."""

    def __init__(self, fh: io.BufferedWriter) -> None:
        self.fh = fh
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.sha256.update(b)
        return self.fh.write(b)


def _follow_as_jsonld(ttl_path: str, out_path: str, done: Event, conn: Connection) -> None:
    # Without its parent, `done` is never set and the file never ends: it would follow for ever
    die_with_parent()
    try:
        started = time.perf_counter()
        with io.BufferedReader(_Following(ttl_path, done), 1 << 20) as source:
            # The streamed Turtle is N-Triples lines, read as such, so its statements come
            # out in the default graph and go to the serialiser without a Python step each
            # (taking the triple out of each TriG quad doubled this process's time). Read
            # leniently: the same lines are the loader's input, whose strict parse already
            # stops the build on anything malformed; checking every IRI again cost a third.
            quads = pyoxigraph.parse(source, RdfFormat.N_TRIPLES, lenient=True)
            with open(out_path, "wb") as fh:
                out = _Hashing(fh)
                pyoxigraph.serialize(quads, cast(IO[bytes], out), RdfFormat.JSON_LD)
        timings = {"dump JSON-LD (following the load)": round(time.perf_counter() - started, 3)}
        conn.send(("ok", (timings, out.sha256.hexdigest())))
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()
