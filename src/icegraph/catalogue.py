"""The curated tables in data/*.csv: sources, entities, corrections and term mappings.

Each table is checked on load: a missing column, an unknown reference or a duplicate id is a
CatalogueError naming the file, line and field, before any input is read.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from icegraph.errors import CatalogueError, Location
from icegraph.resolve.names import ordered_keys

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


_ID = re.compile(r"[a-z0-9][a-z0-9/_.-]*")


def _check_id(value: str, loc: Location, fld: str) -> None:
    """Ids become IRI paths: lower-case letters, digits and / _ . - only."""
    if not _ID.fullmatch(value):
        raise CatalogueError(
            f"'{value}' cannot be part of an IRI",
            loc,
            field=fld,
            expected="lower-case letters, digits and / _ . - (e.g. agency/ice)",
        )


def _rows(path: Path, required: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    if not path.exists():
        raise CatalogueError("curated table is missing", Location(str(path)))
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueError(
                f"missing column(s) {', '.join(missing)}",
                Location(str(path), 1),
                expected="a header row with " + ", ".join(required),
            )
        for row in reader:
            line = reader.line_num
            yield line, {k: (v or "").strip() for k, v in row.items() if k is not None}


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
    for line, row in _rows(path, ("type", "label", "confidence", "why")):
        _check_id(row["type"], Location(str(path), line), "type")
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
    for line, row in _rows(path, cols):
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
        url = row.get("url", "")
        if url and not url.startswith(("https://", "http://")):
            raise CatalogueError(f"'{url}' is not a web address", loc, field="url")
        cat.sources[row["id"]] = SourceEntry(**{c: row[c] for c in cols}, url=url)


def _load_entities(cat: Catalogue, path: Path) -> None:
    cols = (
        "id", "type", "label", "acronym", "alt_labels", "parent", "operator", "part_of",
        "developer", "candidates", "note",
    )  # fmt: skip
    lines: dict[str, int] = {}
    for line, row in _rows(path, cols):
        loc = Location(str(path), line)
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
    if "system/icm" not in cat.entities:
        raise CatalogueError(
            "the hub system 'system/icm' is missing", Location(str(path)), field="id"
        )


def _load_corrections(cat: Catalogue, path: Path) -> None:
    cols = ("file", "line", "field", "kind", "raw_value", "corrected_value", "why", "evidence")
    for line, row in _rows(path, cols):
        loc = Location(str(path), line)
        if not row["why"] or not row["evidence"]:
            raise CatalogueError(
                "a correction must say why and on what evidence", loc, field="why/evidence"
            )
        try:
            target_line = int(row["line"]) if row["line"] else None
        except ValueError:
            raise CatalogueError(
                f"'{row['line']}' is not a line number",
                loc,
                field="line",
                expected="a whole number, or empty for every line of the file",
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
    for line, row in _rows(path, ("kind", "pattern", "term", "label")):
        try:
            pattern = re.compile(row["pattern"], re.IGNORECASE)
        except re.error as exc:
            raise CatalogueError(
                f"pattern does not compile: {exc}", Location(str(path), line), field="pattern"
            ) from None
        cat.text_rules.append(TextRule(row["kind"], pattern, row["term"], row["label"]))


def _load_relation_types(cat: Catalogue, path: Path) -> None:
    for _line, row in _rows(path, ("raw_label", "term", "label")):
        cat.relation_types[row["raw_label"].casefold()] = (row["term"], row["label"])
