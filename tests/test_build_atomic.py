"""The build folder switches from one build to the next in one step, whatever happens.

Two real builds (A, then B with one title changed) are made once. A build killed at each of
its renames in turn is a forked child that stops dead (os._exit, no clean-up code) at that
rename; the work before publishing is replaced by copying B's files, so every rename of the
publishing step is tried without building again each time.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import threading
from pathlib import Path

import pytest

from icegraph import outdir, pipeline
from icegraph.errors import BuildLocked
from icegraph.pipeline import PUBLISHED, BuildResult, build
from icegraph.report import Report
from icegraph.store import open_store, store_path
from tests.conftest import rows

TITLE = "Privacy Impact Assessment for ICE Investigative Case Management (DHS/ICE/PIA-045)"
TITLE_B = TITLE + " (second build)"
TITLE_QUERY = "SELECT ?t WHERE { ?s dcterms:title ?t FILTER(STRSTARTS(?t, 'Privacy Impact Assessment for ICE Investigative')) }"


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build A and build B, each as published in an output folder of its own."""
    from tests.conftest import DATA

    root = tmp_path_factory.mktemp("atomic")
    data_b = root / "data-b"
    shutil.copytree(DATA, data_b)
    sources = data_b / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace(TITLE, TITLE_B, 1), "utf-8")
    build(DATA, root / "a")
    build(data_b, root / "b")
    return {"a": root / "a", "b": root / "b", "data_b": data_b}


def published(out: Path) -> tuple[str, dict[str, str]]:
    """Which build the stable names show ('a' or 'b'), and a digest of each file."""
    files = {n: hashlib.sha256((out / n).read_bytes()).hexdigest() for n in pipeline.OUTPUT_FILES}
    (title,) = rows(open_store(out / "store", read_only=True), TITLE_QUERY)
    return {TITLE: "a", TITLE_B: "b"}[title[0]], files


def flat_copy(build_out: Path, target: Path) -> None:
    """The previous layout: the files and store/ directly in the output folder."""
    target.mkdir()
    for name in PUBLISHED:
        src = (build_out / name).resolve()
        if src.is_dir():
            shutil.copytree(src, target / name)
        else:
            shutil.copy2(src, target / name)


def fake_build_into(b: Path):
    """Stands for the pipeline's work before publishing: B's files into the new folder."""

    def copy(staging: Path, *_args, **_kw) -> BuildResult:
        for name in PUBLISHED:
            src = (b / name).resolve()
            if src.is_dir():
                shutil.copytree(src, staging / name)
            else:
                shutil.copy2(src, staging / name)
        return BuildResult(b, Report())

    return copy


def killed_at(k: int, out: Path, data: Path, b: Path) -> bool:
    """Run a build in a child that dies (no clean-up) at its k-th rename; True when it
    died there, False when it finished with fewer renames."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            calls = 0
            real_replace, real_rename, real_exchange = os.replace, os.rename, outdir.exchange

            def counted(real):
                def call(*args, **kwargs):
                    nonlocal calls
                    calls += 1
                    if calls == k:
                        os._exit(86)
                    return real(*args, **kwargs)

                return call

            os.replace = counted(real_replace)
            os.rename = counted(real_rename)
            outdir.exchange = counted(real_exchange)
            pipeline._build_into = fake_build_into(b)
            build(data, out)
            os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 86), f"the build failed otherwise (exit {code})"
    return code == 86


@pytest.mark.parametrize("start", ["new layout", "previous layout", "empty"])
def test_a_build_killed_at_any_rename_leaves_the_old_build_or_the_new_one(
    builds, tmp_path: Path, monkeypatch, start: str
):
    old = None if start == "empty" else published(builds["a"])
    new = published(builds["b"])
    k = 1
    while True:
        out = tmp_path / f"k{k}"
        if start == "new layout":
            shutil.copytree(builds["a"], out, symlinks=True)
        elif start == "previous layout":
            flat_copy(builds["a"], out)
        if not killed_at(k, out, builds["data_b"], builds["b"]):
            break
        if old is None and not (out / "current").exists():
            assert not (out / "store").exists()  # nothing published yet: no build at all
        else:
            assert published(out) in (old, new), f"killed at rename {k}: a mixed build"
        # the next build finishes, and leaves only itself behind
        monkeypatch.setattr(pipeline, "_build_into", fake_build_into(builds["b"]))
        build(builds["data_b"], out)
        assert published(out) == new
        assert_only_current(out)
        k += 1
    assert published(out) == new
    assert k > (1 if start == "new layout" else 7)  # every rename of the switch was tried


def assert_only_current(out: Path) -> None:
    current = os.readlink(out / "current")
    assert [f"{outdir.BUILDS}/{p.name}" for p in (out / outdir.BUILDS).iterdir()] == [current]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*PUBLISHED, "current", outdir.BUILDS, outdir.LOCK]
    )
    for name in PUBLISHED:
        assert os.readlink(out / name) == f"current/{name}"


def test_the_published_names_are_links_through_current(builds):
    out = builds["a"]
    assert_only_current(out)
    assert os.readlink(out / "current").startswith(".builds/")


def test_a_reader_of_the_old_store_keeps_reading_after_the_switch(builds, tmp_path: Path):
    out = tmp_path / "out"
    shutil.copytree(builds["a"], out, symlinks=True)
    before = open_store(out / "store", read_only=True)
    old_folder = (out / "current").resolve()
    build(builds["data_b"], out)
    assert not old_folder.exists()  # removed after the switch...
    assert rows(before, TITLE_QUERY) == [(TITLE,)]  # ...and still read by who has it open
    assert rows(open_store(out / "store", read_only=True), TITLE_QUERY) == [(TITLE_B,)]
    assert rows(open_store(out, read_only=True), TITLE_QUERY) == [(TITLE_B,)]
    # `--store build` names build/store, unresolved, so it follows later builds too
    assert store_path(out) == store_path(out / "store") == out / "store"


def test_a_second_build_into_the_same_folder_is_refused_while_the_first_runs(
    builds, tmp_path: Path
):
    out = tmp_path / "out"
    shutil.copytree(builds["a"], out, symlinks=True)
    with outdir.locked(out), pytest.raises(BuildLocked) as exc:
        build(builds["data_b"], out)
    assert str(exc.value) == (
        f"{out}: another build into {out}/ is running (pid {os.getpid()}). "
        "Wait for it to finish, or build into another folder with --out."
    )
    assert published(out) == published(builds["a"])


def test_build_folders_left_by_killed_builds_are_removed_by_the_next(builds, tmp_path: Path):
    out = tmp_path / "out"
    shutil.copytree(builds["a"], out, symlinks=True)
    leftovers = [out / ".builds" / "20260101T000000Z-99999-0", out / ".staging-4242"]
    for p in leftovers:
        (p / "store").mkdir(parents=True)
    os.symlink("current/store", out / ".tmp-link-4242-0")
    build(builds["data_b"], out)
    assert_only_current(out)


def test_a_build_that_finds_the_lock_just_taken_names_its_holder(tmp_path: Path):
    # the holder takes the lock, then writes its pid: a second build in between waits for it
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out / outdir.LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    writer = threading.Timer(0.2, lambda: os.pwrite(fd, b"4242\n", 0))
    writer.start()
    try:
        with pytest.raises(BuildLocked, match=r"is running \(pid 4242\)"), outdir.locked(out):
            pass
    finally:
        writer.join()
        os.close(fd)
