"""Every name every document gives, read before any document is mapped.

Identity is settled over the whole build (resolve/identity.py), so the names come first: the
flows tables' systems with their full names, the dossier pages' subjects and connections.
This reads and repairs each document as the mapping will, keeping only the names; findings
and counts are the mapping's to report, so they are dropped here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from icegraph.catalogue import Catalogue
from icegraph.readers.dossier_page import read_dossier
from icegraph.readers.flows_table import read_flows
from icegraph.repair.directions import described_system, hub_keys
from icegraph.repair.dossier import repair_dossier
from icegraph.repair.flows import repair_flows
from icegraph.report import Report
from icegraph.resolve.identity import Identities, kind_type

Gatherer = Callable[[Identities, Path, Catalogue, set[str]], None]


def _flows_table(ids: Identities, path: Path, cat: Catalogue, operated: set[str]) -> None:
    hubs = hub_keys(cat)
    for rec in repair_flows(read_flows(path, str(path)), cat, path.name, Report()):
        described = described_system(rec, hubs)
        for name in (rec.source, rec.destination):
            mine = name == described
            ids.mention(name, "System", [rec.full_name] if mine and rec.full_name else [])
            if mine and rec.operator_id:
                operated.add(name)


def _dossier_page(ids: Identities, path: Path, cat: Catalogue, _operated: set[str]) -> None:
    d = repair_dossier(read_dossier(path, str(path)), cat, Report())
    ids.mention(d.header.name, kind_type(d.header.kind))
    for k in d.key_connections:
        ids.mention(k.name, kind_type(k.kind))
    for c in d.connections:
        if c.name and c.kind:
            ids.mention(c.name, kind_type(c.kind))


GATHERERS: dict[str, Gatherer] = {"flows_table": _flows_table, "dossier_page": _dossier_page}


def gather(
    cat: Catalogue,
    inputs: list[tuple[Path, str]],
    folds: dict[str, str] | None = None,
    folds_file: str = "",
) -> tuple[Identities, set[str]]:
    """The settled identities of every name in `inputs`, and the ids of the systems some row
    names an operator for."""
    ids = Identities(cat)
    operated: set[str] = set()
    for path, reader in inputs:
        GATHERERS[reader](ids, path, cat, operated)
    ids.finish(folds, folds_file)
    return ids, {ids.resolve(n, "System").id for n in operated}
