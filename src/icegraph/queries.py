"""The catalogue of ready-made questions, each a .rq file with its header comment.

The package's own questions (model/queries/, the repository's queries/) come first; a
`queries/` folder in the working directory adds the user's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, Store

from icegraph.errors import QueryError
from icegraph.namespaces import PREFIXES, XSD
from icegraph.paths import queries_dir
from icegraph.query_help import Bound, closest, empty_result_hints, resolve_names, syntax_error
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
            near = closest(unknown[0], list(self.params), n=1)
            raise QueryError(
                f"{self.name} has no parameter {', '.join(unknown)}"
                + (f"; did you mean {near[0]}?" if near else ""),
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


def read_query(path: Path, catalogued: bool = True) -> CatalogueQuery:
    """A query file; a catalogue file must say in its header comment what it asks."""
    return parse_query(path.read_text(encoding="utf-8"), path.stem, path, catalogued)


def parse_query(text: str, name: str, path: Path, catalogued: bool = False) -> CatalogueQuery:
    """A query with its header comment (the question) and `# param NAME = VALUE` lines.

    Only the catalogue's questions must have the comment: they are listed by it. A query of
    one's own (-e, standard input, a file given by its path) may be bare SPARQL."""
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
    if catalogued and not comment:
        raise QueryError(f"{path} has no header comment saying what question it answers")
    return CatalogueQuery(name, " ".join(c for c in comment if c), text, path, params)


def adhoc_query(text: str, source: str) -> CatalogueQuery:
    """A query given on the command line or standard input; `source` names it in messages."""
    if not text.strip():
        raise QueryError(f"{source} is empty", expected="a SPARQL SELECT or ASK query")
    return parse_query(text, source, Path(source))


USER_QUERIES = Path("queries")
BOOLEAN = NamedNode(XSD + "boolean")


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
        return read_query(path, catalogued=False)
    known = catalogue()
    for q in known:
        if q.name == name_or_path:
            return q
    names = [q.name for q in known]
    near = closest(path.stem if path.suffix == ".rq" else name_or_path, names, n=1)
    if path.suffix == ".rq":
        message = f"no file {name_or_path}"
    else:
        message = f"no query named '{name_or_path}'"
    if near:
        message += f"; did you mean '{near[0]}'?"
    raise QueryError(message, expected=f"a .rq file or one of: {', '.join(names)}")


@dataclass
class Answer:
    """A SELECT query's rows, with what the asker should know about them."""

    names: list[str]
    rows: list[list[object]]  # pyoxigraph terms, or None where unbound
    bound: list[Bound] = field(default_factory=list)  # parameters resolved to entities
    hints: list[str] = field(default_factory=list)  # why no rows may have come back


@dataclass
class StreamedAnswer:
    """An answer whose rows are read as the store finds them: the first rows of a large
    answer show before the last are known. `hints()` is asked once the rows are read."""

    names: list[str]
    rows: Iterator[list[object]]
    bound: list[Bound]
    _store: Store
    _query: CatalogueQuery
    _values: dict[str, str]

    def hints(self, found: list[list[object]]) -> list[str]:
        """Why no rows came back (`found`: the rows read, or the first of them)."""
        if found and found != [[Literal("false", datatype=BOOLEAN)]]:  # or ASK: no
            return []
        return empty_result_hints(self._store, self._query.text, self._values)


def ask_streaming(
    store: Store, query: CatalogueQuery, params: dict[str, str] | None = None
) -> StreamedAnswer:
    """As `ask`, with the rows left to be read one by one."""
    values = dict(params or {})
    # only the asker's values: a query's own defaults are written as its data has them
    bound = resolve_names(store, query.text, values)
    names, rows = stream_select(store, query, values)
    return StreamedAnswer(names, rows, bound, store, query, values)


def ask(store: Store, query: CatalogueQuery, params: dict[str, str] | None = None) -> Answer:
    """Run the query forgivingly: name parameters resolve to entities (case, alternative
    names, acronyms); an empty answer says which of its terms the graph never uses."""
    streamed = ask_streaming(store, query, params)
    rows = list(streamed.rows)
    return Answer(streamed.names, rows, streamed.bound, streamed.hints(rows))


def check_syntax(query: CatalogueQuery, params: dict[str, str] | None = None) -> str:
    """The query text with its parameters bound, once SPARQL has read it: a query for another
    server is read here first, so that a syntax error is told in the asker's own lines and
    columns, not in those of the prefixed text the server receives."""
    text = query.bound(params)
    try:
        Store().query(text, prefixes=PREFIXES)  # an empty store: read, not answered
    except SyntaxError as exc:
        raise syntax_error(text, str(exc), str(query.path)) from None
    return text


def run_select(
    store: Store, query: CatalogueQuery, params: dict[str, str] | None = None
) -> tuple[list[str], list[list[object]]]:
    """Column names and rows (pyoxigraph terms or None) of a SELECT query."""
    names, rows = stream_select(store, query, params)
    return names, list(rows)


def stream_select(
    store: Store, query: CatalogueQuery, params: dict[str, str] | None = None
) -> tuple[list[str], Iterator[list[object]]]:
    """Column names and the rows as the store yields them: an unsorted answer's first rows
    come before the store has found the rest."""
    text = query.bound(params)
    try:
        solutions = select(store, text, prefixes=PREFIXES)
    except SyntaxError as exc:
        raise syntax_error(text, str(exc), str(query.path)) from None
    if isinstance(solutions, QueryBoolean):
        # ASK: one row, one typed value, as a SPARQL endpoint's answer is read (remote.py)
        return ["answer"], iter([[Literal(str(bool(solutions)).lower(), datatype=BOOLEAN)]])
    if not isinstance(solutions, QuerySolutions):
        raise QueryError(
            f"{query.path} gives triples, not rows",
            expected="a SELECT or ASK query (icegraph query prints rows)",
        )
    names = [v.value for v in solutions.variables]
    return names, ([sol[n] for n in names] for sol in solutions)
