"""How well each flow and relationship is supported, counted while the claims are mapped:
claims, documents, independent voices, and the strongest and weakest grade among its claims,
and the document itself when there is only one (ig:soleDocument). Published in the derived
graph (graph/derived), rebuilt on every build.

A document's voice is its publisher, taken up to the top of its organisation (an ICE and a DHS
document are one voice: ICE is part of DHS); a document whose publisher is not in
data/entities.csv is its publisher's name, and one with no publisher at all (a dossier page)
is a voice of its own. Memory grows with the number of flows and relationships, not of claims.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from icegraph.catalogue import Catalogue
from icegraph.mapping.catalogue_quads import source_node
from icegraph.mapping.contradictions import DERIVED_GRAPH
from icegraph.mapping.terms import Q, Term, Triple, entity, ig, integer

RANKS = {"primary": 1, "secondary": 2, "inferential": 3}
GRADES = {rank: ig(grade) for grade, rank in RANKS.items()}
_ORGANISATIONS = ("Agency", "InternationalOrganization", "PrivateOrganization", "Company")


# [claims, best rank, worst rank, documents, voices]; the two sets are shared and never changed
Entry = list


def _copy(entry: Entry) -> Entry:
    return list(entry)


def voices(cat: Catalogue) -> dict[Term, str]:
    """The voice of each document of data/sources.csv."""
    out: dict[Term, str] = {}
    for s in cat.sources.values():
        org = cat.lookup(s.publisher, _ORGANISATIONS) if s.publisher else None
        if org is not None:
            seen = {org.id}
            while org.parent and org.parent not in seen:
                seen.add(org.parent)
                org = cat.entities[org.parent]
            out[source_node(s.id)] = entity(org.id)
        elif s.publisher:
            out[source_node(s.id)] = s.publisher.casefold()
    return out


class Support:
    """Fed one claim at a time: what it asserts, the documents it cites, its grade."""

    def __init__(self, voices: dict[Term, str]) -> None:
        self._voices = voices
        # asserted node → [claims, best rank, worst rank, documents, voices]. Most flows are
        # cited by one of a few combinations of documents: each combination is kept once and
        # shared (a set per flow cost most of this tally's memory).
        self._by: dict[Term, Entry] = {}
        self._sets: dict[frozenset, frozenset] = {}
        # when set (an incremental build): each node the added claims assert → its entry
        # before they did (None for a node new to the build), so only those are redone
        self.touched: dict[Term, Entry | None] | None = None

    def _shared(self, items: frozenset) -> frozenset:
        return self._sets.setdefault(items, items)

    def add(self, asserted: Iterable[Term], documents: Iterable[Term], grade: str) -> None:
        docs = self._shared(frozenset(documents))
        said = self._shared(frozenset(self._voices.get(d, d) for d in docs))
        rank = RANKS[grade]
        for node in asserted:
            entry = self._by.get(node)
            if self.touched is not None and node not in self.touched:
                self.touched[node] = None if entry is None else _copy(entry)
            if entry is None:
                self._by[node] = [1, rank, rank, docs, said]
            else:
                entry[0] += 1
                entry[1] = min(entry[1], rank)
                entry[2] = max(entry[2], rank)
                if not docs <= entry[3]:
                    entry[3] = self._shared(entry[3] | docs)
                if not said <= entry[4]:
                    entry[4] = self._shared(entry[4] | said)

    def quads(self) -> Iterator[Triple]:
        return self.quads_of(self._by)

    def differing(self, other: Support) -> dict[Term, Entry | None]:
        """Each node whose entry is not the same in `other`, with `other`'s entry (None where
        it has none): the `touched` of a build that redid inputs instead of adding them."""
        out: dict[Term, Entry | None] = {}
        for node in self._by.keys() | other._by.keys():
            theirs = other._by.get(node)
            if self._by.get(node) != theirs:
                out[node] = None if theirs is None else _copy(theirs)
        return out

    def best(self, node: Term) -> int | None:
        """The rank of the best claim asserting `node` (1 primary, 3 inferential), if any."""
        entry = self._by.get(node)
        return None if entry is None else entry[1]

    def now(self, nodes: Iterable[Term]) -> dict[Term, Entry]:
        """The entries of `nodes` as they are."""
        return {n: self._by[n] for n in nodes if n in self._by}

    @staticmethod
    def quads_of(entries: dict[Term, Entry]) -> Iterator[Triple]:
        """The derived triples of these entries (of `_by` or `touched`), by node."""
        q = Q(DERIVED_GRAPH)
        for node in sorted(entries):
            claims, best, worst, docs, heard = entries[node]
            yield q(node, ig("claimCount"), integer(claims))
            yield q(node, ig("documentCount"), integer(len(docs)))
            yield q(node, ig("publisherCount"), integer(len(heard)))
            yield q(node, ig("strongestConfidence"), GRADES[best])
            yield q(node, ig("weakestConfidence"), GRADES[worst])
            if len(docs) == 1:
                # which one, so "rests on a single document" reads no claim (a function of
                # this entry alone: incremental builds change it with the counts)
                yield q(node, ig("soleDocument"), next(iter(docs)))
