"""icegraph release, icegraph diff and icegraph cite."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click

from icegraph.cli.options import data_option, path_option, progress_printer, quiet_option
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
