"""The hot modules compiled with mypyc (setup.py) build exactly what the plain sources build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import icegraph
from icegraph import stale_compiled
from tests.conftest import DATA, ROOT
from tests.test_benchmark_inputs import generate

PACKAGE = Path(icegraph.__file__).parent


def _build(data: Path, out: Path, pythonpath: Path | None) -> None:
    env = dict(os.environ, ICEGRAPH_HOME=str(ROOT), SOURCE_DATE_EPOCH="1767225600")
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    cmd = [sys.executable, "-m", "icegraph.cli", "build", "--quiet"]
    subprocess.run([*cmd, "--data", str(data), "--out", str(out)], env=env, check=True)


def _plain_copy(target: Path) -> Path:
    """The package's sources alone, without the compiled modules."""
    shutil.copytree(PACKAGE, target / "icegraph", ignore=shutil.ignore_patterns("*.so", "__py*"))
    return target


@pytest.mark.parametrize("inputs", ["seeds", "generated"])
def test_compiled_and_plain_python_build_the_same_graph(tmp_path: Path, inputs: str):
    if not list(PACKAGE.rglob("*.so")):
        pytest.skip("installed as plain Python (ICEGRAPH_PURE=1, or no C compiler)")
    data = DATA if inputs == "seeds" else generate(tmp_path / "data", rows=300, seed=11)
    plain = _plain_copy(tmp_path / "plain")
    probe = "import icegraph.mapping.flows_quads as m; print(m.__file__)"
    env = dict(os.environ, PYTHONPATH=str(plain))
    used = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert used.stdout.strip().endswith("flows_quads.py"), used.stdout + used.stderr

    _build(data, tmp_path / "compiled", None)
    _build(data, tmp_path / "plain-build", plain)

    for name in ("icegraph.ttl", "icegraph.trig", "icegraph.jsonld"):
        compiled = (tmp_path / "compiled" / name).read_bytes()
        assert compiled == (tmp_path / "plain-build" / name).read_bytes(), name
        assert len(compiled) > 10_000


def _tree(root: Path, *, checkout: bool) -> Path:
    package = root / "src" / "pkg"
    package.mkdir(parents=True)
    if checkout:
        (root / "pyproject.toml").write_text("[project]\nname = 'pkg'\n")
    (package / "hot.py").write_text("X = 1\n")
    (package / "hot.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    (package / "cold.py").write_text("Y = 1\n")
    return package


def _age(path: Path, seconds: int) -> None:
    t = path.stat().st_mtime - seconds
    os.utime(path, (t, t))


def test_a_compiled_module_older_than_its_source_is_named(tmp_path: Path):
    package = _tree(tmp_path, checkout=True)
    _age(package / "hot.cpython-311-x86_64-linux-gnu.so", 60)
    assert stale_compiled(package) == ["pkg/hot.py"]


def test_a_compiled_module_newer_than_its_source_is_current(tmp_path: Path):
    package = _tree(tmp_path, checkout=True)
    _age(package / "hot.py", 60)
    _age(package / "cold.py", 60)
    assert stale_compiled(package) == []


def test_an_installed_copy_is_not_checked(tmp_path: Path):
    # wheels unpack files in no set order: their times say nothing about staleness
    package = _tree(tmp_path, checkout=False)
    _age(package / "hot.cpython-311-x86_64-linux-gnu.so", 60)
    assert stale_compiled(package) == []
