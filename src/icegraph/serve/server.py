"""Run the app under uvicorn, and stop it promptly: SIGTERM ends the server within seconds.

uvicorn on its own waits for every open request before it shuts down, and a queued query can
take the whole time limit. Here the query pool is closed first, so waiting queries are refused
and running ones end with their workers; then uvicorn closes what is left, giving up on any
request after a few seconds.
"""

from __future__ import annotations

import signal
import socket
import sys
from types import FrameType

import uvicorn

from icegraph.serve.app import ServeConfig, create_app
from icegraph.serve.workers import QueryPool

GRACE_SECONDS = 3


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, pool: QueryPool) -> None:
        super().__init__(config)
        self.pool = pool

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await self.pool.close()
        await super().shutdown(sockets)


def serve(config: ServeConfig, host: str, port: int) -> None:
    app = create_app(config)
    settings = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=GRACE_SECONDS,
        # Room for a request line up to the app's own limit, which answers 414 with a message
        # (h11's default, 16 KiB, would cut GET queries short with a bare 400).
        h11_max_incomplete_event_size=config.max_query_string + 16 * 1024,
    )
    # uvicorn ends by raising the signal it caught again, under the handler it found. Under
    # the default one SIGTERM would end the process before its exit handlers run, and the
    # query pool's fork server would leave its socket's folder in the temp directory at every
    # stop. Exit as the signal would (status 143), with the handlers run.
    previous = signal.signal(signal.SIGTERM, _exit_as_terminated)
    try:
        _Server(settings, app.state.pool).run()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_as_terminated(signum: int, frame: FrameType | None) -> None:
    sys.exit(128 + signum)
