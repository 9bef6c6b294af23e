"""The releases the site tells of: the one it renders and the history beside it.

A release folder holds a build's published files and, when made by `icegraph release`,
`release.json` (version, issued, previous, notes), `CHANGES.md` and `changes.json`; the
releases folder's `index.json` lists every release. The site reads what is there and does
without what is not: a folder holding only a build's files is release "its folder's name".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from icegraph.errors import InputError, Location

# Files a release may hold that the site copies beside its change log, for machines.
RELEASE_FILES = ("release.json", "release.ttl", "CHANGES.md", "changes.json", "report.md")
NEEDED = ("store", "icegraph.trig", "icegraph.ttl")


@dataclass
class Release:
    version: str
    folder: Path | None
    issued: str = ""
    previous: str = ""
    notes: str = ""
    changes: str = ""  # CHANGES.md as written, or ''
    files: list[str] = field(default_factory=list)  # which RELEASE_FILES it has


def _json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(
            f"{path.name} is not valid JSON: {exc}",
            Location(str(path), getattr(exc, "lineno", None), getattr(exc, "colno", None)),
            expected="a JSON object as `icegraph release` writes it",
        ) from None


def read_release(folder: Path, check: bool = True) -> Release:
    """One release folder; with check, that it holds what the site is made from."""
    if not folder.is_dir():
        there = sorted(
            p.name for p in folder.parent.glob("*") if p.is_dir() and not p.name.startswith(".")
        )
        raise InputError(
            f"No release folder at {folder}",
            Location(str(folder.parent)),
            expected="one of the releases there: " + (", ".join(there) or "(none yet)"),
            fix="Make one with 'icegraph release VERSION', or name their folder with --releases.",
        )
    missing = [n for n in NEEDED if check and not (folder / n).exists()]
    if missing:
        raise InputError(
            f"The release folder {folder} has no {', '.join(missing)}",
            field="--release",
            expected="a release's dumps and its store/ (what `icegraph release` copies)",
        )
    meta: dict[str, object] = {}
    if (folder / "release.json").is_file():
        loaded = _json(folder / "release.json")
        if not isinstance(loaded, dict):
            raise InputError(
                "release.json does not hold a JSON object",
                Location(str(folder / "release.json"), 1),
                expected='{"version": …, "issued": …, "previous": …, "notes": …}',
            )
        meta = loaded
    changes = folder / "CHANGES.md"
    return Release(
        version=str(meta.get("version") or folder.name),
        folder=folder,
        issued=str(meta.get("issued") or ""),
        previous=str(meta.get("previous") or ""),
        notes=str(meta.get("notes") or ""),
        changes=changes.read_text(encoding="utf-8") if changes.is_file() else "",
        files=[n for n in RELEASE_FILES if (folder / n).is_file()],
    )


def _listed(index: Path) -> list[str]:
    """The versions releases/index.json names, in its order."""
    data = _json(index)
    items = data.get("releases", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError(
            "index.json does not list releases",
            Location(str(index), 1),
            expected='a list of releases, or {"releases": [...]}, each with a "version"',
        )
    out = []
    for item in items:
        version = item.get("version") if isinstance(item, dict) else item
        if not isinstance(version, str) or not version:
            raise InputError(
                f"index.json lists a release without a version: {item!r}",
                Location(str(index)),
                field="version",
                expected="a non-empty string",
            )
        out.append(version)
    return out


def history(releases: Path | None, current: Release) -> list[Release]:
    """Every release the releases folder knows, newest issued first; the current one always
    among them."""
    found: dict[str, Release] = {current.version: current}
    if releases is not None and releases.is_dir():
        index = releases / "index.json"
        versions = (
            _listed(index)
            if index.is_file()
            else [p.name for p in releases.iterdir() if (p / "release.json").is_file()]
        )
        for v in versions:
            if v in found:
                continue
            folder = releases / v
            found[v] = read_release(folder, check=False) if folder.is_dir() else Release(v, None)
    return sorted(found.values(), key=lambda r: (r.issued, r.version), reverse=True)
