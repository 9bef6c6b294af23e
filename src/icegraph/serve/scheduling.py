"""Who runs next: a fixed number of query slots shared fairly between clients.

One client's heavy queries must not starve everyone else, and no engine can pause a query to
let another pass, so the defence is in who gets a slot:

- Each client may run at most `per_client` queries at once; the rest of its queries wait.
- A client is *heavy* for a while after a query of its own held a slot for `heavy_seconds` or
  more, or was stopped (time or memory limit, or its client went away while it ran). Heavy
  clients together may hold at most `slots - reserve` slots: the reserve is kept for everyone
  else, so a light query finds a free worker even while heavy queries fill the rest. The mark
  fades with a half-life of `heavy_half_life` seconds.
- When a slot frees it goes to a light client before a heavy one, then to the client with the
  fewest queries running, then to the one served least recently (round robin), so a newcomer
  overtakes a client with a backlog.
- The waiting room is bounded: when it is full the request is refused at once (503 with
  Retry-After) rather than left to hang, and no single client may fill more than half of it
  (429).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from icegraph.errors import RequestRefused


class Busy(RequestRefused):
    """Every slot is taken and the waiting room is full."""


class ShuttingDown(RequestRefused):
    """The server is stopping and takes no more queries."""


class FairScheduler:
    def __init__(
        self,
        slots: int,
        per_client: int,
        max_waiting: int,
        retry_after: int = 5,
        reserve: int | None = None,
        heavy_seconds: float = 1.0,
        heavy_half_life: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if slots < 1 or per_client < 1 or max_waiting < 0:
            raise ValueError("slots and per_client must be at least 1, max_waiting at least 0")
        self.slots = slots
        self.per_client = per_client
        self.max_waiting = max_waiting
        self.per_client_waiting = max(1, max_waiting // 2)
        self.retry_after = retry_after
        self.reserve = min(1, slots - 1) if reserve is None else min(reserve, slots - 1)
        self.heavy_seconds = heavy_seconds
        self.heavy_half_life = heavy_half_life
        self._clock = clock
        self._running: Counter[str] = Counter()
        # When each running query of a client was given its slot.
        self._started: dict[str, list[float]] = {}
        self._waiting: dict[str, deque[tuple[int, asyncio.Future[float]]]] = {}
        self._arrivals = itertools.count(1)
        # When each client with queries running or waiting was last given a slot.
        self._served: dict[str, int] = {}
        # How heavy each client has been lately: (mark, when), fading with the half-life.
        self._marks: dict[str, tuple[float, float]] = {}
        self._closed = False

    @property
    def running(self) -> int:
        return sum(self._running.values())

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._waiting.values())

    def mark(self, client: str) -> float:
        mark, when = self._marks.get(client, (0.0, 0.0))
        return mark * 0.5 ** ((self._clock() - when) / self.heavy_half_life)

    def heavy(self, client: str) -> bool:
        now = self._clock()
        long_running = any(now - t >= self.heavy_seconds for t in self._started.get(client, ()))
        return long_running or self.mark(client) >= 0.5

    def _heavy_running(self) -> int:
        return sum(n for c, n in self._running.items() if self.heavy(c))

    def _may_run(self, client: str) -> bool:
        if self.running >= self.slots or self._running[client] >= self.per_client:
            return False
        return not self.heavy(client) or self._heavy_running() < self.slots - self.reserve

    @asynccontextmanager
    async def slot(self, client: str) -> AsyncIterator[None]:
        """Hold one slot for `client` while the body runs; waits its fair turn for it."""
        started = await self._acquire(client)
        stopped = False
        try:
            yield
        except BaseException:
            stopped = True
            raise
        finally:
            self._release(client, started, stopped)

    async def _acquire(self, client: str) -> float:
        if self._closed:
            raise ShuttingDown("The server is shutting down", status=503, retry_after=10)
        if self._may_run(client) and not self._eligible_waiters():
            return self._grant(client)
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
        turn: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        entry = (next(self._arrivals), turn)
        mine.append(entry)
        self._dispatch()
        try:
            return await turn
        except BaseException:
            if turn.done() and not turn.cancelled() and turn.exception() is None:
                # Granted and cancelled in the same instant: give the slot back.
                self._release(client, turn.result(), stopped=False)
            elif entry in mine:
                mine.remove(entry)
                if not mine and self._waiting.get(client) is mine:
                    del self._waiting[client]
                    if not self._running[client]:
                        self._served.pop(client, None)
            raise

    def _eligible_waiters(self) -> bool:
        return any(q and self._may_run(c) for c, q in self._waiting.items())

    def _grant(self, client: str) -> float:
        now = self._clock()
        self._running[client] += 1
        self._started.setdefault(client, []).append(now)
        self._served[client] = next(self._arrivals)
        return now

    def _release(self, client: str, started: float, stopped: bool) -> None:
        now = self._clock()
        if stopped or now - started >= self.heavy_seconds:
            self._marks[client] = (self.mark(client) + 1.0, now)
        self._started[client].remove(started)
        self._running[client] -= 1
        if self._running[client] <= 0:
            del self._running[client]
            del self._started[client]
            if client not in self._waiting:
                self._served.pop(client, None)
        if len(self._marks) > 4096:  # forget the clients whose mark has faded
            self._marks = {c: m for c, m in self._marks.items() if self.mark(c) >= 0.05}
        self._dispatch()

    def _dispatch(self) -> None:
        # A waiter cancelled a moment ago still sits in its queue until its task runs.
        for client, queue in list(self._waiting.items()):
            for entry in [e for e in queue if e[1].done()]:
                queue.remove(entry)
            if not queue:
                del self._waiting[client]
        while self.running < self.slots:
            ready = [
                (self.heavy(c), self._running[c], self._served.get(c, 0), q[0][0], c)
                for c, q in self._waiting.items()
                if self._may_run(c)
            ]
            if not ready:
                return
            client = min(ready)[-1]
            _, turn = self._waiting[client].popleft()
            if not self._waiting[client]:
                del self._waiting[client]
            turn.set_result(self._grant(client))

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
