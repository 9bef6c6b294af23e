"""The review file data/same-as.csv: possible duplicates and a person's decision on each.

One row per pair: `entity` is the id kept, `same_as` the id folded into it once a person
accepts the row. The file is read strictly, because an accepted row changes the graph: a
status the build does not know, an undated decision, or an entity folded into two others
stops the build with the file, line and field. It is written atomically and sorted, so
refreshing proposals gives small diffs.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from icegraph.dates import is_date
from icegraph.errors import CatalogueError, Location
from icegraph.resolve.similar import Proposal

COLUMNS = ("entity", "entity_label", "same_as", "same_as_label", "score", "evidence", "status",
           "reviewer", "reviewed_on", "note")  # fmt: skip
STATUSES = ("proposed", "accepted", "rejected")
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*/[a-z0-9][a-z0-9/_.-]*")
_SCORE = re.compile(r"(?:0(?:\.\d+)?|1(?:\.0+)?)")


@dataclass(frozen=True)
class SameAsRow:
    entity: str
    entity_label: str
    same_as: str
    same_as_label: str
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
    def pair(self) -> frozenset[str]:
        return frozenset((self.entity, self.same_as))


@dataclass(frozen=True)
class Merged:
    """The review file's rows after a refresh, and what the refresh did."""

    rows: list[SameAsRow]
    new: int
    refreshed: int
    dropped: int
    kept: int  # decided rows, kept as they were

    def summary(self) -> str:
        return (
            f"{self.new} new {_plural(self.new, 'proposal')}, {self.refreshed} refreshed, "
            f"{self.dropped} dropped, {self.kept} decided kept"
        )


def read_same_as(path: Path) -> list[SameAsRow]:
    """The rows of the review file, checked; a missing file has none."""
    if not path.exists():
        return []
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return _check_all(path, _parse(path, fh.read()))
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            "the file is not UTF-8 text", Location(str(path)), expected="a CSV file in UTF-8"
        ) from exc


def _parse(path: Path, text: str) -> list[tuple[int, SameAsRow]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, SameAsRow]] = []
    line = 1
    try:
        header = next(reader, None)
        if header is None or tuple(c.strip() for c in header) != COLUMNS:
            raise CatalogueError(
                f"the header is {','.join(header or [])!r}",
                Location(str(path), 1),
                field="header",
                expected=f"exactly {','.join(COLUMNS)}",
            )
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1  # a quoted cell may span lines
            if not cells:
                continue
            if len(cells) != len(COLUMNS):
                raise CatalogueError(
                    f"the row has {len(cells)} cells",
                    Location(str(path), start),
                    field="row",
                    expected=f"{len(COLUMNS)} cells ({','.join(COLUMNS)}); quote a cell "
                    'that holds a comma, e.g. "Bureau of Alcohol, Tobacco and Firearms"',
                )
            row = SameAsRow(*(c.strip() for c in cells))
            _check_row(row, Location(str(path), start))
            rows.append((start, row))
    except csv.Error as exc:
        raise CatalogueError(f"not readable as CSV: {exc}", Location(str(path), line)) from exc
    return rows


def _check_row(r: SameAsRow, loc: Location) -> None:
    for name in ("entity", "same_as"):
        value = getattr(r, name)
        if not _ID.fullmatch(value):
            raise CatalogueError(
                f"'{value}' is not an entity id",
                loc,
                field=name,
                expected="an id as in the graph's IRIs after https://w3id.org/icegraph/id/, "
                "e.g. system/ats",
            )
    if r.entity == r.same_as:
        raise CatalogueError(f"'{r.entity}' is paired with itself", loc, field="same_as")
    if r.score and not _SCORE.fullmatch(r.score):
        raise CatalogueError(f"'{r.score}' is not a score", loc, field="score",
                             expected="a number from 0 to 1, e.g. 0.75, or nothing")  # fmt: skip
    if r.status not in STATUSES:
        raise CatalogueError(f"unknown status '{r.status}'", loc, field="status",
                             expected=" or ".join(STATUSES))  # fmt: skip
    if not r.decided:
        return
    if not r.reviewer:
        raise CatalogueError(f"a row marked {r.status} must say who decided", loc,
                             field="reviewer", expected="the reviewer's name")  # fmt: skip
    if not is_date(r.reviewed_on):
        raise CatalogueError(
            f"'{r.reviewed_on}' is not a date" if r.reviewed_on else
            f"a row marked {r.status} must say when it was decided",
            loc,
            field="reviewed_on",
            expected="a real date YYYY-MM-DD, e.g. 2026-12-01",
        )  # fmt: skip


def _check_all(path: Path, rows: list[tuple[int, SameAsRow]]) -> list[SameAsRow]:
    """No pair twice; every folded entity folded into one entity that is not itself folded."""
    seen: dict[frozenset[str], int] = {}
    into: dict[str, tuple[str, int]] = {}  # folded id → (canonical id, line)
    for line, r in rows:
        loc = Location(str(path), line)
        if r.pair in seen:
            raise CatalogueError(
                f"the pair {r.entity} and {r.same_as} is already on line {seen[r.pair]}",
                loc,
                field="same_as",
                expected="one row per pair, whichever way round",
            )
        seen[r.pair] = line
        if r.status != "accepted":
            continue
        if r.same_as in into:
            other, other_line = into[r.same_as]
            raise CatalogueError(
                f"{r.same_as} is folded into {r.entity} here and into {other} on line {other_line}",
                loc,
                field="same_as",
                expected="each entity folded into one canonical entity; reject one of the rows",
            )
        into[r.same_as] = (r.entity, line)
    for line, r in rows:
        if r.status == "accepted" and r.entity in into:
            canonical, other_line = into[r.entity]
            raise CatalogueError(
                f"{r.entity} keeps {r.same_as} here but is itself folded into {canonical} on "
                f"line {other_line}",
                Location(str(path), line),
                field="entity",
                expected=f"the canonical entity: write {canonical} as entity of this row",
            )
    return [r for _line, r in rows]


def write_same_as(path: Path, rows: Iterable[SameAsRow]) -> None:
    """Replace the file in one step (temp file + rename), rows sorted by pair."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in sorted(rows, key=lambda r: (r.entity, r.same_as)):
        w.writerow(asdict(r))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def merge(existing: Iterable[SameAsRow], proposals: Iterable[Proposal]) -> Merged:
    """Decided rows as they are; open rows refreshed (or dropped when they no longer score);
    new proposals added. A proposal for a decided pair is never added."""
    fresh = {p.pair: p for p in proposals}
    rows: list[SameAsRow] = []
    refreshed = dropped = kept = 0
    for r in existing:
        if r.decided:
            rows.append(r)
            kept += 1
            continue
        p = fresh.pop(r.pair, None)
        if p is None:
            dropped += 1
            continue
        # The row keeps its way round: a reviewer may have swapped which id to keep.
        labels = {p.entity: p.entity_label, p.same_as: p.same_as_label}
        rows.append(replace(r, entity_label=labels[r.entity], same_as_label=labels[r.same_as],
                            score=f"{p.score:.2f}", evidence=p.evidence))  # fmt: skip
        refreshed += 1
    decided = {r.pair for r in rows if r.decided}
    new = [p for pair, p in fresh.items() if pair not in decided]
    rows += [SameAsRow(p.entity, p.entity_label, p.same_as, p.same_as_label, f"{p.score:.2f}",
                       p.evidence, "proposed") for p in new]  # fmt: skip
    rows.sort(key=lambda r: (r.entity, r.same_as))
    return Merged(rows, len(new), refreshed, dropped, kept)


def accepted_pairs(rows: Iterable[SameAsRow]) -> dict[str, str]:
    """Folded id → the canonical id it is folded into, for every accepted row."""
    return {r.same_as: r.entity for r in rows if r.status == "accepted"}


def decided_pairs(rows: Iterable[SameAsRow]) -> set[frozenset[str]]:
    """Every pair a person accepted or rejected, either way round: never proposed again."""
    return {r.pair for r in rows if r.decided}


def open_proposals(rows: Iterable[SameAsRow]) -> list[SameAsRow]:
    """Rows still waiting for a person, best score first."""
    waiting = [r for r in rows if r.status == "proposed"]
    return sorted(waiting, key=lambda r: (-float(r.score or 0), r.entity, r.same_as))


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"
