"""The review file data/wikidata-links.csv: read, checked and written atomically."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from icegraph.catalogue import check_date
from icegraph.errors import CatalogueError, Location
from icegraph.namespaces import ID
from icegraph.records import Finding
from icegraph.tables import read_table

COLUMNS = (
    "entity",
    "entity_label",
    "qid",
    "wikidata_label",
    "score",
    "evidence",
    "status",
    "reviewer",
    "reviewed_on",
    "note",
)
STATUSES = ("proposed", "accepted", "rejected")


@dataclass
class ReviewRow:
    entity: str
    entity_label: str
    qid: str
    wikidata_label: str
    score: str
    evidence: str
    status: str
    reviewer: str = ""
    reviewed_on: str = ""
    note: str = ""
    line: int | None = field(default=None, compare=False)  # where it was read, for messages

    @property
    def decided(self) -> bool:
        return self.status in ("accepted", "rejected")

    @property
    def entity_iri(self) -> str:
        return ID + self.entity


def read_review(path: Path, notes: list[Finding] | None = None) -> list[ReviewRow]:
    """The review file's rows, parsed strictly and checked; a row repeated cell for cell is
    read once and, when `notes` is given, reported there."""
    if not path.exists():
        return []
    table = read_table(path, COLUMNS)
    repeated = {line for line, _first in table.repeats}
    if notes is not None:
        notes.extend(
            Finding(table.loc(line), "repeated row", f"the same cells as line {first}; read once")
            for line, first in table.repeats
        )
    rows = []
    pairs: dict[tuple[str, str], int] = {}
    accepted_on: dict[str, tuple[str, int]] = {}
    for line, row in table:
        if line in repeated:
            continue
        loc = table.loc(line)
        r = ReviewRow(**{c: row[c] for c in COLUMNS}, line=line)
        if r.status not in STATUSES:
            raise CatalogueError(f"unknown status '{r.status}'", loc, field="status",
                                 expected=" or ".join(STATUSES))  # fmt: skip
        if not re.fullmatch(r"Q[1-9]\d*", r.qid):
            raise CatalogueError(f"'{r.qid}' is not a Wikidata item id", loc, field="qid",
                                 expected="Q followed by digits, e.g. Q943091")  # fmt: skip
        if r.decided and not r.reviewer:
            raise CatalogueError(
                f"a row marked {r.status} must say who decided and when",
                loc,
                field="reviewer/reviewed_on",
                expected="a reviewer's name and a date YYYY-MM-DD",
            )
        if r.decided or r.reviewed_on:
            check_date(r.reviewed_on, loc, "reviewed_on", partial=False)
        earlier = pairs.setdefault((r.entity, r.qid), line)
        if earlier != line:
            raise CatalogueError(
                f"{r.entity} and {r.qid} are paired already, on line {earlier}",
                loc,
                field="qid",
                expected="one row per entity and Wikidata item",
            )
        if r.status == "accepted":
            other = accepted_on.setdefault(r.entity, (r.qid, line))
            if other[1] != line:
                raise CatalogueError(
                    f"{r.entity} has {other[0]} accepted already, on line {other[1]}; "
                    f"an entity is one Wikidata item",
                    loc,
                    field="status",
                    expected="one accepted row per entity (mark the other rejected)",
                )
        rows.append(r)
    return rows


def check_entities(rows: list[ReviewRow], path: Path, exists: Callable[[str], bool]) -> None:
    """Every row names an entity the build has: a link for one that is gone (renamed,
    merged, removed) would be published about nothing."""
    for r in rows:
        if not exists(r.entity_iri):
            raise CatalogueError(
                f"'{r.entity}' is not an entity of this build",
                Location(str(path), r.line),
                field="entity",
                expected="the id of an entity in entities.csv or in the inputs; remove the row "
                "or correct the id",
            )


def write_review(path: Path, rows: list[ReviewRow]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: getattr(r, c) for c in COLUMNS})
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def accepted(path: Path) -> list[ReviewRow]:
    return [r for r in read_review(path) if r.status == "accepted"]
