"""The icegraph command line: a thin face over the library."""

from __future__ import annotations

import sys

import click

from icegraph import __version__
from icegraph.cli.build import build_command, validate_command
from icegraph.cli.export import export_group
from icegraph.cli.link import link_command, same_as_command
from icegraph.cli.publish import publish_command
from icegraph.cli.query import query_command
from icegraph.cli.release import cite_command, diff_command, release_command
from icegraph.cli.serve import diagram_command, serve_command
from icegraph.cli.site import site_command
from icegraph.errors import IcegraphError


class _Group(click.Group):
    """Turns library errors into a message with file, line and field, and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except IcegraphError as exc:
            click.echo(f"error: {exc}", err=True)
            findings = getattr(exc, "findings", None) or []
            for f in findings[:50]:
                click.echo(f"  {f}", err=True)
            if len(findings) > 50:
                click.echo(f"  … and {len(findings) - 50} more", err=True)
            sys.exit(1)
        except BrokenPipeError:
            sys.exit(0)
        except OSError as exc:
            # a path the library did not expect to fail: still the path and why, no traceback
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}.", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="icegraph")
def main() -> None:
    """icegraph: public records about immigration-enforcement data systems as a
    validated, queryable, citable knowledge graph.

    \b
    Example:
      icegraph build --data data --out build
      icegraph query reaches-icm
    """


main.add_command(build_command)
main.add_command(validate_command)
main.add_command(query_command)
main.add_command(serve_command)
main.add_command(diagram_command)
main.add_command(publish_command)
main.add_command(site_command)
main.add_command(link_command)
main.add_command(same_as_command)
main.add_command(export_group)
main.add_command(release_command)
main.add_command(diff_command)
main.add_command(cite_command)
