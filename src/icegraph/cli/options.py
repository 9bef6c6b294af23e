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


def out_file_option(default: str, what: str):
    """--out FILE, where '-' is stdout; shared by the commands that write one text file."""
    return click.option(
        "--out",
        "out_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path(default),
        show_default=True,
        help=f"{what} to write ('-' for stdout).",
    )


def write_output(out_file: Path, text: str) -> None:
    """Print to stdout for '-', else replace the file atomically (temp file + rename)."""
    if str(out_file) == "-":
        click.echo(text, nl=False)
        return
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_file)
