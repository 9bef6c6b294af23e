"""Load on the local server: N concurrent clients of mixed catalogue queries and entity pages.

Starts `icegraph serve` on a free 127.0.0.1 port over the given store, runs the clients for a
fixed time, and prints requests/s, p50/p99 latency, errors, 5xx, and the server's memory
(all its processes) at the start and at the end, so growth shows.

    python benchmarks/load.py --seconds 60 --clients 20
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402

from benchmarks.measure import tree_rss_kib  # noqa: E402
from icegraph.queries import catalogue  # noqa: E402

ENTITIES = [
    "/id/system/icm",
    "/id/agency/ice",
    "/id/system/tecs",
    "/id/org/palantir",
    "/id/flow/hsi-data-warehouse--icm",
    "/id/claim/flow/tecs--icm",
    "/id/agency/dhs",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=ROOT / "build" / "store")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = ap.parse_args()
    if not args.store.exists():
        build = [sys.executable, "-m", "icegraph.cli", "build", "-q"]
        build += ["--data", str(ROOT / "data"), "--out", str(args.store.parent)]
        subprocess.run(build, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "icegraph.cli",
            "serve",
            "--store",
            str(args.store),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/sparql", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        queries = [q.bound() for q in catalogue()]
        # warm up, then take the starting memory
        for q in queries:
            httpx.post(base + "/sparql", data={"query": q}, timeout=60)
        mem_start = tree_rss_kib(server.pid)
        latencies: list[float] = []
        statuses: list[int] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.monotonic() + args.seconds

        def client(seed: int) -> None:
            rng = random.Random(seed)
            with httpx.Client(timeout=60) as http:
                while time.monotonic() < stop:
                    t0 = time.perf_counter()
                    try:
                        if rng.random() < 0.6:
                            r = http.post(
                                base + "/sparql",
                                data={"query": rng.choice(queries)},
                                headers={"Accept": "application/sparql-results+json"},
                            )
                        else:
                            r = http.get(
                                base + rng.choice(ENTITIES), headers={"Accept": "text/html"}
                            )
                        status = r.status_code
                    except httpx.HTTPError as exc:
                        with lock:
                            errors.append(type(exc).__name__)
                        continue
                    dt = time.perf_counter() - t0
                    with lock:
                        latencies.append(dt)
                        statuses.append(status)

        samples: list[float] = []

        def sampler() -> None:
            # Memory every tenth of the run: growth shows as a rising tail, warm-up as a step.
            while time.monotonic() < stop:
                samples.append(round(tree_rss_kib(server.pid) / 1024, 1))
                time.sleep(max(1.0, args.seconds / 10))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        threads.append(threading.Thread(target=sampler))
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        mem_end = tree_rss_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    lat = sorted(latencies)
    figures = {
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "requests_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1) if lat else None,
        "errors": len(errors),
        "non_2xx": sum(1 for s in statuses if not 200 <= s < 300),
        "5xx": sum(1 for s in statuses if s >= 500),
        "server_rss_start_mib": round(mem_start / 1024, 1),
        "server_rss_end_mib": round(mem_end / 1024, 1),
        "server_rss_samples_mib": samples,
    }
    for k, v in figures.items():
        print(f"{k:22} {v}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if figures["errors"] == 0 and figures["5xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
