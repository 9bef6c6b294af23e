"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from icegraph.errors import QueryError
from icegraph.validate import ENGINES


def path_option(
    flag: str, dest: str, default: str, help: str, folder: bool = True
) -> Callable[[Any], Any]:
    """A --flag PATH option; every path option of the CLI is declared through this."""
    return click.option(
        flag,
        dest,
        type=click.Path(file_okay=not folder, dir_okay=folder, path_type=Path),
        default=Path(default),
        show_default=True,
        help=help,
    )


data_option = path_option(
    "--data", "data_dir", "data", "Folder with raw/ inputs and the curated CSV tables."
)
out_option = path_option("--out", "out_dir", "build", "Folder the build is written to.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
store_option = path_option("--store", "store_dir", "build/store", "The built pyoxigraph store.")


def progress_printer(quiet: bool) -> Callable[[str], None] | None:
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
user_option = click.option(
    "--user",
    default=None,
    envvar="ICEGRAPH_USER",
    help="User name for a server that asks for one (HTTP digest or basic, whichever the server "
    "asks for); or set ICEGRAPH_USER.",
)
password_option = click.option(
    "--password",
    default=None,
    envvar="ICEGRAPH_PASSWORD",
    help="Password for --user. Prefer ICEGRAPH_PASSWORD: an option shows in the process list "
    "and the shell's history.",
)
validator_option = click.option(
    "--validator",
    type=click.Choice(ENGINES),
    default="fast",
    show_default=True,
    help="fast: SHACL Core, checked record by record as the graph is made (refuses shapes it "
    "cannot check); pyshacl: full SHACL over the loaded graph, slow on large graphs.",
)


def out_file_option(default: str, what: str) -> Callable[[Any], Any]:
    """--out FILE, where '-' is stdout; shared by the commands that write one text file."""
    return path_option("--out", "out_file", default, f"{what} to write ('-' for stdout).", False)


def write_output(out_file: Path, text: str) -> None:
    """Print to stdout for '-', else replace the file atomically (temp file + rename)."""
    if str(out_file) == "-":
        click.echo(text, nl=False)
        return
    tmp = out_file.with_name(f".{out_file.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out_file)


def param_values(values: tuple[str, ...]) -> dict[str, str]:
    """`--param NAME=VALUE` options (query, cite) as a mapping."""
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise QueryError(f"--param '{item}' is not NAME=VALUE")
        out[name.strip()] = value
    return out
