"""A limit on request bodies, enforced while they arrive.

A declared Content-Length past the limit is refused before a byte of the body is read; a
chunked body is counted as it streams and refused at the chunk that crosses the limit. Either
way nothing larger than the limit is ever held in memory. The connection is left open: uvicorn
then reads the rest of the body and throws it away (for at most its keep-alive time), so a
client that sends its whole body before reading still gets the 413 rather than a reset.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from icegraph.errors import RequestRefused


class BodyTooLarge(RequestRefused):
    pass


def too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(
        f"The request body is larger than {limit:,} bytes, the most this server reads",
        status=413,
        fix="Send a shorter query, or split a reconciliation batch into smaller ones.",
    )


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            error = too_large(self.max_bytes)
            if not declared.isdigit():
                error = BodyTooLarge("The Content-Length header is not a number", status=400)
            response = PlainTextResponse(str(error) + "\n", status_code=error.status)
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise too_large(self.max_bytes)
            return message

        await self.app(scope, counted, send)
