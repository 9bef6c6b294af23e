"""The built wheel works with no checkout: a fresh venv, an empty folder, build, query, serve.

Slow (a wheel, a venv and its dependencies, about a minute); it never skips: a machine that
cannot build or install the wheel fails here with pip's own message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATA, ROOT
from tests.servers import free_port, running

# What a source distribution holds: the package (with its model files) and its metadata.
SOURCES = ("src", "pyproject.toml", "README.md", "LICENSE")


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """The bin/ folder of a fresh venv with the wheel installed, and an environment that
    cannot see the checkout."""
    base = tmp_path_factory.mktemp("wheel")
    # built from a copy, so the checkout gains no build/ or egg-info folder
    tree = base / "source"
    for name in SOURCES:
        src = ROOT / name
        if src.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(src, tree / name, ignore=ignore)
        else:
            shutil.copy2(src, tree / name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(tree)], base, env)
    (wheel,) = wheels.glob("icegraph-*.whl")

    venv = base / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], base, env)
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], base, env)
    yield venv / "bin", env


def test_installed_wheel_builds_queries_and_serves_from_an_empty_folder(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = installed
    icegraph = str(bin_dir / "icegraph")
    data = tmp_path / "my-data"
    shutil.copytree(DATA, data)
    work = tmp_path / "empty"
    work.mkdir()

    _run([icegraph, "build", "--quiet", "--data", str(data)], work, env)
    assert (work / "build" / "icegraph.ttl").stat().st_size > 0

    listed = _run([icegraph, "query", "--list"], work, env).stdout
    assert "reaches-icm" in listed and "weakest-link-to-icm" in listed

    rows = _run([icegraph, "query", "reaches-icm", "--format", "csv"], work, env).stdout
    header, *systems = rows.splitlines()
    assert header == "system,name,route"
    assert any(line.endswith(",direct") for line in systems)

    port = free_port()
    serve = [icegraph, "serve", "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    old = Path.cwd()
    os.chdir(work)  # serve finds build/store where build put it
    try:
        with running(serve, base + "/sparql"):
            answer = httpx.get(base + "/queries", timeout=10)
    finally:
        os.chdir(old)
    assert answer.status_code == 200
    assert "reaches-icm" in {q["name"] for q in answer.json()}


def test_a_users_queries_folder_adds_questions(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = installed
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "my-question.rq").write_text(
        "# How many systems are there?\nPREFIX ig: <https://w3id.org/icegraph/ns#>\n"
        "SELECT (COUNT(?s) AS ?n) WHERE { ?s a ig:System }\n",
        encoding="utf-8",
    )
    listed = _run([str(bin_dir / "icegraph"), "query", "--list"], tmp_path, env).stdout
    assert "my-question" in listed and "How many systems are there?" in listed
    assert "reaches-icm" in listed
