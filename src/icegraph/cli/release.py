"""icegraph release, icegraph diff and icegraph cite."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from icegraph.cli.options import (
    data_option,
    param_values,
    path_option,
    progress_printer,
    quiet_option,
)
from icegraph.errors import ReleaseRefused

releases_option = path_option(
    "--releases", "releases_dir", "releases", "Folder holding the releases and their series."
)


@click.command("release")
@click.argument("version")
@click.option("--notes", default="", help="What this release is, in a sentence or two.")
@data_option
@releases_option
@click.option(
    "--allow-removals",
    is_flag=True,
    help="Publish claims removed since the last release even without a retraction.",
)
@click.option(
    "--verify", is_flag=True, help="Re-hash release VERSION against its checksums.sha256."
)
@quiet_option
def release_command(
    version: str,
    notes: str,
    data_dir: Path,
    releases_dir: Path,
    allow_removals: bool,
    verify: bool,
    quiet: bool,
) -> None:
    """Build --data publicly and freeze it, read-only, as releases/VERSION/: the dumps, the
    report, the store, DCAT metadata (release.ttl, release.json) and the change log against
    the previous release (CHANGES.md, changes.json, changes.trig). An existing VERSION is
    refused. A claim of the previous release that is gone needs a retraction
    (data/retractions.csv) or --allow-removals.

    \b
    Examples:
      icegraph release 1.0 --notes "First public release"
      icegraph release 1.1 --notes "Adds the 2026 PIA"
      icegraph release --verify 1.0
      icegraph diff 1.0 1.1
    """
    from icegraph.publish.release import make_release, verify_release

    if verify:
        checked, problems = verify_release(releases_dir, version)
        if problems:
            raise ReleaseRefused(
                f"release {version} does not match its checksums.sha256: "
                + "; ".join(problems[:20])
                + (f"; … and {len(problems) - 20} more" if len(problems) > 20 else ""),
            )
        click.echo(f"Release {version}: {checked} files match checksums.sha256.")
        return
    from icegraph.pipeline import build

    folder = make_release(
        data_dir,
        releases_dir,
        version,
        functools.partial(build, progress=progress_printer(quiet)),
        notes=notes,
        allow_removals=allow_removals,
    )
    click.echo(f"Released {version} into {folder}/ (read-only).")
    click.echo(f"What changed: {folder / 'CHANGES.md'}")


@click.command("diff")
@click.argument("older")
@click.argument("newer")
@releases_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "md"]),
    default="text",
    show_default=True,
    help="text for reading, md as CHANGES.md, json as changes.json.",
)
def diff_command(older: str, newer: str, releases_dir: Path, fmt: str) -> None:
    """Print the claim-level changes between two releases, OLDER to NEWER.

    \b
    Example:
      icegraph diff 1.0 1.1 --format md
    """
    from icegraph.publish.changes import compare, snapshot
    from icegraph.publish.diff import render
    from icegraph.publish.release import open_release

    old = snapshot(open_release(releases_dir, older))
    new = snapshot(open_release(releases_dir, newer))
    sys.stdout.write(render(compare(old, new, older, newer), fmt))


@click.command("cite")
@click.argument("query", required=False)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind ?NAME to VALUE, as for 'icegraph query'; repeatable.",
)
@click.option(
    "--release",
    "version",
    default=None,
    help="The release to ask (required to cite; to --check, the latest by default).",
)
@releases_option
@path_option("--out", "out_dir", "citations", "Folder the citation and its page are written to.")
@click.option(
    "--check",
    "check_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Re-check this citation (its JSON file) against --release.",
)
def cite_command(
    query: str | None,
    params: tuple[str, ...],
    version: str | None,
    releases_dir: Path,
    out_dir: Path,
    check_file: Path | None,
) -> None:
    """Cite the answer of a catalogue QUERY on a release: writes a JSON file (the query and
    its parameters, the release, the rows and their sha256) and a permalink page beside it.
    With --check, ask a citation's query again of a later release: exit 0 when the answer
    still holds, 1 with the rows gained and lost and the changes that touch them.

    \b
    Examples:
      icegraph cite reaches-system --param system=TECS --release 1.0
      icegraph cite --check citations/reaches-system-1-0-3f2a….json --release 1.1
    """
    from icegraph.publish.citation import check, cite
    from icegraph.queries import find_query

    if check_file is not None:
        if query:
            raise ReleaseRefused("give either a QUERY to cite or --check FILE, not both")
        result = check(check_file, releases_dir, version)
        if result.holds:
            click.echo(
                f"Still holds: the answer cited on release {result.cited} is the same on "
                f"release {result.against}."
            )
            return
        click.echo(f"Changed: release {result.against} answers differently from {result.cited}.")
        for title, rows in (("Rows gained", result.gained), ("Rows lost", result.lost)):
            click.echo(f"{title} ({len(rows)}):")
            for row in rows:
                click.echo("  " + " | ".join("" if v is None else v for v in row))
        click.echo(f"Changes that touch the answer ({len(result.touching)}):")
        for t in result.touching:
            click.echo(f"  {t['release']}: {t['kind']}: {t['label'] or t['iri']} <{t['iri']}>")
        sys.exit(1)
    if not query:
        raise ReleaseRefused("name the QUERY to cite", expected="a catalogue name or a .rq file")
    if not version:
        raise ReleaseRefused("name the release to cite with --release VERSION")
    json_path, html_path = cite(
        releases_dir, version, find_query(query), param_values(params), out_dir
    )
    click.echo(f"Cited: {json_path}")
    click.echo(f"Permalink page: {html_path}")
