"""Which IRI a request for /id/… asks about.

Starlette hands routes the path percent-decoded, so `/id/x/a%20b` would ask about
`…/id/x/a b`, which no graph can hold, while the IRI the page linked to is `…/id/x/a%20b`.
The IRI is read from the raw request instead, as RFC 3987 (3.2) turns a URI back into an IRI:
escaped UTF-8 of non-ASCII letters and escaped unreserved characters (RFC 3986, 6.2.2.2) are
decoded, every other escape is kept as sent. The decoded path stays the second choice, so a
client that escapes what it need not (`%28` for `(`) still finds its page.
"""

from __future__ import annotations

import re

from starlette.requests import Request

_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# a UTF-8 lead byte's high four bits → the length of its sequence
_UTF8_LENGTH = {0xC: 2, 0xD: 2, 0xE: 3, 0xF: 4}
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def as_iri(uri_part: str) -> str:
    """`uri_part` with the escapes an IRI writes as characters decoded."""
    return _ESCAPE_RUN.sub(lambda m: _decode_run(m.group(0)), uri_part)


def _decode_run(run: str) -> str:
    raw = bytes(int(run[i + 1 : i + 3], 16) for i in range(0, len(run), 3))
    out, i = [], 0
    while i < len(raw):
        byte = raw[i]
        if byte < 0x80:
            out.append(chr(byte) if byte in _UNRESERVED else run[3 * i : 3 * i + 3])
            i += 1
            continue
        size = _UTF8_LENGTH.get(byte >> 4, 0)  # from the lead byte; 0: not one
        try:
            char = raw[i : i + size].decode("utf-8") if size else ""
        except UnicodeDecodeError:
            char = ""
        if len(char) == 1 and char.isprintable():
            out.append(char)
            i += size
        else:  # not a character an IRI writes as itself: kept escaped
            out.append(run[3 * i : 3 * i + 3])
            i += 1
    return "".join(out)


def requested_paths(request: Request, prefix: str) -> list[str]:
    """The path after `prefix` (e.g. "/id/"), as the raw request gives it (IRI form), then
    decoded, without repeats."""
    decoded = request.path_params["path"]
    raw = request.scope.get("raw_path")
    found = [decoded]
    if isinstance(raw, bytes):
        text = raw.decode("latin-1")
        at = text.find(prefix)
        if at >= 0:
            found.insert(0, as_iri(text[at + len(prefix) :]))
    return list(dict.fromkeys(found))
