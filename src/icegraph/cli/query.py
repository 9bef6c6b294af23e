"""icegraph query."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click
from pyoxigraph import BlankNode, Literal, NamedNode

from icegraph.cli.options import store_option
from icegraph.queries import catalogue, find_query, run_select
from icegraph.store import open_store


@click.command("query")
@click.argument("query", required=False)
@store_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="How to print the rows.",
)
@click.option("--list", "list_only", is_flag=True, help="List the catalogue's questions.")
def query_command(query: str | None, store_dir: Path, fmt: str, list_only: bool) -> None:
    """Run a catalogue query by NAME, or a SPARQL file, against the built store.

    \b
    Examples:
      icegraph query --list
      icegraph query reaches-icm
      icegraph query my-question.rq --format csv > rows.csv
    """
    if list_only or not query:
        for q in catalogue():
            click.echo(f"{q.name:32} {q.question}")
        return
    q = find_query(query)
    store = open_store(store_dir, read_only=True)
    names, rows = run_select(store, q)
    cells = [[_plain(v) for v in row] for row in rows]
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(cells)
    elif fmt == "json":
        click.echo(json.dumps([dict(zip(names, r, strict=True)) for r in cells], indent=2,
                              ensure_ascii=False))  # fmt: skip
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
