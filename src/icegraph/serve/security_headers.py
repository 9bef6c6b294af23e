"""Headers that tell a browser to treat every answer as what it says it is, and nothing more.

Set on every response, errors and static files included. The pages load their script, style
and images from this server only, and no inline script runs, so a value that slipped past the
escaping still could not execute. The reconciliation preview is made to be shown in a frame
(OpenRefine does), so it alone may be framed.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'"
)
PAGE_POLICY = POLICY + "; frame-ancestors 'none'"
FRAMED_POLICY = POLICY + "; frame-ancestors *"
# The diagram draws with presentation attributes; opened directly it may style itself, never run.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
FRAMEABLE = ("/reconcile/preview",)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        framed = scope.get("path", "") in FRAMEABLE

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                svg = headers.get("content-type", "").startswith("image/svg+xml")
                headers["Content-Security-Policy"] = (
                    SVG_POLICY if svg else FRAMED_POLICY if framed else PAGE_POLICY
                )
                headers["X-Content-Type-Options"] = "nosniff"
                # Queries travel in URLs and may say what a reporter is looking into.
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if not framed:
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, send_with_headers)
