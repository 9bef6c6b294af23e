"""Who runs next: a fixed number of query slots shared fairly between clients.

One client's heavy queries must not starve everyone else. Each client may run at most
`per_client` queries at once; the rest of its queries wait. When a slot frees, it goes to the
waiting client that runs the fewest queries, and among those to the one served least recently
(round robin), so a newcomer overtakes a client with a backlog. The waiting room is bounded:
when it is full the request is refused at once (503 with Retry-After) rather than left to
hang, and no single client may fill more than half of it (429).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from icegraph.errors import RequestRefused


class Busy(RequestRefused):
    """Every slot is taken and the waiting room is full."""


class ShuttingDown(RequestRefused):
    """The server is stopping and takes no more queries."""


class FairScheduler:
    def __init__(self, slots: int, per_client: int, max_waiting: int, retry_after: int = 5) -> None:
        if slots < 1 or per_client < 1 or max_waiting < 0:
            raise ValueError("slots and per_client must be at least 1, max_waiting at least 0")
        self.slots = slots
        self.per_client = per_client
        self.max_waiting = max_waiting
        self.per_client_waiting = max(1, max_waiting // 2)
        self.retry_after = retry_after
        self._running: Counter[str] = Counter()
        self._waiting: dict[str, deque[tuple[int, asyncio.Future[None]]]] = {}
        self._arrivals = itertools.count(1)
        # When each client with queries running or waiting was last given a slot.
        self._served: dict[str, int] = {}
        self._closed = False

    @property
    def running(self) -> int:
        return sum(self._running.values())

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._waiting.values())

    @asynccontextmanager
    async def slot(self, client: str) -> AsyncIterator[None]:
        """Hold one slot for `client` while the body runs; waits its fair turn for it."""
        await self._acquire(client)
        try:
            yield
        finally:
            self._release(client)

    async def _acquire(self, client: str) -> None:
        if self._closed:
            raise ShuttingDown("The server is shutting down", status=503, retry_after=10)
        if self.running < self.slots and self._running[client] < self.per_client:
            # Anyone waiting is held by their own per-client limit, so taking a free slot
            # now overtakes no one.
            self._grant(client)
            return
        if self.waiting >= self.max_waiting:
            raise Busy(
                f"The server is busy: {self.running} queries are running and "
                f"{self.waiting} are waiting",
                status=503,
                fix="Try again in a few seconds.",
                retry_after=self.retry_after,
            )
        mine = self._waiting.setdefault(client, deque())
        if len(mine) >= self.per_client_waiting:
            raise Busy(
                f"Too many queries from one client: {self._running[client]} running and "
                f"{len(mine)} waiting",
                status=429,
                fix="Wait for your earlier queries to finish.",
                retry_after=self.retry_after,
            )
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (next(self._arrivals), turn)
        mine.append(entry)
        try:
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                # Granted and cancelled in the same instant: give the slot back.
                self._release(client)
            elif entry in mine:
                mine.remove(entry)
                if not mine and self._waiting.get(client) is mine:
                    del self._waiting[client]
                    if not self._running[client]:
                        self._served.pop(client, None)
            raise

    def _grant(self, client: str) -> None:
        self._running[client] += 1
        self._served[client] = next(self._arrivals)

    def _release(self, client: str) -> None:
        self._running[client] -= 1
        if self._running[client] <= 0:
            del self._running[client]
            if client not in self._waiting:
                self._served.pop(client, None)
        self._dispatch()

    def _dispatch(self) -> None:
        while self.running < self.slots:
            ready = [
                (self._running[c], self._served.get(c, 0), q[0][0], c)
                for c, q in self._waiting.items()
                if q and self._running[c] < self.per_client
            ]
            if not ready:
                return
            client = min(ready)[-1]
            _, turn = self._waiting[client].popleft()
            if not self._waiting[client]:
                del self._waiting[client]
            self._grant(client)
            turn.set_result(None)

    def close(self) -> None:
        """Refuse every waiting query and any new one."""
        self._closed = True
        for queue in self._waiting.values():
            for _, turn in queue:
                if not turn.done():
                    turn.set_exception(
                        ShuttingDown("The server is shutting down", status=503, retry_after=10)
                    )
        self._waiting.clear()
