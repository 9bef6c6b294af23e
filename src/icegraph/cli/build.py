"""icegraph build / icegraph validate."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import click

from icegraph.cli.options import (
    data_option,
    out_option,
    progress_printer,
    quiet_option,
    validator_option,
)
from icegraph.pipeline import BuildResult, build


@click.command("build")
@data_option
@out_option
@quiet_option
@validator_option
@click.option(
    "--timings",
    "timings_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the seconds each stage took, as JSON (for benchmarks).",
)
@click.option(
    "--optimize",
    is_flag=True,
    help="Compact the store before putting it in place: a longer build (about 10 s more at "
    "100,000 records), queries about twice as fast on a large graph.",
)
@click.option(
    "--full",
    is_flag=True,
    help="Map every input again, even when the previous build in --out could be continued "
    "with only the inputs added since (see docs/builds.md).",
)
def build_command(
    data_dir: Path,
    out_dir: Path,
    quiet: bool,
    validator: str,
    timings_file: Path | None,
    optimize: bool,
    full: bool,
) -> None:
    """Read, repair, map, validate, store and publish the graph.

    Writes icegraph.ttl, icegraph.trig, icegraph.jsonld, context.jsonld, report.md,
    report.json and store/ into --out. If the graph breaks a rule, nothing of the
    previous build is replaced and the exit code is 1. When the previous build can be
    continued (only inputs added), only the added inputs are mapped; --full maps all.

    \b
    Example:
      icegraph build --data data --out build
      icegraph build --data big-collection --out build --optimize   # before serving it
    """
    _stop_cleanly_on_sigterm()
    result = build(
        data_dir,
        out_dir,
        progress=progress_printer(quiet),
        validator=validator,
        optimize=optimize,
        full=full,
    )
    if timings_file is not None:
        timings_file.write_text(json.dumps(result.report.timings, indent=2) + "\n")
    _summary(result)
    click.echo(f"Built {out_dir}/: icegraph.ttl, icegraph.trig, icegraph.jsonld, report.md")
    click.echo(f"Store: {out_dir / 'store'}  (query it with: icegraph query reaches-icm)")


@click.command("validate")
@data_option
@out_option
@quiet_option
@validator_option
@click.option(
    "--show-generated",
    is_flag=True,
    help="Print the Python the fast validator generates from the shapes, and stop.",
)
def validate_command(
    data_dir: Path, out_dir: Path, quiet: bool, validator: str, show_generated: bool
) -> None:
    """Check the inputs against every rule in shapes/ and print a readable report.

    Exit code 0 when no rule is violated (warnings are printed), 1 otherwise. A passing
    check also refreshes the build in --out, since the checked graph is the build.

    \b
    Examples:
      icegraph validate --data data
      icegraph validate --show-generated | less
    """
    if show_generated:
        from icegraph.paths import shapes_dir
        from icegraph.validate.shape_functions import generated_source
        from icegraph.validate.shapes_program import Program, load_shapes

        click.echo(generated_source(Program(load_shapes(shapes_dir()))), nl=False)
        return
    _stop_cleanly_on_sigterm()
    result = build(data_dir, out_dir, progress=progress_printer(quiet), validator=validator)
    _summary(result)
    click.echo("No rule violated.")


def _stop_cleanly_on_sigterm() -> None:
    """SIGTERM (a logout, a service stop) ends the build as Ctrl-C does: its folder and
    helpers are cleaned up and the previous build stays published. Exit code 143."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


def _summary(result: BuildResult) -> None:
    for w in result.warnings:
        click.echo(str(w), err=True)
    repairs = sum(result.report.repairs_by_rule.values())
    findings = sum(result.report.findings_by_kind.values())
    click.echo(
        f"{repairs} repair(s), {findings} note(s), {len(result.warnings)} warning(s); "
        f"see {result.out_dir / 'report.md'}",
        err=True,
    )
