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
import datetime
import gc
import io
import itertools
import pickle
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol, TypeVar, cast

import pyoxigraph
from pyoxigraph import Store

from icegraph.beside import Beside
from icegraph.catalogue import Catalogue, load_catalogue
from icegraph.errors import IcegraphError, Incompatible
from icegraph.lifetime import FORKED, as_spawned, die_with_parent, helper_context
from icegraph.link.review import read_review
from icegraph.mapping.catalogue_quads import (
    ENTITIES_GRAPH,
    SOURCES_GRAPH,
    entity_quads,
    source_node,
    source_quads,
)
from icegraph.mapping.contradictions import DERIVED_GRAPH, Contradiction, Contradictions
from icegraph.mapping.dossier_quads import DossierMapper
from icegraph.mapping.flows_quads import FlowMapper
from icegraph.mapping.link_quads import LINKS_GRAPH, link_quads
from icegraph.mapping.resolved_quads import RESOLVED_GRAPH, resolved_quads
from icegraph.mapping.routes import Additions, Routing
from icegraph.mapping.screen import Screen, unmentioned
from icegraph.mapping.statements_quads import StatementMapper
from icegraph.mapping.support import Support, voices
from icegraph.mapping.terms import Q, Term, Triple, graph, lines, trig, unstated
from icegraph.mapping.withheld_quads import RETRACTIONS_GRAPH
from icegraph.paths import ontology_dir, shapes_dir
from icegraph.publish.metadata import METADATA_GRAPH, Typed
from icegraph.readers.dossier_page import read_dossier
from icegraph.readers.flows_table import read_flows
from icegraph.readers.statements_csv import read_statements
from icegraph.records import Finding
from icegraph.repair.corrections import unused_everywhere
from icegraph.repair.dossier import repair_dossier
from icegraph.repair.withhold import Withholding
from icegraph.report import LIST_LIMIT, Report
from icegraph.resolve.duplicates import report_duplicates
from icegraph.resolve.gather import as_settled, mark, mention_all, settle, settled_as_before
from icegraph.resolve.identity import Entity, Identities
from icegraph.resolve.same_as import accepted_pairs, read_same_as
from icegraph.validate.literals import lexical
from icegraph.validate.results import Hit, ShapeResult
from icegraph.validate.shapes_program import load_shapes
from icegraph.validate.streaming import StreamValidator, to_results

Progress = Callable[[str], None]


class Tee(Protocol):
    """Where the streamed dumps are written (publish/dumps.py)."""

    def __call__(self, block: bytes, lines: bytes) -> None:
        """A TriG block, and its triple lines alone."""

    def drop(self, removed: bytes) -> None:
        """The earlier build's derived graph but these lines (an incremental build's)."""


# given the mapping's state after the last input (None), or before the input of that number
Checkpoint = Callable[["MapState", int | None], None]
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


EVERYWHERE = "load dump check count"


class Block(NamedTuple):
    """Triples of one named graph; `minted` are nodes whose every triple is in this block
    (with `context`), so the block can be checked on its own. `context` are triples an earlier
    block already stated, shown to the checker again and not loaded twice: a flow that a
    second record restates comes back with its record. `send` says where the block goes,
    of "load" (the store), "dump" (the streamed dumps), "check" (the shapes) and "count"
    (the dataset's typed entities): every block of a full build goes everywhere; an
    incremental build sends the derived graph's changes to the store, its changed parts to
    the checks, and all of it to the dumps (see _derived_update); "subtract" alone takes a
    block's typed entities from the derived graph's counts."""

    graph: Term
    triples: list[Triple]
    minted: Sequence[Term] = ()
    context: list[Triple] = []
    send: str = EVERYWHERE


@dataclass
class MapState:
    """The mapping's state after the last input, before the derived graph: what an
    incremental build resumes from instead of mapping the same inputs again (incremental.py).
    `pre_resolved` are the triples stated before the resolved graph (vocabulary, curated
    tables, links), `resolved` the resolved graph's triples as made (before those were taken
    out), `entities` the identities they came from."""

    files: list[str]
    gathered: bytes  # the names of those files, before identity was settled (pickled)
    # what settling those names gave (pickled; empty when not kept): an added input that
    # brings no name of its own settles into the same (resolve/gather.settled_as_before)
    settled: bytes
    stated: set[Triple]
    pre_resolved: set[Triple]
    resolved: list[Triple]
    entities: dict[str, Entity]
    duplicates: Report  # what report_duplicates said of those entities
    flows: set[Term]
    tracker: Contradictions
    support: Support
    report: Report
    used_corrections: list[int]
    typed: Typed = field(default_factory=Typed)
    # the derived graph's typed entities as this build left it, which the next build changes
    # by difference (none in a checkpoint before the last input: its derived graph was not made)
    derived_typed: Typed | None = None
    validator: dict[str, Any] | None = None
    # each system's best route to ICM as these inputs leave it, and what it was chosen from
    # (mapping/routes.py): the routes in the store when a later build starts from this state,
    # which it brings up to date where its inputs change them
    routing: Routing | None = None


@dataclass
class Resume:
    """What an incremental build gives the mapper: the previous state and the names each
    unchanged input gives; `removed` receives the derived triples that are no longer true."""

    state: MapState
    # the derived graph's findings of the previous build, and the subjects whose checks
    # waited for the end (their blocks are checked again)
    derived_results: list[ShapeResult] = field(default_factory=list)
    derived_deferred: set[Term] = field(default_factory=set)
    streamed: bool = False  # the dumps are written from the stream: send the whole graph
    # resumed from a checkpoint before inputs the store held (their graphs were emptied):
    # the state the store was built to, which the resolved and derived graphs are told
    # apart from (the derived findings are then that state's)
    latest: MapState | None = None
    removed: list[Triple] = field(default_factory=list)
    removed_resolved: list[Triple] = field(default_factory=list)
    kept: list[ShapeResult] = field(default_factory=list)  # derived findings still true


def _vocabulary() -> list[Triple]:
    q = Q(VOCABULARY_GRAPH)
    vocabulary = []
    for path in sorted(ontology_dir().glob("*.ttl")):
        for t in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            vocabulary.append(q(str(t.subject), str(t.predicate), str(t.object)))
    return vocabulary


def _derived(
    support: Support, tracker: Contradictions, found: list, routes: Iterable[Triple]
) -> Iterator[Triple]:
    return itertools.chain(support.quads(), tracker.quads(found), routes)


def graph_blocks(
    cat: Catalogue,
    inputs: list[tuple[Path, str]],
    report: Report,
    progress: Progress | None,
    checkpoint: Checkpoint | None = None,
    resume: Resume | None = None,
    release_date: datetime.date | None = None,
    before_last: bool = False,
) -> Iterator[Block]:
    """Every triple of the build: vocabulary, curated tables, then each input, record by record.

    Each triple comes once, in the graph of the first block that states it (see FlowMapper):
    the named graphs partition the dataset, so their union is the same graph on every store.
    `checkpoint` is given the state after the last input and, with `before_last`, in a full
    build of several inputs, the state before the last one (what a build that changes or
    removes only that input rewinds to: incremental.py; it costs a second settling of the
    names, so it is asked for only where it can be used). With `resume`, `inputs` are the
    inputs added since the state was taken: the blocks are those that bring the previous
    build's store to what a full build of all the inputs would hold (raises Incompatible
    when that cannot be done safely).
    Retracted claims, and in a public build (`release_date`) embargoed and confidential ones,
    are dropped before the names are gathered (repair/withhold.py, mapping/screen.py).
    """
    hold = Withholding(cat, release_date)
    if resume is not None and (hold.public or hold.screens_flows or _marks_any(inputs)):
        # what a withheld claim hides reaches into other inputs' graphs and the counts
        raise Incompatible("claims are retracted, embargoed or confidential")
    hidden = {source_node(sid) for sid in hold.withheld_sources}
    links = read_review(cat.directory / "wikidata-links.csv")
    if resume is None:
        stated: set[Triple] = set()
        yield Block(VOCABULARY_GRAPH, list(unstated(_vocabulary(), stated)))
        yield Block(ENTITIES_GRAPH, list(unstated(unmentioned(entity_quads(cat), hidden), stated)))
        yield Block(SOURCES_GRAPH, list(unstated(unmentioned(source_quads(cat), hidden), stated)))
        if not hold.public:
            yield Block(LINKS_GRAPH, list(unstated(link_quads(links), stated)))
        pre_resolved = set(stated)
    else:
        stated = resume.state.stated
        pre_resolved = resume.state.pre_resolved
    report.count(
        "Wikidata links published (accepted reviews)", sum(r.status == "accepted" for r in links)
    )
    if progress:
        progress("gathering every name the documents give …")
    same_as_file = cat.directory / "same-as.csv"
    decisions = read_same_as(same_as_file)
    start = None
    if resume is not None:
        with _no_collection(kept=True):
            start = pickle.loads(resume.state.gathered)  # noqa: S301 - see _read_resume
        start[0].reattach(cat)
        then = mark(start)
    # a full build also keeps the state before its last input, whose names are gathered apart
    last_apart = (
        before_last
        and checkpoint is not None
        and resume is None
        and len(inputs) > 1
        and not (hold.public or hold.screens_flows)
    )
    names_early = b""
    if last_apart:
        early = mention_all(cat, inputs[:-1], None, hold)
        with _no_collection():
            names_early = pickle.dumps(early, protocol=pickle.HIGHEST_PROTOCOL)
        gathered = mention_all(cat, inputs[-1:], early, hold)
    else:
        gathered = mention_all(cat, inputs, start, hold)
    with _no_collection():
        names = pickle.dumps(gathered, protocol=pickle.HIGHEST_PROTOCOL) if checkpoint else b""
    as_before = None
    if resume is not None:
        with _no_collection(kept=True):
            as_before = settled_as_before(gathered, then, resume.state.settled, cat, hold)
    settled_now = as_before or settle(gathered, accepted_pairs(decisions), str(same_as_file), hold)
    ids, unknown_operator = settled_now
    settled = b""
    if as_before is not None and as_settled(gathered, then):
        settled = cast(Resume, resume).state.settled  # not pickled again
    elif checkpoint:
        with _no_collection():  # taken now: mapping may settle a name the gathering missed
            settled = pickle.dumps(settled_now, protocol=pickle.HIGHEST_PROTOCOL)
    hold.check_all_listed()
    screen = Screen(hold)
    if hold.public:  # known only now: the entities a public build has (no link tells of others)
        links = [r for r in links if r.entity in cat.entities or r.entity in ids.entities]
        report.counts["Wikidata links published (accepted reviews)"] = sum(
            r.status == "accepted" for r in links
        )
        yield Block(LINKS_GRAPH, list(unstated(link_quads(links), stated)))
    for conflict in ids.conflicts:
        report.add_finding(Finding(None, "identity", conflict))
    same_entities = resume is not None and resume.state.entities == ids.entities
    if same_entities:
        duplicates = cast(Resume, resume).state.duplicates  # the same candidates
    else:
        duplicates = Report()
        report_duplicates(ids, decisions, duplicates)
    report.merge(duplicates)
    report.count(
        "entities named by the documents (not curated)",
        sum(e.curated is None for e in ids.entities.values()),
    )
    report.count(
        "IRIs of earlier builds kept as redirects",
        sum(len(e.aliases) for e in ids.entities.values()),
    )
    if resume is not None and as_before is not None:
        resolved = resume.state.resolved  # made from the same identities, before mapping
    else:
        resolved = list(resolved_quads(ids, unknown_operator))
    if last_apart:
        # the state before the last input is a build of the others only when the last input
        # changes no entity and nothing of the resolved graph: then it is kept
        decided = accepted_pairs(decisions)
        last_apart = _same_without_last(
            cat, names_early, decided, same_as_file, hold, ids, resolved
        )
    noted: Additions | None = None  # what the inputs state that routes are made of
    if resume is None:
        yield Block(RESOLVED_GRAPH, list(unstated(resolved, stated)))
        tracker = Contradictions()
        support = Support(voices(cat))
        flows: set[Term] = set()
        inputs_report = Report()
        files: list[str] = []
    else:
        old = resume.state
        if old.routing is None or (resume.latest is not None and resume.latest.routing is None):
            raise Incompatible("the earlier build kept no routes to ICM")
        added: list[Triple] = []  # the state's entities and resolved graph: nothing added
        if not (same_entities and resolved is old.resolved):
            added = _resolved_added(old, ids.entities, resolved)
        noted = Additions()
        noted.note(added, stated)
        if resume.latest is not None:
            # the store holds the latest build's resolved graph, the dumps (from the
            # checkpoint's build) and the checks (its shared graph) the checkpoint's
            in_store = set(resume.latest.resolved) - old.pre_resolved
            whole = dict.fromkeys(t for t in resolved if t not in old.pre_resolved)
            resume.removed_resolved[:] = sorted(in_store - whole.keys())
            yield Block(RESOLVED_GRAPH, [t for t in whole if t not in in_store], send="load")
            yield Block(RESOLVED_GRAPH, added, send="dump check count")
        else:
            yield Block(RESOLVED_GRAPH, added)
        tracker, support, flows = old.tracker, old.support, old.flows
        inputs_report, files = old.report, list(old.files)
        cat.used_corrections.update(cat.corrections[i] for i in old.used_corrections)
        # what the store's derived graph was made from
        old_found = set((resume.latest or old).tracker.found())
        # the flows the inputs add claims to: their routes are worked out again (a rewind
        # compares the derived graph with the latest build's support below)
        support.touched = {}
    total = sum(count_lines(p) for p, reader in inputs if reader == "flows_table")
    counter = Progressor(progress, total)
    index = {c: i for i, c in enumerate(cat.corrections)}

    def state(gathered_names: bytes, settled_names: bytes, routing: Routing) -> MapState:
        return MapState(
            list(files), gathered_names, settled_names, stated, pre_resolved, resolved,
            dict(ids.entities),
            duplicates, flows, tracker, support, inputs_report,
            sorted(index[c] for c in cat.used_corrections), routing=routing,
        )  # fmt: skip

    for n, (path, reader) in enumerate(inputs):
        if last_apart and checkpoint is not None and n == len(inputs) - 1:
            # taken and written as it is now: the last input goes on changing it
            routing = Routing.worked_out(stated, support.best, flows)
            checkpoint(state(names_early, b"", routing), n)
        blocks = _input_blocks(
            cat, ids, path, reader, stated, flows, tracker, support, inputs_report, counter, screen
        )
        if noted is None:
            yield from blocks
        else:
            for block in blocks:
                noted.note(block.triples, stated)
                yield block
        files.append(path.name)
    spent = time.thread_time()
    if resume is None or noted is None:
        routing = Routing.worked_out(stated, support.best, flows)
        every_route = routing.quads()
        moved_routes: tuple[list[Triple], list[Triple]] = ([], [])
    else:
        # only the routes the inputs' edges, labels, systems and grades can reach; they are
        # compared with the routes in the store: the state's, or in a rewind the latest's
        routing = cast(Routing, resume.state.routing)
        earlier = routing.update(noted, support.touched or (), support.best)
        if resume.latest is not None:
            earlier = routing.differing(cast(Routing, resume.latest.routing))
        moved_routes = routing.moved(earlier)
    report.timings["routes to ICM, CPU time"] = round(time.thread_time() - spent, 3)
    if checkpoint is not None:
        checkpoint(state(names, settled, routing), None)
    report.merge(inputs_report)
    for finding in unused_everywhere(cat):
        report.add_finding(finding)
    screen.tell(report)
    if screen.tombstones:
        yield Block(RETRACTIONS_GRAPH, screen.tombstones, screen.retracted)
    report.count("information flows", len(flows))
    found = tracker.found()
    report.count("contradictions between sources", len(found))
    # all of them are in the graph (the contradictions query); the report shows the first
    listed: list[dict[str, Any]] = [row for c in found[:LIST_LIMIT] for row in c.rows()]
    report.set_table("Where the sources contradict each other", listed)
    # worked out over every document, so they come last: the support each flow and
    # relationship has, where the documents disagree, each system's best route to ICM
    if resume is None:
        every = _derived(support, tracker, found, every_route)
        yield from _by_subject(DERIVED_GRAPH, every)
        return
    if resume.latest is not None:  # what differs from the store's, as if added
        support.touched = support.differing(resume.latest.support)
    yield from _derived_update(resume, support, tracker, old_found, found, routing, moved_routes)


def _same_without_last(
    cat: Catalogue,
    names_early: bytes,
    decided: dict[str, str],
    same_as_file: Path,
    hold: Withholding,
    ids: Identities,
    resolved: list[Triple],
) -> bool:
    """Whether the names of every input but the last settle into the same entities and the
    same resolved graph as all of them."""
    with _no_collection():
        early = pickle.loads(names_early)  # noqa: S301 - made above, in this process
    early[0].reattach(cat)
    ids_early, unknown_early = settle(early, decided, str(same_as_file), hold)
    if ids_early.entities != ids.entities:
        return False
    return list(resolved_quads(ids_early, unknown_early)) == resolved


def _derived_update(
    resume: Resume,
    support: Support,
    tracker: Contradictions,
    old_found: set[Contradiction],
    found: list[Contradiction],
    routing: Routing,
    moved_routes: tuple[list[Triple], list[Triple]],
) -> Iterator[Block]:
    """The derived graph of an incremental build: only what the added claims changed. The
    store gets the changed triples (`resume.removed` those to remove); the checks get the
    flows, contradictions and routes whose triples changed, whole, and keep the previous
    findings of the rest (`resume.kept`), which depend on their own triples only; the dumps,
    when streamed, get the whole graph. `moved_routes` are the triples of the routes that
    differ from the store's, as the store has them and as they are now (Routing.moved)."""
    touched = support.touched or {}
    support.touched = None
    routes_then, after_routes = moved_routes
    new_found = set(found)
    gone = sorted(old_found - new_found, key=lambda c: c.path)
    came = [c for c in found if c not in old_found]
    before = list(Support.quads_of({n: e for n, e in touched.items() if e is not None}))
    before += tracker.quads(gone)
    before += routes_then
    after = list(Support.quads_of(support.now(touched)))
    # the contradictions that came and the routes that moved, each subject whole
    after_contradictions = list(tracker.quads(came)) + after_routes
    old, new = set(before), set(after) | set(after_contradictions)
    resume.removed[:] = sorted(old - new)
    added = [t for t in itertools.chain(after, after_contradictions) if t not in old]
    if resume.streamed:
        # the dumps keep the earlier derived graph but what is removed, and get what is added
        yield Block(DERIVED_GRAPH, resume.removed, send="drop")
    to = "load dump" if resume.streamed else "load"
    for start in range(0, len(added), 50_000):
        yield Block(DERIVED_GRAPH, added[start : start + 50_000], send=to)
    if resume.derived_deferred:
        # some waited for the end last time: check the whole graph again, as a full build
        every = _by_subject(DERIVED_GRAPH, _derived(support, tracker, found, routing.quads()))
        yield from (b._replace(send="check") for b in every)
    else:
        changed = {t[0] for t in itertools.chain(resume.removed, added) if t[0] in touched}
        redo = [t for t in after if t[0] in changed] + after_contradictions
        yield from (b._replace(send="check") for b in _by_subject(DERIVED_GRAPH, redo))
        dropped = {t[0] for t in itertools.chain(before, redo)}
        dropped_foci = {lexical(t) for t in dropped}
        resume.kept = [r for r in resume.derived_results if r.focus not in dropped_foci]
    # the typed entities (contradictions, positions, routes): those of the subjects that
    # went or changed taken from the earlier build's counts, those that came or changed added
    # (a subject's triples, and so its types, are all in one block: counts add up by subject)
    if (resume.latest or resume.state).derived_typed is None:
        typed_all = itertools.chain(tracker.quads(found), routing.quads())
        yield from (b._replace(send="count") for b in _by_subject(DERIVED_GRAPH, typed_all))
        return
    went = list(tracker.quads(gone)) + routes_then
    yield Block(DERIVED_GRAPH, went, list({t[0]: None for t in went}), send="subtract")
    came_subjects = list({t[0]: None for t in after_contradictions})
    yield Block(DERIVED_GRAPH, after_contradictions, came_subjects, send="count")


def _resolved_added(
    old: MapState, entities: dict[str, Entity], resolved: list[Triple]
) -> list[Triple]:
    """What the added inputs add to the resolved graph. An entity the earlier inputs named
    must be the same entity still (same IRI, label and names), and the resolved graph may
    only grow by triples no input has stated yet: else the earlier inputs' graphs would
    change, and only a full build makes them right."""
    for eid, entity in old.entities.items():
        if entities.get(eid) != entity:
            raise Incompatible(
                f"the added inputs change the entity {eid}, which earlier inputs name"
            )
    before = set(old.resolved)
    now = set(resolved)
    if not before <= now:
        gone = min(before - now)
        raise Incompatible(f"the resolved graph loses a statement ({' '.join(gone)})")
    added = []
    for t in resolved:
        if t in before or t in old.pre_resolved:
            continue
        if t in old.stated:
            raise Incompatible(
                f"an input already states what the resolved graph now does ({' '.join(t)})"
            )
        old.stated.add(t)
        added.append(t)
    return added


def _input_blocks(
    cat: Catalogue,
    ids: Identities,
    path: Path,
    reader: str,
    stated: set[Triple],
    flows: set[Term],
    tracker: Contradictions,
    support: Support,
    report: Report,
    counter: Progressor,
    screen: Screen,
) -> Iterator[Block]:
    """One input's graph, record by record, with `screen` dropping and marking claims."""
    shown = str(path)
    if reader == "flows_table":
        mapper = FlowMapper(cat, ids, path.name, stated, flows, tracker, report, support)
        # first: the records' checks need the compiling activity's class
        yield Block(mapper.q.g, list(mapper.header()))
        records = 0
        rows = counter.counted(read_flows(path, shown), path.name)
        for rec, decision in screen.flows(rows, cat, mapper, report):
            records += 1
            triples, minted, context = mapper.block(rec)
            if decision.noted:  # the claim's IRI is worked out only when needed
                triples += screen.marks(mapper.q, mapper.claim_path(rec), decision, triples)
            yield Block(mapper.q.g, triples, minted, context)
        report.count("flows read", records)
    elif reader == "statements_csv":
        entered = StatementMapper(cat, ids, path.name, flows, tracker, support)
        yield Block(entered.q.g, list(entered.header()))
        records = 0
        for statement, decision in screen.statements(read_statements(path, shown), entered):
            records += 1
            triples = list(unstated(entered.record(statement), stated))
            if decision.noted:
                claim = entered.claim_path(statement)
                triples += screen.marks(entered.q, claim, decision, triples)
            yield Block(entered.q.g, triples)
        report.count("statements entered by hand", records)
    else:
        page, told = screen.hold.dossier(path.name, read_dossier(path, shown))
        dossier = repair_dossier(page, cat, report)
        records = len(dossier.facts) + len(dossier.connections) + len(dossier.sources)
        m = DossierMapper(cat, ids, path.name, report, tracker, support)
        # facts share their activity and agent; pages share the entities they name
        triples = list(unstated(m.quads(dossier), stated))
        for claim, decision, item in told:
            screen.dossier_item(claim, decision, item, m.file)
            if not decision.dropped:
                triples += screen.marks(m.q, claim, decision, triples)
        yield Block(m.q.g, triples)
    report.inputs.append({"file": shown, "reader": reader, "records": records})


def _marks_any(inputs: list[tuple[Path, str]]) -> bool:
    """Whether a hand-entered statement among `inputs` is embargoed or confidential."""
    return any(
        s.embargoed_until or s.confidential
        for path, reader in inputs
        if reader == "statements_csv"
        for s in read_statements(path, str(path))
    )


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


STATE_FILE = "mapping.pickle"  # the MapState, in the build's state folder
DERIVED_FILE = "derived.pickle"  # the derived graph's findings, and which waited for the end


def _mapper(parents: list[Connection], *args: Any) -> None:
    """The mapper process's start (lifetime.as_spawned: with the write end of `last_conn`
    held here, the mapper would wait for ever on a parent that closed its own)."""
    as_spawned(parents)
    _produce(*args)


def _produce(
    data_dir: str,
    inputs: list[tuple[str, str]],
    conn: Connection,
    last_conn: Connection,
    show_progress: bool,
    validate: bool,
    state_dir: str | None = None,
    resume_from: str | None = None,
    streamed: bool = False,
    release_date: datetime.date | None = None,
    rewound: bool = False,
) -> None:
    """The mapper process: chunks of one graph's lines (graph IRI on the first line, after
    "load " or "dump " for blocks that go only to the store or only to the dumps), then an
    empty chunk and the typed-entity counts with the derived triples to remove; then it takes
    the loader's last blocks (a list, empty when the loader stopped early) on `last_conn`,
    and sends the outcome: the report and, when asked, what the shapes found.
    With `state_dir`, it writes there what an incremental build needs; with `resume_from`
    (a previous build's state folder), `inputs` are the added inputs and it continues from
    that state. A failure sends the outcome at once."""
    die_with_parent()  # a killed build must not leave its mapper running
    report = Report()
    ended = False
    # the state after the last input, to write once the stream has ended
    pending: list[tuple[Path, MapState]] = []
    sending: Beside | None = None  # the counts, sent by a thread
    try:
        cat = load_catalogue(Path(data_dir))
        validator = StreamValidator(load_shapes(shapes_dir())) if validate else None
        resume = _read_resume(Path(resume_from), streamed, rewound) if resume_from else None
        if resume is not None and validator is not None and resume.state.validator:
            validator.restore(resume.state.validator)
        # The catalogue and the shapes (an rdflib graph) live as long as the process: the
        # collector need not walk them again every time the records' garbage is collected.
        gc.freeze()
        checking = _Spent()
        buf: list[str] = []
        size = 0
        current: tuple[str, str] = ("", "")

        def flush() -> None:
            if buf:
                graph_term, send = current
                head = graph_term
                if send == "drop":
                    head = f"drop {graph_term}"
                elif "load" not in send or "dump" not in send:
                    head = f"{'load' if 'load' in send else 'dump'} {graph_term}"
                conn.send_bytes(f"{head}\n{''.join(buf)}".encode())
                buf.clear()

        typed = resume.state.typed if resume is not None else Typed()
        derived_typed = _derived_typed(resume)

        def checkpoint(state: MapState, before: int | None) -> None:
            if state_dir is None:
                return
            started = time.perf_counter()
            # the derived graph and the last checks go on counting and indexing: what they
            # change is taken as it is now, as bytes
            state.typed = cast(Typed, _Taken(typed))
            state.validator = (
                cast(dict, _Taken(validator.snapshot())) if validator is not None else None
            )
            folder = Path(state_dir)
            if before is None:
                pending.append((folder / STATE_FILE, state))  # written once the stream ends
            else:
                # the last input goes on changing the rest: written now (a build of a few
                # thousand records: its dumps are not streamed, see graph_blocks)
                folder = folder / checkpoint_dir(before)
                folder.mkdir()
                _write_pickle(folder / STATE_FILE, state)
            spent = round(time.perf_counter() - started, 3)
            key = "state for the next build (in the mapper)"
            report.timings[key] = round(report.timings.get(key, 0) + spent, 3)

        paths = [(Path(p), r) for p, r in inputs]
        progress = _stderr if show_progress else None
        records_checked: int | None = None
        records_deferred: int | None = None
        derived_before: set[Hit] | None = None  # the findings when the derived graph began
        derived_deferred: set[Term] = set()
        # streamed dumps could not be continued from before the last input: not kept then
        blocks = graph_blocks(
            cat, paths, report, progress, checkpoint, resume, release_date, not streamed
        )
        for count, block in enumerate(blocks, start=1):
            if count % FREEZE_EVERY == 0:
                gc.freeze()
            send = block.send
            if "count" in send:
                into = derived_typed if block.graph == DERIVED_GRAPH else typed
                into.add(block.triples, block.minted)
            elif send == "subtract":
                _subtract(derived_typed, block)
                continue
            if validator is not None and "check" in send:
                if block.graph == DERIVED_GRAPH and records_checked is None:
                    # the rest are not records
                    records_checked = validator.blocks_checked
                    records_deferred = validator.blocks_deferred
                    derived_before = set(validator.hits)
                with checking:
                    if block.graph == RESOLVED_GRAPH and resume is not None:
                        validator.share(block.triples)  # added to the resolved graph
                    else:
                        waited = validator.blocks_deferred
                        validator.add(block.triples + block.context, block.minted)
                        if block.graph == DERIVED_GRAPH and validator.blocks_deferred > waited:
                            derived_deferred.update(block.minted)
            if "load" not in send and "dump" not in send and send != "drop":
                continue
            if (block.graph, send) != current or size >= CHUNK:
                flush()
                current, size = (block.graph, send), 0
            text = lines(block.triples)
            buf.append(text)
            size += len(text)
        flush()
        if validator is not None:
            kept = resume.kept if resume is not None else []
            validator.keep(kept)
            if state_dir is not None:
                found = validator.hits - derived_before if derived_before is not None else ()
                derived = {
                    "results": kept + to_results(found, validator.program),
                    "deferred": derived_deferred,
                }
                _write_pickle(Path(state_dir) / DERIVED_FILE, derived)
        conn.send_bytes(b"")
        ended = True
        removed = ([], []) if resume is None else (resume.removed, resume.removed_resolved)
        counts = ("counts", _together(typed, derived_typed).summary(), *removed)
        # read once the load has ended: the state is written meanwhile
        sending = Beside("icegraph-send", lambda: _send(conn, counts))
        sending.start()
        for _path, state in pending:
            state.derived_typed = derived_typed
        if pending:
            # the loader finishes its load and describes the dataset meanwhile: the mapper
            # would only wait for it. Written here rather than by a forked copy of this
            # process, whose pickling touched every object and so copied every page of the
            # state (1 GiB and more at a million records)
            started = time.perf_counter()
            for path, state in pending:
                _write_pickle(path, state)
            pending.clear()
            spent = round(time.perf_counter() - started, 3)
            report.timings["state for the next build (while the load ends)"] = spent
        sending.finish()
        results = None
        last = last_conn.recv()
        if validator is not None:
            if records_checked is None:
                records_checked = validator.blocks_checked
                records_deferred = validator.blocks_deferred
            report.count("records checked as they were mapped", records_checked)
            report.count("records checked at the end", records_deferred or 0)
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
        _tell(conn, ended, sending, ("error", exc))
    except Exception:  # a bug: say where, so it can be fixed
        _tell(conn, ended, sending, ("crash", traceback.format_exc()))
    finally:
        conn.close()
        last_conn.close()


@contextlib.contextmanager
def _no_collection(kept: bool = False) -> Iterator[None]:
    """Pickling makes (and unpickling makes) a million small objects in a process that
    holds millions more: the collector would walk them all, again and again, for nothing
    (13.7 s of 14 at 100,000 records). Nothing made here is garbage in a cycle. With
    `kept`, what is made lives as long as the process (a state read back): it is frozen,
    else the first collections after would still walk all of it (1.1 s of the mapper's CPU
    at 100,000 records)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if kept:
            gc.freeze()
        if enabled:
            gc.enable()


def _write_pickle(path: Path, value: object) -> None:
    """Written under a temporary name and renamed: a state file is whole or absent."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh, _no_collection():
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _derived_typed(resume: Resume | None) -> Typed:
    """The derived graph's typed entities to start from: the earlier build's, which
    _derived_update changes by difference, or none when it counts them all."""
    if resume is None:
        return Typed()
    earlier = (resume.latest or resume.state).derived_typed
    if earlier is None:
        return Typed()
    return Typed(Counter(earlier.minted), earlier.minted_entities, {})


def _subtract(typed: Typed, block: Block) -> None:
    """Take from `typed` what counting `block` added to it (its subjects are all minted: the
    derived graph's, whole)."""
    went = Typed()
    went.add(block.triples, block.minted)
    if went.shared:
        raise ValueError(f"a typed subject not whole in the block: {sorted(went.shared)[0]}")
    typed.minted.subtract(went.minted)
    # a class none is left of is not in a full build's counts at all
    typed.minted = Counter({c: n for c, n in typed.minted.items() if n > 0})
    typed.minted_entities -= went.minted_entities


def _together(typed: Typed, derived: Typed) -> Typed:
    """The counts of the inputs' graphs and the derived graph as one."""
    shared = typed.shared
    if derived.shared:  # a derived block's subjects are all minted: never so far
        shared = {c: set(s) for c, s in typed.shared.items()}
        for c, subjects in derived.shared.items():
            shared.setdefault(c, set()).update(subjects)
    entities = typed.minted_entities + derived.minted_entities
    return Typed(typed.minted + derived.minted, entities, shared)


class _Taken:
    """A value pickled when taken, so later changes to it do not reach the state file: it
    unpickles as the value itself."""

    def __init__(self, value: object) -> None:
        with _no_collection():
            self.data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def __reduce__(self) -> tuple[Callable[[bytes], Any], tuple[bytes]]:
        return pickle.loads, (self.data,)


def _send(conn: Connection, message: object) -> None:
    with contextlib.suppress(OSError):  # a reader gone shows when the next message is sent
        conn.send(message)


def _tell(conn: Connection, ended: bool, sending: Beside | None, outcome: object) -> None:
    """A failure's outcome, after the end of the stream if it had not ended, and after the
    counts if they are being sent (a connection is not for two threads at once)."""
    with contextlib.suppress(BrokenPipeError):
        if not ended:
            conn.send_bytes(b"")
        if sending is not None:
            sending.join()
        conn.send(outcome)


def checkpoint_dir(n: int) -> str:
    """The folder, in a build's state folder, of the state after its first `n` inputs."""
    return f"before-{n}"


def _read_resume(state_dir: Path, streamed: bool, rewound: bool) -> Resume:
    """The state to continue from; in a rewind (`state_dir` a checkpoint inside the latest
    state folder) also the latest state, and the derived findings are the latest's."""
    latest = state_dir.parent if rewound else state_dir
    state = _read_pickle(state_dir / STATE_FILE)
    derived = _read_pickle(latest / DERIVED_FILE)
    resume = Resume(state, derived["results"], derived["deferred"], streamed)
    if rewound:
        resume.latest = _read_pickle(latest / STATE_FILE)
    return resume


def _read_pickle(path: Path) -> Any:
    # The state is this build folder's own, written by an earlier build (never a download)
    with path.open("rb") as fh, _no_collection(kept=True):
        return pickle.load(fh)  # noqa: S301


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
                head, lines = chunk.split(b"\n", 1)
                send, _, graph_term = head.rpartition(b" ")
                if send == b"drop":  # not loaded: the store's are removed at the end
                    if self.tee is not None:
                        self.tee.drop(lines)
                    continue
                block = b"%s {\n%s}\n" % (graph_term, lines)
                if self.tee is not None and send != b"load":
                    self.tee(block, lines)
                if send != b"dump":
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
    state_dir: Path | None = None,
    resume_from: Path | None = None,
    release_date: datetime.date | None = None,
    rewound: bool = False,
) -> tuple[Report, list[ShapeResult] | None]:
    """Map (and check) every input in a second process and bulk-load its triples.

    With `state_dir`, the mapper writes there what a later incremental build resumes from.
    With `resume_from` (an earlier build's state folder, whose store `store` starts as a
    copy of), `inputs` are only the inputs added since: the store is brought to what a
    full build would hold (derived triples no longer true removed, the dataset description
    made again); raises Incompatible when the mapper finds it cannot be. `rewound`: the
    state is a checkpoint from before inputs the store held, whose graphs were emptied from
    the store; its resolved and derived graphs are brought from the latest state's to this
    build's by difference.

    `finale` makes the last blocks from the loaded store and the stream's typed-entity counts
    (the dataset's own description), each loaded before the next is made; they are loaded,
    teed and checked like the rest. Returns
    the mapper's report and, with `validate`, what the shapes found in the whole graph.
    """
    ctx = helper_context()
    reader, writer = ctx.Pipe(duplex=False)
    last_in, last_out = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_mapper,
        args=(
            [reader, last_out] if FORKED else [],
            str(data_dir),
            [(str(p), r) for p, r in inputs],
            writer,
            last_in,
            progress is not None,
            validate,
            None if state_dir is None else str(state_dir),
            None if resume_from is None else str(resume_from),
            tee is not None,
            release_date,
            rewound,
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
        elif resume_from is not None:
            _remove(store, DERIVED_GRAPH, first[2])
            _remove(store, RESOLVED_GRAPH, first[3])
            store.clear_graph(pyoxigraph.NamedNode(METADATA_GRAPH[1:-1]))  # made again below
        if outcome is None and finale is not None:
            for block in finale(store, first[1]):
                _load_block(store, block, tee)
                last.append(block)
        timings["dataset description"] = round(time.perf_counter() - started, 3)
    except BaseException as exc:
        # the load stopped (a broken stream, the dumps, Ctrl-C): the mapper stops with it
        process.kill()
        process.join()
        reader.close()
        last_out.close()
        if isinstance(exc, SyntaxError | OSError):
            # text the loader cannot parse is a bug in the mapper: say what broke
            raise RuntimeError(f"the mapped triples did not load: {exc}") from exc
        raise
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


def _remove(store: Store, graph_term: Term, triples: list[Triple]) -> None:
    for start in range(0, len(triples), 50_000):
        text = trig(graph_term, lines(triples[start : start + 50_000])).encode()
        for quad in pyoxigraph.parse(input=text, format=pyoxigraph.RdfFormat.TRIG):
            store.remove(quad)


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
