"""The review file data/wikidata-links.csv: read, checked and written atomically."""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from icegraph.errors import CatalogueError, Location
from icegraph.namespaces import ID

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

    @property
    def decided(self) -> bool:
        return self.status in ("accepted", "rejected")

    @property
    def entity_iri(self) -> str:
        return ID + self.entity


def read_review(path: Path) -> list[ReviewRow]:
    if not path.exists():
        return []
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError(f"missing column(s) {', '.join(missing)}", Location(str(path), 1))
        for row in reader:
            loc = Location(str(path), reader.line_num)
            r = ReviewRow(**{c: (row.get(c) or "").strip() for c in COLUMNS})
            if r.status not in STATUSES:
                raise CatalogueError(
                    f"unknown status '{r.status}'",
                    loc,
                    field="status",
                    expected=" or ".join(STATUSES),
                )
            if not re.fullmatch(r"Q[1-9]\d*", r.qid):
                raise CatalogueError(
                    f"'{r.qid}' is not a Wikidata item id",
                    loc,
                    field="qid",
                    expected="Q followed by digits, e.g. Q943091",
                )
            if r.decided and not (r.reviewer and re.fullmatch(r"\d{4}-\d{2}-\d{2}", r.reviewed_on)):
                raise CatalogueError(
                    f"a row marked {r.status} must say who decided and when",
                    loc,
                    field="reviewer/reviewed_on",
                    expected="a reviewer's name and a date YYYY-MM-DD",
                )
            rows.append(r)
    return rows


def write_review(path: Path, rows: list[ReviewRow]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(asdict(r))
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def accepted(path: Path) -> list[ReviewRow]:
    return [r for r in read_review(path) if r.status == "accepted"]
