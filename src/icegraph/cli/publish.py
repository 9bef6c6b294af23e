"""icegraph publish."""

from __future__ import annotations

from pathlib import Path

import click

from icegraph.cli.options import auth_option, password_option, store_option, user_option


@click.command("publish")
@store_option
@click.option(
    "--endpoint",
    required=True,
    help="The server's Graph Store HTTP Protocol URL (Oxigraph: http://HOST:7878/store; "
    "Virtuoso: http://HOST:8890/sparql-graph-crud-auth).",
)
@click.option(
    "--graph",
    default=None,
    help="Load everything into this one named graph instead of one graph per source.",
)
@auth_option
@user_option
@password_option
def publish_command(
    store_dir: Path,
    endpoint: str,
    graph: str | None,
    auth_header: str | None,
    user: str | None,
    password: str | None,
) -> None:
    """Load the build into a SPARQL 1.1 server through the Graph Store HTTP Protocol.

    Each named graph (one per input file, plus entities, sources, vocabulary and
    metadata) is replaced as a whole by one PUT.

    A server that asks for a user and password (a 401 challenge) is answered with --user
    and --password, by HTTP digest or basic, whichever the server names.

    \b
    Examples:
      icegraph publish --endpoint http://127.0.0.1:7878/store
      icegraph query reaches-icm --endpoint http://127.0.0.1:7878/query
      ICEGRAPH_USER=dba ICEGRAPH_PASSWORD=SECRET icegraph publish \\
          --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth
      icegraph query reaches-icm --endpoint http://127.0.0.1:8890/sparql
    """
    from icegraph.publish.remote import Remote, iter_graph_sizes, publish
    from icegraph.store import open_store

    remote = Remote(endpoint, auth_header, user=user, password=password)
    sent = publish(open_store(store_dir, read_only=True), remote, graph)
    for line in iter_graph_sizes(sent):
        click.echo(line)
    click.echo(f"Published {len(sent)} graph(s) to {endpoint}", err=True)
