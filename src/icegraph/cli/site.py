"""icegraph site."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("site")
@click.option("--release", "version", required=True, help="The release to publish (its version).")
@click.option(
    "--releases",
    "releases_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("releases"),
    show_default=True,
    help="The folder of releases (releases/VERSION/, releases/index.json).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site"),
    show_default=True,
    help="The folder to write; replaced as a whole once the new site is complete.",
)
@click.option(
    "--oxigraph-js",
    "oxigraph_js",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of the npm package 'oxigraph' (web.js, web_bg.wasm); default: "
    "$ICEGRAPH_OXIGRAPH_JS, else where `make oxigraph-js` installs it.",
)
@click.option(
    "--browser-limit",
    type=click.IntRange(min=0),
    default=None,
    help="Bytes of TriG above which the in-browser SPARQL page asks before loading the "
    "release (default 64 MiB).",
)
def site_command(
    version: str,
    releases_dir: Path,
    out: Path,
    oxigraph_js: Path | None,
    browser_limit: int | None,
) -> None:
    """Write a release as a static linked-data site: a folder any static host serves.

    Every entity, claim, flow and source gets its page and its Turtle, JSON-LD and N-Triples
    files; the catalogue's answers are pre-rendered; a name search and the SPARQL page run in
    the reader's browser (Oxigraph's WebAssembly build, copied into the site).

    \b
    Example:
      make oxigraph-js
      icegraph site --release 1.0 --out site
      python -m http.server --directory site --bind 127.0.0.1 8080
    """
    from icegraph.site.generate import BROWSER_LIMIT, generate_site

    result = generate_site(
        releases_dir / version,
        out,
        releases_dir=releases_dir,
        oxigraph_dir=oxigraph_js,
        browser_limit=BROWSER_LIMIT if browser_limit is None else browser_limit,
        progress=lambda line: click.echo(line, err=True),
    )
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for origin, address, status in result.broken[:20]:
        click.echo(f"warning: {origin} links to {address}, which answers {status}", err=True)
    for origin, address in result.unmatched[:20]:
        click.echo(f"warning: {origin} links to {address}, which has no static page", err=True)
    click.echo(
        f"Wrote release {result.release} to {result.out}: {result.files:,} files, "
        f"{result.bytes / 1e6:.1f} MB, {result.pages:,} pages for {result.entities:,} "
        f"identifiers, in {result.seconds:.1f} s"
    )
