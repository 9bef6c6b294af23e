"""Read the flows table: tab-separated tables with repeated header rows and blank lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

from icegraph.digests import short_digest
from icegraph.errors import InputError, Location
from icegraph.readers import register
from icegraph.records import FlowRecord
from icegraph.textfile import open_lines

HEADER = (
    "Source",
    "Destination",
    "Full name",
    "Source Database Classification",
    "Information Sharing Types",
    "Agency/Owner",
    "Sub-Agency",
    "Information Collected/Provided",
    "Reference",
)
FIELDS = (
    "source",
    "destination",
    "full_name",
    "classification",
    "sharing_type",
    "agency",
    "sub_agency",
    "description",
    "reference",
)
# The names users see in messages, keyed by record field.
FIELD_TITLES = dict(zip(FIELDS, HEADER, strict=True))


_SPACES = re.compile(r"\s{2,}")


def recognises(head: str) -> bool:
    return head.lstrip("\ufeff").startswith("Source\tDestination\t")


register("flows_table", recognises)


def fingerprint(cells: list[str]) -> str:
    """A short digest of a row's cells (already stripped), case and runs of spaces aside."""
    text = _SPACES.sub(" ", "\t".join(cells).casefold())
    return short_digest(text)


def read_flows(
    path: Path, display_name: str | None = None, fingerprints: bool = True
) -> Iterator[FlowRecord]:
    """Yield one record per data row, streaming; header rows and blank lines are skipped.
    Without `fingerprints` the records' fingerprint is empty (a pass that only gathers names
    does not name claims).

    A data row before any header, or a row with the wrong number of cells, stops the read
    with the file, line and what was expected.
    """
    name = display_name or str(path)
    seen_header = False
    # UTF-8 (a byte-order mark dropped); a byte that is not is an error naming its line
    with open_lines(path, name) as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            cells = text.split("\t")
            values = [c.strip() for c in cells]
            if tuple(values) == HEADER:
                seen_header = True
                continue
            if not seen_header:
                raise InputError(
                    "data row before any header row",
                    Location(name, lineno, 1),
                    expected="a header row: " + " | ".join(HEADER),
                )
            if len(cells) != len(HEADER):
                raise InputError(
                    f"row has {len(cells)} tab-separated cells",
                    Location(name, lineno, 1),
                    expected=f"{len(HEADER)} cells ({', '.join(HEADER)}); is the row cut short "
                    "or does a cell contain a tab?",
                )
            # each cell's first column: 1, then after each cell and its tab
            starts = accumulate([len(c) + 1 for c in cells[:-1]], initial=1)
            columns = dict(zip(FIELDS, starts, strict=True))
            for fld, value in zip(("source", "destination", "sharing_type"), values, strict=False):
                if not value:
                    raise InputError(
                        "cell is empty",
                        Location(name, lineno, columns[fld]),
                        field=FIELD_TITLES[fld],
                        expected="a value (write N/A where there is none)",
                    )
            (
                source, destination, full_name, classification, sharing,
                agency, sub_agency, description, reference,
            ) = values  # fmt: skip
            yield FlowRecord(
                Location(name, lineno),
                source,
                destination,
                full_name or None,
                classification or None,
                sharing,
                agency or None,
                sub_agency or None,
                description or None,
                reference or None,
                columns=columns,
                fingerprint=fingerprint(values) if fingerprints else "",
            )
