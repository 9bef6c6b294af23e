"""icegraph publish."""

from __future__ import annotations

from pathlib import Path

import click

from icegraph.cli.options import auth_option, store_option


@click.command("publish")
@store_option
@click.option(
    "--endpoint",
    required=True,
    help="The server's Graph Store HTTP Protocol URL (Oxigraph: http://HOST:7878/store).",
)
@click.option(
    "--graph",
    default=None,
    help="Load everything into this one named graph instead of one graph per source.",
)
@auth_option
def publish_command(
    store_dir: Path, endpoint: str, graph: str | None, auth_header: str | None
) -> None:
    """Load the build into a SPARQL 1.1 server through the Graph Store HTTP Protocol.

    Each named graph (one per input file, plus entities, sources, vocabulary and
    metadata) is replaced as a whole by one PUT.

    \b
    Example:
      icegraph publish --endpoint http://127.0.0.1:7878/store
      icegraph query reaches-icm --endpoint http://127.0.0.1:7878/query
    """
    from icegraph.publish.remote import Remote, iter_graph_sizes, publish
    from icegraph.store import open_store

    sent = publish(open_store(store_dir, read_only=True), Remote(endpoint, auth_header), graph)
    for line in iter_graph_sizes(sent):
        click.echo(line)
    click.echo(f"Published {len(sent)} graph(s) to {endpoint}", err=True)
