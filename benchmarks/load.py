"""Load on the local server, and on the Oxigraph server with the same SPARQL requests.

Starts `icegraph serve` on a free 127.0.0.1 port over the given store and runs N clients for
a fixed time, each from a loopback address of its own (127.0.0.2, .3, …, as N readers would
be), sending a mix of entity pages, catalogue questions' first pages (the query with
`LIMIT 101 OFFSET 0`, as the query page asks for it) and "whose data reaches X" for
--systems systems drawn at random. Prints requests/s, p50/p99 latency, errors, non-2xx, and
the server's memory (all its processes, query workers included) at the start, during and at
the end. Phases, each of --seconds, the clients stopping by themselves:

1. icegraph, mixed, with its answer cache (--answer-cache MiB);
2. icegraph, the SPARQL requests of that mix only, with its answer cache;
3. icegraph with no answer cache (--answer-cache 0), the same SPARQL requests;
4. the Oxigraph server (`oxigraph serve-read-only` from the `oxigraph` package, union
   default graph, the same store; or `--oxigraph-command serve` on a copy of it), the same
   SPARQL requests.

The ratios of throughput and of p99 are printed for 2 and 3 against 4.

    python benchmarks/load.py --store /tmp/big/build/store --seconds 60 --clients 20
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, oxigraph_binary  # noqa: E402

from benchmarks.measure import tree_memory_kib  # noqa: E402
from icegraph.queries import catalogue, find_query  # noqa: E402
from icegraph.serve.query_page import page_of, pageable  # noqa: E402

BASE_IRI = "https://w3id.org/icegraph"
ENTITIES = ["/id/system/icm", "/id/agency/ice", "/id/agency/dhs"]
SAMPLE = """
PREFIX ig: <https://w3id.org/icegraph/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?name WHERE { ?s a ig:System ; rdfs:label ?name } LIMIT 2000
"""

# (kind, what): "page" is a GET of one of our pages, "sparql" a query sent to the endpoint
Request = tuple[str, str]


def workload(
    store: Path, seed: int, systems: int = 50
) -> tuple[list[Request], list[Request], list[Request]]:
    """Entity pages, catalogue first pages and parameterised questions, drawn from the
    store: the systems the clients ask about are ones it holds."""
    import pyoxigraph

    found = pyoxigraph.Store.read_only(str(store)).query(SAMPLE, use_default_graph_as_union=True)
    found_systems = [(s["s"].value, s["name"].value) for s in found]  # type: ignore[index,union-attr]
    if not found_systems:
        raise SystemExit(f"{store} holds no systems: is it an icegraph build's store?")
    rng = random.Random(seed)
    picked = rng.sample(found_systems, min(systems, len(found_systems)))
    pages = [("page", p) for p in ENTITIES]
    pages += [("page", iri.removeprefix(BASE_IRI)) for iri, _ in picked]
    firsts = []
    for q in catalogue():
        text = q.bound()
        firsts.append(("sparql", page_of(text, 0) if pageable(text) else text))
    reach = find_query("reaches-system")
    asks = [("sparql", page_of(reach.bound({"system": name}), 0)) for _, name in picked]
    return pages, firsts, asks


def hammer(
    send: Callable[[httpx.Client, Request], int],
    draw: Callable[[random.Random], Request],
    clients: int,
    seconds: float,
    server_pid: int,
) -> dict:
    """`clients` threads sending requests for `seconds`; latency of each, the server's memory
    sampled along the way."""
    latencies: dict[str, list[float]] = {"page": [], "sparql": []}
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    samples: list[float] = []
    refused: list[float] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        # each client from an address of its own (127.0.0.2, .3, …: all loopback on Linux),
        # as twenty readers would be: the server shares its workers out per address
        own = httpx.HTTPTransport(local_address=f"127.0.0.{2 + seed % 250}")
        with httpx.Client(timeout=max(60.0, seconds), transport=own) as http:
            while time.monotonic() < stop:
                req = draw(rng)
                t0 = time.perf_counter()
                try:
                    status = send(http, req)
                except httpx.HTTPError as exc:
                    with lock:
                        errors[type(exc).__name__] += 1
                    continue
                dt = time.perf_counter() - t0
                with lock:
                    statuses[status] += 1
                    if 200 <= status < 300:  # a quick refusal is not a request served
                        latencies[req[0]].append(dt)
                    else:
                        refused.append(dt)

    def sampler() -> None:
        # memory every tenth of the run: growth shows as a rising tail, warm-up as a step
        while time.monotonic() < stop:
            samples.append(round(tree_memory_kib(server_pid) / 1024, 1))
            time.sleep(max(1.0, seconds / 10))

    start_mib = round(tree_memory_kib(server_pid) / 1024, 1)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    threads.append(threading.Thread(target=sampler))
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    every = sorted(latencies["page"] + latencies["sparql"])
    figures = {
        "clients": clients,
        "seconds": round(elapsed, 1),
        **_latency(every, elapsed),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "non_2xx": sum(n for s, n in statuses.items() if not 200 <= s < 300),
        "non_2xx_p50_ms": round(statistics.median(refused) * 1000, 1) if refused else None,
        "statuses": {str(s): n for s, n in sorted(statuses.items())},
        "server_memory_start_mib": start_mib,
        "server_memory_end_mib": round(tree_memory_kib(server_pid) / 1024, 1),
        "server_memory_peak_mib": max([start_mib, *samples]),
        "server_memory_samples_mib": samples,
    }
    for kind, lat in latencies.items():
        if lat:
            figures[kind] = _latency(sorted(lat), elapsed)
    return figures


def _latency(lat: list[float], elapsed: float) -> dict:
    if not lat:
        return {"requests": 0, "requests_per_s": 0.0, "p50_ms": None, "p99_ms": None}
    return {
        "requests": len(lat),
        "requests_per_s": round(len(lat) / elapsed, 2),
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        # nearest rank: the latency 99 % of the requests did not exceed
        "p99_ms": round(lat[math.ceil(len(lat) * 0.99) - 1] * 1000, 1),
    }


def warm_up(
    send: Callable[[httpx.Client, Request], int], requests: list[Request], timeout: float
) -> None:
    """Every request once, so both servers start with the store's files read in; a minute
    at most (a heavy question at a million records may use its whole time limit)."""
    until = time.monotonic() + 60
    with httpx.Client(timeout=timeout + 10) as http:
        for req in requests:
            if time.monotonic() > until:
                break
            try:
                send(http, req)
            except httpx.HTTPError:
                continue


def started(cmd: list[str], probe: str) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(1200):  # a million-record store takes a while to open
        if proc.poll() is not None:
            raise SystemExit(f"{cmd[0]} stopped at start (exit {proc.returncode})")
        try:
            httpx.get(probe, timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{cmd[0]} did not answer within two minutes")


def stopped(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=ROOT / "build" / "store")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60, help="Length of each phase.")
    ap.add_argument("--timeout", type=float, default=20, help="Seconds a server lets a query run.")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--systems", type=int, default=50, help="Systems drawn for pages and reachability."
    )
    ap.add_argument(
        "--answer-cache",
        type=int,
        default=64,
        help="icegraph serve --answer-cache (MiB) in the first two phases.",
    )
    ap.add_argument(
        "--oxigraph-command",
        choices=("serve-read-only", "serve"),
        default="serve-read-only",
        help="serve-read-only opens the same store as icegraph does (read-only); serve opens "
        "it for writing, so it runs on a copy.",
    )
    ap.add_argument("--no-oxigraph", action="store_true", help="Only icegraph's server.")
    ap.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = ap.parse_args()
    if not args.store.exists():
        build = [sys.executable, "-m", "icegraph.cli", "build", "-q"]
        build += ["--data", str(ROOT / "data"), "--out", str(args.store.parent)]
        subprocess.run(build, check=True)
    pages, firsts, asks = workload(args.store, args.seed, args.systems)
    sparql = firsts + asks

    def mixed(rng: random.Random) -> Request:
        # four in ten entity pages, three catalogue first pages, three reachability questions
        x = rng.random()
        return rng.choice(pages if x < 0.4 else firsts if x < 0.7 else asks)

    def sparql_only(rng: random.Random) -> Request:
        return rng.choice(firsts if rng.random() < 0.5 else asks)

    figures: dict = {"store": str(args.store), "requests": {"pages": len(pages)}}
    figures["requests"].update(catalogue_first_pages=len(firsts), reachability=len(asks))
    figures["settings"] = {
        "clients": args.clients,
        "seconds": args.seconds,
        "timeout_s": args.timeout,
        "answer_cache_mib": args.answer_cache,
        "client_addresses": "one per client (127.0.0.2, .3, …)",
        "oxigraph_command": args.oxigraph_command,
    }
    kept = ["--answer-cache", str(args.answer_cache)]
    with icegraph_server(args, kept) as ours:
        warm_up(ours, pages[:5] + sparql, args.timeout)
        figures["icegraph_mixed"] = hammer(ours, mixed, args.clients, args.seconds, ours.pid)
        _show("icegraph serve, mixed", figures["icegraph_mixed"])
        figures["icegraph_sparql"] = hammer(ours, sparql_only, args.clients, args.seconds, ours.pid)
        _show("icegraph serve, SPARQL only", figures["icegraph_sparql"])
    if args.answer_cache:
        # the engines side by side: every request worked out, none answered from memory
        with icegraph_server(args, ["--answer-cache", "0"]) as ours:
            # no warm-up: nothing is kept, and the store's files were read in by phase 1
            figures["icegraph_sparql_uncached"] = hammer(
                ours, sparql_only, args.clients, args.seconds, ours.pid
            )
            _show(
                "icegraph serve --answer-cache 0, SPARQL only", figures["icegraph_sparql_uncached"]
            )

    binary = oxigraph_binary()
    if binary and not args.no_oxigraph:
        with oxigraph_server(binary, args) as theirs:
            warm_up(theirs, sparql, args.timeout)
            figures["oxigraph_sparql"] = hammer(
                theirs, sparql_only, args.clients, args.seconds, theirs.pid
            )
            _show(f"oxigraph {args.oxigraph_command}, SPARQL only", figures["oxigraph_sparql"])
        ox = figures["oxigraph_sparql"]
        figures["ratio"] = {}
        for phase in ("icegraph_sparql", "icegraph_sparql_uncached"):
            if phase in figures:
                ice = figures[phase]
                figures["ratio"][phase.removeprefix("icegraph_")] = {
                    "throughput_icegraph_over_oxigraph": _ratio(
                        ice["requests_per_s"], ox["requests_per_s"]
                    ),
                    "p99_icegraph_over_oxigraph": _ratio(ice["p99_ms"], ox["p99_ms"]),
                }
        print(f"ratios, same SPARQL requests: {figures['ratio']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = figures["icegraph_mixed"]
    return 0 if ok["errors"] == 0 and not any(s.startswith("5") for s in ok["statuses"]) else 1


class Server:
    """A running server and how to send it one of the workload's requests."""

    def __init__(self, proc: subprocess.Popen, send: Callable[[httpx.Client, Request], int]):
        self.proc = proc
        self.pid = proc.pid
        self._send = send

    def __call__(self, http: httpx.Client, req: Request) -> int:
        return self._send(http, req)


@contextmanager
def icegraph_server(args: argparse.Namespace, extra: list[str]) -> Iterator[Server]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "icegraph.cli", "serve", "--store", str(args.store)]
    cmd += ["--port", str(port), "--timeout", str(args.timeout), *extra]
    proc = started(cmd, base + "/sparql")

    def send(http: httpx.Client, req: Request) -> int:
        if req[0] == "page":
            return http.get(base + req[1], headers={"Accept": "text/html"}).status_code
        accept = {"Accept": "application/sparql-results+json"}
        return http.post(base + "/sparql", data={"query": req[1]}, headers=accept).status_code

    try:
        yield Server(proc, send)
    finally:
        stopped(proc)


@contextmanager
def oxigraph_server(binary: str, args: argparse.Namespace) -> Iterator[Server]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="oxigraph-serve-", dir=args.store.parent) as tmp:
        location = args.store
        if args.oxigraph_command == "serve":  # it opens the store for writing: a copy
            location = Path(tmp) / "store"
            shutil.copytree(args.store, location)
        cmd = [binary, args.oxigraph_command, "--location", str(location)]
        cmd += ["--bind", f"127.0.0.1:{port}", "--union-default-graph"]
        cmd += ["--timeout-s", str(int(args.timeout))]
        proc = started(cmd, base + "/query")

        def send(http: httpx.Client, req: Request) -> int:
            accept = {"Accept": "application/sparql-results+json"}
            return http.post(base + "/query", data={"query": req[1]}, headers=accept).status_code

        try:
            yield Server(proc, send)
        finally:
            stopped(proc)


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def _show(title: str, f: dict) -> None:
    print(f"\n{title}: {f['clients']} clients, {f['seconds']} s")
    for key in ("requests", "requests_per_s", "p50_ms", "p99_ms", "errors", "non_2xx"):
        print(f"  {key:22} {f[key]}")
    for kind in ("page", "sparql"):
        if kind in f:
            print(f"  {kind + ' requests':22} {f[kind]}")
    print(f"  {'statuses':22} {f['statuses']}")
    mem = f"{f['server_memory_start_mib']} → {f['server_memory_end_mib']} MiB"
    print(f"  {'server memory':22} {mem} (peak {f['server_memory_peak_mib']} MiB)")


if __name__ == "__main__":
    sys.exit(main())
