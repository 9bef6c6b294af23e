"""The benchmarks' own machinery on the seeds: run.py's N-Quads and partial figures, and
load.py's clients against a real icegraph server, each from an address of its own."""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import pyoxigraph
from benchmarks import load, mapper, measure, run

from icegraph.mapping.terms import value_of
from icegraph.pipeline import BuildResult
from icegraph.publish.metadata import METADATA_GRAPH

DATA = Path(__file__).resolve().parents[1] / "data"


def test_the_published_trig_becomes_n_quads_one_a_line(seed_build: BuildResult, tmp_path: Path):
    nq = tmp_path / "build.nq"
    run.to_nquads(seed_build.out_dir / "icegraph.trig", nq)
    store = pyoxigraph.Store.read_only(str(seed_build.out_dir / "store"))
    assert run.count_lines(nq) == len(store)  # the graphs partition the dataset
    parsed = set(pyoxigraph.parse(path=str(nq), format=pyoxigraph.RdfFormat.N_QUADS))
    assert parsed == set(store)


def test_figures_so_far_are_written_whole_and_marked_incomplete(tmp_path: Path):
    target = tmp_path / "benchmark.json"
    done = {"rows": 10, "icegraph": {"total_s": 1.0}}
    run._write(target, [done, {"rows": 100, "icegraph": {"total_s": 9.0}}])
    written = json.loads(target.read_text())
    assert [r["complete"] for r in written] == [True, False]
    run._write(target, [done], complete=True)
    assert json.loads(target.read_text())[0]["complete"] is True
    assert not list(tmp_path.glob("*.part"))  # replaced in one step, nothing left beside


def test_load_clients_are_served_from_addresses_of_their_own(seed_build: BuildResult):
    store = seed_build.out_dir / "store"
    pages, firsts, asks = load.workload(store, seed=1, systems=5)
    assert len(asks) == 5 and len(firsts) >= 10
    assert ("page", "/id/system/icm") in pages
    args = argparse.Namespace(store=store, timeout=10.0)
    with load.icegraph_server(args, ["--answer-cache", "8"]) as server:

        def draw(rng: random.Random) -> load.Request:
            return rng.choice(pages[:3] + asks)

        figures = load.hammer(server, draw, clients=3, seconds=3, server_pid=server.pid)
    assert figures["errors"] == 0 and figures["non_2xx"] == 0
    assert figures["requests"] > 3 and set(figures["statuses"]) == {"200"}
    assert figures["p50_ms"] is not None and figures["p99_ms"] >= figures["p50_ms"]
    assert figures["server_memory_peak_mib"] > 0


def test_memory_a_forked_child_shares_is_counted_once():
    """The peak of a process tree: 200 MiB touched, then a forked child that only waits."""
    held = (
        "import os, time; b = bytearray(200 << 20); b[::4096] = b'x' * len(b[::4096]); "
        "pid = os.fork(); time.sleep(3); os._exit(0) if pid == 0 else os.waitpid(pid, 0)"
    )
    result = measure.run([sys.executable, "-c", held])
    assert result.returncode == 0
    assert 200 <= result.peak_mib < 300  # the resident sizes would add up to over 400


def test_the_mapper_alone_makes_the_builds_triples(seed_build: BuildResult, tmp_path: Path):
    """benchmarks/mapper.py times the mapper's loop without a loader: the lines it makes are
    the build's graph but the description (made from the loaded store), and two passes
    make the same lines."""
    made = tmp_path / "lines.nt"
    with made.open("wb") as fh:
        cpu, digest, _findings = mapper.map_once(DATA, fh)
    assert cpu > 0
    store = pyoxigraph.Store.read_only(str(seed_build.out_dir / "store"))
    described = pyoxigraph.NamedNode(value_of(METADATA_GRAPH))
    expected = {q.triple for q in store if q.graph_name != described}
    got = list(pyoxigraph.parse(path=str(made), format=pyoxigraph.RdfFormat.N_TRIPLES))
    assert len(got) == len(set(got)) == len(expected)  # each triple once: the graphs partition
    loaded = pyoxigraph.Store()  # as the store reads them (a decimal in canonical form)
    loaded.bulk_load(path=str(made), format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert {q.triple for q in loaded} == expected
    assert mapper.map_once(DATA)[1] == digest
