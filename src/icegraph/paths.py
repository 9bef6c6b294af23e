"""Where the model files live: ontology/, shapes/ and queries/ inside the package (model/).

They are package data, found with importlib.resources, so an installed wheel carries them; the
repository's top-level ontology/, shapes/ and queries/ are links to the same folders.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from icegraph.errors import IcegraphError


def _model(name: str) -> Path:
    folder = files("icegraph") / "model" / name
    # pip unpacks wheels onto the file system, and rdflib and glob want real paths
    if not isinstance(folder, Path):
        raise IcegraphError(
            f"icegraph's {name}/ is not on the file system ({folder})",
            fix="Install icegraph from a wheel or a checkout, not from a zip archive.",
        )
    return folder


def ontology_dir() -> Path:
    return _model("ontology")


def shapes_dir() -> Path:
    return _model("shapes")


def queries_dir() -> Path:
    return _model("queries")
