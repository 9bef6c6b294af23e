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
def serve_command(
    store_dir: Path, host: str, port: int, timeout: float, max_rows: int, workers: int | None
) -> None:
    """Serve the built graph: query page, SPARQL endpoint, entity pages, dumps.

    Read-only. Pages at /, SPARQL 1.1 Protocol at /sparql, every entity IRI
    https://w3id.org/icegraph/id/… at /id/…, dataset description at /dataset.

    \b
    Example:
      icegraph serve --store build/store --port 8000
      curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 3' \\
           http://127.0.0.1:8000/sparql
    """
    import uvicorn

    from icegraph.serve.app import ServeConfig, create_app
    from icegraph.store import open_store, store_path

    # --store build means build/store: the dumps are served from beside it. The path is not
    # resolved, so a query worker started later opens the build published by then.
    store_dir = store_path(store_dir)
    open_store(store_dir, read_only=True)  # fail now, with the fix, if there is no build
    app = create_app(ServeConfig(store_dir, timeout=timeout, max_rows=max_rows, workers=workers))
    click.echo(f"icegraph is serving {store_dir} at http://{host}:{port}/  (Ctrl-C stops it)")
    click.echo(f"SPARQL endpoint: http://{host}:{port}/sparql")
    uvicorn.run(app, host=host, port=port, log_level="warning")


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
