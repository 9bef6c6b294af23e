"""The catalogue of ready-made questions, each a .rq file with its header comment.

The package's own questions (model/queries/, the repository's queries/) come first; a
`queries/` folder in the working directory adds the user's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    params: dict[str, str] = field(default_factory=dict)  # name -> default value

    def bound(self, values: dict[str, str] | None = None) -> str:
        """The query text with its parameters bound (given values over defaults)."""
        merged = {**self.params, **(values or {})}
        unknown = sorted(set(values or {}) - set(self.params))
        if unknown and self.params:
            raise QueryError(
                f"{self.name} has no parameter {', '.join(unknown)}",
                expected="one of: " + ", ".join(self.params),
            )
        return bind_values(self.text, merged)


_PARAM = re.compile(r"^#\s*param\s+(\w+)\s*=\s*(.+?)\s*$")
# "# not supported on: virtuoso (why)": a server the query is known to fail or crash; asked
# of such a server, `icegraph query --endpoint` says so instead of sending it
_UNSUPPORTED = re.compile(r"^#\s*not supported on:\s*([\w.-]+)\s*(?:\((.*)\))?\s*$", re.I | re.M)


def unsupported_on(text: str) -> dict[str, str]:
    """Server product name (lower case, as in its Server header) -> why, from the header."""
    return {m.group(1).lower(): (m.group(2) or "").strip() for m in _UNSUPPORTED.finditer(text)}


def bind_values(text: str, values: dict[str, str]) -> str:
    """Bind parameters as RDF terms, never pasted SPARQL.

    A query may hold its own `VALUES ?name { default }` where the parameter is best known
    (at the top of its WHERE clause, so a store plans the rest with the value in hand, and the
    file runs as it is in any SPARQL tool); the value replaces that default. Parameters without
    one are bound by a VALUES clause appended to the query.
    """
    terms = {name: sparql_term(value) for name, value in values.items()}
    if not terms:
        return text
    inline = re.compile(r"VALUES\s+\?(" + "|".join(re.escape(n) for n in terms) + r")\s*\{[^{}]*\}")
    placed: set[str] = set()

    def place(m: re.Match[str]) -> str:
        placed.add(m.group(1))
        return f"VALUES ?{m.group(1)} {{ {terms[m.group(1)]} }}"

    # one pass over the original text: a value is never searched again once it is in
    text = inline.sub(place, text)
    rest = [n for n in terms if n not in placed]
    if not rest:
        return text
    names = " ".join("?" + n for n in rest)
    return f"{text.rstrip()}\nVALUES ({names}) {{ ({' '.join(terms[n] for n in rest)}) }}\n"


def sparql_term(value: str) -> str:
    """'<https://…>' stays an IRI (checked); anything else is a plain string literal."""
    if value.startswith("<") and value.endswith(">"):
        iri = value[1:-1]
        if not iri or any(c in iri for c in '<>"{}|^`\\ \n\t'):
            raise QueryError(f"'{value}' is not a valid IRI")
        return f"<{iri}>"
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def read_query(path: Path) -> CatalogueQuery:
    text = path.read_text(encoding="utf-8")
    comment = []
    params: dict[str, str] = {}
    for line in text.splitlines():
        m = _PARAM.match(line)
        if _UNSUPPORTED.match(line):
            continue
        if m:
            value = m.group(2)
            params[m.group(1)] = value[1:-1] if value[:1] == value[-1:] == '"' else value
        elif line.startswith("#"):
            comment.append(line.lstrip("#").strip())
        elif line.strip():
            break
    if not comment:
        raise QueryError(f"{path} has no header comment saying what question it answers")
    return CatalogueQuery(path.stem, " ".join(c for c in comment if c), text, path, params)


USER_QUERIES = Path("queries")


def catalogue(directory: Path | None = None) -> list[CatalogueQuery]:
    """The questions in `directory`; by default the package's, then the user's ./queries/."""
    if directory is not None:
        return [read_query(p) for p in sorted(directory.glob("*.rq"))]
    found = {q.name: q for q in catalogue(queries_dir())}
    if USER_QUERIES.is_dir() and USER_QUERIES.resolve() != queries_dir().resolve():
        for q in catalogue(USER_QUERIES):
            if q.name in found:
                raise QueryError(
                    f"{q.path} has the name of the catalogue's question '{q.name}'",
                    fix="Rename the file so that both can be asked.",
                )
            found[q.name] = q
    return list(found.values())


def find_query(name_or_path: str) -> CatalogueQuery:
    path = Path(name_or_path)
    if path.suffix == ".rq" and path.exists():
        return read_query(path)
    for q in catalogue():
        if q.name == name_or_path:
            return q
    names = ", ".join(q.name for q in catalogue())
    raise QueryError(f"no query named '{name_or_path}'", expected=f"a .rq file or one of: {names}")


def run_select(
    store: Store, query: CatalogueQuery, params: dict[str, str] | None = None
) -> tuple[list[str], list[list[object]]]:
    """Column names and rows (pyoxigraph terms or None) of a SELECT query."""
    try:
        solutions = select(store, query.bound(params), prefixes=PREFIXES)
    except SyntaxError as exc:
        raise QueryError(f"{query.path}: {exc}") from None
    names = [v.value for v in solutions.variables]
    rows = [[sol[n] for n in names] for sol in solutions]
    return names, rows
