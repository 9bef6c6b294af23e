"""SPARQL queries run in worker processes, so that a runaway query can be stopped.

pyoxigraph cannot cancel a query once it runs; a query past the time limit, or whose client
has gone away, is stopped by ending its worker process, and a fresh worker takes its place.
Each worker opens the store read-only, which the store allows from several processes at once.

A worker may grow by at most a set amount of memory past what the open store takes: beyond
that its allocations fail and it ends, and the query that did it gets a 503 naming the limit.
A worker never outlives the server: the kernel kills it when the server dies (Linux), and it
also watches its parent and leaves when the parent is gone.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from icegraph.errors import RequestRefused
from icegraph.serve.answer_cache import AnswerCache
from icegraph.serve.scheduling import FairScheduler, ShuttingDown

# Workers are forked from a small server process that has already imported the engine, so
# one that replaces a stopped query starts in tens of milliseconds rather than re-importing
# everything (and the command line) as a spawned interpreter would.
_CTX = mp.get_context("forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn")
_PRELOAD = ["pyoxigraph", "icegraph.serve.results"]
_PR_SET_PDEATHSIG = 1
_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


@dataclass(frozen=True)
class Request:
    """A query and the dataset it runs on (SPARQL 1.1 Query, 13.2; Protocol, 2.1.4).

    With `protocol_dataset`, the dataset is exactly the graphs named by the protocol's
    default-graph-uri and named-graph-uri (either list may be empty: an empty default graph,
    no named graphs), whatever the query says. Otherwise a query with FROM / FROM NAMED gets
    the dataset it names (`union_default` False); a query without gets the union of every
    graph as its default graph, and every named graph."""

    query: str
    media: str
    cap: int
    union_default: bool = True
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    protocol_dataset: bool = False
    # Relative IRIs in the query resolve against it (a BASE in the query wins).
    base_iri: str | None = None


class QueryTimeout(RequestRefused):
    pass


class QueryFailed(RequestRefused):
    """The query is wrong (syntax, unknown function...), as the engine says."""


class TooLarge(RequestRefused):
    pass


class OutOfMemory(RequestRefused):
    pass


def _die_with_parent(parent: int) -> None:
    """End this process when `parent` ends, however it ends (even SIGKILL).

    The parent is the fork server, which itself ends when the server does (it reads a pipe
    from the server and leaves at its end), so a worker goes with either of them."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(0)

    # Elsewhere, and as a second line on Linux: when the parent is gone we are re-parented.
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _cut_off_network() -> bool:
    """Move this process into a network namespace of its own, with no way out.

    A second line behind the refusal of SERVICE: should a query ever reach the engine with a
    federated call, the call finds no network. Root may do this directly; anyone else through
    a user namespace of their own, where the system allows one. Where neither is allowed the
    worker runs as before. Must run while the process has a single thread."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return any(
        libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET)
    )


def _limit_memory(extra_bytes: int) -> None:
    import resource

    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    limit = size + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _let_the_fork_server_go() -> None:
    """Close this worker's copy of the fork server's lifeline.

    The fork server leaves when every holder of that pipe's write end has gone, and each
    process it forks inherits one. A worker that kept it would keep the fork server alive
    after the server died, and the fork server would keep the worker alive in turn."""
    from multiprocessing import forkserver

    fd = getattr(forkserver._forkserver, "_forkserver_alive_fd", None)
    if fd is not None:
        os.close(fd)
        forkserver._forkserver._forkserver_alive_fd = None


def _serve(store_path: str, conn: Connection, memory_bytes: int | None, network: bool) -> None:
    parent = os.getppid()
    if parent == 1:  # orphaned before it began
        os._exit(0)
    if not network:
        _cut_off_network()
    _die_with_parent(parent)
    _let_the_fork_server_go()
    # Ctrl-C reaches the whole process group; the server decides when workers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A worker the engine crashes in leaves no core file (a copy of its memory) behind.
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    from pyoxigraph import NamedNode, Store

    from icegraph.namespaces import PREFIXES
    from icegraph.serve.results import TooManyResults, serialize_answer

    store = Store.read_only(store_path)
    if memory_bytes and os.path.exists("/proc/self/statm"):
        _limit_memory(memory_bytes)
    conn.send(("ready", b""))
    while True:
        try:
            req: Request = conn.recv()
        except EOFError:
            return
        try:
            kwargs: dict = {"prefixes": PREFIXES, "base_iri": req.base_iri}
            if req.protocol_dataset:
                kwargs["default_graph"] = [NamedNode(g) for g in req.default_graphs]
                kwargs["named_graphs"] = [NamedNode(g) for g in req.named_graphs]
            elif req.union_default:
                kwargs["use_default_graph_as_union"] = True
            # else the query's own FROM / FROM NAMED make its dataset: the engine reads them
            answer = store.query(req.query, **kwargs)
            conn.send(("ok", serialize_answer(answer, req.media, req.cap)))
        except TooManyResults as exc:
            conn.send(("too-large", str(exc)))
        except MemoryError:
            conn.send(("memory", ""))
        except (SyntaxError, ValueError, TypeError, RuntimeError, OSError) as exc:
            conn.send(("failed", str(exc)))


class _Worker:
    def __init__(self, store_path: Path, memory_bytes: int | None, network: bool) -> None:
        self.conn, child = _CTX.Pipe()
        self.process = _CTX.Process(
            target=_serve,
            args=(str(store_path), child, memory_bytes, network),
            daemon=True,
            name="icegraph-query",
        )
        self.process.start()
        child.close()
        self.ready = False

    def loaded(self) -> bool:
        """Whether the worker has opened the store (its first message says so)."""
        if not self.ready and self.process.is_alive() and self.conn.poll(0):
            try:
                self.ready = self.conn.recv()[0] == "ready"
            except (EOFError, OSError):
                return False
        return self.ready

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of worker processes, handed out fairly between clients."""

    def __init__(
        self,
        store_path: Path,
        size: int | None = None,
        timeout: float = 20.0,
        memory_mib: int | None = 1024,
        per_client: int = 2,
        max_waiting: int = 64,
        network: bool = False,
        cache_mib: int = 64,
    ) -> None:
        self.store_path = store_path
        # a query stopped at the time limit is refused at once for a minute after
        self.answers = AnswerCache(cache_mib * 1024 * 1024, remember=(QueryTimeout,))
        # Workers reach the network only when federated queries are allowed at all.
        self.network = network
        self.size = size or max(1, min(4, os.cpu_count() or 1))
        self.timeout = timeout
        self.memory_mib = memory_mib
        self.scheduler = FairScheduler(
            self.size, min(per_client, self.size), max_waiting, retry_after=5
        )
        self._idle: list[_Worker] = []
        # One worker started ahead, so a stopped query's place is taken by a worker that has
        # already loaded, not by one still starting (a second or more on a busy machine).
        self._spare: _Worker | None = None
        self._all: set[_Worker] = set()
        self._closing = False

    async def start(self) -> None:
        if _CTX.get_start_method() == "forkserver":
            _CTX.set_forkserver_preload(_PRELOAD)
        for _ in range(self.size):
            self._idle.append(self._new())
        self._spare = self._new()

    def _new(self) -> _Worker:
        memory = self.memory_mib * 1024 * 1024 if self.memory_mib else None
        w = _Worker(self.store_path, memory, self.network)
        self._all.add(w)
        return w

    async def close(self) -> None:
        """Refuse what waits, stop every worker; running queries get a 503."""
        self._closing = True
        self.scheduler.close()
        # A busy worker's pipe stays open until its request reads the end of it and
        # answers; killing the process is what ends the query.
        for w in list(self._all):
            if w.process.is_alive():
                w.process.kill()
        resting = [*self._idle, *([self._spare] if self._spare else [])]
        for w in resting:
            w.stop()
            self._all.discard(w)
        self._idle.clear()
        self._spare = None

    async def run(self, req: Request, client: str = "") -> bytes:
        """The answer's bytes, kept or worked out (answer_cache.py); cancelling the awaiting
        task stops the query's worker unless other requests wait for the same answer."""
        return await self.answers.get(
            (self._store_identity(), req), req.query, lambda: self._run(req, client)
        )

    def _store_identity(self) -> tuple[int, int]:
        # A build published while we serve replaces the store's folder (one rename): answers
        # kept from the one before must not be served for it.
        try:
            st = os.stat(self.store_path)
        except OSError:
            return (0, 0)
        return (st.st_dev, st.st_ino)

    async def _run(self, req: Request, client: str) -> bytes:
        async with self.scheduler.slot(client):
            # When many clients leave at once, a slot freed by one of them may go to another
            # that has also left but whose departure is not yet handled; letting the loop turn
            # a few times first spares starting a worker only to stop it.
            for _ in range(4):
                await asyncio.sleep(0)
            worker = self._pick()
            healthy = False
            try:
                status, payload = await self._ask(worker, req)
                healthy = True
            finally:
                if healthy:
                    self._idle.append(worker)
                else:
                    self._replace(worker)
        if status == "ok":
            return payload
        if status == "too-large":
            raise TooLarge(payload)
        if status == "memory":
            raise self._out_of_memory()
        raise QueryFailed(f"The query could not be run: {payload}")

    def _pick(self) -> _Worker:
        # A slot is held for each busy worker, so one is idle (or starting) here. Prefer one
        # that has loaded the store; a dead one is replaced.
        for w in list(self._idle):
            if not w.process.is_alive():
                self._idle.remove(w)
                self._replace(w)
        ready = [w for w in self._idle if w.loaded()]
        worker = ready[0] if ready else self._idle[0]
        self._idle.remove(worker)
        return worker

    async def _ask(self, worker: _Worker, req: Request) -> tuple[str, bytes | str]:
        loop = asyncio.get_running_loop()
        # A query near the body limit fills the pipe before a starting worker reads it.
        try:
            await loop.run_in_executor(None, worker.conn.send, req)
        except OSError as exc:  # the worker died while idle, or the server is stopping
            raise self._death(worker) from exc
        deadline = loop.time() + self.timeout
        while True:
            readable = loop.create_future()
            fd = worker.conn.fileno()
            loop.add_reader(fd, lambda f=readable: f.done() or f.set_result(None))
            try:
                await asyncio.wait_for(readable, max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise QueryTimeout(
                    f"The query was stopped after {self.timeout:g} seconds, this server's limit",
                    status=503,
                    fix="Narrow it (a bound subject, a LIMIT) or ask the operator to raise "
                    "--timeout.",
                ) from None
            finally:
                loop.remove_reader(fd)
            try:
                status, payload = worker.conn.recv()
            except (EOFError, OSError) as exc:
                raise self._death(worker) from exc
            if status == "ready":  # a worker that had not loaded when it was picked
                worker.ready = True
                continue
            return status, payload

    def _death(self, worker: _Worker) -> RequestRefused:
        if self._closing:
            return ShuttingDown("The server is shutting down", status=503, retry_after=10)
        worker.process.join(timeout=1)
        if worker.process.exitcode == -signal.SIGABRT:
            # Allocations past RLIMIT_AS fail, and the engine aborts on a failed allocation.
            return self._out_of_memory()
        if worker.process.exitcode == -signal.SIGSEGV:
            # The engine recurses over the query; a long enough chain exhausts the stack.
            # The same query would do it again, so it is the query that has to change.
            return QueryFailed(
                "The query could not be run: the engine crashed on it, as it does on a query "
                "chained or nested hundreds of levels deep (a property path of hundreds of "
                "steps, thousands of UNIONs)",
                status=400,
                fix="Split or simplify it.",
            )
        return QueryFailed(
            f"The query's worker stopped unexpectedly (exit {worker.process.exitcode})",
            status=503,
            fix="Try again; if it happens again, narrow the query.",
        )

    def _out_of_memory(self) -> OutOfMemory:
        return OutOfMemory(
            f"The query was stopped: it needed more than {self.memory_mib} MiB, the memory "
            "this server gives one query",
            status=503,
            fix="Narrow it (a LIMIT, fewer variables in ORDER BY, no cross product) or ask "
            "the operator to raise --worker-memory.",
        )

    def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.stop()
        if self._closing:
            return
        spare, self._spare = self._spare, None
        if spare is not None and spare.process.is_alive():
            self._idle.append(spare)
        else:
            if spare is not None:
                self._all.discard(spare)
                spare.stop()
            self._idle.append(self._new())
        self._spare = self._new()
