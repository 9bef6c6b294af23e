"""Soak: minutes of mixed hostile load on a local server; light-query latency, memory, leftovers.

Starts `icegraph serve` on a free 127.0.0.1 port and, for a bounded time and number of
requests, runs at once:

- abandoning clients: send a heavy query (a triple cross product, or a sort of one that
  needs more memory than a worker may take) and hang up after 0.2-1.5 s;
- patient clients: send the same heavy queries and wait for the answer (a 503 at the time
  or memory limit);
- light clients: a small SELECT or ASK, over and over, timed;
- page clients: entity pages and reconciliation batches.

Before that, three times: 30 heavy queries sent and abandoned at once, then one light query,
timed.

Every client has its own address (X-Forwarded-For, which the server trusts from 127.0.0.1 as
from a local reverse proxy). Memory of every worker is sampled throughout. At the end the
server gets SIGTERM; the time it takes to exit and any process of it still alive afterwards
are reported. Exits 1 when a light query took 2 s or more at p99 or after a burst, any answer
was a 500, or a process outlived the server.

    python benchmarks/soak.py --seconds 180
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import alive, descendants, free_port  # noqa: E402

HEAVY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT ?a ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c ?a LIMIT 1",
]
LIGHT = [
    "ASK { ?s ?p ?o }",
    "SELECT ?s ?l WHERE { ?s a ig:Agency ; rdfs:label ?l } ORDER BY ?s LIMIT 5",
    "SELECT ?f WHERE { ?f ig:dataTo <https://w3id.org/icegraph/id/system/icm> } LIMIT 10",
]
PAGES = ["/id/system/icm", "/id/agency/ice", "/id/system/tecs", "/id/claim/flow/tecs--icm"]
BATCH = json.dumps({"q0": {"query": "ICE"}, "q1": {"query": "TECS", "type": "System"}})


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 1)


class Soak:
    def __init__(self, base: str, stop_at: float, max_requests: int) -> None:
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.base = base
        self.stop_at = stop_at
        self.budget = max_requests
        self.lock = threading.Lock()
        self.light: list[float] = []
        self.statuses: Counter[str] = Counter()

    def _go(self) -> bool:
        with self.lock:
            if self.budget <= 0:
                return False
            self.budget -= 1
        return time.monotonic() < self.stop_at

    def _count(self, kind: str, status: int | str) -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1

    def _send_heavy(self, query: str, client: str) -> socket.socket:
        body = urllib.parse.urlencode({"query": query}).encode()
        s = socket.create_connection((self.host, self.port), timeout=30)
        s.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"X-Forwarded-For: {client}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        return s

    def abandoned_burst(self, n: int) -> float:
        """Seconds a light query takes right after `n` heavy queries were sent and abandoned."""
        sockets = [self._send_heavy(HEAVY[0], f"10.5.0.{i}") for i in range(n)]
        time.sleep(1.0)
        for s in sockets:
            s.close()
        started = time.perf_counter()
        r = httpx.post(self.base + "/sparql", data={"query": LIGHT[0]}, timeout=60,
                       headers={"Accept": "application/sparql-results+json"})  # fmt: skip
        seconds = time.perf_counter() - started
        self._count("burst-light", r.status_code)
        time.sleep(1.0)
        return seconds

    def abandoning(self, n: int) -> None:
        rng = random.Random(n)
        while self._go():
            s = self._send_heavy(rng.choice(HEAVY), f"10.8.0.{n}")
            time.sleep(rng.uniform(0.2, 1.5))
            s.close()
            self._count("abandoned", "-")

    def patient(self, n: int) -> None:
        rng = random.Random(100 + n)
        while self._go():
            with self._send_heavy(rng.choice(HEAVY), f"10.9.0.{n}") as s:
                try:
                    status = s.recv(64).split(b" ")[1].decode()
                except (OSError, IndexError):
                    status = "no answer"
            self._count("heavy", status)

    def light_client(self, n: int) -> None:
        rng = random.Random(200 + n)
        headers = {"Accept": "application/sparql-results+json", "X-Forwarded-For": f"10.7.0.{n}"}
        with httpx.Client(timeout=60) as http:
            while self._go():
                started = time.perf_counter()
                try:
                    r = http.post(self.base + "/sparql", data={"query": rng.choice(LIGHT)},
                                  headers=headers)  # fmt: skip
                    status: int | str = r.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                if status == 200:
                    with self.lock:
                        self.light.append(time.perf_counter() - started)
                self._count("light", status)
                time.sleep(rng.uniform(0.05, 0.3))

    def pages(self, n: int) -> None:
        rng = random.Random(300 + n)
        headers = {"X-Forwarded-For": f"10.6.0.{n}"}
        with httpx.Client(timeout=60) as http:
            while self._go():
                try:
                    if rng.random() < 0.7:
                        r = http.get(self.base + rng.choice(PAGES), headers=headers)
                    else:
                        r = http.post(self.base + "/reconcile", data={"queries": BATCH},
                                      headers=headers)  # fmt: skip
                    status: int | str = r.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                self._count("page", status)
                time.sleep(rng.uniform(0.05, 0.3))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, default=None, help="Default: the seeds, built now.")
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--max-requests", type=int, default=50_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker-memory", type=int, default=256, help="MiB, as the server option.")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--abandoning", type=int, default=6)
    ap.add_argument("--patient", type=int, default=1)
    ap.add_argument("--light", type=int, default=4)
    ap.add_argument("--pages", type=int, default=2)
    ap.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="icegraph-soak-") as tmp:
        store = args.store
        if store is None:
            out = Path(tmp) / "build"
            subprocess.run([sys.executable, "-m", "icegraph.cli", "build", "-q", "--data",
                            str(ROOT / "data"), "--out", str(out)], check=True)  # fmt: skip
            store = out / "store"
        return _soak(args, store, Path(tmp) / "server.log")


def _soak(args: argparse.Namespace, store: Path, log: Path) -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "icegraph.cli", "serve", "--store", str(store),
           "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
           "--timeout", str(args.timeout), "--worker-memory", str(args.worker_memory)]  # fmt: skip
    with log.open("w") as err:
        server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
    seen: set[int] = set()
    worker_peak = 0
    samples: list[dict[str, float]] = []
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/sparql", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        server_start = _rss_kib(server.pid)
        started = time.monotonic()
        soak = Soak(base, started + args.seconds, args.max_requests)
        bursts = [round(soak.abandoned_burst(30) * 1000, 1) for _ in range(3)]
        threads = [
            threading.Thread(target=soak.abandoning, args=(i,)) for i in range(args.abandoning)
        ]
        threads += [threading.Thread(target=soak.patient, args=(i,)) for i in range(args.patient)]
        threads += [
            threading.Thread(target=soak.light_client, args=(i,)) for i in range(args.light)
        ]
        threads += [threading.Thread(target=soak.pages, args=(i,)) for i in range(args.pages)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            kids = descendants(server.pid)
            seen.update(kids)
            rss = [_rss_kib(k) for k in kids]
            worker_peak = max([worker_peak, *rss])
            samples.append({"t": round(time.monotonic() - started),
                            "server_mib": round(_rss_kib(server.pid) / 1024, 1),
                            "workers_mib": round(sum(rss) / 1024, 1),
                            "processes": len(kids)})  # fmt: skip
            time.sleep(2)
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        server_end = _rss_kib(server.pid)
        seen.update(descendants(server.pid))
        stopping = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        shutdown = time.monotonic() - stopping
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    time.sleep(2)
    leftover = sorted(p for p in seen if alive(p))
    light = soak.light
    figures = {
        "seconds": round(elapsed, 1),
        "workers": args.workers,
        "clients": {
            "abandoning": args.abandoning,
            "patient": args.patient,
            "light": args.light,
            "pages": args.pages,
        },  # fmt: skip
        "light_after_30_abandoned_ms": bursts,
        "answers": dict(sorted(soak.statuses.items())),
        "light_queries": len(light),
        "light_p50_ms": _pct(light, 0.50),
        "light_p95_ms": _pct(light, 0.95),
        "light_p99_ms": _pct(light, 0.99),
        "light_max_ms": round(max(light) * 1000, 1) if light else None,
        "light_mean_ms": round(statistics.mean(light) * 1000, 1) if light else None,
        "server_rss_start_mib": round(server_start / 1024, 1),
        "server_rss_end_mib": round(server_end / 1024, 1),
        "worker_rss_peak_mib": round(worker_peak / 1024, 1),
        "worker_processes_started": len(seen),
        "shutdown_seconds": round(shutdown, 2),
        "processes_left": leftover,
        "tracebacks_in_log": log.read_text().count("Traceback"),
        "memory_samples": samples[:: max(1, len(samples) // 10)],
    }
    for k, v in figures.items():
        print(f"{k:26} {v}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    five_hundreds = sum(n for k, n in soak.statuses.items() if k.split()[1] == "500")
    ok = (
        (figures["light_p99_ms"] or 0) < 2000
        and max(bursts) < 2000
        and five_hundreds == 0
        and not leftover
        and figures["tracebacks_in_log"] == 0
    )
    print("soak:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
