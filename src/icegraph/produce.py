"""read → repair → map → check in a second process, streaming TriG into the store's loader.

Reading, repairing, mapping and checking the shapes are Python; parsing and indexing the
triples is Rust. Running the Python half in its own process, connected by a pipe, keeps both
cores busy and never holds the graph in memory: the mapper writes lines as it makes them and
checks each record as it is made (validate/streaming.py), the loader takes them as they come.
Errors in the mapper (bad input, a curated table that does not cover it) travel back through
the same pipe and are raised here with their file, line and field.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import multiprocessing as mp
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar, cast

import pyoxigraph
from pyoxigraph import Store

from icegraph.catalogue import Catalogue, load_catalogue
from icegraph.errors import IcegraphError
from icegraph.lifetime import die_with_parent
from icegraph.link.review import read_review
from icegraph.mapping.catalogue_quads import (
    ENTITIES_GRAPH,
    SOURCES_GRAPH,
    entity_quads,
    source_quads,
)
from icegraph.mapping.contradictions import DERIVED_GRAPH, Contradictions
from icegraph.mapping.dossier_quads import DossierMapper
from icegraph.mapping.flows_quads import FlowMapper
from icegraph.mapping.link_quads import LINKS_GRAPH, link_quads
from icegraph.mapping.resolved_quads import RESOLVED_GRAPH, resolved_quads
from icegraph.mapping.statements_quads import StatementMapper
from icegraph.mapping.support import Support, voices
from icegraph.mapping.terms import Q, Term, Triple, graph, lines, trig, unstated
from icegraph.paths import ontology_dir, shapes_dir
from icegraph.publish.metadata import Typed
from icegraph.readers.dossier_page import read_dossier
from icegraph.readers.flows_table import read_flows
from icegraph.readers.statements_csv import read_statements
from icegraph.records import Finding
from icegraph.repair.corrections import unused_everywhere
from icegraph.repair.dossier import repair_dossier
from icegraph.repair.flows import repair_flows
from icegraph.report import LIST_LIMIT, Report
from icegraph.resolve.duplicates import report_duplicates
from icegraph.resolve.gather import gather
from icegraph.resolve.same_as import accepted_pairs, read_same_as
from icegraph.validate.results import ShapeResult
from icegraph.validate.shapes_program import load_shapes
from icegraph.validate.streaming import StreamValidator

Progress = Callable[[str], None]
Tee = Callable[[bytes, bytes], None]  # (a TriG block, its triple lines alone)
T = TypeVar("T")
VOCABULARY_GRAPH = graph("vocabulary")
CHUNK = 1 << 20  # characters of triples per message through the pipe
# What the mapper keeps (names, support tallies, contradictions, the validator's shared
# nodes) grows with the input and lives to the end, and mapping makes almost no cyclic
# garbage: frozen every so many blocks, it is not walked again by every full collection
# (at 100,000 records those took 2.7 s of the mapper's CPU, 0.2 s frozen).
FREEZE_EVERY = 1000


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


class Block(NamedTuple):
    """Triples of one named graph; `minted` are nodes whose every triple is in this block
    (with `context`), so the block can be checked on its own. `context` are triples an earlier
    block already stored, shown to the checker again and not loaded twice: a flow that a
    second record restates comes back with its record."""

    graph: Term
    triples: list[Triple]
    minted: Sequence[Term] = ()
    context: list[Triple] = []


def graph_blocks(
    cat: Catalogue, inputs: list[tuple[Path, str]], report: Report, progress: Progress | None
) -> Iterator[Block]:
    """Every triple of the build: vocabulary, curated tables, then each input, record by record.

    Each triple comes once, in the graph of the first block that states it (see FlowMapper):
    the named graphs partition the dataset, so their union is the same graph on every store.
    """
    q = Q(VOCABULARY_GRAPH)
    vocabulary = []
    for path in sorted(ontology_dir().glob("*.ttl")):
        for t in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            vocabulary.append(q(str(t.subject), str(t.predicate), str(t.object)))
    stated: set[Triple] = set()
    yield Block(VOCABULARY_GRAPH, list(unstated(vocabulary, stated)))
    yield Block(ENTITIES_GRAPH, list(unstated(entity_quads(cat), stated)))
    yield Block(SOURCES_GRAPH, list(unstated(source_quads(cat), stated)))
    links = read_review(cat.directory / "wikidata-links.csv")
    report.count(
        "Wikidata links published (accepted reviews)", sum(r.status == "accepted" for r in links)
    )
    yield Block(LINKS_GRAPH, list(unstated(link_quads(links), stated)))
    if progress:
        progress("gathering every name the documents give …")
    same_as_file = cat.directory / "same-as.csv"
    decisions = read_same_as(same_as_file)
    ids, unknown_operator = gather(cat, inputs, accepted_pairs(decisions), str(same_as_file))
    for conflict in ids.conflicts:
        report.add_finding(Finding(None, "identity", conflict))
    report_duplicates(ids, decisions, report)
    report.count(
        "entities named by the documents (not curated)",
        sum(e.curated is None for e in ids.entities.values()),
    )
    report.count(
        "IRIs of earlier builds kept as redirects",
        sum(len(e.aliases) for e in ids.entities.values()),
    )
    yield Block(RESOLVED_GRAPH, list(unstated(resolved_quads(ids, unknown_operator), stated)))
    tracker = Contradictions()
    support = Support(voices(cat))
    flows: set[Term] = set()
    total = sum(count_lines(p) for p, reader in inputs if reader == "flows_table")
    counter = Progressor(progress, total)
    for path, reader in inputs:
        shown = str(path)
        if reader == "flows_table":
            mapper = FlowMapper(cat, ids, path.name, stated, flows, tracker, report, support)
            # first: the records' checks need the compiling activity's class
            yield Block(mapper.q.g, list(mapper.header()))
            records = 0
            rows = counter.counted(read_flows(path, shown), path.name)
            for rec in repair_flows(rows, cat, path.name, report):
                records += 1
                yield Block(mapper.q.g, *mapper.block(rec))
            report.count("flows read", records)
        elif reader == "statements_csv":
            entered = StatementMapper(cat, ids, path.name, stated, flows, tracker, support)
            yield Block(entered.q.g, list(entered.header()))
            records = 0
            for statement in read_statements(path, shown):
                records += 1
                yield Block(entered.q.g, list(unstated(entered.record(statement), stated)))
            report.count("statements entered by hand", records)
        else:
            dossier = repair_dossier(read_dossier(path, shown), cat, report)
            records = len(dossier.facts) + len(dossier.connections) + len(dossier.sources)
            m = DossierMapper(cat, ids, path.name, report, tracker, support)
            # facts share their activity and agent; pages share the entities they name
            yield Block(m.q.g, list(unstated(m.quads(dossier), stated)))
        report.inputs.append({"file": shown, "reader": reader, "records": records})
    for finding in unused_everywhere(cat):
        report.add_finding(finding)
    report.count("information flows", len(flows))
    found = tracker.found()
    report.count("contradictions between sources", len(found))
    # all of them are in the graph (the contradictions query); the report shows the first
    listed: list[dict[str, Any]] = [row for c in found[:LIST_LIMIT] for row in c.rows()]
    report.set_table("Where the sources contradict each other", listed)
    # worked out over every document, so they come last: the support each flow and
    # relationship has, and where the documents disagree
    yield from _by_subject(DERIVED_GRAPH, itertools.chain(support.quads(), tracker.quads(found)))


def _by_subject(graph_term: Term, triples: Iterable[Triple], size: int = 50_000) -> Iterator[Block]:
    """Triples grouped by subject, as blocks of about `size` triples whose subjects are all
    their own: each is checked and loaded on its own, so a million flows' summaries are never
    held at once."""
    block: list[Triple] = []
    subjects: dict[Term, None] = {}
    last: Term | None = None
    for t in triples:
        if t[0] != last:
            if t[0] in subjects:
                raise ValueError(
                    f"the triples of {t[0]} are not together; a block would split them"
                )
            if len(block) >= size:
                yield Block(graph_term, block, list(subjects))
                block, subjects = [], {}
            subjects[t[0]] = None
            last = t[0]
        block.append(t)
    if block:
        yield Block(graph_term, block, list(subjects))


class _Spent:
    """Wall and CPU seconds spent inside `with` blocks, added up. The mapper shares two
    cores with the loader, so the CPU time is what the work itself costs."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.thread_time()

    def __exit__(self, *_exc: object) -> None:
        self.wall += time.perf_counter() - self._wall
        self.cpu += time.thread_time() - self._cpu


def _stderr(message: str) -> None:
    print(f"· {message}", file=sys.stderr, flush=True)


def _produce(
    data_dir: str,
    inputs: list[tuple[str, str]],
    conn: Connection,
    last_conn: Connection,
    show_progress: bool,
    validate: bool,
) -> None:
    """The mapper process: chunks of one graph's lines (graph IRI on the first line), then an
    empty chunk and the typed-entity counts; then it takes the loader's last blocks (a list,
    empty when the loader stopped early) on `last_conn`, and sends the outcome: the report
    and, when asked, what the shapes found.
    A failure sends the outcome at once."""
    die_with_parent()  # a killed build must not leave its mapper running
    report = Report()
    ended = False
    try:
        cat = load_catalogue(Path(data_dir))
        validator = StreamValidator(load_shapes(shapes_dir())) if validate else None
        # The catalogue and the shapes (an rdflib graph) live as long as the process: the
        # collector need not walk them again every time the records' garbage is collected.
        gc.freeze()
        checking = _Spent()
        buf: list[str] = []
        size = 0
        current = ""

        def flush() -> None:
            if buf:
                conn.send_bytes(f"{current}\n{''.join(buf)}".encode())
                buf.clear()

        paths = [(Path(p), r) for p, r in inputs]
        progress = _stderr if show_progress else None
        typed = Typed()
        records_checked: int | None = None
        for blocks, block in enumerate(graph_blocks(cat, paths, report, progress), start=1):
            if blocks % FREEZE_EVERY == 0:
                gc.freeze()
            typed.add(block.triples, block.minted)
            if validator is not None:
                if block.graph == DERIVED_GRAPH and records_checked is None:
                    records_checked = validator.blocks_checked  # the rest are not records
                with checking:
                    validator.add(block.triples + block.context, block.minted)
            if block.graph != current or size >= CHUNK:
                flush()
                current, size = block.graph, 0
            text = lines(block.triples)
            buf.append(text)
            size += len(text)
        flush()
        conn.send_bytes(b"")
        ended = True
        conn.send(("counts", typed.summary()))
        results = None
        last = last_conn.recv()
        if validator is not None:
            if records_checked is None:
                records_checked = validator.blocks_checked
            report.count("records checked as they were mapped", records_checked)
            report.count("records checked at the end", validator.blocks_deferred)
            with checking:
                for block in last or ():
                    validator.add(block.triples, block.minted)
                results = validator.results()
            report.timings["validate (while mapping)"] = round(checking.wall, 3)
            report.timings["validate, CPU time"] = round(checking.cpu, 3)
        conn.send(("ok", (report, results)))
    except (BrokenPipeError, EOFError):
        pass  # the build stopped (Ctrl-C, SIGTERM, killed): nobody is left to tell
    except IcegraphError as exc:
        with contextlib.suppress(BrokenPipeError):
            if not ended:
                conn.send_bytes(b"")
            conn.send(("error", exc))
    except Exception:  # a bug: say where, so it can be fixed
        with contextlib.suppress(BrokenPipeError):
            if not ended:
                conn.send_bytes(b"")
            conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()
        last_conn.close()


class _PipeReader(io.RawIOBase):
    """The mapper's chunks as one TriG stream the bulk loader reads; each chunk also goes to
    `tee` when given, which writes the streamed dumps."""

    def __init__(self, conn: Connection, tee: Tee | None = None) -> None:
        self.conn = conn
        self.tee = tee
        self.buf = memoryview(b"")
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self.buf and not self.ended:
            try:
                chunk = self.conn.recv_bytes()
            except EOFError:
                chunk = b""
            if chunk:
                graph_term, lines = chunk.split(b"\n", 1)
                block = b"%s {\n%s}\n" % (graph_term, lines)
                if self.tee is not None:
                    self.tee(block, lines)
                self.buf = memoryview(block)
            else:
                self.ended = True
        n = min(len(b), len(self.buf))
        b[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        return n


def load_mapped(
    store: Store,
    data_dir: Path,
    inputs: list[tuple[Path, str]],
    progress: Progress | None,
    validate: bool = True,
    tee: Tee | None = None,
    finale: Callable[[Store, dict], Iterator[Block]] | None = None,
) -> tuple[Report, list[ShapeResult] | None]:
    """Map (and check) every input in a second process and bulk-load its triples.

    `finale` makes the last blocks from the loaded store and the stream's typed-entity counts
    (the dataset's own description), each loaded before the next is made; they are loaded,
    teed and checked like the rest. Returns
    the mapper's report and, with `validate`, what the shapes found in the whole graph.
    """
    ctx = mp.get_context("spawn")
    reader, writer = ctx.Pipe(duplex=False)
    last_in, last_out = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_produce,
        args=(
            str(data_dir),
            [(str(p), r) for p, r in inputs],
            writer,
            last_in,
            progress is not None,
            validate,
        ),
        name="icegraph-map",
    )
    process.start()
    writer.close()
    last_in.close()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    outcome = None
    last: list[Block] = []
    try:
        store.bulk_load(
            input=cast(IO[bytes], _PipeReader(reader, tee)), format=pyoxigraph.RdfFormat.TRIG
        )
        timings["stream and bulk load"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        first = _receive(reader)
        if first[0] != "counts":
            outcome = first  # the mapper failed; below says how
        elif finale is not None:
            for block in finale(store, first[1]):
                _load_block(store, block, tee)
                last.append(block)
        timings["dataset description"] = round(time.perf_counter() - started, 3)
    except (SyntaxError, OSError) as exc:
        # text the loader cannot parse is a bug in the mapper: stop it, say what broke
        process.kill()
        process.join()
        reader.close()
        last_out.close()
        raise RuntimeError(f"the mapped triples did not load: {exc}") from exc
    with contextlib.suppress(OSError):  # the mapper stopped early; its outcome below says why
        last_out.send(last)
    started = time.perf_counter()
    try:
        status, payload = outcome or _receive(reader)
    finally:
        reader.close()
        last_out.close()
        process.join()
    if status == "error":
        raise payload
    if status == "crash":
        raise RuntimeError(f"mapping failed:\n{payload}")
    timings["shared nodes checked (after the load)"] = round(time.perf_counter() - started, 3)
    payload[0].timings.update(timings)
    return payload


def _load_block(store: Store, block: Block, tee: Tee | None) -> None:
    text = lines(block.triples)
    encoded = trig(block.graph, text).encode()
    store.load(input=encoded, format=pyoxigraph.RdfFormat.TRIG)
    if tee is not None:
        tee(encoded, text.encode())


def _receive(reader: Connection) -> tuple[Any, ...]:
    try:
        return reader.recv()
    except EOFError:
        return "crash", "the mapping process ended without a word"
