"""The pieces of the server's defences on their own: fair slots, and finding SERVICE clauses."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import pytest

from icegraph.errors import IcegraphError, RequestRefused
from icegraph.namespaces import PREFIXES
from icegraph.serve.federation import ServiceCall, check_services, service_calls
from icegraph.serve.query_limits import nesting_depth
from icegraph.serve.scheduling import FairScheduler


async def _hold(sched: FairScheduler, client: str, log: list[str], release: asyncio.Event):
    async with sched.slot(client):
        log.append(client)
        await release.wait()


def test_a_newcomer_overtakes_a_client_with_a_backlog():
    async def scenario() -> list[str]:
        sched = FairScheduler(slots=1, per_client=1, max_waiting=10)
        log: list[str] = []
        gates = [asyncio.Event() for _ in range(4)]
        tasks = [asyncio.create_task(_hold(sched, "heavy", log, gates[0]))]
        await asyncio.sleep(0)
        tasks += [asyncio.create_task(_hold(sched, "heavy", log, gates[i])) for i in (1, 2)]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(_hold(sched, "light", log, gates[3])))
        await asyncio.sleep(0)
        assert (sched.running, sched.waiting) == (1, 3)
        for gate in gates:
            gate.set()
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        return log

    assert asyncio.run(scenario()) == ["heavy", "light", "heavy", "heavy"]


def test_a_full_waiting_room_is_503_and_one_client_may_fill_only_half_of_it():
    async def scenario() -> None:
        sched = FairScheduler(slots=1, per_client=1, max_waiting=2, retry_after=7)
        release = asyncio.Event()
        log: list[str] = []
        held = [asyncio.create_task(_hold(sched, "a", log, release))]
        await asyncio.sleep(0)
        held.append(asyncio.create_task(_hold(sched, "a", log, release)))
        await asyncio.sleep(0)
        with pytest.raises(RequestRefused) as one_client:
            async with sched.slot("a"):
                pass
        assert (one_client.value.status, one_client.value.retry_after) == (429, 7)
        held.append(asyncio.create_task(_hold(sched, "b", log, release)))
        await asyncio.sleep(0)
        with pytest.raises(RequestRefused) as full:
            async with sched.slot("c"):
                pass
        assert (full.value.status, full.value.retry_after) == (503, 7)
        assert str(full.value) == (
            "The server is busy: 1 queries are running and 2 are waiting. "
            "Try again in a few seconds."
        )
        release.set()
        await asyncio.gather(*held)
        assert (sched.running, sched.waiting) == (0, 0)

    asyncio.run(scenario())


def test_a_waiting_query_that_is_cancelled_leaves_the_queue_and_frees_nothing_twice():
    async def scenario() -> None:
        sched = FairScheduler(slots=1, per_client=1, max_waiting=4)
        release = asyncio.Event()
        log: list[str] = []
        first = asyncio.create_task(_hold(sched, "a", log, release))
        await asyncio.sleep(0)
        gone = asyncio.create_task(_hold(sched, "b", log, release))
        await asyncio.sleep(0)
        assert sched.waiting == 1
        gone.cancel()
        await asyncio.sleep(0)
        assert (sched.running, sched.waiting) == (1, 0)
        release.set()
        await first
        assert (sched.running, sched.waiting, log) == (0, 0, ["a"])

    asyncio.run(scenario())


def test_closing_refuses_the_waiting_with_503():
    async def scenario() -> None:
        sched = FairScheduler(slots=1, per_client=1, max_waiting=4)
        release = asyncio.Event()
        log: list[str] = []
        first = asyncio.create_task(_hold(sched, "a", log, release))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(_hold(sched, "b", log, release))
        await asyncio.sleep(0)
        sched.close()
        with pytest.raises(RequestRefused) as exc:
            await waiting
        assert exc.value.status == 503 and str(exc.value) == "The server is shutting down."
        release.set()
        await first

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("query", "calls"),
    [
        ("SELECT * { SERVICE <http://e.example/s> { ?s ?p ?o } }",
         [ServiceCall("http://e.example/s", "<http://e.example/s>", False)]),
        ("select * { sErViCe\tSiLeNt <http://e.example/s> {} }",
         [ServiceCall("http://e.example/s", "<http://e.example/s>", True)]),
        ("SELECT * { ?s ?p ?o .SERVICE <http://e.example/s> {} }",
         [ServiceCall("http://e.example/s", "<http://e.example/s>", False)]),
        ("SELECT * { ?s ?p 1.SERVICE <http://e.example/s> {} }",
         [ServiceCall("http://e.example/s", "<http://e.example/s>", False)]),
        ("SELECT * { ?s ex:a\\# SERVICE <http://e.example/s> {} }",
         [ServiceCall("http://e.example/s", "<http://e.example/s>", False)]),
        ("SELECT * { SERVICE#comment\n?where {} }", [ServiceCall(None, "?where", False)]),
        ("SELECT * { FILTER EXISTS { SELECT * { { SERVICE <rel> {} } } } }",
         [ServiceCall(None, "<rel>", False)]),
        ("PREFIX e: <http://e.example/> SELECT * { SERVICE e:s\\.x {} }",
         [ServiceCall("http://e.example/s.x", "e:s\\.x", False)]),
        ("SELECT * { ?s ?p '''a''''SERVICE <http://e.example/s> {} }",
         [ServiceCall("http://e.example/s", "<http://e.example/s>", False)]),
        ('SELECT ("SERVICE <x> {}" AS ?service) { ?s ex:service ?o } # SERVICE <x>', []),
        ('SELECT * { ?s ?p "x"@service . ?s service:p _:service FILTER(?a<?b) }', []),
    ],
)  # fmt: skip
def test_service_clauses_are_found_wherever_and_however_written(query, calls):
    assert service_calls(query, PREFIXES) == calls


def test_only_listed_endpoints_pass():
    allowed = ["http://e.example/s"]
    check_services("SELECT * { SERVICE <http://e.example/s> {} }", allowed, PREFIXES)
    with pytest.raises(RequestRefused) as other:
        check_services("SELECT * { SERVICE <http://127.0.0.1/> {} }", allowed, PREFIXES)
    assert str(other.value) == (
        "The query uses SERVICE <http://127.0.0.1/>, an endpoint this server does not call. "
        "Allowed: http://e.example/s"
    )
    with pytest.raises(RequestRefused) as variable:
        check_services("SELECT * { SERVICE SILENT ?e {} }", allowed, PREFIXES)
    assert str(variable.value).startswith(
        "The query uses SERVICE SILENT ?e, which does not name an endpoint plainly."
    )
    assert isinstance(variable.value, IcegraphError) and variable.value.status == 400


def test_a_slot_never_goes_to_a_waiter_cancelled_a_moment_before():
    async def scenario() -> None:
        sched = FairScheduler(slots=1, per_client=1, max_waiting=4)
        release = asyncio.Event()
        log: list[str] = []
        first = asyncio.create_task(_hold(sched, "a", log, release))
        await asyncio.sleep(0)
        gone = asyncio.create_task(_hold(sched, "b", log, release))
        later = asyncio.create_task(_hold(sched, "c", log, release))
        await asyncio.sleep(0)
        release.set()  # the slot frees when `first` next runs...
        gone.cancel()  # ...which is before the cancelled waiter's task runs to leave the queue
        await asyncio.gather(first, later)
        assert log == ["a", "c"] and gone.cancelled()
        assert (sched.running, sched.waiting) == (0, 0)

    asyncio.run(scenario())


def test_heavy_clients_leave_a_slot_for_everyone_else():
    async def scenario() -> None:
        sched = FairScheduler(slots=2, per_client=2, max_waiting=10)
        with pytest.raises(RuntimeError):  # a query of h's was stopped: h is heavy a while
            async with sched.slot("h"):
                raise RuntimeError
        assert (sched.heavy("h"), sched.heavy("l")) == (True, False)
        release = asyncio.Event()
        log: list[str] = []
        tasks = [asyncio.create_task(_hold(sched, "h", log, release)) for _ in range(2)]
        await asyncio.sleep(0)
        assert (sched.running, sched.waiting) == (1, 1)  # the second slot stays free
        tasks.append(asyncio.create_task(_hold(sched, "l", log, release)))
        await asyncio.sleep(0)
        assert (sched.running, sched.waiting, log) == (2, 1, ["h", "l"])
        release.set()
        await asyncio.gather(*tasks)
        assert log == ["h", "l", "h"]

    asyncio.run(scenario())


def test_a_long_hold_marks_a_client_heavy_and_the_mark_fades():
    now = [0.0]
    sched = FairScheduler(slots=2, per_client=1, max_waiting=4, clock=lambda: now[0])

    async def hold(seconds: float) -> None:
        async with sched.slot("c"):
            now[0] += seconds

    asyncio.run(hold(0.5))
    assert (sched.heavy("c"), sched.mark("c")) == (False, 0.0)
    asyncio.run(hold(1.0))
    assert (sched.heavy("c"), sched.mark("c")) == (True, 1.0)
    now[0] += 60.0  # one half-life
    assert (sched.heavy("c"), sched.mark("c")) == (True, 0.5)
    now[0] += 1.0
    assert sched.heavy("c") is False


def test_no_catalogue_query_is_taken_for_a_federated_one():
    from icegraph.queries import catalogue

    queries = catalogue()
    assert queries
    for q in queries:
        assert service_calls(q.bound(), PREFIXES) == [], q.name


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="network namespaces")
def test_workers_have_no_network_unless_federation_is_allowed(seed_build):
    """Behind the refusal of SERVICE: a query that reached a worker still could not call out."""
    from icegraph.serve.workers import QueryPool, Request

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        endpoint = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        query = f"SELECT * WHERE {{ SERVICE <{endpoint}> {{ ?s ?p ?o }} }}"

        async def ask(network: bool) -> str:
            # Called, the listener never answers: the query ends at the time limit.
            pool = QueryPool(seed_build.out_dir / "store", size=1, timeout=1, network=network)
            await pool.start()
            try:
                await pool.run(Request(query, "application/sparql-results+json", 10))
            except RequestRefused as exc:
                return str(exc)
            finally:
                await pool.close()
            return "answered"

        cut_off = asyncio.run(ask(network=False))
        if "Network is unreachable" not in cut_off:
            pytest.skip(f"this system allows no network namespace: {cut_off}")
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody called
        called = asyncio.run(ask(network=True))  # the same query calls out when allowed
        assert called.startswith("The query was stopped after 1 seconds")
        listener.accept()[0].close()


def test_nesting_counts_brackets_outside_strings_iris_and_comments():
    assert nesting_depth("SELECT * { ?s ?p ?o FILTER((?o > 1)) }") == 3
    assert nesting_depth('SELECT * { ?s ?p "((((" . ?s ?p <urn:x:((((> } # [[[[') == 1
    assert nesting_depth("SELECT * WHERE " + "{" * 300 + "}" * 300) == 300


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals as Linux sends them")
def test_a_worker_the_engine_crashes_in_is_a_400_for_its_query(seed_build):
    """The engine recurses over a query; one deep enough kills the worker with SIGSEGV.
    Which query does that shifts with the machine, so the signal is sent here."""
    from icegraph.serve.workers import QueryPool, Request

    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

    async def scenario() -> RequestRefused:
        pool = QueryPool(seed_build.out_dir / "store", size=1, timeout=30)
        await pool.start()
        try:
            running = asyncio.create_task(pool.run(Request(heavy, "text/csv", 10)))
            await asyncio.sleep(1.0)
            [busy] = [w for w in pool._all if w not in pool._idle and w is not pool._spare]
            os.kill(busy.process.pid, signal.SIGSEGV)
            with pytest.raises(RequestRefused) as exc:
                await running
            return exc.value
        finally:
            await pool.close()

    crash = asyncio.run(scenario())
    assert crash.status == 400
    assert str(crash) == (
        "The query could not be run: the engine crashed on it, as it does on a query chained or "
        "nested hundreds of levels deep (a property path of hundreds of steps, thousands of "
        "UNIONs). Split or simplify it."
    )
