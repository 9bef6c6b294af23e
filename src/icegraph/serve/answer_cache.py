"""Answers kept while the server runs: the store is opened read-only and does not change
while it is served, so the same query on the same dataset in the same format has the same
answer, and a catalogue question's first page asked by twenty readers is worked out once.

Two things, both keyed by the whole request (query text, format, row cap, dataset, base IRI):

- finished answers, most recently used kept, up to a budget of bytes (an answer larger than
  an eighth of it is not kept, so one huge answer cannot push out everything else);
- answers being worked out: a request for one joins it rather than running the query again,
  and if the request running it goes away (its client left), the next one takes over.

Successful answers are kept. Of refusals, only those of the kinds given (the pool gives the
time limit's) are remembered, for `remember_s` seconds: the same query on the same store would
use a worker for the whole limit again, so it is refused at once with the same words (and
Retry-After) while others' queries run. Any other refusal (memory, a wrong query, a full
queue) is not kept, so a second try runs the query again. A query whose answer may differ on
every run (NOW(), RAND(), UUID(), STRUUID(), BNODE()) is never kept nor joined.
"""

from __future__ import annotations

import asyncio
import copy
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

# Functions whose value changes from one evaluation to the next (SPARQL 1.1 Query, 17.4).
# A match inside a string or a comment only means the answer is not kept.
_VOLATILE = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def cacheable(query: str) -> bool:
    """Whether the same query always gives the same answer on an unchanging store."""
    return _VOLATILE.search(query) is None


class KeptBytes:
    """Byte strings by key, the most recently used kept up to a budget; one larger than an
    eighth of the budget is not kept. Not shared between threads without a lock."""

    def __init__(self, budget_bytes: int) -> None:
        self.budget = max(0, budget_bytes)
        self.largest = self.budget // 8
        self._kept: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return len(self._kept)

    def get(self, key: Hashable) -> bytes | None:
        kept = self._kept.get(key)
        if kept is not None:
            self._kept.move_to_end(key)
        return kept

    def put(self, key: Hashable, value: bytes) -> None:
        if len(value) > self.largest:
            return
        old = self._kept.pop(key, None)
        self._size -= len(old) if old is not None else 0
        self._kept[key] = value
        self._size += len(value)
        while self._size > self.budget:
            _, dropped = self._kept.popitem(last=False)
            self._size -= len(dropped)


class AnswerCache:
    def __init__(
        self,
        budget_bytes: int,
        remember: tuple[type[Exception], ...] = (),
        remember_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kept = KeptBytes(budget_bytes)
        self.budget = self.kept.budget
        self.remember = remember
        self.remember_s = remember_s
        self.clock = clock
        # refusals remembered: key -> (until when, the refusal); bounded like the answers
        self._refused: OrderedDict[Hashable, tuple[float, Exception]] = OrderedDict()
        self._running: dict[Hashable, asyncio.Future[bytes]] = {}
        self.hits = 0  # answered from a kept answer
        self.joined = 0  # answered by a run another request had started
        self.misses = 0  # ran the query
        self.refused_again = 0  # refused at once, as the same query was moments ago

    def stats(self) -> dict[str, int]:
        return {
            "hits": self.hits,
            "joined": self.joined,
            "refused_again": self.refused_again,
            "misses": self.misses,
            "kept": len(self.kept),
            "bytes": self.kept.size,
            "budget_bytes": self.budget,
        }

    async def get(
        self, key: Hashable, query: str, compute: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        """The answer for `key`: kept, being worked out, or worked out now by `compute`."""
        if not self.budget or not cacheable(query):
            self.misses += 1
            return await compute()
        while True:
            kept = self.kept.get(key)
            if kept is not None:
                self.hits += 1
                return kept
            refused = self._refused.get(key)
            if refused is not None:
                until, exc = refused
                if self.clock() < until:
                    self.refused_again += 1
                    again = copy.copy(exc)
                    if hasattr(again, "retry_after"):  # a RequestRefused: when to try again
                        again.retry_after = max(1, round(until - self.clock()))
                    raise again
                del self._refused[key]
            running = self._running.get(key)
            if running is None:
                return await self._compute(key, compute)
            try:
                # shielded: this request leaving must not stop the run others wait for
                answer = await asyncio.shield(running)
            except asyncio.CancelledError:
                this = asyncio.current_task()
                if running.cancelled() and not (this and this.cancelling()):
                    continue  # the request running it left, this one did not: take over
                raise
            self.joined += 1
            return answer

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[bytes]]) -> bytes:
        running: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._running[key] = running
        self.misses += 1
        try:
            answer = await compute()
        except asyncio.CancelledError:
            running.cancel()
            raise
        except BaseException as exc:
            running.set_exception(exc)
            running.exception()  # marked as read: nobody may be waiting for it
            if isinstance(exc, self.remember):
                self._refused[key] = (self.clock() + self.remember_s, exc)
                while len(self._refused) > 1000:
                    self._refused.popitem(last=False)
            raise
        finally:
            if self._running.get(key) is running:
                del self._running[key]
        running.set_result(answer)
        self.kept.put(key, answer)
        return answer
