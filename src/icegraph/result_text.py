"""Rows of an answer as text for people: a table that wraps long values instead of cutting
them, and JSON that keeps numbers as numbers and booleans as booleans."""

from __future__ import annotations

import itertools
import json
import math
import textwrap
from collections.abc import Iterable, Iterator, Mapping

from pyoxigraph import BlankNode, Literal, NamedNode

from icegraph.namespaces import XSD

# Every XML Schema type whose values are whole numbers.
_INTEGERS = {
    XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte",
    )
}  # fmt: skip
_DECIMALS = {XSD + "decimal", XSD + "double", XSD + "float"}
WIDTH = 60


def plain(term: object) -> str:
    """A term's value as a person reads it: an IRI, a literal's text, '' for unbound."""
    if term is None:
        return ""
    if isinstance(term, (NamedNode, Literal, BlankNode)):
        return term.value
    return str(term)


def json_value(term: object) -> str | int | float | bool | None:
    """xsd:integer and its kin → number, xsd:decimal/double → number, xsd:boolean → true or
    false, unbound → null, anything else (IRIs, text, dates) → its string."""
    if term is None:
        return None
    if isinstance(term, Literal):
        dt = term.datatype.value
        try:
            if dt in _INTEGERS:
                return int(term.value)
            if dt in _DECIMALS:
                number = float(term.value)
                return number if math.isfinite(number) else term.value
        except ValueError:
            return term.value  # an ill-typed literal keeps its text
        if dt == XSD + "boolean" and term.value in ("true", "false", "1", "0"):
            return term.value in ("true", "1")
    return plain(term)


def table(names: list[str], rows: list[list[str]], width: int = WIDTH) -> str:
    """Aligned columns; a value longer than `width` wraps onto the next lines of its row, so
    nothing is hidden (a list of sources stays whole)."""
    return "\n".join(table_lines(names, rows, width, first=len(rows)))


PAGE = 100


def table_lines(
    names: list[str], rows: Iterable[list[str]], width: int = WIDTH, first: int = PAGE
) -> Iterator[str]:
    """The table line by line, as the rows come: the columns are as wide as the `first`
    rows need (a later, longer value wraps within its column, nothing is cut), so the first
    lines print before the last rows are known."""
    rows = iter(rows)
    head = list(itertools.islice(rows, first))
    widths = [min(width, max([len(n)] + [len(r[i]) for r in head])) for i, n in enumerate(names)]
    yield _line(names, widths)
    yield "  ".join("-" * w for w in widths)
    for r in itertools.chain(head, rows):
        cells = [_wrap(c, w) for c, w in zip(r, widths, strict=True)]
        for i in range(max(len(c) for c in cells) if cells else 0):
            yield _line([c[i] if i < len(c) else "" for c in cells], widths)


def json_lines(objects: Iterable[Mapping[str, object]]) -> Iterator[str]:
    """A JSON array written one object at a time, laid out as `json.dumps(…, indent=2)`
    lays out the whole list."""
    opened = False
    for obj in objects:
        text = json.dumps(obj, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        yield ("[\n  " if not opened else ",\n  ") + text
        opened = True
    yield "\n]\n" if opened else "[]\n"


def _line(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _wrap(value: str, width: int) -> list[str]:
    if len(value) <= width:
        return [value]
    lines: list[str] = []
    for part in value.split("\n"):
        # break_on_hyphens off: an IRI or a name is cut only where it must be
        lines += textwrap.wrap(part, width, break_on_hyphens=False) or [""]
    return lines
