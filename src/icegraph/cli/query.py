"""icegraph query."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from pyoxigraph import BlankNode, Literal, NamedNode

from icegraph.cli.options import auth_option, store_option
from icegraph.errors import QueryError
from icegraph.queries import catalogue, find_query, run_select


def _params(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise QueryError(f"--param '{item}' is not NAME=VALUE")
        out[name.strip()] = value
    return out


@click.command("query")
@click.argument("query", required=False)
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
    help="How to print the rows.",
)
@click.option("--list", "list_only", is_flag=True, help="List the catalogue's questions.")
def query_command(
    query: str | None,
    store_dir: Path,
    endpoint: str | None,
    auth_header: str | None,
    params: tuple[str, ...],
    fmt: str,
    list_only: bool,
) -> None:
    """Run a catalogue query by NAME, or a SPARQL file, against the built store or an endpoint.

    Parameters are bound as RDF terms in a VALUES clause, never pasted into the query.

    \b
    Examples:
      icegraph query --list
      icegraph query reaches-icm
      icegraph query reaches-system --param system=TECS --format csv > rows.csv
      icegraph query flows-per-agency --endpoint http://127.0.0.1:7878/query
    """
    if list_only or not query:
        for q in catalogue():
            extra = " ".join(f"[--param {k}={v}]" for k, v in q.params.items())
            click.echo(f"{q.name:32} {q.question} {extra}".rstrip())
        return
    q = find_query(query)
    values = _params(params)
    rows: Sequence[Sequence[object]]
    if endpoint:
        from icegraph.namespaces import with_prefixes
        from icegraph.publish.remote import Remote, remote_graphs, remote_select

        remote = Remote(endpoint, auth_header)
        names, rows = remote_select(remote, with_prefixes(q.bound(values)), remote_graphs(remote))
    else:
        from icegraph.store import open_store

        names, rows = run_select(open_store(store_dir, read_only=True), q, values)
    cells = [[_plain(v) for v in row] for row in rows]
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(cells)
    elif fmt == "json":
        click.echo(
            json.dumps(
                [dict(zip(names, r, strict=True)) for r in cells], indent=2, ensure_ascii=False
            )
        )
    else:
        click.echo(_table(names, cells))
        click.echo(f"({len(cells)} row{'s' if len(cells) != 1 else ''})", err=True)


def _plain(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, (NamedNode, Literal, BlankNode)):
        return term.value
    return str(term)


def _table(names: list[str], rows: list[list[str]], width: int = 60) -> str:
    clipped = [[c if len(c) <= width else c[: width - 1] + "…" for c in r] for r in rows]
    widths = [max([len(n)] + [len(r[i]) for r in clipped]) for i, n in enumerate(names)]
    line = "  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in clipped]
    return "\n".join(out)
