"""icegraph query."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import click

from icegraph.cli.options import auth_option, param_values, store_option
from icegraph.errors import QueryError
from icegraph.queries import (
    CatalogueQuery,
    adhoc_query,
    ask_streaming,
    catalogue,
    check_syntax,
    find_query,
)
from icegraph.result_text import json_lines, json_value, plain, table_lines


@click.command("query")
@click.argument("query", required=False)
@click.option(
    "-e",
    "--expression",
    default=None,
    metavar="SPARQL",
    help="Run this SPARQL text instead of a catalogue query or file.",
)
@store_option
@click.option(
    "--endpoint",
    default=None,
    help="Query this SPARQL 1.1 endpoint instead of the local store.",
)
@auth_option
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind ?NAME to VALUE (a string, or <IRI>); repeatable.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="How to print the rows: table (long values wrap, nothing is cut), csv, or json "
    "(numbers and booleans stay typed, unbound is null).",
)
@click.option("--list", "list_only", is_flag=True, help="List the catalogue's questions.")
def query_command(
    query: str | None,
    expression: str | None,
    store_dir: Path,
    endpoint: str | None,
    auth_header: str | None,
    params: tuple[str, ...],
    fmt: str,
    list_only: bool,
) -> None:
    """Run a catalogue query by NAME, a SPARQL file, SPARQL given with -e, or SPARQL read
    from standard input (QUERY '-'), against the built store or an endpoint.

    Parameters are bound as RDF terms in a VALUES clause, never pasted into the query. A
    parameter the query matches against names (rdfs:label, skos:altLabel) is resolved to one
    entity the way the reconciliation service does it: case, alternative names and acronyms
    do not matter, and the entity bound is shown. When no rows come back, the terms of the
    query that the graph never uses are named, with the closest ones it has.

    \b
    Examples:
      icegraph query --list
      icegraph query reaches-icm
      icegraph query reaches-system --param system=TECS --format csv > rows.csv
      icegraph query flows-per-agency --endpoint http://127.0.0.1:7878/query
      icegraph query -e 'SELECT ?name WHERE { ?s a ig:System ; rdfs:label ?name }'
      icegraph query - < my-question.rq

    Against an --endpoint the query is read here first (syntax errors point at your own
    lines), but names are not resolved and empty answers are not explained.
    """
    if expression is not None and query:
        raise QueryError("give either a QUERY or -e SPARQL, not both")
    if list_only or (not query and expression is None):
        for q in catalogue():
            extra = " ".join(f"[--param {k}={v}]" for k, v in q.params.items())
            click.echo(f"{q.name:32} {q.question} {extra}".rstrip())
        return
    q = _query(query, expression)
    values = param_values(params)
    rows: Iterable[Sequence[object]]
    if endpoint:
        from icegraph.namespaces import with_prefixes
        from icegraph.publish.remote import Remote, remote_graphs, remote_select

        text = check_syntax(q, values)
        remote = Remote(endpoint, auth_header)
        names, rows = remote_select(remote, with_prefixes(text), remote_graphs(remote))
        streamed = None
    else:
        from icegraph.store import open_store

        streamed = ask_streaming(open_store(store_dir, read_only=True), q, values)
        for b in streamed.bound:
            click.echo(str(b), err=True)
        names, rows = streamed.names, streamed.rows
    # rows are printed as the store finds them: a large answer's first rows show at once
    tally = _Tally(rows)
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        for row in tally:
            writer.writerow([plain(v) for v in row])
    elif fmt == "json":
        typed = ({n: json_value(v) for n, v in zip(names, row, strict=True)} for row in tally)
        for chunk in json_lines(typed):
            click.echo(chunk, nl=False)
    else:
        for line in table_lines(names, ([plain(v) for v in row] for row in tally)):
            click.echo(line)
        click.echo(f"({tally.count} row{'s' if tally.count != 1 else ''})", err=True)
    if streamed is not None:
        for hint in streamed.hints(tally.first):
            click.echo(hint, err=True)


class _Tally:
    """The rows as they pass, counted; only the first is kept (the hints for an empty answer
    need no more)."""

    def __init__(self, rows: Iterable[Sequence[object]]) -> None:
        self._rows = rows
        self.count = 0
        self.first: list[list[object]] = []

    def __iter__(self) -> Iterator[Sequence[object]]:
        for row in self._rows:
            if not self.count:
                self.first.append(list(row))
            self.count += 1
            yield row


def _query(query: str | None, expression: str | None) -> CatalogueQuery:
    if expression is not None:
        return adhoc_query(expression, "query (-e)")
    if query == "-":
        return adhoc_query(sys.stdin.read(), "query (stdin)")
    return find_query(query or "")
