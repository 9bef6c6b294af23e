"""Options shared by several commands, defined once."""

from __future__ import annotations

from pathlib import Path

import click

data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Folder with raw/ inputs and the curated CSV tables.",
)
out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build"),
    show_default=True,
    help="Folder the build is written to.",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
store_option = click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("build/store"),
    show_default=True,
    help="The built pyoxigraph store.",
)


def progress_printer(quiet: bool):
    if quiet:
        return None

    def show(message: str) -> None:
        click.echo(f"· {message}", err=True)

    return show


auth_option = click.option(
    "--auth-header",
    default=None,
    envvar="ICEGRAPH_AUTH_HEADER",
    metavar="'NAME: VALUE'",
    help="HTTP header sent to the remote server, e.g. 'Authorization: Bearer TOKEN' "
    "(or set ICEGRAPH_AUTH_HEADER).",
)
validator_option = click.option(
    "--validator",
    type=click.Choice(["fast", "pyshacl"]),
    default="fast",
    show_default=True,
    help="fast: SHACL Core compiled to SPARQL in the store (refuses shapes it cannot check); "
    "pyshacl: full SHACL in Python, slow on large graphs.",
)
