"""Read hand-entered statements: a CSV of flows and relationships a person took from documents
that are not tables (a report's paragraph, a contract, a hearing transcript).

One row per statement; the columns, in this order (docs/adding-records.md has an example):
statement (`flow` or `relationship`), from, from_kind, to, to_kind (`system`, `agency`,
`company`, `organisation` or `person`; empty means system), relation (a relationship's kind,
as in data/relation-types.csv), both_ways (`yes` when data moves both ways), data (what moves,
in the document's words), since (a year or a date), source (an id of data/sources.csv),
locator (page, section or a short quote), confidence (`primary`, `secondary`, `inferential`),
entered_by and entered_on (YYYY-MM-DD). Two more columns may follow, in any order:
embargoed_until (YYYY-MM-DD) and confidential (`yes` or `no`), which keep the statement out of
public builds (docs/withholding.md); they are not part of what names the statement's claim,
so marking a statement does not rename it.

Errors name the file, line and column, and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from icegraph.dates import is_date
from icegraph.digests import short_digest
from icegraph.errors import InputError, Location
from icegraph.readers import register
from icegraph.records import EnteredStatement
from icegraph.tables import parse_csv
from icegraph.textfile import read_text

COLUMNS = (
    "statement", "from", "from_kind", "to", "to_kind", "relation", "both_ways", "data",
    "since", "source", "locator", "confidence", "entered_by", "entered_on",
)  # fmt: skip
KINDS = {
    "system": "instrument",
    "agency": "institution",
    "organisation": "institution",
    "organization": "institution",
    "company": "company",
    "person": "person",
}
STATEMENTS = ("flow", "relationship")
CONFIDENCES = ("primary", "secondary", "inferential")
OPTIONAL = ("embargoed_until", "confidential")
REQUIRED = ("statement", "from", "to", "source", "locator", "confidence", "entered_by",
            "entered_on")  # fmt: skip


def recognises(head: str) -> bool:
    first = head.lstrip("\ufeff").split("\n", 1)[0].strip().replace(" ", "")
    return first.startswith("statement,from,")


register("statements_csv", recognises)


def read_statements(path: Path, display_name: str | None = None) -> Iterator[EnteredStatement]:
    """Yield one statement per data row; the whole file is checked row by row."""
    name = display_name or str(path)
    records = parse_csv(read_text(path, name), name)
    first = next(records, None)
    if first is None:
        return
    header = tuple(c.strip() for c in first[1])
    extra = header[len(COLUMNS) :]
    if (
        header[: len(COLUMNS)] != COLUMNS
        or any(c not in OPTIONAL for c in extra)
        or len(set(extra)) != len(extra)
    ):
        raise InputError(
            "the header row is not the statements header",
            Location(name, first[0], 1),
            expected=",".join(COLUMNS) + " (then optionally " + ", ".join(OPTIONAL) + ")",
        )
    for line, cells in records:
        if any(c.strip() for c in cells):
            yield _statement(name, line, cells, header)


def _statement(
    name: str, line: int, cells: list[str], header: tuple[str, ...] = COLUMNS
) -> EnteredStatement:
    if len(cells) != len(header):
        raise InputError(
            f"row has {len(cells)} cells",
            Location(name, line, 1),
            expected=f"{len(header)} cells: {', '.join(header)}",
        )
    row = {c: v.strip() for c, v in zip(header, cells, strict=True)}

    def fail(column: str, message: str, expected: str) -> InputError:
        return InputError(message, Location(name, line), field=column, expected=expected)

    for column in REQUIRED:
        if not row[column]:
            raise fail(column, "cell is empty", f"a value for {column}")
    statement = row["statement"].casefold()
    if statement not in STATEMENTS:
        raise fail("statement", f"unknown statement '{row['statement']}'", "flow or relationship")
    kinds = {}
    for column in ("from_kind", "to_kind"):
        value = row[column].casefold() or "system"
        if value not in KINDS:
            raise fail(column, f"unknown kind '{row[column]}'", ", ".join(KINDS))
        if statement == "flow" and value != "system":
            raise fail(column, f"a flow is between systems, not a {value}", "system, or empty")
        kinds[column] = KINDS[value]
    if statement == "relationship" and not row["relation"]:
        raise fail("relation", "a relationship needs its kind", "e.g. contractor, parent_agency")
    if statement == "flow" and row["relation"]:
        raise fail("relation", "a flow has no relation kind", "an empty cell")
    both = row["both_ways"].casefold()
    if both not in ("", "yes", "no"):
        raise fail("both_ways", f"'{row['both_ways']}' is not yes or no", "yes, no or empty")
    if row["confidence"] not in CONFIDENCES:
        raise fail("confidence", f"unknown confidence '{row['confidence']}'", "primary, "
                   "secondary or inferential")  # fmt: skip
    _check_date(row["entered_on"], fail, "entered_on", full=True)
    if row["since"]:
        _check_date(row["since"], fail, "since", full=False)
    until = row.get("embargoed_until", "")
    if until:
        _check_date(until, fail, "embargoed_until", full=True)
    secret = row.get("confidential", "").casefold()
    if secret not in ("", "yes", "no"):
        raise fail("confidential", f"'{row['confidential']}' is not yes or no", "yes, no or empty")
    # the statement's own cells only: marking it embargoed must not rename its claim
    own = cells[: len(COLUMNS)]
    digest = short_digest("\t".join(" ".join(c.split()).casefold() for c in own))
    return EnteredStatement(
        location=Location(name, line),
        statement=statement,
        origin=row["from"],
        origin_kind=kinds["from_kind"],
        target=row["to"],
        target_kind=kinds["to_kind"],
        relation=row["relation"],
        both_ways=both == "yes",
        data=row["data"],
        since=row["since"] or None,
        source=row["source"],
        locator=row["locator"],
        confidence=row["confidence"],
        entered_by=row["entered_by"],
        entered_on=row["entered_on"],
        fingerprint=digest,
        embargoed_until=until or None,
        confidential=secret == "yes",
    )


def _check_date(value: str, fail, column: str, full: bool) -> None:  # type: ignore[no-untyped-def]
    """A real calendar date (YYYY-MM-DD); `since` may also be a year (YYYY)."""
    if not is_date(value, ("day",) if full else ("day", "year")):
        expected = "a date as YYYY-MM-DD" + ("" if full else ", or a year as YYYY")
        raise fail(column, f"'{value}' is not a real date", expected)
