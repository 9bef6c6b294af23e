"""Answers kept while serving: a repeated request is answered without running its query again,
concurrent identical requests share one run, a departed request's run is taken over, and
refusals and volatile queries are never kept. Then the same through the real endpoint."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from icegraph.pipeline import BuildResult
from icegraph.serve.answer_cache import AnswerCache, KeptBytes, cacheable
from icegraph.serve.app import ServeConfig, create_app

Q = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"


class Runs:
    """A stand-in query run that counts its calls and can be held open."""

    def __init__(self, answer: bytes = b"rows", fail: Exception | None = None) -> None:
        self.calls = 0
        self.answer = answer
        self.fail = fail
        self.release = asyncio.Event()

    async def __call__(self) -> bytes:
        self.calls += 1
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        return self.answer


def test_a_kept_answer_is_served_without_running_again():
    async def go() -> None:
        cache, run = AnswerCache(1 << 20), Runs()
        run.release.set()
        assert await cache.get("k", Q, run) == b"rows"
        assert await cache.get("k", Q, run) == b"rows"
        assert run.calls == 1
        assert cache.stats()["hits"] == 1 and cache.stats()["misses"] == 1
        assert await cache.get("other", Q, run) == b"rows"  # another key runs
        assert run.calls == 2

    asyncio.run(go())


def test_concurrent_identical_requests_share_one_run():
    async def go() -> None:
        cache, run = AnswerCache(1 << 20), Runs()
        tasks = [asyncio.create_task(cache.get("k", Q, run)) for _ in range(5)]
        await asyncio.sleep(0.01)
        assert run.calls == 1  # four wait for the first
        run.release.set()
        assert await asyncio.gather(*tasks) == [b"rows"] * 5
        assert run.calls == 1 and cache.stats()["joined"] == 4

    asyncio.run(go())


def test_when_the_request_running_it_leaves_a_waiting_one_takes_over():
    async def go() -> None:
        cache, run = AnswerCache(1 << 20), Runs()
        first = asyncio.create_task(cache.get("k", Q, run))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(cache.get("k", Q, run))
        await asyncio.sleep(0.01)
        first.cancel()  # its client went away: its run is stopped
        await asyncio.sleep(0.01)
        assert first.cancelled() and run.calls == 2  # the second started its own
        run.release.set()
        assert await second == b"rows"

    asyncio.run(go())


def test_when_every_request_leaves_the_query_is_not_run_again():
    async def go() -> None:
        cache, run = AnswerCache(1 << 20), Runs()
        tasks = [asyncio.create_task(cache.get("k", Q, run)) for _ in range(30)]
        await asyncio.sleep(0.01)
        for t in tasks:  # thirty clients hang up at once
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert all(t.cancelled() for t in tasks)
        assert run.calls == 1  # none of the waiting ones started it again

    asyncio.run(go())


def test_a_waiting_request_that_leaves_does_not_stop_the_run():
    async def go() -> None:
        cache, run = AnswerCache(1 << 20), Runs()
        first = asyncio.create_task(cache.get("k", Q, run))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(cache.get("k", Q, run))
        await asyncio.sleep(0.01)
        second.cancel()
        run.release.set()
        assert await first == b"rows" and run.calls == 1

    asyncio.run(go())


def test_refusals_are_shared_with_waiters_but_never_kept():
    async def go() -> None:
        cache, run = AnswerCache(1 << 20), Runs(fail=ValueError("stopped after 20 seconds"))
        tasks = [asyncio.create_task(cache.get("k", Q, run)) for _ in range(2)]
        await asyncio.sleep(0.01)
        run.release.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, ValueError) for r in results) and run.calls == 1
        run.fail = None
        assert await cache.get("k", Q, run) == b"rows" and run.calls == 2  # tried again

    asyncio.run(go())


def test_a_time_out_is_remembered_for_a_while_other_refusals_are_not():
    class Stopped(Exception):
        retry_after: int | None = None

    now = [100.0]

    async def go() -> None:
        cache = AnswerCache(1 << 20, remember=(Stopped,), remember_s=60, clock=lambda: now[0])
        run = Runs(fail=Stopped("stopped after 20 seconds"))
        run.release.set()
        for _ in range(3):
            with pytest.raises(Stopped, match="stopped after 20 seconds") as refused:
                await cache.get("k", Q, run)
        assert run.calls == 1 and cache.stats()["refused_again"] == 2
        assert refused.value.retry_after == 60  # when the query will be run again
        now[0] += 61  # a minute on: run again, and this time it answers
        run.fail = None
        assert await cache.get("k", Q, run) == b"rows" and run.calls == 2
        other = Runs(fail=ValueError("bad query"))
        other.release.set()
        for _ in range(2):
            with pytest.raises(ValueError):
                await cache.get("other", Q, other)
        assert other.calls == 2  # not a time-out: tried each time

    asyncio.run(go())


def test_volatile_queries_and_a_zero_budget_always_run():
    assert not cacheable("SELECT (NOW() AS ?t) {}")
    assert not cacheable("SELECT ?s { ?s ?p ?o } ORDER BY rand ( )")
    assert not cacheable("SELECT (struuid() AS ?u) {}")
    assert cacheable("SELECT ?now WHERE { ?s <http://x/random> ?now }")

    async def go() -> None:
        run = Runs()
        run.release.set()
        for cache, query in (
            (AnswerCache(1 << 20), "SELECT (NOW() AS ?t) {}"),
            (AnswerCache(0), Q),
        ):
            before = run.calls
            await cache.get("k", query, run)
            await cache.get("k", query, run)
            assert run.calls == before + 2 and len(cache.kept) == 0

    asyncio.run(go())


def test_kept_bytes_stay_within_the_budget_most_recent_first():
    kept = KeptBytes(800)
    kept.put("a", b"x" * 100)
    kept.put("b", b"x" * 100)
    assert kept.get("a") is not None  # a is now the most recent
    for k in "cdefghi":  # nine of 100 bytes: one must go, the least recently used
        kept.put(k, b"x" * 100)
    assert kept.size <= 800 and kept.get("b") is None and kept.get("a") is not None
    kept.put("huge", b"x" * 101)  # over an eighth of the budget: not kept
    assert kept.get("huge") is None
    kept.put("a", b"y" * 10)  # replaced, and counted once: seven of 100 bytes and this
    assert kept.get("a") == b"y" * 10 and kept.size == 710 and len(kept) == 8


def _sparql(client: TestClient, query: str) -> str:
    r = client.post("/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert r.status_code == 200, r.text
    return r.text


def test_the_endpoint_answers_a_repeated_query_from_what_it_kept(seed_build: BuildResult):
    store = seed_build.out_dir / "store"
    app = create_app(ServeConfig(store, workers=1))
    with TestClient(app) as client:
        answers = app.state.pool.answers
        query = "SELECT ?name WHERE { ?s a <https://w3id.org/icegraph/ns#System> ; "
        query += "<http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY ?name"
        first = _sparql(client, query)
        assert "\r\nICM\r\n" in first and "\r\nTECS\r\n" in first
        assert _sparql(client, query) == first
        assert answers.stats()["hits"] == 1 and answers.stats()["misses"] == 1
        # another format is another answer
        json = client.post("/sparql", data={"query": query}, headers={"Accept": "application/json"})
        assert json.status_code == 200 and answers.stats()["misses"] == 2
        # a query whose answer may change is not kept: asked again, it runs again
        _sparql(client, "SELECT (NOW() AS ?t) {}")
        _sparql(client, "SELECT (NOW() AS ?t) {}")
        assert answers.stats()["misses"] == 4


def test_a_build_published_while_serving_is_not_answered_from_the_old_one(
    seed_build: BuildResult, tmp_path: Path
):
    import shutil

    build = tmp_path / "build"
    shutil.copytree(seed_build.out_dir, build)
    app = create_app(ServeConfig(build / "store", workers=1))
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with TestClient(app) as client:
        _sparql(client, query)
        # a new build switched in by one rename, as a build publishes: another folder
        shutil.copytree(seed_build.out_dir, tmp_path / "next")
        build.rename(tmp_path / "old")
        (tmp_path / "next").rename(build)
        _sparql(client, query)
        assert app.state.pool.answers.stats()["misses"] == 2


@pytest.mark.parametrize("bad", ["-1", "abc", "1e3", "9999999999", "²", "١٢"])
def test_a_bad_position_in_a_paged_list_is_refused_with_the_fix(seed_build: BuildResult, bad: str):
    app = create_app(ServeConfig(seed_build.out_dir / "store", workers=1))
    with TestClient(app) as client:
        r = client.get(f"/id/system/icm?referred={bad}", headers={"Accept": "text/html"})
        assert r.status_code == 400 and "whole number" in r.text
