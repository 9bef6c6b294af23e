"""Where the project's model files live: ontology/, shapes/, queries/ beside src/."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """ICEGRAPH_HOME when set, else the checkout this package is installed from."""
    env = os.environ.get("ICEGRAPH_HOME")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2]


def ontology_dir() -> Path:
    return project_root() / "ontology"


def shapes_dir() -> Path:
    return project_root() / "shapes"


def queries_dir() -> Path:
    return project_root() / "queries"
