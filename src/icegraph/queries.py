"""The catalogue of ready-made questions in queries/*.rq, each with its header comment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import Store

from icegraph.errors import QueryError
from icegraph.namespaces import PREFIXES
from icegraph.paths import queries_dir
from icegraph.store import select


@dataclass(frozen=True)
class CatalogueQuery:
    name: str
    question: str
    text: str
    path: Path


def read_query(path: Path) -> CatalogueQuery:
    text = path.read_text(encoding="utf-8")
    comment = []
    for line in text.splitlines():
        if line.startswith("#"):
            comment.append(line.lstrip("#").strip())
        elif line.strip():
            break
    if not comment:
        raise QueryError(f"{path} has no header comment saying what question it answers")
    return CatalogueQuery(path.stem, " ".join(c for c in comment if c), text, path)


def catalogue(directory: Path | None = None) -> list[CatalogueQuery]:
    return [read_query(p) for p in sorted((directory or queries_dir()).glob("*.rq"))]


def find_query(name_or_path: str) -> CatalogueQuery:
    path = Path(name_or_path)
    if path.suffix == ".rq" and path.exists():
        return read_query(path)
    for q in catalogue():
        if q.name == name_or_path:
            return q
    names = ", ".join(q.name for q in catalogue())
    raise QueryError(f"no query named '{name_or_path}'", expected=f"a .rq file or one of: {names}")


def run_select(store: Store, query: CatalogueQuery) -> tuple[list[str], list[list[object]]]:
    """Column names and rows (pyoxigraph terms or None) of a SELECT query."""
    try:
        solutions = select(store, query.text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"{query.path}: {exc}") from None
    names = [v.value for v in solutions.variables]
    rows = [[sol[n] for n in names] for sol in solutions]
    return names, rows
