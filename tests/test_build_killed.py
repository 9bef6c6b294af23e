"""Real build processes: killed mid-load, and two at once into one folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import DATA

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="finds helper processes through /proc"
)

# A build that stops in the middle of loading (its mapper and JSON-LD writer running) and
# says so on stdout.
STALLED_BUILD = r"""
import sys, time
from pathlib import Path
from icegraph import produce
from icegraph.pipeline import build

real = produce._PipeReader.readinto

def stall(self, b):
    n = real(self, b)
    print("loading", flush=True)
    time.sleep(120)
    return n

produce._PipeReader.readinto = stall
if sys.argv[3:] == ["cli"]:
    from icegraph.cli import main
    main(["build", "--data", sys.argv[1], "--out", sys.argv[2], "-q"])
else:
    build(Path(sys.argv[1]), Path(sys.argv[2]), stream_dumps=True)
"""


def icegraph(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "icegraph.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def children(pid: int) -> dict[int, str]:
    """Every living descendant of `pid`, with its command line."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        p = frontier.pop()
        for child, parent in parents.items():
            if parent == p and child not in found:
                found[child] = _cmdline(child)
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def start_stalled(out: Path, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", STALLED_BUILD, str(DATA), str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if extra else subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # a group of its own, as a build started from a terminal
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "loading\n"
    return proc


def test_a_killed_build_leaves_no_process_and_its_folder_goes_with_the_next(tmp_path: Path):
    out = tmp_path / "build"
    first = icegraph("build", "--data", str(DATA), "--out", str(out), "-q")
    assert first.returncode == 0, first.stderr
    published = os.readlink(out / "current")
    proc = start_stalled(out)
    try:
        deadline = time.monotonic() + 20
        helpers = children(proc.pid)
        while len(helpers) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            helpers = children(proc.pid)
        # the mapper and the JSON-LD writer, both forked: no resource tracker (which
        # multiprocessing starts for the semaphores of spawned helpers)
        assert len(helpers) == 2, helpers
        assert not any("resource_tracker" in c for c in helpers.values()), helpers
        # while it runs, a second build into the same folder is refused, naming it
        second = icegraph("build", "--data", str(DATA), "--out", str(out), "-q")
        assert second.returncode == 1
        assert second.stderr == (
            f"error: {out}: another build into {out}/ is running (pid {proc.pid}). "
            "Wait for it to finish, or build into another folder with --out.\n"
        )
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    deadline = time.monotonic() + 10
    while any(alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [c for p, c in helpers.items() if alive(p)] == []
    # the killed build's folder is still there; the published build is untouched
    assert len(list((out / ".builds").iterdir())) == 2
    assert os.readlink(out / "current") == published
    third = icegraph("build", "--data", str(DATA), "--out", str(out), "-q")
    assert third.returncode == 0, third.stderr
    assert [f".builds/{p.name}" for p in (out / ".builds").iterdir()] == [
        os.readlink(out / "current")
    ]


def test_two_builds_at_once_give_one_whole_build(tmp_path: Path):
    out = tmp_path / "build"
    cmd = [sys.executable, "-m", "icegraph.cli", "build", "--data", str(DATA), "--out", str(out)]
    procs = [
        subprocess.Popen([*cmd, "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    assert any(code == 0 for code, _ in outcomes), outcomes
    for (code, err), p in zip(outcomes, procs, strict=True):
        if code != 0:  # the one that came second, if they overlapped
            other = next(q.pid for q in procs if q is not p)
            assert code == 1
            assert err == (
                f"error: {out}: another build into {out}/ is running (pid {other}). "
                "Wait for it to finish, or build into another folder with --out.\n"
            )
    assert [f".builds/{p.name}" for p in (out / ".builds").iterdir()] == [
        os.readlink(out / "current")
    ]
    query = icegraph("query", "reaches-icm", "--store", str(out / "store"), "--format", "csv")
    assert query.returncode == 0 and query.stdout.count("\n") == 18, query.stderr


def test_sigterm_stops_a_build_quietly_and_cleans_up(tmp_path: Path):
    out = tmp_path / "build"
    proc = start_stalled(out, "cli")
    helpers = children(proc.pid)
    os.killpg(proc.pid, signal.SIGTERM)  # as a logout or a service manager does
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (143, "")
    assert list((out / ".builds").iterdir()) == []
    deadline = time.monotonic() + 10
    while any(alive(p) for p in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [c for p, c in helpers.items() if alive(p)] == []
