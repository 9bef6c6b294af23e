"""Timing and memory of a command and all its processes, for the benchmark scripts."""

from __future__ import annotations

import compileall
import importlib.util
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


def tree_memory_kib(pid: int) -> int:
    """Memory of a process and all its descendants, in KiB (Linux /proc): each process's
    proportional set size, so that a page two processes share counts once. The resident
    sizes would count twice the pages a forked child shares with its parent (the server's
    query workers are forked from one process)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            total += _own_kib(p)
            for task in Path(f"/proc/{p}").joinpath("task").iterdir():
                children = (task / "children").read_text().split()
                todo.extend(int(c) for c in children)
        except OSError:
            continue
    return total


def _own_kib(pid: int) -> int:
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        key = "Pss:"
    except OSError:  # a kernel without it: the resident size
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        key = "VmRSS:"
    return sum(int(line.split()[1]) for line in lines if line.startswith(key))


def installed_bytecode() -> None:
    """icegraph's modules compiled to bytecode, as installing its wheel leaves them. An
    editable install (`make`) where PYTHONDONTWRITEBYTECODE is set never writes them, and
    then every build compiled each module from source again (about 0.4 s of CPU in its own
    process and again in its JSON-LD writer), which no installed copy does."""
    spec = importlib.util.find_spec("icegraph")
    folders = spec.submodule_search_locations if spec is not None else None
    for folder in folders or ():
        compileall.compile_dir(folder, quiet=1)


@dataclass
class Run:
    seconds: float
    peak_mib: float
    returncode: int
    stderr: str
    cpu_s: float = 0.0  # user + system CPU of the command and every process it waited for


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(cmd: list[str], timeout: float | None = None) -> Run:
    """Run a command; wall time, peak memory of its whole process tree, CPU time (on a
    shared machine, steadier than the wall time), exit code. One command at a time: the CPU
    time is that of every child this process waited for meanwhile."""
    cpu = _children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            began = time.perf_counter()
            peak = max(peak, tree_memory_kib(proc.pid))
            # reading a large process's page tables takes time: sample less often then
            stop.wait(max(0.1, 10 * (time.perf_counter() - began)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        stop.set()
        return Run(time.perf_counter() - started, peak / 1024, -1, "timed out")
    finally:
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - started
    return Run(seconds, peak / 1024, proc.returncode, err, _children_cpu() - cpu)
