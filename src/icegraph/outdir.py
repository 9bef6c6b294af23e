"""The build folder (--out): one build at a time, published in one atomic step.

    build/
      .icegraph.lock            held (fcntl.flock) by the build writing here; holds its pid
      .builds/<id>/             one folder per build: store/, the dumps, the reports
      current -> .builds/<id>   the published build, switched by one os.replace
      store -> current/store    the names users and the server know, links made once
      icegraph.ttl -> current/icegraph.ttl   (and the other dumps and reports)
      failed/                   the report of the last build that broke a rule

A build writes into a new folder under .builds/ and, when it is whole, replaces the link
`current` by a new one pointing at it: a rename, which the kernel does in one step, so a
build killed at any instant leaves `current` naming either the old build or the new one,
each whole. The stable names resolve through `current`, so they switch with it.

The lock is the kernel's: it goes when its holder dies, however it dies, so any folder under
.builds/ other than the current one, found by the build holding the lock, belongs to a build
that is over, and is removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from icegraph.errors import BuildLocked, Location, OutputError

LOCK = ".icegraph.lock"
BUILDS = ".builds"
CURRENT = "current"
# Names of the previous layout's leftovers, removed when the lock is held
_LEGACY_LEFTOVERS = (".staging-", ".store-old-")


@contextmanager
def locked(out_dir: Path) -> Iterator[int]:
    """Hold the build lock of `out_dir` (created if missing) for the `with` block."""
    prepare(out_dir)
    path = out_dir / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise not_writable(out_dir, exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            raise BuildLocked(
                f"another build into {out_dir}/ is running (pid {holder})",
                Location(str(out_dir)),
                fix="Wait for it to finish, or build into another folder with --out.",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int, seconds: float = 1.0) -> str:
    """The pid the lock's holder wrote. It writes it just after taking the lock, so a build
    that finds the lock taken in between waits a moment for it rather than say "unknown"."""
    deadline = time.monotonic() + seconds
    while True:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if holder or time.monotonic() > deadline:
            return holder or "unknown"
        time.sleep(0.01)


def prepare(out_dir: Path) -> None:
    """Create `out_dir`, or say plainly why it cannot be."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise not_writable(out_dir, exc, "a file of that name is in the way") from None
    except OSError as exc:
        raise not_writable(out_dir, exc) from None
    if not out_dir.is_dir():
        raise not_writable(out_dir, None, "it is not a folder")


def not_writable(out_dir: Path, exc: OSError | None, reason: str | None = None) -> OutputError:
    why = reason or (exc.strerror.lower() if exc is not None and exc.strerror else "unknown")
    return OutputError(
        f"cannot write the build into this folder: {why}",
        Location(str(out_dir)),
        fix="Choose a folder you can write to with --out.",
    )


def current_build(out_dir: Path) -> Path | None:
    """The folder `current` points at, when it is a build of the new layout."""
    link = out_dir / CURRENT
    if not link.is_symlink():
        return None
    target = (out_dir / os.readlink(link)).resolve()
    return target if target.is_dir() else None


def remove_stale(out_dir: Path) -> list[str]:
    """With the lock held: every build folder but the current one is from a build that is
    over (finished, failed or killed); remove them. Returns the names removed."""
    keep = current_build(out_dir)
    removed = []
    builds = out_dir / BUILDS
    if builds.is_dir():
        for child in sorted(builds.iterdir()):
            if keep is None or child.resolve() != keep:
                _remove(child)
                removed.append(f"{BUILDS}/{child.name}")
    for child in sorted(out_dir.iterdir()):
        if child.name.startswith(_LEGACY_LEFTOVERS) or child.name.startswith(".tmp-link-"):
            _remove(child)
            removed.append(child.name)
    return removed


def new_build_dir(out_dir: Path) -> Path:
    """A fresh, empty folder for this build under .builds/.

    Its name is never reused, not even by the same process in the same second: a failed
    build's store may still be open in this process, and the store's own lock would refuse
    a second store at the same path.
    """
    builds = out_dir / BUILDS
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    try:
        builds.mkdir(exist_ok=True)
        while True:
            path = builds / f"{stamp}-{os.getpid()}-{secrets.token_hex(3)}"
            with contextlib.suppress(FileExistsError):
                path.mkdir()
                return path
    except OSError as exc:
        raise not_writable(out_dir, exc) from None


def publish(out_dir: Path, build_dir: Path, names: tuple[str, ...]) -> Path | None:
    """Make `build_dir` the current build in one step; returns the previous build's folder.

    The stable names are links through `current` and are made before the switch (they
    dangle until the first build is published); a build folder of the old layout, with
    real files under those names, is first turned into a build of the new one (see
    `_adopt_flat_build`).
    """
    previous = current_build(out_dir)
    if previous is None and any(_is_real(out_dir / n) for n in names):
        previous = _adopt_flat_build(out_dir, names)
    # a build killed while adopting may have left real files beside `current`: made links
    # here, each still showing the build `current` names
    for name in names:
        _link(out_dir / name, f"{CURRENT}/{name}")
    _link(out_dir / CURRENT, os.path.relpath(build_dir, out_dir))
    _fsync_dir(out_dir)
    return previous


def discard(path: Path | None) -> None:
    if path is not None:
        _remove(path)


def _adopt_flat_build(out_dir: Path, names: tuple[str, ...]) -> Path:
    """A build in the old layout (real files and store/ directly in --out) becomes a build
    folder and `current`, name by name, each name still showing the same old build: its
    files are hard-linked (not copied) into the folder, then each name is replaced by its
    link through `current`, a directory by exchanging the two in one step."""
    legacy = new_build_dir(out_dir)
    for name in names:
        src = out_dir / name
        if not _is_real(src):
            continue
        try:
            if src.is_dir():
                shutil.copytree(src, legacy / name, copy_function=_link_or_copy)
            else:
                _link_or_copy(src, legacy / name)
        except OSError as exc:
            raise not_writable(out_dir, exc) from None
    _link(out_dir / CURRENT, os.path.relpath(legacy, out_dir))
    return legacy


def _link_or_copy(src: str | Path, dst: str | Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)  # a file system without hard links


def _is_real(path: Path) -> bool:
    return path.exists() and not path.is_symlink()


def _link(path: Path, target: str) -> None:
    """`path` becomes a symbolic link to `target` in one step (unless it already is); a
    directory in the way is exchanged with the link, then removed."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = _tmp_link(path.parent, target)
    if not (path.is_dir() and not path.is_symlink()):
        os.replace(tmp, path)
        return
    try:
        exchange(tmp, path)
    except OSError:
        # no exchange on this system: for a moment the name is missing, never mixed
        aside = path.parent / f".store-old-{os.getpid()}"
        os.replace(path, aside)
        os.replace(tmp, path)
        _remove(aside)
    else:
        _remove(tmp)  # the old directory, under the temporary name now


def _tmp_link(folder: Path, target: str) -> Path:
    for n in range(1000):
        tmp = folder / f".tmp-link-{os.getpid()}-{n}"
        try:
            os.symlink(target, tmp)
            return tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise not_writable(
                folder, exc, f"it cannot hold symbolic links ({exc.strerror or exc})"
            ) from None
    raise OutputError("could not make a temporary link", Location(str(folder)))


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> None:
    """Swap two names in one step (Linux renameat2 RENAME_EXCHANGE); OSError elsewhere."""
    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    else:
        shutil.rmtree(path, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    """The switch itself reaches the disk, not only the page cache."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
