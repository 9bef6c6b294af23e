"""The request line checked at the edge: well-formed percent-encoding, UTF-8, a sane length,
and a Host header that is a host name (pages and the service description link to it).

Starlette and uvicorn decode a bad escape or invalid UTF-8 into a replacement character and
carry on, so `/id/%FF` or `?query=%C0` would reach the handlers as text nobody sent. They are
refused here with a 400 that says what is wrong, for the path and every query parameter.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A name or an IPv4/IPv6 address, and a port: the server builds links from it.
_HOST = re.compile(
    rb"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\])"
    rb"(?::[0-9]{1,5})?"
)


def decode_strictly(raw: bytes, what: str) -> str:
    """Percent-decode `raw` into text, or raise ValueError saying what is wrong with it."""
    if _BAD_ESCAPE.search(raw):
        raise ValueError(f"{what} has a '%' that is not followed by two hex digits")
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{what} is not UTF-8 once percent-decoded (byte {exc.start + 1})"
        ) from None


def parse_query_string(raw: bytes) -> dict[str, list[str]]:
    """Parameters of a query string or form body, or ValueError naming the bad one."""
    params: dict[str, list[str]] = {}
    for part in raw.split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        key = decode_strictly(name.replace(b"+", b" "), "A parameter name")
        text = decode_strictly(value.replace(b"+", b" "), f"The parameter '{key}'")
        params.setdefault(key, []).append(text)
    return params


def query_string_problem(raw: bytes) -> str | None:
    try:
        parse_query_string(raw)
    except ValueError as exc:
        return str(exc)
    return None


class RequestChecks:
    def __init__(self, app: ASGIApp, max_query_string: int) -> None:
        self.app = app
        self.max_query_string = max_query_string

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, problem = 400, None
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string", b"")
        host = dict(scope["headers"]).get(b"host")
        if host is not None and not _HOST.fullmatch(host):
            problem = "The Host header is not a host name with an optional port"
        try:
            path = decode_strictly(raw_path, "The path")
            if problem is None and _CONTROL.search(path):
                problem = "The path holds a control character"
        except ValueError as exc:
            problem = problem or str(exc)
        if problem is None and len(query) > self.max_query_string:
            status = 414
            problem = (
                f"The query string is longer than {self.max_query_string:,} bytes. "
                "Send long queries with POST"
            )
        if problem is None:
            problem = query_string_problem(query)
        if problem is None:
            await self.app(scope, receive, send)
            return
        response = PlainTextResponse(problem + ".\n", status_code=status)
        await response(scope, receive, send)
