"""Split a citation cell into catalogued sources; strip the HTML it carries."""

from __future__ import annotations

import html
import re

from icegraph.catalogue import SourceEntry
from icegraph.errors import CatalogueError, Location

_TAG = re.compile(r"<[^>]{0,200}>")


def strip_tags(text: str) -> tuple[str, list[int]]:
    """Text without HTML tags (entities unescaped), and each kept character's raw offset."""
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _TAG.finditer(text):
        for i in range(pos, m.start()):
            out.append(text[i])
            offsets.append(i)
        pos = m.end()
    for i in range(pos, len(text)):
        out.append(text[i])
        offsets.append(i)
    plain = "".join(out)
    if "&" in plain:
        # Entities are rare; when present, offsets past them are approximate.
        unescaped = html.unescape(plain)
        if unescaped != plain:
            offsets = offsets[: len(unescaped)]
            plain = unescaped
    return plain, offsets


class CitationSplitter:
    """Greedy longest-first match of catalogued citation texts along a cell."""

    def __init__(self, sources: dict[str, SourceEntry]) -> None:
        self.by_text = sorted(
            ((" ".join(s.citation.split()), s.id) for s in sources.values()),
            key=lambda pair: -len(pair[0]),
        )
        self._cache: dict[str, list[str]] = {}

    def split(self, cell: str, where: Location) -> list[str]:
        """Source ids cited in `cell` (tags stripped), in order, without repeats.

        Raises CatalogueError for any remainder that is not a catalogued citation: a new
        source must be added to data/sources.csv by a person, not invented here.
        """
        cached = self._cache.get(cell)
        if cached is not None:
            return cached
        plain, offsets = strip_tags(cell)
        ids: list[str] = []
        i = 0
        n = len(plain)
        while i < n:
            if plain[i].isspace() or plain[i] in ";,":
                i += 1
                continue
            for text, sid in self.by_text:
                if _matches_at(plain, i, text):
                    if sid not in ids:
                        ids.append(sid)
                    i = _end_of_match(plain, i, text)
                    break
            else:
                rest = plain[i:]
                column = (where.column or 1) + (offsets[i] if i < len(offsets) else 0)
                raise CatalogueError(
                    f"citation text '{_clip(rest)}' matches no source in data/sources.csv",
                    Location(where.file, where.line, column),
                    field="Reference",
                    expected="one or more catalogued citations, one after another",
                    fix="Add the document to data/sources.csv (with title, author, publisher, "
                    "type) if it is a real source.",
                )
        self._cache[cell] = ids
        return ids


def _matches_at(plain: str, i: int, text: str) -> bool:
    # Whitespace inside a citation may differ from the catalogue's (line wraps, double spaces).
    j = i
    for word in text.split(" "):
        while j < len(plain) and plain[j].isspace():
            j += 1
        if not plain.startswith(word, j):
            return False
        j += len(word)
    return j == len(plain) or not plain[j].isalnum()


def _end_of_match(plain: str, i: int, text: str) -> int:
    j = i
    for word in text.split(" "):
        while j < len(plain) and plain[j].isspace():
            j += 1
        j += len(word)
    return j


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
