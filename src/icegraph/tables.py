"""The curated CSV tables in data/*.csv, parsed strictly, every error located.

Python's csv module forgives what a person editing a table by hand most needs to hear
about: an unclosed quote swallows the rows after it, a row with an extra comma shifts its
cells, a byte-order mark renames the first column. Here the header must name the expected
columns, every row must have as many cells as the header, quotes must open and close as RFC
4180 says (a quote inside a cell is doubled), and each error names the file, the line (for a
quote, the line where it opened) and what was expected. Identical repeated rows are kept
and listed, for the caller to report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from icegraph.errors import CatalogueError, Location
from icegraph.textfile import decode, read_bytes

_UNQUOTED = re.compile(r'[^,\r\n"]*')  # always matches, perhaps empty
QUOTE_HINT = 'a quote inside a cell is written twice ("") and the whole cell is quoted'


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # where the row starts
    cells: dict[str, str]  # by column, stripped of surrounding spaces


@dataclass
class Table:
    name: str  # the path as the user gave it
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    # (line, line of the first copy) for each row whose every cell repeats an earlier row
    repeats: list[tuple[int, int]] = field(default_factory=list)

    def loc(self, line: int | None = None) -> Location:
        return Location(self.name, line)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return ((r.line, r.cells) for r in self.rows)


def read_table(
    path: Path, required: tuple[str, ...], optional: tuple[str, ...] = (), name: str | None = None
) -> Table:
    """The table at `path`, whose header has every `required` column and no column
    outside `required` and `optional`."""
    shown = name or str(path)
    if not path.is_file():
        raise CatalogueError(
            "curated table is missing",
            Location(shown),
            expected="a CSV file with the columns " + ", ".join(required),
        )
    text = decode(read_bytes(path, shown, CatalogueError), shown, CatalogueError)
    return parse_table(text, shown, required, optional)


def parse_table(
    text: str, name: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Table:
    records = parse_csv(text, name)
    header_line, header = next(records, (1, []))
    columns = tuple(c.strip() for c in header)
    _check_header(columns, name, header_line, required, optional)
    table = Table(name, columns)
    first: dict[tuple[str, ...], int] = {}
    for line, cells in records:
        if len(cells) == 1 and not cells[0].strip():
            continue  # a blank line
        if len(cells) != len(columns):
            raise CatalogueError(
                f"the row has {len(cells)} cells but the header has {len(columns)}",
                Location(name, line),
                expected=f"{len(columns)} cells ({', '.join(columns)}); a cell holding a "
                "comma must be in double quotes",
            )
        values = tuple(c.strip() for c in cells)
        earlier = first.setdefault(values, line)
        if earlier != line:
            table.repeats.append((line, earlier))
        table.rows.append(Row(line, dict(zip(columns, values, strict=True))))
    return table


def _check_header(
    columns: tuple[str, ...],
    name: str,
    line: int,
    required: tuple[str, ...],
    optional: tuple[str, ...],
) -> None:
    expected = "a header row with " + ", ".join(required)
    if optional:
        expected += " (and optionally " + ", ".join(optional) + ")"
    loc = Location(name, line)
    if "" in columns:
        raise CatalogueError(
            f"column {columns.index('') + 1} of the header has no name",
            loc,
            expected=expected + "; a spreadsheet may have added empty columns: delete them",
        )
    seen: set[str] = set()
    for c in columns:
        if c in seen:
            raise CatalogueError(
                f"column '{c}' appears twice in the header", loc, expected=expected
            )
        seen.add(c)
    missing = [c for c in required if c not in seen]
    if missing:
        raise CatalogueError(f"missing column(s) {', '.join(missing)}", loc, expected=expected)
    unknown = [c for c in columns if c not in required and c not in optional]
    if unknown:
        raise CatalogueError(
            f"unknown column(s) {', '.join(repr(c) for c in unknown)}", loc, expected=expected
        )


def parse_csv(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, its cells) for each record of RFC 4180 text.

    Rows end with LF or CRLF; a quoted cell may hold commas, newlines and doubled quotes.
    """
    i, n, line = 0, len(text), 1
    while i < n:
        start_line = line
        cells: list[str] = []
        while True:
            if i < n and text[i] == '"':
                opened = (line, _column(text, i))
                parts: list[str] = []
                i += 1
                while True:
                    j = text.find('"', i)
                    if j < 0:
                        raise CatalogueError(
                            "a quoted cell is never closed",
                            Location(name, *opened),
                            expected=f"a closing double quote; {QUOTE_HINT}",
                        )
                    parts.append(text[i:j])
                    line += text.count("\n", i, j)
                    if text.startswith('"', j + 1):
                        parts.append('"')
                        i = j + 2
                        continue
                    i = j + 1
                    break
                if i < n and text[i] not in ",\r\n":
                    raise CatalogueError(
                        f"text after the closing quote of the cell opened on line {opened[0]}",
                        Location(name, line, _column(text, i)),
                        expected=f"a comma or the end of the row after a closing quote; is a "
                        f"quote missing? ({QUOTE_HINT})",
                    )
                cells.append("".join(parts))
            else:
                j = _UNQUOTED.match(text, i).end()  # type: ignore[union-attr]
                if j < n and text[j] == '"':
                    raise CatalogueError(
                        "a double quote inside a cell that does not start with one",
                        Location(name, line, _column(text, j)),
                        expected=QUOTE_HINT,
                    )
                cells.append(text[i:j])
                i = j
            if i < n and text[i] == ",":
                i += 1
                continue
            break
        if text.startswith("\r\n", i):
            i += 2
        elif i < n and text[i] == "\r":
            raise CatalogueError(
                "a carriage return inside a row",
                Location(name, line, _column(text, i)),
                expected="rows ending with a line feed (LF or CRLF)",
            )
        elif i < n:
            i += 1  # "\n"
        line += 1
        yield start_line, cells


def _column(text: str, i: int) -> int:
    return i - (text.rfind("\n", 0, i) + 1) + 1
