"""What a build keeps out of the graph, decided record by record before anything is mapped.

Two curated tables and two columns say it (docs/withholding.md):
- data/retractions.csv (claim, reason, who, when): claims withdrawn for good. Every build
  drops them and publishes a tombstone in their place.
- data/embargoes.csv (claim, embargoed_until, confidential, reason, who), the optional
  `embargoed_until` and `confidential` columns of data/sources.csv (every claim citing the
  document) and of a hand-entered statements file (that statement). An internal build keeps
  these claims and marks them; a public build (one with a release date) drops every
  confidential claim and every claim embargoed until after its release date.

A claim is dropped before the names are gathered and before the mapping, so nothing only it
said (a flow, a relationship, an entity and its names, a count, a contradiction) is ever made.
Claims are named by what they say, so dropping one renames no other. A claim is recognised by
its file and the digest that ends its IRI, which need no names resolved; the whole IRI a
table gives is then checked against the one the mapping makes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from icegraph.catalogue import Catalogue, check_date
from icegraph.errors import CatalogueError, Location
from icegraph.mapping.dossier_quads import connection_path, fact_path
from icegraph.mapping.iris import input_slug
from icegraph.namespaces import ID
from icegraph.records import Connection, Dossier, EnteredStatement, Fact, FlowRecord
from icegraph.tables import read_table

RETRACTIONS_FILE = "retractions.csv"
RETRACTION_COLUMNS = ("claim", "reason", "who", "when")
EMBARGOES_FILE = "embargoes.csv"
EMBARGO_COLUMNS = ("claim", "embargoed_until", "confidential", "reason", "who")
CLAIM_EXPECTED = (
    f"a claim's IRI as a build publishes it ({ID}claim/<file>/<from>--<to>-<digest>, "
    f"…/fact-<digest> or …/connection-<digest>), or its path after /id/"
)
Key = tuple[str, str]  # (input file's slug, the digest part that ends the claim's IRI)


@dataclass(frozen=True)
class Listed:
    """A claim named in a curated table, and where."""

    path: str  # claim/<file>/<rest>, as an IRI path
    key: Key
    location: Location


@dataclass(frozen=True)
class Retraction:
    listed: Listed
    reason: str
    who: str
    when: str  # YYYY-MM-DD


@dataclass(frozen=True)
class Embargo:
    listed: Listed
    until: str  # YYYY-MM-DD or empty
    confidential: bool


@dataclass(frozen=True)
class Decision:
    """What becomes of one claim in this build."""

    retraction: Retraction | None = None
    until: str | None = None  # marked embargoed until (internal builds)
    confidential: bool = False  # marked confidential (internal builds)
    withheld: bool = False  # left out of this public build
    listed: Listed | None = None  # the curated row naming it, whose IRI must match

    @property
    def dropped(self) -> bool:
        return self.retraction is not None or self.withheld

    @property
    def marked(self) -> bool:
        return self.until is not None or self.confidential

    @property
    def noted(self) -> bool:
        """Whether the kept claim needs its IRI: to be marked, or checked against a table's."""
        return self.marked or self.listed is not None


KEEP = Decision()


@lru_cache(maxsize=256)
def _slug(file_name: str) -> str:
    return input_slug(file_name)


def claim_key(path: str) -> Key | None:
    """(file slug, digest part) of a claim's IRI path, or None when it is not one."""
    parts = path.split("/", 2)
    if len(parts) != 3 or parts[0] != "claim" or not parts[1] or not parts[2]:
        return None
    rest = parts[2]
    if rest.startswith(("fact-", "connection-")):
        return parts[1], rest
    middle, sep, tail = rest.rpartition("-")
    if not sep or "--" not in middle or not tail:
        return None
    return parts[1], tail


def _listed(value: str, loc: Location) -> Listed:
    path = value[len(ID) :] if value.startswith(ID) else value.removeprefix("/id/")
    key = claim_key(path)
    if key is None:
        raise CatalogueError(
            f"'{value}' is not a claim's IRI", loc, field="claim", expected=CLAIM_EXPECTED
        )
    return Listed(path, key, loc)


def _table_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[Location, dict[str, str]]]:
    """A missing table lists nothing; a present one is read strictly (tables.py)."""
    if not path.exists():
        return []
    table = read_table(path, columns)
    for line, first in table.repeats:
        raise CatalogueError(
            f"the same row as line {first}", table.loc(line), expected="each claim listed once"
        )
    return [(table.loc(line), cells) for line, cells in table]


def _required(row: dict[str, str], loc: Location, *columns: str) -> None:
    for column in columns:
        if not row[column]:
            raise CatalogueError("cell is empty", loc, field=column, expected=f"a {column}")


def read_retractions(data_dir: Path) -> dict[Key, Retraction]:
    found: dict[Key, Retraction] = {}
    for loc, row in _table_rows(data_dir / RETRACTIONS_FILE, RETRACTION_COLUMNS):
        listed = _listed(row["claim"], loc)
        _required(row, loc, "reason", "who", "when")
        check_date(row["when"], loc, "when", partial=False)
        _once(found, listed)
        found[listed.key] = Retraction(listed, row["reason"], row["who"], row["when"])
    return found


def read_embargoes(data_dir: Path) -> dict[Key, Embargo]:
    found: dict[Key, Embargo] = {}
    for loc, row in _table_rows(data_dir / EMBARGOES_FILE, EMBARGO_COLUMNS):
        listed = _listed(row["claim"], loc)
        _required(row, loc, "reason", "who")
        secret = _yes_no(row["confidential"], loc)
        if row["embargoed_until"]:
            check_date(row["embargoed_until"], loc, "embargoed_until", partial=False)
        elif not secret:
            raise CatalogueError(
                "the row neither embargoes the claim nor marks it confidential",
                loc,
                field="embargoed_until",
                expected="a date YYYY-MM-DD, or 'yes' under confidential",
            )
        _once(found, listed)
        found[listed.key] = Embargo(listed, row["embargoed_until"], secret)
    return found


def _yes_no(value: str, loc: Location) -> bool:
    if value.casefold() not in ("", "yes", "no"):
        raise CatalogueError(
            f"'{value}' is not yes or no", loc, field="confidential", expected="yes, no or empty"
        )
    return value.casefold() == "yes"


def _once(found: dict[Key, Retraction] | dict[Key, Embargo], listed: Listed) -> None:
    earlier = found.get(listed.key)
    if earlier is not None:
        line = earlier.listed.location.line
        if earlier.listed.path != listed.path:  # same file and digest, other names: a slip
            raise CatalogueError(
                f"this IRI ends with the digest of the claim on line {line} "
                f"({earlier.listed.path}) but names other systems",
                listed.location,
                field="claim",
                expected="a claim's IRI copied whole from its page or the graph",
            )
        raise CatalogueError(
            f"the claim is already listed on line {line}",
            listed.location,
            field="claim",
            expected="each claim listed once",
        )


class Withholding:
    """Decides, for each record of a build, whether its claim is kept, marked or dropped.

    `release_date` makes a public build. `matched` gathers the listed claims some input
    states, so that a listed claim nobody states is an error (`check_all_listed`).
    """

    def __init__(self, cat: Catalogue, release_date: date | None = None) -> None:
        self.release_date = release_date
        self.retractions = read_retractions(cat.directory)
        self.embargoes = read_embargoes(cat.directory)
        self.sources = {
            sid: (s.embargoed_until, s.confidential)
            for sid, s in cat.sources.items()
            if s.embargoed_until or s.confidential
        }
        self.matched: set[Key] = set()
        self._listed = self.retractions.keys() | self.embargoes.keys()
        # Flows tables' system names, as the gathering reads them: those the rows name, and
        # those only dropped rows described (which get 'unknown operator' if still named).
        self.named: set[str] = set()
        self.undescribed: set[str] = set()

    @property
    def public(self) -> bool:
        return self.release_date is not None

    @property
    def withheld_sources(self) -> set[str]:
        """The documents a public build leaves out altogether: what they are would tell."""
        if self.release_date is None:
            return set()
        day = self.release_date.isoformat()
        return {sid for sid, (until, secret) in self.sources.items() if secret or until > day}

    @property
    def screens_flows(self) -> bool:
        """Whether a flows table's rows may be dropped or marked at all (else: no screening)."""
        return bool(self.retractions or self.embargoes or self.sources)

    def decide(
        self,
        file_name: str,
        tail: str,
        sources: list[str] | tuple[str, ...] = (),
        until: str | None = None,
        confidential: bool = False,
    ) -> Decision:
        key = (_slug(file_name), tail)
        unmarked = not (until or confidential or any(sid in self.sources for sid in sources))
        if unmarked and key not in self._listed:
            return KEEP  # the common case, once per row of every build
        retraction = self.retractions.get(key)
        if retraction is not None:
            self.matched.add(key)
            return Decision(retraction=retraction, listed=retraction.listed)
        dates = [until] if until else []
        embargo = self.embargoes.get(key)
        if embargo is not None:
            self.matched.add(key)
            dates += [embargo.until] if embargo.until else []
            confidential = confidential or embargo.confidential
        for sid in sources:
            marked = self.sources.get(sid)
            if marked is not None:
                dates += [marked[0]] if marked[0] else []
                confidential = confidential or marked[1]
        latest = max(dates) if dates else None  # ISO dates sort as dates
        listed = embargo.listed if embargo is not None else None
        if self.release_date is None:
            return Decision(until=latest, confidential=confidential, listed=listed)
        embargoed = latest is not None and date.fromisoformat(latest) > self.release_date
        # a public build says nothing of embargoes that have ended
        return Decision(withheld=confidential or embargoed, listed=listed)

    def flow(self, file_name: str, rec: FlowRecord, citations: list[str]) -> Decision:
        return self.decide(file_name, rec.fingerprint, citations)

    def statement(self, file_name: str, rec: EnteredStatement) -> Decision:
        return self.decide(
            file_name, rec.fingerprint, [rec.source], rec.embargoed_until, rec.confidential
        )

    def fact(self, file_name: str, f: Fact) -> tuple[str, Decision]:
        path = fact_path(_slug(file_name), f)
        return path, self.decide(file_name, path.split("/", 2)[2])

    def connection(self, file_name: str, c: Connection) -> tuple[str, Decision]:
        path = connection_path(_slug(file_name), c)
        return path, self.decide(file_name, path.split("/", 2)[2])

    def dossier(
        self, file_name: str, d: Dossier
    ) -> tuple[Dossier, list[tuple[str, Decision, Fact | Connection]]]:
        """The page without its dropped facts and connections (nor the reader's findings on
        their lines), and (claim path, decision, item) for each one dropped or marked."""
        told: list[tuple[str, Decision, Fact | Connection]] = []
        facts, connections = [], []
        for f in d.facts:
            path, decision = self.fact(file_name, f)
            if decision.dropped or decision.marked:
                told.append((path, decision, f))
            if not decision.dropped:
                facts.append(f)
        for c in d.connections:
            path, decision = self.connection(file_name, c)
            if decision.dropped or decision.marked:
                told.append((path, decision, c))
            if not decision.dropped:
                connections.append(c)
        if len(facts) == len(d.facts) and len(connections) == len(d.connections):
            return d, told
        gone = {item.location.line for _p, dec, item in told if dec.dropped}
        findings = [
            f for f in d.findings if f.location is None or f.location.line not in gone
        ]  # what the reader said of a dropped line would tell of it
        kept = dataclasses.replace(d, facts=facts, connections=connections, findings=findings)
        return kept, told

    def check_iri(self, decision: Decision, path: str) -> None:
        """The whole IRI a curated table gives must be the claim's, not just its digest."""
        listed = decision.listed
        if listed is not None and listed.path != path:
            raise CatalogueError(
                f"the claim whose digest this names is {ID}{path}, not {ID}{listed.path}",
                listed.location,
                field="claim",
                expected=f"{ID}{path}",
            )

    def check_all_listed(self) -> None:
        """Every claim the curated tables name is stated by some input."""
        listed = [r.listed for r in self.retractions.values()]
        listed += [e.listed for e in self.embargoes.values()]
        for item in listed:
            if item.key not in self.matched:
                raise CatalogueError(
                    f"no input states the claim '{ID}{item.path}'",
                    item.location,
                    field="claim",
                    expected=f"a claim stated by a file in raw/: {CLAIM_EXPECTED}",
                    fix="Copy the claim's IRI from a build (its page, or the dumps).",
                )
