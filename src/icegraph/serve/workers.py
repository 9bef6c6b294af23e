"""SPARQL queries run in worker processes, so that a runaway query can be stopped.

pyoxigraph cannot cancel a query once it runs; a query past the time limit is stopped by
ending its worker process, and a fresh worker takes its place. Each worker opens the store
read-only, which the store allows from several processes at once.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

_CTX = mp.get_context("spawn")


@dataclass(frozen=True)
class Request:
    query: str
    media: str
    cap: int
    union_default: bool = True
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


class QueryTimeout(Exception):
    pass


class QueryFailed(Exception):
    """The query is wrong (syntax, unknown function...), as the engine says."""


class TooLarge(Exception):
    pass


def _serve(store_path: str, conn: Connection) -> None:
    from pyoxigraph import DefaultGraph, NamedNode, Store

    from icegraph.namespaces import PREFIXES
    from icegraph.serve.results import TooManyResults, serialize_answer

    store = Store.read_only(store_path)
    while True:
        try:
            req: Request = conn.recv()
        except EOFError:
            return
        try:
            kwargs: dict = {"prefixes": PREFIXES}
            if req.default_graphs:
                kwargs["default_graph"] = [NamedNode(g) for g in req.default_graphs]
            elif req.union_default:
                kwargs["use_default_graph_as_union"] = True
            else:
                kwargs["default_graph"] = DefaultGraph()
            if req.named_graphs:
                kwargs["named_graphs"] = [NamedNode(g) for g in req.named_graphs]
            answer = store.query(req.query, **kwargs)
            conn.send(("ok", serialize_answer(answer, req.media, req.cap)))
        except TooManyResults as exc:
            conn.send(("too-large", str(exc)))
        except (SyntaxError, ValueError, TypeError, RuntimeError, OSError) as exc:
            conn.send(("failed", str(exc)))


class _Worker:
    def __init__(self, store_path: Path) -> None:
        self.conn, child = _CTX.Pipe()
        self.process = _CTX.Process(
            target=_serve, args=(str(store_path), child), daemon=True, name="icegraph-query"
        )
        self.process.start()
        child.close()

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of worker processes; requests wait for a free one."""

    def __init__(self, store_path: Path, size: int | None = None, timeout: float = 20.0) -> None:
        self.store_path = store_path
        self.size = size or max(1, min(4, os.cpu_count() or 1))
        self.timeout = timeout
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        for _ in range(self.size):
            self._add()

    def _add(self) -> None:
        w = _Worker(self.store_path)
        self._all.add(w)
        assert self._idle is not None
        self._idle.put_nowait(w)

    async def close(self) -> None:
        for w in list(self._all):
            w.stop()
        self._all.clear()

    async def run(self, req: Request) -> bytes:
        assert self._idle is not None, "QueryPool.start() was not awaited"
        worker = await self._idle.get()
        loop = asyncio.get_running_loop()
        try:
            worker.conn.send(req)
            ready = await loop.run_in_executor(None, worker.conn.poll, self.timeout)
            if not ready:
                raise QueryTimeout(
                    f"The query was stopped after {self.timeout:g} seconds, this server's "
                    "limit. Narrow it (a bound subject, a LIMIT) or ask the operator to raise "
                    "--timeout."
                )
            status, payload = worker.conn.recv()
        except (QueryTimeout, EOFError, OSError, BrokenPipeError) as exc:
            self._replace(worker)
            worker = None
            if isinstance(exc, QueryTimeout):
                raise
            raise QueryFailed("the query worker stopped unexpectedly; try again") from exc
        finally:
            if worker is not None:
                self._idle.put_nowait(worker)
        if status == "ok":
            return payload
        if status == "too-large":
            raise TooLarge(payload)
        raise QueryFailed(payload)

    def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.stop()
        self._add()
