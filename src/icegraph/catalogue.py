"""The curated tables in data/*.csv: sources, entities, corrections and term mappings.

Each table is checked on load: a missing column, an unknown reference or a duplicate id is a
CatalogueError naming the file, line and field, before any input is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from icegraph.dates import is_date
from icegraph.errors import CatalogueError, Location
from icegraph.records import Finding
from icegraph.resolve.names import ordered_keys
from icegraph.tables import read_table

ENTITY_TYPES = (
    "Agency",
    "InternationalOrganization",
    "Company",
    "PrivateOrganization",
    "Person",
    "System",
)
CONFIDENCE_GRADES = ("primary", "secondary", "inferential")


@dataclass(frozen=True, slots=True)
class SourceEntry:
    id: str
    citation: str
    title: str
    author: str
    publisher: str
    type: str
    date: str
    note: str
    url: str = ""  # where the document can be read; cited as S854 in QuickStatements
    # Every claim citing the document is kept out of public builds until this date
    # (YYYY-MM-DD), or for good when it is confidential (docs/withholding.md).
    embargoed_until: str = ""
    confidential: bool = False


@dataclass(slots=True)
class EntityEntry:
    id: str
    type: str
    label: str
    acronym: str
    alt_labels: list[str]
    parent: str
    operator: str
    part_of: str
    developer: str
    candidates: list[str]
    note: str
    # What it is on Wikidata (instance of, P31): a class's QID, chosen by a person; empty when
    # nobody has, and then the QuickStatements export leaves its creation to a person.
    wikidata_class: str = ""
    # Who says so for the row's facts (operator, developer, parent, part of): a source id of
    # data/sources.csv, or the person who curated it and when; empty when nobody has said.
    source: str = ""
    curated_by: str = ""
    curated_on: str = ""


# "curated by Desk editor, 2026-11-30": a person's own knowledge, dated, when no document is.
_CURATED = re.compile(r"curated by (?P<who>[^,]+), (?P<when>\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True, slots=True)
class Correction:
    file: str
    line: int | None
    field: str
    kind: str
    raw: str
    corrected: str
    why: str
    evidence: str
    location: Location


@dataclass(frozen=True, slots=True)
class DocumentType:
    id: str
    label: str
    confidence: str
    why: str


@dataclass(frozen=True, slots=True)
class TextRule:
    """A regular expression over free text that points to a vocabulary term."""

    kind: str
    pattern: re.Pattern[str]
    term: str
    label: str


@dataclass
class Catalogue:
    directory: Path
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    entities: dict[str, EntityEntry] = field(default_factory=dict)
    corrections: list[Correction] = field(default_factory=list)
    document_types: dict[str, DocumentType] = field(default_factory=dict)
    text_rules: list[TextRule] = field(default_factory=list)
    relation_types: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Warnings from loading the tables (repeated rows), for the build report
    findings: list[Finding] = field(default_factory=list)
    # The corrections that changed a value in some input, filled in as the inputs are repaired
    used_corrections: set[Correction] = field(default_factory=set)
    _names: dict[tuple[str, str], str] = field(default_factory=dict)

    def lookup(self, name: str, types: Iterable[str] | None = None) -> EntityEntry | None:
        """The catalogue entity whose label, acronym or alternative label is `name`."""
        wanted = tuple(types) if types else ENTITY_TYPES
        # 'US Department of Homeland Security (DHS)': the whole, the name, then the acronym.
        for key in ordered_keys(name):
            for t in wanted:
                eid = self._names.get((t, key))
                if eid is not None:
                    return self.entities[eid]
        return None

    def known_names(self) -> set[str]:
        return {key for (_t, key) in self._names}

    def hub(self) -> EntityEntry:
        return self.entities["system/icm"]


# each segment starts with a letter or digit: no '.' or '..' (a browser resolves those away
# before it asks, so the page could never be reached) and no empty segment
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*(?:/[a-z0-9][a-z0-9_.-]*)*")


def _check_id(value: str, loc: Location, fld: str) -> None:
    """Ids become IRI paths: segments of lower-case letters, digits and _ . - only."""
    if not _ID.fullmatch(value):
        raise CatalogueError(
            f"'{value}' cannot be part of an IRI",
            loc,
            field=fld,
            expected="lower-case letters, digits and _ . -, in parts joined by '/', each "
            "starting with a letter or digit (e.g. agency/ice)",
        )


def _rows(
    cat: Catalogue, path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> Iterable[tuple[int, dict[str, str]]]:
    """The table's rows, parsed strictly (see tables.py); a row repeated cell for cell is
    read once and reported."""
    table = read_table(path, required, optional)
    repeated = {line for line, _first in table.repeats}
    for line, first in table.repeats:
        cat.findings.append(
            Finding(table.loc(line), "repeated row", f"the same cells as line {first}; read once")
        )
    return ((line, row) for line, row in table if line not in repeated)


def _entity_source(value: str, cat: Catalogue, loc: Location) -> tuple[str, str, str]:
    """The source column: (source id, "", "") or ("", reviewer, date), or all empty."""
    if not value or value in cat.sources:
        return value, "", ""
    found = _CURATED.fullmatch(value)
    if found is None:
        raise CatalogueError(
            f"'{value}' is neither a source id nor 'curated by <reviewer>, <date>'",
            loc,
            field="source",
            expected="an id of sources.csv, or e.g. 'curated by Desk editor, 2026-11-30'",
        )
    try:
        date.fromisoformat(found["when"])
    except ValueError:
        raise CatalogueError(
            f"'{found['when']}' is not a date", loc, field="source", expected="YYYY-MM-DD"
        ) from None
    return "", found["who"].strip(), found["when"]


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.split("|") if v.strip()]


def load_catalogue(data_dir: Path) -> Catalogue:
    cat = Catalogue(data_dir)
    _load_document_types(cat, data_dir / "document-types.csv")
    _load_sources(cat, data_dir / "sources.csv")
    _load_entities(cat, data_dir / "entities.csv")
    _load_corrections(cat, data_dir / "corrections.csv")
    _load_text_rules(cat, data_dir / "text-rules.csv")
    _load_relation_types(cat, data_dir / "relation-types.csv")
    return cat


def _load_document_types(cat: Catalogue, path: Path) -> None:
    for line, row in _rows(cat, path, ("type", "label", "confidence", "why")):
        _check_id(row["type"], Location(str(path), line), "type")
        if row["type"] in cat.document_types:
            raise CatalogueError(
                f"duplicate document type '{row['type']}'", Location(str(path), line), field="type"
            )
        if row["confidence"] not in CONFIDENCE_GRADES:
            raise CatalogueError(
                f"unknown confidence grade '{row['confidence']}'",
                Location(str(path), line),
                field="confidence",
                expected=" or ".join(CONFIDENCE_GRADES),
            )
        cat.document_types[row["type"]] = DocumentType(
            row["type"], row["label"], row["confidence"], row["why"]
        )


def _load_sources(cat: Catalogue, path: Path) -> None:
    cols = ("id", "citation", "title", "author", "publisher", "type", "date", "note")
    for line, row in _rows(cat, path, cols, ("url", "embargoed_until", "confidential")):
        loc = Location(str(path), line)
        _check_id(row["id"], loc, "id")
        if row["id"] in cat.sources:
            raise CatalogueError(f"duplicate source id '{row['id']}'", loc, field="id")
        if not row["title"]:
            raise CatalogueError("source has no title", loc, field="title")
        if row["type"] not in cat.document_types:
            raise CatalogueError(
                f"unknown document type '{row['type']}'",
                loc,
                field="type",
                expected="a type listed in document-types.csv",
            )
        if row["date"]:
            check_date(row["date"], loc, "date")
        url = row.get("url", "")
        if url and not url.startswith(("https://", "http://")):
            raise CatalogueError(f"'{url}' is not a web address", loc, field="url")
        until = row.get("embargoed_until", "")
        if until:
            check_date(until, loc, "embargoed_until", partial=False)
        secret = row.get("confidential", "").casefold()
        if secret not in ("", "yes", "no"):
            raise CatalogueError(
                f"'{row['confidential']}' is not yes or no", loc, field="confidential",
                expected="yes, no or an empty cell",
            )  # fmt: skip
        cat.sources[row["id"]] = SourceEntry(
            **{c: row[c] for c in cols}, url=url, embargoed_until=until,
            confidential=secret == "yes",
        )  # fmt: skip


def _load_entities(cat: Catalogue, path: Path) -> None:
    cols = (
        "id", "type", "label", "acronym", "alt_labels", "parent", "operator", "part_of",
        "developer", "candidates", "note",
    )  # fmt: skip
    lines: dict[str, int] = {}
    for line, row in _rows(cat, path, cols, ("wikidata_class", "source")):
        loc = Location(str(path), line)
        source, curated_by, curated_on = _entity_source(row.get("source", "").strip(), cat, loc)
        wikidata_class = row.get("wikidata_class", "")
        if wikidata_class and not re.fullmatch(r"Q[1-9]\d*", wikidata_class):
            raise CatalogueError(
                f"'{wikidata_class}' is not a Wikidata item id",
                loc,
                field="wikidata_class",
                expected="Q followed by digits (e.g. Q8513, database), or empty",
            )
        if row["type"] not in ENTITY_TYPES:
            raise CatalogueError(
                f"unknown entity type '{row['type']}'",
                loc,
                field="type",
                expected=", ".join(ENTITY_TYPES),
            )
        _check_id(row["id"], loc, "id")
        if row["id"] in cat.entities:
            raise CatalogueError(f"duplicate entity id '{row['id']}'", loc, field="id")
        entry = EntityEntry(
            id=row["id"],
            type=row["type"],
            label=row["label"],
            acronym=row["acronym"],
            alt_labels=_split(row["alt_labels"]),
            parent=row["parent"],
            operator=row["operator"],
            part_of=row["part_of"],
            developer=row["developer"],
            candidates=_split(row["candidates"]),
            note=row["note"],
            wikidata_class=wikidata_class,
            source=source,
            curated_by=curated_by,
            curated_on=curated_on,
        )
        cat.entities[entry.id] = entry
        lines[entry.id] = line
        for name in [entry.label, entry.acronym, *entry.alt_labels]:
            if name:
                for key in ordered_keys(name):
                    cat._names.setdefault((entry.type, key), entry.id)
    for eid, entry in cat.entities.items():
        for fld in ("parent", "operator", "part_of", "developer"):
            ref = getattr(entry, fld)
            if ref and ref not in cat.entities:
                raise CatalogueError(
                    f"'{ref}' is not an entity id in this table",
                    Location(str(path), lines[eid]),
                    field=fld,
                )
        for ref in entry.candidates:
            if ref not in cat.entities:
                raise CatalogueError(
                    f"'{ref}' is not an entity id in this table",
                    Location(str(path), lines[eid]),
                    field="candidates",
                )
    _check_parent_cycles(cat, path, lines)
    if "system/icm" not in cat.entities:
        raise CatalogueError(
            "the hub system 'system/icm' is missing", Location(str(path)), field="id"
        )


def _check_parent_cycles(cat: Catalogue, path: Path, lines: dict[str, int]) -> None:
    """A parent chain must end: a cycle makes every entity on it its own ancestor."""
    done: set[str] = set()
    for start in cat.entities:
        chain: list[str] = []
        node = start
        while node and node not in done:
            if node in chain:
                cycle = chain[chain.index(node) :] + [node]
                first = min(cycle, key=lambda e: lines[e])
                raise CatalogueError(
                    "the parents form a cycle: " + " → ".join(_rotate(cycle[:-1], first)),
                    Location(str(path), lines[first]),
                    field="parent",
                    expected="a chain of parents that ends at an entity with no parent",
                )
            chain.append(node)
            node = cat.entities[node].parent
        done.update(chain)


def _rotate(cycle: list[str], first: str) -> list[str]:
    """The cycle written from `first` round to `first` again, in parent order."""
    i = cycle.index(first)
    ordered = cycle[i:] + cycle[:i]
    return [*ordered, first]


def check_date(value: str, loc: Location, fld: str, partial: bool = True) -> None:
    """An ISO date in the calendar (2026-02-31 is not), or with `partial` a year-month or
    a year alone, as sources are often dated."""
    if not is_date(value, ("day", "month", "year") if partial else ("day",)):
        raise CatalogueError(
            f"'{value}' is not a date",
            loc,
            field=fld,
            expected="a real date YYYY-MM-DD" + (" (or YYYY-MM, or YYYY)" if partial else ""),
        )


def _load_corrections(cat: Catalogue, path: Path) -> None:
    cols = ("file", "line", "field", "kind", "raw_value", "corrected_value", "why", "evidence")
    for line, row in _rows(cat, path, cols):
        loc = Location(str(path), line)
        if not row["why"] or not row["evidence"]:
            raise CatalogueError(
                "a correction must say why and on what evidence", loc, field="why/evidence"
            )
        try:
            target_line = int(row["line"]) if row["line"] else None
            if target_line is not None and target_line < 1:
                raise ValueError
        except ValueError:
            raise CatalogueError(
                f"'{row['line']}' is not a line number",
                loc,
                field="line",
                expected="a line number from 1, or empty for every line of the file",
            ) from None
        cat.corrections.append(
            Correction(
                file=row["file"],
                line=target_line,
                field=row["field"],
                kind=row["kind"] or "correction",
                raw=row["raw_value"],
                corrected=row["corrected_value"],
                why=row["why"],
                evidence=row["evidence"],
                location=loc,
            )
        )


def _load_text_rules(cat: Catalogue, path: Path) -> None:
    for line, row in _rows(cat, path, ("kind", "pattern", "term", "label")):
        try:
            pattern = re.compile(row["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise CatalogueError(
                f"pattern does not compile: {exc}", Location(str(path), line), field="pattern"
            ) from None
        cat.text_rules.append(TextRule(row["kind"], pattern, row["term"], row["label"]))


def _load_relation_types(cat: Catalogue, path: Path) -> None:
    lines: dict[str, int] = {}
    for line, row in _rows(cat, path, ("raw_label", "term", "label")):
        key = row["raw_label"].casefold()
        if key in lines:
            raise CatalogueError(
                f"'{row['raw_label']}' is mapped already, on line {lines[key]}",
                Location(str(path), line),
                field="raw_label",
                expected="each raw label once (compared ignoring case)",
            )
        lines[key] = line
        cat.relation_types[key] = (row["term"], row["label"])
