"""Run the app under uvicorn, and stop it promptly: SIGTERM ends the server within seconds.

uvicorn on its own waits for every open request before it shuts down, and a queued query can
take the whole time limit. Here the query pool is closed first, so waiting queries are refused
and running ones end with their workers; then uvicorn closes what is left, giving up on any
request after a few seconds.
"""

from __future__ import annotations

import socket

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
    _Server(settings, app.state.pool).run()
