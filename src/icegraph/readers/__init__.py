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
    from icegraph.textfile import UTF8_BOM, check_head, unreadable

    try:
        with path.open("rb") as fh:
            data = fh.read(4096)
    except OSError as exc:
        raise unreadable(exc, str(path)) from None
    check_head(data, str(path))  # UTF-16 would otherwise be "not recognised", not why
    # Undecodable bytes are located by the reader; here they only must not hide the header.
    head = data.removeprefix(UTF8_BOM).decode("utf-8", errors="replace")
    for spec in _READERS:
        if spec.recognises(head):
            return spec.name
    return None
