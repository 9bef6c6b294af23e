"""Apply the curated corrections in data/corrections.csv to flow records."""

from __future__ import annotations

from pathlib import PurePath

from icegraph.catalogue import Correction
from icegraph.readers.flows_table import FIELD_TITLES
from icegraph.records import FlowRecord

_FIELD_BY_TITLE = {title: fld for fld, title in FIELD_TITLES.items()}


class CorrectionBook:
    """The corrections for one input file, indexed for lookup by line, and which were used."""

    def __init__(self, corrections: list[Correction], file_name: str) -> None:
        name = PurePath(file_name).name
        self.by_line: dict[int | None, list[Correction]] = {}
        for c in corrections:
            # '*' is a correction that holds in every input file, such as a misspelled name.
            if c.file in (name, "*"):
                self.by_line.setdefault(c.line, []).append(c)
        self.used: set[Correction] = set()

    def apply(self, rec: FlowRecord) -> None:
        """Replace a whole cell equal to the raw value, or the raw value where it is part of it."""
        for c in self.by_line.get(rec.location.line, []) + self.by_line.get(None, []):
            fld = _FIELD_BY_TITLE.get(c.field)
            if fld is None:
                continue
            current = getattr(rec, fld)
            if current is None or c.raw not in current:
                continue
            new = c.corrected if current == c.raw else current.replace(c.raw, c.corrected)
            rec.set(fld, new, c.kind, c.why, c.evidence)
            self.used.add(c)

    def unused(self) -> list[Correction]:
        """File-specific corrections that matched nothing: a sign the input has changed."""
        return [
            c for cs in self.by_line.values() for c in cs if c not in self.used and c.file != "*"
        ]
