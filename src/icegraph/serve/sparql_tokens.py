"""SPARQL text split into tokens the way the grammar splits it, without parsing it.

Enough to tell a keyword from a word inside a string, an IRI, a comment, a variable or a
prefixed name (with its escapes), and to see brackets: what the endpoint needs to look for
SERVICE and for nesting before a query reaches the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# One token at a time, in the grammar's order of precedence. IRIREF excludes whitespace and
# braces, so a `<` used as less-than cannot swallow a group pattern holding SERVICE.
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<long>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00b7\u0300-\u036f\u203f\u2040]+)
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<name>(?:[^\W\d]|:)(?:[\w\-.\u00b7\u0300-\u036f\u203f\u2040%:]|\\[^\s])*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokens(query: str) -> Iterator[Token]:
    """The query's tokens, without spaces and comments."""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup or "other"
        if kind not in ("space", "comment"):
            yield Token(kind, m.group())
