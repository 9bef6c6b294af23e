"""icegraph export …"""

from __future__ import annotations

from pathlib import Path

import click

from icegraph.cli.options import data_option, out_file_option, store_option, write_output


@click.group("export")
def export_group() -> None:
    """Export parts of the graph for other tools.

    \b
    Example:
      icegraph export quickstatements --out build/quickstatements.txt
    """


@export_group.command("quickstatements")
@store_option
@data_option
@out_file_option("-", "File")
def quickstatements_command(store_dir: Path, data_dir: Path, out_file: Path) -> None:
    """Write QuickStatements for a person to review and submit to Wikidata.

    One CREATE block per system whose operator has an accepted Wikidata link: its name,
    full name, what it is (P31, the wikidata_class column of data/entities.csv) and operator
    (P137), referenced with the cited documents' titles (S1476) and dates (S577). A system
    without a class is not created: a comment line says that its class needs a person.
    Search Wikidata for each system before submitting: an item may exist that the offline
    files do not show.

    \b
    Example:
      icegraph export quickstatements --out build/quickstatements.txt
    """
    from icegraph.catalogue import load_catalogue
    from icegraph.namespaces import ID
    from icegraph.publish.quickstatements import quickstatements
    from icegraph.store import open_store

    entities = load_catalogue(data_dir).entities.values()
    classes = {ID + e.id: e.wikidata_class for e in entities if e.wikidata_class}
    lines = list(quickstatements(open_store(store_dir, read_only=True), classes))
    write_output(out_file, "\n".join(lines) + ("\n" if lines else ""))
    held = sum(line.startswith("/* Not created:") for line in lines)
    click.echo(
        f"{lines.count('CREATE')} item(s) to create, {held} left for a person to class; "
        "review before submitting.",
        err=True,
    )
