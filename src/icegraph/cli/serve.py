"""icegraph serve / icegraph diagram."""

from __future__ import annotations

from pathlib import Path

import click

from icegraph.cli.options import out_file_option, store_option, write_output


@click.command("serve")
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--timeout", default=20.0, show_default=True, type=float, help="Seconds a query may run."
)
@click.option(
    "--max-rows", default=10_000, show_default=True, type=int, help="Most rows/triples returned."
)
@click.option("--workers", default=None, type=int, help="Query worker processes (default: cores).")
@click.option(
    "--worker-memory",
    default=1024,
    show_default=True,
    type=click.IntRange(min=0),
    help="MiB of memory a query may take in its worker; 0 for no limit.",
)
@click.option(
    "--per-client",
    default=2,
    show_default=True,
    type=click.IntRange(min=1),
    help="Queries one client may run at once; more wait behind other clients'.",
)
@click.option(
    "--max-waiting",
    default=64,
    show_default=True,
    type=click.IntRange(min=0),
    help="Queries that may wait for a worker; past that, 503 with Retry-After.",
)
@click.option(
    "--max-body",
    default=1024 * 1024,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body in bytes (query, form, reconciliation batch); past it, 413.",
)
@click.option(
    "--answer-cache",
    default=64,
    show_default=True,
    type=click.IntRange(min=0),
    help="MiB of answers and pages kept for repeated requests (the store does not change "
    "while served); 0 keeps none.",
)
@click.option(
    "--allow-service",
    "allow_service",
    multiple=True,
    metavar="URL",
    help="An endpoint federated SERVICE clauses may call (repeatable). Default: none, "
    "and queries with SERVICE are refused.",
)
def serve_command(
    store_dir: Path,
    host: str,
    port: int,
    timeout: float,
    max_rows: int,
    workers: int | None,
    worker_memory: int,
    per_client: int,
    max_waiting: int,
    max_body: int,
    answer_cache: int,
    allow_service: tuple[str, ...],
) -> None:
    """Serve the built graph: query page, SPARQL endpoint, entity pages, dumps.

    Read-only. Pages at /, SPARQL 1.1 Protocol at /sparql, every entity IRI
    https://w3id.org/icegraph/id/… at /id/…, dataset description at /dataset.
    Each query runs in a worker process with a time and memory limit; a query whose client
    goes away is stopped. SIGTERM stops the server and its workers within seconds.

    \b
    Example:
      icegraph serve --store build/store --port 8000
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
           http://127.0.0.1:8000/sparql
    """
    from icegraph.serve.app import ServeConfig
    from icegraph.serve.server import serve
    from icegraph.store import open_store, store_path

    # --store build means build/store: the dumps are served from beside it. The path is not
    # resolved, so a query worker started later opens the build published by then.
    store_dir = store_path(store_dir)
    open_store(store_dir, read_only=True)  # fail now, with the fix, if there is no build
    config = ServeConfig(
        store_dir,
        timeout=timeout,
        max_rows=max_rows,
        workers=workers,
        worker_memory=worker_memory or None,
        per_client=per_client,
        max_waiting=max_waiting,
        max_body=max_body,
        allow_service=allow_service,
        answer_cache=answer_cache,
    )
    click.echo(f"icegraph is serving {store_dir} at http://{host}:{port}/  (Ctrl-C stops it)")
    click.echo(f"SPARQL endpoint: http://{host}:{port}/sparql")
    serve(config, host, port)


@click.command("diagram")
@store_option
@out_file_option("flows.svg", "SVG file")
def diagram_command(store_dir: Path, out_file: Path) -> None:
    """Draw the information flows as an SVG: ICM in the middle, systems around it by owner.

    \b
    Example:
      icegraph diagram --out flows.svg
    """
    from icegraph.publish.diagram import flow_diagram
    from icegraph.store import open_store

    write_output(out_file, flow_diagram(open_store(store_dir, read_only=True)))
    if str(out_file) != "-":
        click.echo(f"Wrote {out_file}", err=True)
