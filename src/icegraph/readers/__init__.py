"""Readers turn raw files into records, each record knowing its file and line.

A reader registers itself with :func:`register`; the pipeline asks each in turn whether it
recognises a file, so a new input format plugs in without touching the pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReaderSpec:
    name: str
    recognises: Callable[[str], bool]


_READERS: list[ReaderSpec] = []


def register(name: str, recognises: Callable[[str], bool]) -> None:
    _READERS.append(ReaderSpec(name, recognises))


def reader_for(path: Path) -> str | None:
    """Name of the reader that recognises the file's first lines, or None."""
    from icegraph.readers import dossier_page, flows_table, statements_csv  # noqa: F401

    with path.open(encoding="utf-8", errors="replace") as fh:
        head = fh.read(4096)
    for spec in _READERS:
        if spec.recognises(head):
            return spec.name
    return None
