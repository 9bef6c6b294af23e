"""Helper processes: how they are started, and that they end with the process that started them.

A build killed outright (a closed laptop's OOM killer, kill -9) runs no clean-up code, so a
helper that waits for its parent's next word would wait for ever: the JSON-LD writer follows
a file nobody writes any more. On Linux the kernel is asked to kill the helper when its
parent dies; elsewhere a thread in the helper watches the parent's pid.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, SpawnContext

_PR_SET_PDEATHSIG = 1

# Forked, a helper starts at once with the modules its parent has already imported; a
# spawned one imported them all again (a second or more for the mapper, half a second of
# CPU for the JSON-LD writer) while the others shared the cores with it. A forked helper
# uses nothing of its parent's but what it is given: the store and the dumps' files, whose
# threads go on in the parent, are never touched in the child, which ends without flushing
# or closing them (multiprocessing ends it with os._exit).
FORKED = sys.platform.startswith("linux")


def helper_context() -> ForkContext | SpawnContext:
    if FORKED:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def as_spawned(parents: Iterable[Connection]) -> None:
    """Call first in a forked helper, with the parent's ends of its pipes (empty when
    spawned): they are closed (held here, a pipe would never see its other end close) and
    SIGTERM is the default again, as in a spawned helper."""
    for conn in parents:
        conn.close()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def die_with_parent() -> None:
    """Call first in a helper process started by multiprocessing.

    Ctrl-C reaches every process of the terminal's process group; the build handles it
    and stops its helpers, so a helper ignores it rather than print a traceback of its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    expected = parent.pid if parent is not None and parent.pid else os.getppid()
    if not (sys.platform.startswith("linux") and _pdeathsig()):
        threading.Thread(target=_watch, args=(expected,), daemon=True).start()
    # The parent may have died before the request took effect: then no signal will come.
    if os.getppid() != expected:
        os._exit(1)


def _pdeathsig() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
