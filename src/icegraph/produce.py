"""read → repair → map in a second process, streaming N-Quads into the store's bulk loader.

Reading, repairing and mapping are Python; parsing and indexing the quads is Rust. Running the
Python half in its own process, connected by a pipe, keeps both cores busy and never holds
the graph in memory: the mapper writes lines as it makes them, the loader takes them as they
come. Errors in the mapper (bad input, a curated table that does not cover it) travel back
through the same pipe and are raised here with their file, line and field.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import pyoxigraph
from pyoxigraph import Store

from icegraph.catalogue import Catalogue, load_catalogue
from icegraph.errors import IcegraphError
from icegraph.link.review import read_review
from icegraph.mapping.catalogue_quads import entity_quads, source_quads
from icegraph.mapping.dossier_quads import DossierMapper
from icegraph.mapping.flows_quads import FlowMapper
from icegraph.mapping.link_quads import link_quads
from icegraph.mapping.terms import Q, graph
from icegraph.paths import ontology_dir
from icegraph.readers.dossier_page import read_dossier
from icegraph.readers.flows_table import read_flows
from icegraph.repair.dossier import repair_dossier
from icegraph.repair.flows import repair_flows
from icegraph.report import Report

Progress = Callable[[str], None]
T = TypeVar("T")
VOCABULARY_GRAPH = graph("vocabulary")
CHUNK = 1 << 20  # bytes of N-Quads per message through the pipe


class Progressor:
    """Records read, records per second and time left, every few seconds."""

    def __init__(self, progress: Progress | None, total: int, every: float = 2.0) -> None:
        self.progress = progress
        self.total = max(1, total)
        self.every = every
        self.done = 0
        self.started = time.monotonic()
        self.last = self.started

    def counted(self, items: Iterable[T], what: str) -> Iterator[T]:
        for item in items:
            self.done += 1
            yield item
            if self.progress and self.done % 1000 == 0:
                now = time.monotonic()
                if now - self.last >= self.every:
                    self.last = now
                    rate = self.done / (now - self.started)
                    left = max(0, self.total - self.done) / rate if rate else 0
                    self.progress(
                        f"{what}: {self.done:,} of ~{self.total:,} records, {rate:,.0f}/s, "
                        f"about {left:,.0f} s left"
                    )


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))


def graph_lines(
    cat: Catalogue, inputs: list[tuple[Path, str]], report: Report, progress: Progress | None
) -> Iterator[str]:
    """Every quad of the build as N-Quads lines: vocabulary, curated tables, then each input."""
    q = Q(VOCABULARY_GRAPH)
    for path in sorted(ontology_dir().glob("*.ttl")):
        for t in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            yield q(str(t.subject), str(t.predicate), str(t.object))
    yield from entity_quads(cat)
    yield from source_quads(cat)
    links = read_review(cat.directory / "wikidata-links.csv")
    report.count(
        "Wikidata links published (accepted reviews)", sum(r.status == "accepted" for r in links)
    )
    yield from link_quads(links)
    total = sum(count_lines(p) for p, reader in inputs if reader == "flows_table")
    counter = Progressor(progress, total)
    for path, reader in inputs:
        shown = str(path)
        if reader == "flows_table":
            mapper = FlowMapper(cat, path.name)
            records = 0
            rows = counter.counted(read_flows(path, shown), path.name)
            for rec in repair_flows(rows, cat, path.name, report):
                records += 1
                # one string per record: far fewer hand-offs than a line at a time
                yield "".join(mapper.record(rec))
            yield from mapper.header()
            report.count("flows read", records)
        else:
            dossier = repair_dossier(read_dossier(path, shown), cat, report)
            records = len(dossier.facts) + len(dossier.connections) + len(dossier.sources)
            yield from DossierMapper(cat, path.name, report).quads(dossier)
        report.inputs.append({"file": shown, "reader": reader, "records": records})


def _stderr(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def _produce(data_dir: str, inputs: list[tuple[str, str]], conn, show_progress: bool) -> None:
    """The mapper process: N-Quads in chunks, then an empty chunk, then the outcome."""
    report = Report()
    try:
        cat = load_catalogue(Path(data_dir))
        buf: list[str] = []
        size = 0
        paths = [(Path(p), r) for p, r in inputs]
        for line in graph_lines(cat, paths, report, _stderr if show_progress else None):
            buf.append(line)
            size += len(line)
            if size >= CHUNK:
                conn.send_bytes("".join(buf).encode("utf-8"))
                buf, size = [], 0
        if buf:
            conn.send_bytes("".join(buf).encode("utf-8"))
        conn.send_bytes(b"")
        conn.send(("ok", report))
    except IcegraphError as exc:
        conn.send_bytes(b"")
        conn.send(("error", exc))
    except Exception:  # a bug: say where, so it can be fixed
        conn.send_bytes(b"")
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()


class _PipeReader(io.RawIOBase):
    """The mapper's chunks as a binary stream the bulk loader can read."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.buf = memoryview(b"")
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self.buf and not self.ended:
            try:
                chunk = self.conn.recv_bytes()
            except EOFError:
                chunk = b""
            if chunk:
                self.buf = memoryview(chunk)
            else:
                self.ended = True
        n = min(len(b), len(self.buf))
        b[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        return n


def load_mapped(
    store: Store, data_dir: Path, inputs: list[tuple[Path, str]], progress: Progress | None
) -> Report:
    """Map every input in a second process and bulk-load its N-Quads; return its report."""
    ctx = mp.get_context("spawn")
    reader, writer = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_produce,
        args=(str(data_dir), [(str(p), r) for p, r in inputs], writer, progress is not None),
        name="icegraph-map",
    )
    process.start()
    writer.close()
    load_error: Exception | None = None
    try:
        store.bulk_load(input=_PipeReader(reader), format=pyoxigraph.RdfFormat.N_QUADS)
    except (SyntaxError, OSError) as exc:
        load_error = exc
    try:
        status, payload = reader.recv()
    except EOFError:
        status, payload = "crash", "the mapping process ended without a word"
    finally:
        reader.close()
        process.join()
    if status == "error":
        raise payload
    if status == "crash":
        raise RuntimeError(f"mapping failed:\n{payload}")
    if load_error is not None:
        raise RuntimeError(f"the mapped N-Quads did not load: {load_error}") from load_error
    return payload
