"""build = read → repair → map → validate → store → publish, with nothing half-written.

Everything is built in a folder of its own inside the output (see outdir.py); only when the
graph has passed its shapes does the output switch to it, in one atomic step, and the
previous build is removed. One build at a time writes into an output folder.
"""

from __future__ import annotations

import copy
import datetime
import gc
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import NamedNode, Store

from icegraph import incremental, outdir, statement_count
from icegraph.catalogue import load_catalogue
from icegraph.errors import InputError, Location, ValidationFailed
from icegraph.link.review import check_entities, read_review
from icegraph.mapping.iris import input_graph
from icegraph.mapping.link_quads import LINKS_GRAPH
from icegraph.mapping.terms import value_of
from icegraph.paths import ontology_dir, shapes_dir
from icegraph.produce import Block, Incompatible, Progress, count_lines, load_mapped
from icegraph.publish.dumps import Seed, StreamedDumps, write_context, write_readable
from icegraph.publish.jsonld import build_context
from icegraph.publish.metadata import CHECKSUMS_FILE, METADATA_GRAPH, checksums_text, metadata_quads
from icegraph.readers import reader_for
from icegraph.repair.corrections import check_corrections
from icegraph.repair.withhold import Withholding
from icegraph.report import Report
from icegraph.store import clone_store, count_quads, open_store
from icegraph.validate import engine
from icegraph.validate.explain import explain
from icegraph.validate.results import Explained
from icegraph.validate.shapes_program import load_shapes

# Up to this many flow records (about 300,000 triples), the dumps are sorted and prefixed for
# people to read; beyond, they are written from the stream as it loads.
READABLE_RECORDS = 10_000
OUTPUT_FILES = (
    "icegraph.ttl",
    "icegraph.trig",
    "icegraph.jsonld",
    "context.jsonld",
    "checksums.sha256",
    "report.md",
    "report.json",
)
# The names in --out that show the current build (links through `current`, see outdir.py)
PUBLISHED = (*OUTPUT_FILES, "store")


@dataclass
class BuildResult:
    out_dir: Path
    report: Report
    findings: list[Explained] = field(default_factory=list)

    @property
    def warnings(self) -> list[Explained]:
        return [f for f in self.findings if f.severity != "Violation"]


def discover_inputs(data_dir: Path) -> list[tuple[Path, str]]:
    """Raw files under data/raw/ with the reader that recognises each; unknown ones stop."""
    if not data_dir.is_dir():
        raise InputError(
            "no such folder" if not data_dir.exists() else "not a folder",
            Location(str(data_dir)),
            expected="the folder with raw/ and the curated CSV tables",
            fix="Pass it with --data.",
        )
    raw = data_dir / "raw"
    if not raw.is_dir():
        raise InputError("no raw input folder", Location(str(raw)), expected="data/raw/*.txt")
    found = []
    try:
        listed = sorted(p for p in raw.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError as exc:
        raise InputError(
            f"cannot list the folder: {(exc.strerror or 'unknown').lower()}", Location(str(raw))
        ) from None
    for path in listed:
        reader = reader_for(path)
        if reader is None:
            raise InputError(
                "no reader recognises this file",
                Location(str(path), 1),
                expected="a flows table (header 'Source<TAB>Destination…'), a dossier page, or a "
                "statements CSV (header 'statement,from,…')",
            )
        found.append((path, reader))
    if not found:
        raise InputError("no raw input files", Location(str(raw)), expected="data/raw/*.txt")
    return found


def build(
    data_dir: Path,
    out_dir: Path,
    progress: Progress | None = None,
    validator: str = "fast",
    stream_dumps: bool | None = None,
    optimize: bool = False,
    release_date: datetime.date | None = None,
    full: bool = False,
) -> BuildResult:
    """Build the graph from data_dir into out_dir; the old build stays until this one passes.

    With the fast validator, the shapes are checked in the mapping process as the records
    are made; pyshacl checks the loaded store afterwards. Dumps are written from the stream
    while loading when the input is large (`stream_dumps`, by default above READABLE_RECORDS
    flow records), else sorted and prefixed from the store. `optimize` compacts the store
    before it is put in place: a longer build for faster queries on a large graph.
    `release_date` makes a public build: confidential claims, and claims embargoed until
    after that date, are left out with everything only they said (docs/withholding.md).

    When the previous build in out_dir can be continued (incremental.py), only the inputs
    added since are mapped, into a copy of its store; `full` starts again from nothing.
    """
    inputs = discover_inputs(data_dir)
    cat = load_catalogue(data_dir)  # checked here, before any work, so a bad table fails fast
    Withholding(cat, release_date)  # its tables checked before any work, like the rest
    check_corrections(
        cat,
        [p.name for p, reader in inputs if reader == "flows_table"],
        [p.name for p, reader in inputs if reader != "flows_table"],
    )
    review_path = data_dir / "wikidata-links.csv"
    notes = list(cat.findings)
    links = read_review(review_path, notes)
    engine(validator)  # an unknown name stops here, before any work, naming the choices
    if stream_dumps is None:
        flows = sum(count_lines(p) for p, reader in inputs if reader == "flows_table")
        stream_dumps = flows > READABLE_RECORDS
    report = Report()
    for note in notes:
        report.add_finding(note)

    def check_loaded(store: Store) -> None:
        if release_date is None:  # a public build drops the links of the entities it withholds
            check_entities(links, review_path, lambda iri: _has_entity(store, iri))

    with outdir.locked(out_dir):
        outdir.remove_stale(out_dir)
        how = incremental.plan(
            out_dir, data_dir, inputs, validator, stream_dumps, full, release_date
        )
        while True:
            staging = outdir.new_build_dir(out_dir)
            published = False
            try:
                if progress:
                    progress(how.describe())
                try:
                    result = _build_into(
                        staging, data_dir, out_dir, inputs, copy.deepcopy(report), progress,
                        validator, stream_dumps, optimize, check_loaded, how, release_date,
                    )  # fmt: skip
                except Incompatible as exc:
                    how = incremental.Plan(exc.message, how.fingerprints)
                    continue
                previous = outdir.publish(out_dir, staging, PUBLISHED)
                published = True
            finally:
                if not published:
                    outdir.discard(staging)
            break
        outdir.discard(previous)  # a server that has it open keeps reading it (see docs/)
        outdir.discard(out_dir / "failed")
        return result


def _has_entity(store: Store, iri: str) -> bool:
    """Whether the build states anything about `iri` outside the Wikidata links."""
    links = NamedNode(value_of(LINKS_GRAPH))
    return any(q.graph_name != links for q in store.quads_for_pattern(NamedNode(iri), None, None))


def _build_into(
    staging: Path,
    data_dir: Path,
    out_dir: Path,
    inputs: list[tuple[Path, str]],
    report: Report,
    progress: Progress | None,
    validator: str,
    stream_dumps: bool,
    optimize: bool,
    check_loaded: Callable[[Store], None],
    how: incremental.Plan,
    release_date: datetime.date | None = None,
) -> BuildResult:
    """Everything but publishing, into `staging`; `check_loaded` is asked of the loaded
    store before the shapes are checked. `how` says whether to continue an earlier build."""
    clock = _Stopwatch(report, progress)
    streamed = None
    files = [str(p) for p, _ in inputs]
    report.build = how.to_json()
    try:
        if how.previous is not None:
            with clock("copy the earlier store"):
                clone_store(how.previous / "store", staging / "store")
        store = open_store(staging / "store")
        dropped: dict[str, int] = {}
        if how.rewound:
            with clock("drop the graphs made again"):
                dropped = _drop_rewound(store, how.dropped)
        if stream_dumps and how.previous is not None and how.dumps_prefix is not None:
            with clock("copy the earlier dumps' first parts"):
                seed = Seed(how.previous, how.dumps_prefix, how.dumps_states or [None] * 3)
                streamed = StreamedDumps(staging, seed, how.dumps_derived)
        elif stream_dumps:
            streamed = StreamedDumps(staging)
        # a public build is never continued, and its state would hold what it withholds
        state_dir = staging / incremental.STATE_DIR if release_date is None else None
        checkpoints = []
        if state_dir is not None:
            state_dir.mkdir()
            checkpoints = incremental.keep_checkpoints(staging, how)
        counting = _Counting(inputs, how, state_dir, dropped)
        with clock("read, repair, map, check and load"):
            mapped, results = load_mapped(
                store,
                data_dir,
                how.added if how.incremental else inputs,
                progress,
                validate=validator == "fast",
                tee=streamed,
                finale=lambda s, typed: _finale(s, files, typed, counting(s)),
                state_dir=state_dir,
                resume_from=how.state,
                release_date=release_date,
                rewound=how.rewound,
            )
        report.merge(mapped)
        if streamed is not None:
            streamed.close()  # the JSON-LD writer may read to the end now
        check_loaded(store)
        with clock("explain the findings" if results is not None else "validate"):
            shapes = load_shapes(shapes_dir())
            if results is None:
                results = engine(validator)(store, shapes)
            findings = explain(results, store, shapes, data_dir)
        report.validation = [f.to_json() for f in findings]
        violations = [f for f in findings if f.severity == "Violation"]
        if violations:
            _write_failure(out_dir, report)
            raise ValidationFailed(
                f"{len(violations)} rule violation(s); the previous build in {out_dir} is "
                f"unchanged (details in {out_dir / 'failed' / 'report.md'})",
                violations,
            )
        context = build_context(ontology_dir() / "icegraph.ttl")
        with clock("dumps"):
            if streamed is not None:
                report.timings.update(streamed.wait())
            else:
                report.timings.update(write_readable(store, staging, context))
            write_context(staging / "context.jsonld", context)
            # Beside the dumps, not inside: the description in each dump cannot hold its hash.
            known = streamed.checksums() if streamed is not None else {}
            (staging / CHECKSUMS_FILE).write_text(checksums_text(staging, known), "utf-8")
        if state_dir is not None:
            counting.save(state_dir)
            prefix = None if streamed is None else streamed.prefix
            derived = None if streamed is None else streamed.derived
            states = None if streamed is None else streamed.prefix_states
            checkpoints += incremental.own_checkpoints(staging, how)
            incremental.write_manifest(staging, how, prefix, checkpoints, derived, states)
        (staging / "report.md").write_text(report.to_markdown(), encoding="utf-8")
        (staging / "report.json").write_text(report.dumps_json(), encoding="utf-8")
        if optimize:
            with clock("optimize the store"):
                store.optimize()
        # No flush: after a large bulk load it would wait for the store to compact the
        # loaded files (137 s at a million records) before returning. Everything is already
        # on disk (loaded files, and the write-ahead log for the dataset description), as
        # after the `oxigraph load` command; `optimize` compacts for read-heavy serving.
        with clock("close the store"):
            del store
            gc.collect()
        return BuildResult(out_dir, report, findings)
    finally:
        if streamed is not None:
            streamed.stop()


def _drop_rewound(store: Store, dropped: list[str]) -> dict[str, int]:
    """Empty the graphs of the inputs a rewound build maps again (the resolved and derived
    graphs, which depend on every input, are changed by difference: produce.py); returns
    the statements each held, which the description's count no longer has."""
    held = {}
    for name in dropped:
        graph_term = input_graph(name)
        held[graph_term] = statement_count.count_graph(store, graph_term)
        store.clear_graph(NamedNode(value_of(graph_term)))
    return held


class _Counting:
    """The statements of the loaded store for its description (statement_count.py): the
    stable part an earlier build kept, and the rest counted, when a state is kept."""

    def __init__(
        self,
        inputs: list[tuple[Path, str]],
        how: incremental.Plan,
        state_dir: Path | None,
        dropped: dict[str, int],
    ) -> None:
        self.names = [p.name for p, _ in inputs]
        self.mapped = [p.name for p, _ in how.added] if how.incremental else self.names
        self.keep = state_dir is not None
        self.earlier = None
        if self.keep and how.previous is not None:
            state = how.previous / incremental.STATE_DIR
            self.earlier = statement_count.read_stable(state, dropped)
        self.stable: statement_count.Stable | None = None

    def __call__(self, store: Store) -> int:
        if not self.keep:
            return count_quads(store)
        total, self.stable = statement_count.count_statements(
            store, self.names, self.mapped, self.earlier
        )
        return total

    def save(self, state_dir: Path) -> None:
        if self.stable is not None:
            statement_count.write_stable(state_dir, self.stable)


def _finale(store: Store, files: list[str], typed: dict, statements: int) -> Iterator[Block]:
    """The dataset's own description; `statements`: how many the loaded store holds."""
    yield Block(METADATA_GRAPH, list(metadata_quads(store, files, typed, statements)))


class _Stopwatch:
    """Times each stage into the report, and tells the user which stage is running."""

    def __init__(self, report: Report, progress: Progress | None) -> None:
        self.report = report
        self.progress = progress

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        if self.progress:
            self.progress(f"{stage} …")
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            self.report.timings[stage] = round(seconds, 3)
            if self.progress:
                self.progress(f"{stage}: {seconds:.1f} s")


def _write_failure(out_dir: Path, report: Report) -> None:
    failed = out_dir / "failed"
    failed.mkdir(exist_ok=True)
    _atomic_write(failed / "report.md", report.to_markdown())
    _atomic_write(
        failed / "report.json", json.dumps(report.to_json(), indent=2, ensure_ascii=False)
    )


def _atomic_write(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)
