"""Every name every document gives, read before any document is mapped.

Identity is settled over the whole build (resolve/identity.py), so the names come first: the
flows tables' systems with their full names, the dossier pages' subjects and connections.
This reads and repairs each document as the mapping will, keeping only the names; findings
and counts are the mapping's to report, so they are dropped here. Records whose claim the
build drops (retracted, or withheld from a public build: repair/withhold.py) give no names,
so an entity only they name is never made.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from icegraph.catalogue import Catalogue
from icegraph.readers.dossier_page import read_dossier
from icegraph.readers.flows_table import FIELD_TITLES, read_flows
from icegraph.readers.statements_csv import read_statements
from icegraph.repair.citations import CitationSplitter
from icegraph.repair.corrections import CorrectionBook
from icegraph.repair.directions import described_system, hub_keys
from icegraph.repair.dossier import repair_dossier
from icegraph.repair.flows import PLACEHOLDERS
from icegraph.repair.lookalikes import fold_known
from icegraph.repair.withhold import Withholding
from icegraph.report import Report
from icegraph.resolve.identity import Identities, kind_type

# Per system name: True when a row names its operator, False when a document describes it
# without one (a row whose agency columns are N/A, a dossier page, a hand-entered statement).
# A system only ever named at the far end of a row gets neither: the shapes then ask for it.
Operators = dict[str, bool]
Gatherer = Callable[[Identities, Path, Catalogue, Operators, Withholding | None], None]


def _flows_table(
    ids: Identities, path: Path, cat: Catalogue, operators: Operators, hold: Withholding | None
) -> None:
    """The names each row gives, as the repair stage will read them: corrected, with letters
    from other scripts folded and placeholders dropped. The rest of the repairs (and every
    error they find) are left to the mapping pass."""
    hubs = hub_keys(cat)
    known = cat.known_names()
    book = CorrectionBook(cat.corrections, path.name)
    splitter = CitationSplitter(cat.sources)
    screens = hold is not None and hold.screens_flows
    # a row's fingerprint names its claim: needed only to find the claims withholding lists
    for rec in read_flows(path, str(path), fingerprints=screens):
        book.apply(rec)
        if screens:
            assert hold is not None
            cited = splitter.split(rec.reference, rec.cell_location("reference")) if (
                hold.sources and rec.reference
            ) else []  # fmt: skip
            if hold.flow(path.name, rec, cited).dropped:
                if rec.source and rec.destination:
                    hold.undescribed.add(described_system(rec, hubs))
                continue
        names = []
        for fld in ("source", "destination", "full_name"):
            value = getattr(rec, fld)
            if value is not None and not value.isascii():
                value = fold_known(value, known, rec.cell_location(fld), FIELD_TITLES[fld]) or value
            names.append(None if value is None or value.casefold() in PLACEHOLDERS else value)
        source, destination, full_name = names
        if source is None or destination is None:
            continue  # the mapping pass says what is wrong
        rec.source, rec.destination = source, destination
        described = described_system(rec, hubs)
        operated = any(
            v is not None and v.casefold() not in PLACEHOLDERS for v in (rec.agency, rec.sub_agency)
        )
        for name in (source, destination):
            if hold is not None:
                hold.named.add(name)
            mine = name == described
            ids.mention(name, "System", [full_name] if mine and full_name else [])
            if mine:
                operators[name] = operators.get(name, False) or operated


def _mention(ids: Identities, name: str, kind: str, operators: Operators) -> None:
    etype = kind_type(kind)
    ids.mention(name, etype)
    if etype == "System":
        operators.setdefault(name, False)


def _dossier_page(
    ids: Identities, path: Path, cat: Catalogue, operators: Operators, hold: Withholding | None
) -> None:
    d = repair_dossier(read_dossier(path, str(path)), cat, Report())
    if hold is not None:
        d, _told = hold.dossier(path.name, d)
    _mention(ids, d.header.name, d.header.kind, operators)
    for k in d.key_connections:
        _mention(ids, k.name, k.kind, operators)
    for c in d.connections:
        if c.name and c.kind:
            _mention(ids, c.name, c.kind, operators)


def _statements_csv(
    ids: Identities, path: Path, cat: Catalogue, operators: Operators, hold: Withholding | None
) -> None:
    for rec in read_statements(path, str(path)):
        if hold is not None and hold.statement(path.name, rec).dropped:
            continue
        _mention(ids, rec.origin, rec.origin_kind, operators)
        _mention(ids, rec.target, rec.target_kind, operators)


GATHERERS: dict[str, Gatherer] = {
    "flows_table": _flows_table,
    "dossier_page": _dossier_page,
    "statements_csv": _statements_csv,
}


# Every name read so far, identity not yet settled: what an incremental build keeps of the
# inputs it does not read again (see incremental.py).
Gathered = tuple[Identities, Operators]


def mention_all(
    cat: Catalogue,
    inputs: list[tuple[Path, str]],
    start: Gathered | None = None,
    hold: Withholding | None = None,
) -> Gathered:
    """Every name `inputs` give, after those of `start`. With `hold`, the names of records
    whose claims it drops are left out."""
    ids, operators = start if start is not None else (Identities(cat), {})
    for path, reader in inputs:
        GATHERERS[reader](ids, path, cat, operators, hold)
    return ids, operators


def settle(
    gathered: Gathered,
    folds: dict[str, str] | None = None,
    folds_file: str = "",
    hold: Withholding | None = None,
) -> tuple[Identities, set[str]]:
    """The settled identities of every name gathered, and the ids of the systems whose
    operator no document names although one describes them (they get 'unknown operator')."""
    ids, operators = gathered
    if hold is not None:
        # a system the other rows still name, whose only description was dropped: nobody
        # says who runs it any more
        for name in (hold.undescribed & hold.named) - operators.keys():
            operators[name] = False
    ids.finish(folds, folds_file)
    known: dict[str, bool] = {}
    for name, operated in operators.items():
        eid = ids.resolve(name, "System").id
        known[eid] = known.get(eid, False) or operated
    return ids, {eid for eid, operated in known.items() if not operated}


@dataclass(frozen=True)
class Mark:
    """How far the gathering had gone: what `settled_as_before` compares with."""

    mentions: int
    conflicts: int
    operators: Operators


def mark(gathered: Gathered) -> Mark:
    ids, operators = gathered
    return Mark(ids.distinct_mentions, len(ids.conflicts), dict(operators))


def settled_as_before(
    gathered: Gathered, then: Mark, settled: bytes, cat: Catalogue, hold: Withholding | None
) -> tuple[Identities, set[str]] | None:
    """What `settle(gathered)` would return, without settling every name again, when the
    names gathered since `then` only repeat earlier ones; None when that is not so.

    `settled` is `settle`'s result (pickled, by this process or an earlier build) for the
    names as they were at `then`. A repeated mention joins no names and is given no other
    name beside its own that was not given before (`Identities.mention`), and the operators
    are the same: settling reads nothing else, so the entities, the IRIs kept as redirects
    and the systems with no known operator are those `settled` holds. Only the conflicts
    differ: the repeats say theirs again, in gathering order, before those settling found.
    """
    ids, operators = gathered
    if not settled or ids.distinct_mentions != then.mentions or operators != then.operators:
        return None
    if hold is not None and hold.undescribed:  # settling would change the operators
        return None
    before, unknown = pickle.loads(settled)  # noqa: S301 - the build's own state (produce.py)
    before.reattach(cat)
    before.conflicts = ids.conflicts + before.conflicts[then.conflicts :]
    return before, unknown


def as_settled(gathered: Gathered, then: Mark) -> bool:
    """Whether what `settled_as_before` returns is `settled` itself, unchanged: no conflict
    was said again since `then` (a repeat changes nothing else)."""
    return len(gathered[0].conflicts) == then.conflicts


def gather(
    cat: Catalogue,
    inputs: list[tuple[Path, str]],
    folds: dict[str, str] | None = None,
    folds_file: str = "",
    hold: Withholding | None = None,
) -> tuple[Identities, set[str]]:
    """The settled identities of every name in `inputs` (see `settle`)."""
    return settle(mention_all(cat, inputs, hold=hold), folds, folds_file, hold)
