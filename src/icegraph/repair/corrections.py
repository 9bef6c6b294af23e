"""Apply the curated corrections in data/corrections.csv to flow records, and check them.

A correction that names a file, column or organisation the build does not have, or that
changes nothing, is a mistake in the table or a sign the input changed; either way the user
must hear of it rather than have it silently ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath

from icegraph.catalogue import Catalogue, Correction
from icegraph.errors import CatalogueError
from icegraph.readers.flows_table import FIELD_TITLES, HEADER
from icegraph.records import Finding, FlowRecord

_FIELD_BY_TITLE = {title: fld for fld, title in FIELD_TITLES.items()}
# Corrected values in these columns must be organisations the catalogue knows
_ORGANISATION_FIELDS = ("Agency/Owner", "Sub-Agency")
_ORG_TYPES = ("Agency", "InternationalOrganization", "PrivateOrganization", "Company")


class CorrectionBook:
    """The corrections for one input file, indexed for lookup by line, and which were used."""

    def __init__(
        self, corrections: list[Correction], file_name: str, used: set[Correction] | None = None
    ) -> None:
        name = PurePath(file_name).name
        self.by_line: dict[int | None, list[Correction]] = {}
        for c in corrections:
            # '*' is a correction that holds in every input file, such as a misspelled name.
            if c.file in (name, "*"):
                self.by_line.setdefault(c.line, []).append(c)
        # Every row is looked up: each line's corrections come with their record field, in
        # the order they apply (the line's own, then those of every line), worked out once.
        self._fields: dict[int | None, list[tuple[Correction, str]]] = {
            line: [(c, _FIELD_BY_TITLE[c.field]) for c in cs if c.field in _FIELD_BY_TITLE]
            for line, cs in self.by_line.items()
        }
        self._every = self._fields.get(None, [])
        for line in self._fields:
            if line is not None:
                self._fields[line] = self._fields[line] + self._every
        self.used: set[Correction] = set()
        # shared across the build's files, so '*' corrections are judged on all of them
        self.used_anywhere = used if used is not None else set()

    def apply(self, rec: FlowRecord) -> None:
        """Replace a whole cell equal to the raw value, or the raw value where it is part of it."""
        for c, fld in self._fields.get(rec.location.line, self._every):
            current = getattr(rec, fld)
            if current is None or c.raw not in current:
                continue
            new = c.corrected if current == c.raw else current.replace(c.raw, c.corrected)
            rec.set(fld, new, c.kind, c.why, c.evidence)
            self.used.add(c)
            self.used_anywhere.add(c)

    def unused(self) -> list[Correction]:
        """File-specific corrections that matched nothing: a sign the input has changed."""
        return [
            c for cs in self.by_line.values() for c in cs if c not in self.used and c.file != "*"
        ]

    def check_all_used(self) -> None:
        """Stop on the first file-specific correction that changed nothing in its file."""
        for c in sorted(self.unused(), key=lambda c: c.location.line or 0):
            where = f"{c.file} line {c.line}" if c.line else c.file
            raise CatalogueError(
                f"the correction of '{c.raw}' in {c.field} matches nothing in {where}",
                c.location,
                field="raw_value",
                expected="a raw value found in that cell; if the input has changed, update or "
                "remove the correction",
            )


def check_corrections(
    cat: Catalogue, flows_files: Iterable[str], other_files: Iterable[str]
) -> None:
    """Before any input is read: every correction names a flows table of this build, one of
    its columns, and for the organisation columns a name the catalogue knows."""
    flows = set(flows_files)
    others = set(other_files)
    seen: dict[tuple[str, int | None, str, str], Correction] = {}
    for c in cat.corrections:
        if c.file in others:
            raise CatalogueError(
                f"'{c.file}' is not a flows table; corrections apply to flows tables only",
                c.location,
                field="file",
                expected="the name of a flows table in raw/ ("
                + ", ".join(sorted(flows))
                + ") or *",
            )
        if c.file != "*" and c.file not in flows:
            raise CatalogueError(
                f"no input file is named '{c.file}'",
                c.location,
                field="file",
                expected="the name of a flows table in raw/ ("
                + (", ".join(sorted(flows)) or "none in this build")
                + ") or * for every file",
            )
        if c.field not in _FIELD_BY_TITLE:
            raise CatalogueError(
                f"the flows table has no column '{c.field}'",
                c.location,
                field="field",
                expected="one of " + ", ".join(HEADER),
            )
        if not c.raw:
            raise CatalogueError(
                "the raw value is empty",
                c.location,
                field="raw_value",
                expected="the text to replace",
            )
        if (
            c.field in _ORGANISATION_FIELDS
            and c.corrected
            and cat.lookup(c.corrected, _ORG_TYPES) is None
        ):
            raise CatalogueError(
                f"'{c.corrected}' is not a known organisation",
                c.location,
                field="corrected_value",
                expected="a name, acronym or alternative label from entities.csv",
            )
        key = (c.file, c.line, c.field, c.raw)
        if key in seen:
            raise CatalogueError(
                f"the same value is corrected already, on line {seen[key].location.line}",
                c.location,
                field="raw_value",
                expected="one correction per file, line, column and raw value",
            )
        seen[key] = c


def unused_everywhere(cat: Catalogue) -> list[Finding]:
    """'*' corrections that changed nothing in any input of the build, for the report."""
    return [
        Finding(
            c.location,
            "unused correction",
            f"the correction of '{c.raw}' in {c.field} (for every file) matched nothing in "
            "this build's inputs",
        )
        for c in cat.corrections
        if c.file == "*" and c not in cat.used_corrections
    ]
