"""Possible duplicates: names that resemble each other, scored with the reasons why.

Names with equal keys (`names.name_key`) are the same name and were merged already; this
module looks at what is left, pairs of entities whose names only resemble each other, and
proposes them to a person. It never merges anything.

Each piece of evidence has a strength in [0, 1]. The score of a pair is the chance that at
least one piece is right, taken as independent: 1 - (1 - s1)(1 - s2)...; it is then
multiplied by 0.7 for each piece of evidence against (both have operators and none is
shared; both have acronyms and none matches). A pair is proposed at or above
`PROPOSE_THRESHOLD` (0.5).

- a name both have, other than the label (equal labels are the same name): 0.8;
- an acronym of one = the initials of a name of the other ('ATS', 'Automated Targeting
  System'), or the same acronym written apart ('FALCON-SA', 'FALCONSA'): 0.75, or 0.35 for
  two letters, which many names share;
- words shared by a name of each: the share of their words (Jaccard, stopwords and 'United
  States' left out), a word also matching its abbreviation ('info', 'information') or a
  misspelling ('targetting', 'targeting');
- spelling alike (rapidfuzz `ratio` on the words run together, `token_sort_ratio` on them in
  any order) above 80 %: 4 x (ratio - 0.8), so 0.8 for the same letters;
- the same operator, when some name evidence exists: 0.3.

Only entities of compatible types are compared (organisations with organisations, systems
with systems, persons with persons); two entities of the curated catalogue are never compared
(two catalogue rows are two entities by a person's decision); a pair already decided is never
proposed again.

Pairs are found by blocking, not by comparing everything with everything: entities are
indexed by each word of their names, each word's first four letters, each acronym and each
set of initials. An entry shared by more than `MAX_BLOCK` entities ('system', 'department')
says little about any two of them and is skipped; of the entities sharing an entry with one
entity, the `MAX_CANDIDATES` sharing the rarest entries are scored.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from pyoxigraph import Store
from rapidfuzz import fuzz

from icegraph.link.ours import linkable_entities
from icegraph.namespaces import GRAPH, ID, PREFIXES
from icegraph.resolve.names import (
    acronym_of,
    looks_like_acronym,
    name_key,
    name_keys,
    name_parts,
)
from icegraph.store import select

PROPOSE_THRESHOLD = 0.5
MAX_BLOCK = 50
MAX_CANDIDATES = 10

STRENGTH_SHARED_NAME = 0.8
STRENGTH_ACRONYM = 0.75
STRENGTH_SHORT_ACRONYM = 0.35  # two letters: many names have those initials
STRENGTH_SAME_OPERATOR = 0.3
AGAINST = 0.7  # different operators, or different acronyms: the score is multiplied by it
SPELLING_FLOOR = 0.8  # below: names alike only as much as any two names of a kind

ORGANISATION_TYPES = ("Agency", "InternationalOrganization", "Company", "PrivateOrganization")
STOPWORDS = frozenset(
    ("a", "an", "and", "at", "by", "de", "del", "des", "du", "for", "from", "in", "la", "le",
     "of", "on", "the", "to", "with")
)  # fmt: skip
_COUNTRY = "united states"
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


@dataclass(frozen=True)
class Named:
    """An entity as the comparison sees it.

    `id` is the path under the entity base ('system/ats'); `names` holds every other name
    (alternative labels, acronyms); `operators` the ids of the agencies operating a system;
    `curated` marks an entity of data/entities.csv, kept as the canonical side of a pair."""

    id: str
    type: str
    label: str
    names: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()
    curated: bool = False


@dataclass(frozen=True)
class Proposal:
    """Two entities that may be one: `entity` is the one to keep, `same_as` the one to fold."""

    entity: str
    entity_label: str
    same_as: str
    same_as_label: str
    score: float
    evidence: str

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.entity, self.same_as))


def type_group(entity_type: str) -> str:
    """Which entities may be the same thing: organisations of any kind together, each
    other type with its own kind."""
    return "organisation" if entity_type in ORGANISATION_TYPES else entity_type


@dataclass
class _Name:
    text: str
    key: str
    words: tuple[str, ...]  # the words that count: no stopwords, no 'United States'
    firsts: frozenset[str]  # first letters of the words, to skip pairs with none in common
    compact: str  # those words run together, for spelling ('Immigration OS', 'ImmigrationOS')
    joined: str  # those words with spaces, for spelling in another order


@dataclass
class _Prepared:
    entity: Named
    group: str
    label_keys: frozenset[str]
    keys: dict[str, str]  # key → the name it came from
    acronyms: dict[str, str]  # normalised acronym → as written
    initials: dict[str, str]  # initials → the name they are of
    names: list[_Name]
    rank: tuple[bool, int, int, str]


def _words(key: str) -> tuple[str, ...]:
    without_country = key.replace(_COUNTRY, " ").split()
    words = tuple(w for w in without_country if w not in STOPWORDS)
    return words or tuple(key.split())


def _initials(key: str) -> set[str]:
    """'united states department of justice' → USDOJ, USDJ, DOJ, DJ: people write acronyms
    with and without the country and the small words."""
    out = set()
    for text in (key.replace(_COUNTRY, "u s"), key.replace(_COUNTRY, " ")):
        tokens = text.split()
        for keep_small in (True, False):
            kept = [t for t in tokens if keep_small or t not in STOPWORDS]
            if len(kept) >= 2:
                out.add("".join(t[0] for t in kept).upper())
    return out


def _prepare(e: Named) -> _Prepared:
    keys: dict[str, str] = {}
    acronyms: dict[str, str] = {}
    initials: dict[str, str] = {}
    names: list[_Name] = []
    for text in dict.fromkeys((e.label, *e.names)):
        key = name_key(text)
        if not key:
            continue
        for k in name_keys(text):
            keys.setdefault(k, text)
        inner = acronym_of(text)
        if looks_like_acronym(text):
            acronyms.setdefault(_NOT_ALNUM.sub("", text).upper(), text)
        elif inner is not None:
            # 'Automated Targeting System (ATS)': the acronym, and words without it
            acronyms.setdefault(_NOT_ALNUM.sub("", inner).upper(), inner)
            key = name_key(name_parts(text)[0]) or key
        if not looks_like_acronym(text):
            for ini in _initials(key):
                initials.setdefault(ini, text)
        words = _words(key)
        firsts = frozenset(w[0] for w in words)
        names.append(_Name(text, key, words, firsts, "".join(words), " ".join(words)))
    # Which side stays canonical: the curated one, else the one with more names, else the
    # shorter id; a reviewer may swap the two before accepting.
    rank = (not e.curated, -len(e.names), len(e.id), e.id)
    label_keys = frozenset(name_keys(e.label))
    return _Prepared(e, type_group(e.type), label_keys, keys, acronyms, initials, names,
                     rank)  # fmt: skip


def _blocks(p: _Prepared) -> set[str]:
    out = set()
    for n in p.names:
        for w in n.words:
            out.add("w:" + w)
            if len(w) > 4:
                out.add("p:" + w[:4])
    for acr in (*p.acronyms, *p.initials):
        out.add("a:" + acr)
    return {f"{p.group}|{b}" for b in out}


@lru_cache(maxsize=262144)  # the same words meet again and again
def _words_match(a: str, b: str) -> bool:
    """A word's abbreviation ('info', 'information') or misspelling ('targetting')."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long.startswith(short):
        return True
    return len(short) >= 6 and fuzz.ratio(a, b) >= 88


def _shared_words(a: _Name, b: _Name) -> list[str]:
    """The words of `a` that match a word of `b`, each word used once."""
    left = list(b.words)
    shown = []
    unmatched = []
    for w in a.words:
        if w in left:
            left.remove(w)
            shown.append(w)
        else:
            unmatched.append(w)
    for w in unmatched:
        # Misspellings and abbreviations keep the first letter; comparing only those keeps
        # twenty thousand entities fast.
        hit = next((x for x in left if x[0] == w[0] and _words_match(w, x)), None)
        if hit is not None:
            left.remove(hit)
            shown.append(f"{w} ~ {hit}")
    return shown


# Evidence is kept as (strength, kind, details) and put into words only for the pairs that
# are proposed: most pairs scored are not.
_Evidence = tuple[float, str, tuple[str, ...]]
_TEXT = {
    "name": "both are called '{0}'",
    "acronym": "acronym '{0}' = initials of '{1}'",
    "same-acronym": "both have the acronym '{0}'",
    "words": "{0} of {1} words shared ({2}): '{3}' ~ '{4}'",
    "spelling": "spelling {0} alike: '{1}' ~ '{2}'",
    "operator": "same operator {0}",
    "other-operators": "different operators {0} and {1}",
    "other-acronyms": "different acronyms {0} and {1}",
}


def _name_evidence(a: _Prepared, b: _Prepared) -> list[_Evidence]:
    found: list[_Evidence] = []
    shared_keys = a.keys.keys() & b.keys.keys()
    if shared_keys:
        name = a.keys[min(shared_keys)]
        short = looks_like_acronym(name) and len(_NOT_ALNUM.sub("", name)) <= 2
        found.append((STRENGTH_SHORT_ACRONYM if short else STRENGTH_SHARED_NAME, "name", (name,)))
    for one, other in ((a, b), (b, a)):
        for acr in sorted(one.acronyms.keys() & other.initials.keys()):
            if acr.lower() in shared_keys:
                continue  # already said: both are called that
            strength = STRENGTH_ACRONYM if len(acr) > 2 else STRENGTH_SHORT_ACRONYM
            found.append((strength, "acronym", (one.acronyms[acr], other.initials[acr])))
    if not shared_keys:
        # 'FALCON-SA' and 'FALCONSA': the same letters, written apart
        for acr in sorted(a.acronyms.keys() & b.acronyms.keys()):
            strength = STRENGTH_ACRONYM if len(acr) > 2 else STRENGTH_SHORT_ACRONYM
            found.append((strength, "same-acronym", (a.acronyms[acr],)))
    words: tuple[float, _Name, _Name] | None = None
    spelling: tuple[float, _Name, _Name] | None = None
    for na in a.names:
        for nb in b.names:
            if na.key == nb.key:  # counted once above, as a name both have
                continue
            if na.firsts & nb.firsts:
                shared = len(_shared_words(na, nb))
                share = shared / (len(na.words) + len(nb.words) - shared)
                if shared and (words is None or share > words[0]):
                    words = (share, na, nb)
            if min(len(na.compact), len(nb.compact)) < 6:
                continue  # too short to tell a misspelling from another name
            floor = max(SPELLING_FLOOR, spelling[0] if spelling else 0) * 100
            ratio = max(
                fuzz.ratio(na.compact, nb.compact, score_cutoff=floor),
                fuzz.token_sort_ratio(na.joined, nb.joined, score_cutoff=floor),
            )
            ratio /= 100
            if ratio and (spelling is None or ratio > spelling[0]):
                spelling = (ratio, na, nb)
    if words is not None:
        share, na, nb = words
        shown = _shared_words(na, nb)
        union = len(na.words) + len(nb.words) - len(shown)
        found.append((share, "words", (str(len(shown)), str(union), ", ".join(shown), na.text,
                                       nb.text)))  # fmt: skip
    if spelling is not None:
        ratio, na, nb = spelling
        strength = 4 * (ratio - SPELLING_FLOOR)
        if strength > 0:
            found.append((strength, "spelling", (f"{ratio:.0%}", na.text, nb.text)))
    return found


def _score(a: _Prepared, b: _Prepared) -> tuple[float, list[_Evidence]] | None:
    """The pair's score and its evidence, strongest first; None without name evidence."""
    found = _name_evidence(a, b)
    if not found:
        return None
    ops_a, ops_b = set(a.entity.operators), set(b.entity.operators)
    if ops_a & ops_b:
        found.append((STRENGTH_SAME_OPERATOR, "operator", (", ".join(sorted(ops_a & ops_b)),)))
    found.sort(key=lambda x: -x[0])
    miss = 1.0
    for strength, _kind, _details in found:
        miss *= 1 - min(strength, 1.0)
    score = 1 - miss
    # Evidence against: each names something the other does not.
    if ops_a and ops_b and not ops_a & ops_b:
        score *= AGAINST
        found.append((0.0, "other-operators", (", ".join(sorted(ops_a)), ", ".join(sorted(ops_b)))))
    if a.acronyms and b.acronyms and not _acronyms_agree(a, b):
        score *= AGAINST
        found.append((0.0, "other-acronyms", (", ".join(sorted(a.acronyms.values())),
                                              ", ".join(sorted(b.acronyms.values())))))  # fmt: skip
    return round(score, 2), found


def _acronyms_agree(a: _Prepared, b: _Prepared) -> bool:
    return bool(
        a.acronyms.keys() & (b.acronyms.keys() | b.initials.keys())
        or b.acronyms.keys() & a.initials.keys()
    )


def describe(evidence: list[_Evidence]) -> str:
    return "; ".join(_TEXT[kind].format(*details) for _s, kind, details in evidence)


def candidate_pairs(prepared: list[_Prepared]) -> set[tuple[int, int]]:
    """Indexes of the entities worth scoring together: those sharing an index entry, and of
    those, for each entity, the `MAX_CANDIDATES` sharing the rarest entries."""
    index: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(prepared):
        for block in sorted(_blocks(p)):
            index[block].append(i)
    weights: list[dict[int, float]] = [defaultdict(float) for _ in prepared]
    for members in index.values():
        if 1 < len(members) <= MAX_BLOCK:
            w = 1 / len(members)  # an entry few entities share says more
            for i, j in combinations(members, 2):
                weights[i][j] += w
                weights[j][i] += w
    pairs: set[tuple[int, int]] = set()
    for i, found in enumerate(weights):
        # sorted() is stable: among equal weights the first entity by id comes first
        best = sorted(found, key=found.__getitem__, reverse=True)[:MAX_CANDIDATES]
        pairs.update((i, j) if i < j else (j, i) for j in best)
    return pairs


def propose(entities: Iterable[Named], decided: Collection[frozenset[str]] = ()) -> list[Proposal]:
    """Pairs of entities that may be the same, best first; never a pair in `decided`, never
    two entities whose labels are the same name."""
    prepared = [_prepare(e) for e in sorted(entities, key=lambda e: e.id)]
    decided_set = set(decided)
    out = []
    for i, j in candidate_pairs(prepared):
        a, b = prepared[i], prepared[j]
        if (
            not a.label_keys.isdisjoint(b.label_keys)
            or (a.entity.curated and b.entity.curated)
            or a.entity.id == b.entity.id
            or (decided_set and frozenset((a.entity.id, b.entity.id)) in decided_set)
        ):
            continue
        if b.rank < a.rank:
            a, b = b, a
        scored = _score(a, b)
        if scored is None or scored[0] < PROPOSE_THRESHOLD:
            continue
        score, evidence = scored
        out.append(Proposal(a.entity.id, a.entity.label, b.entity.id, b.entity.label, score,
                            describe(evidence)))  # fmt: skip
    out.sort(key=lambda p: (-p.score, p.entity, p.same_as))
    return out


def entities_in_store(store: Store) -> list[Named]:
    """The graph's named entities with every name the store has for them; those described
    in the catalogue's graph are marked curated."""
    curated = {
        row["e"].value[len(ID) :]
        for row in select(store, _CURATED % (GRAPH + "entities"), prefixes=PREFIXES)
    }
    out = []
    for e in linkable_entities(store):
        eid = e.iri[len(ID) :]
        operators = tuple(sorted(o[len(ID) :] for o in e.operators if o.startswith(ID)))
        out.append(Named(eid, e.type, e.label, tuple(e.names[1:]), operators, eid in curated))
    return out


_CURATED = "SELECT DISTINCT ?e WHERE { GRAPH <%s> { ?e rdfs:label ?label } }"
