"""Start real servers for tests: icegraph serve and an Oxigraph server, on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read()!r}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not start")


@contextmanager
def running(cmd: list[str], ready_url: str) -> Iterator[None]:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait(ready_url, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def icegraph_server(store: Path, **options: object) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "icegraph.cli", "serve", "--store", str(store),
           "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    base = f"http://127.0.0.1:{port}"
    with running(cmd, base + "/sparql"):
        yield base


def oxigraph_binary() -> str | None:
    local = Path(sys.executable).parent / "oxigraph"
    return str(local) if local.exists() else shutil.which("oxigraph")


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    with running(cmd, base + "/query"):
        yield base
