"""Work run in a thread beside the build, whose failure is raised where the build waits for
it: a thread's own exception would only be printed, and the build would go on without its
work."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Beside(threading.Thread):
    """Runs `work` in a daemon thread; `finish` waits for it and raises what stopped it."""

    def __init__(self, name: str, work: Callable[[], None]) -> None:
        super().__init__(name=name, daemon=True)
        self.work = work
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.work()
        except BaseException as exc:  # raised again by `finish`, in the thread that waits
            self.error = exc

    def finish(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error
