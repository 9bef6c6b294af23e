"""Which entity each name stands for, worked out over every document before any is mapped.

Every reader's names are gathered first (`Identities.mention`), then grouped: two names are
one entity when they have the same key (names.py), when one row gives both (a flows table's
short name and full name, a dossier's 'Name (ACRONYM)'), or when a person accepted the pair
in data/same-as.csv. A curated entity (data/entities.csv) keeps its id; two curated entities
are never grouped by a name they share (the three MOSAICs stay three).

An entity that is not curated is named from what it is, not from where it was read: of the
names given to it, the one whose IRI segment is shortest, then first in alphabetical order
(an acronym beats its expansion). Adding a document can only add names to a group, so the
IRI a smaller build gave it is either still its IRI or one of its `aliases`, which the graph
keeps as `dcterms:isReplacedBy` links and the server follows. Reordering or renaming files
changes nothing, because the choice never looks at order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from icegraph.catalogue import Catalogue, EntityEntry
from icegraph.digests import short_digest
from icegraph.errors import CatalogueError, Location
from icegraph.resolve.names import acronym_of, name_key, ordered_keys, slug

# Entity types that may share a name: a System and an Agency called 'ATF' are two things.
GROUP_OF = {
    "System": "System",
    "Person": "Person",
    "Agency": "Organization",
    "InternationalOrganization": "Organization",
    "Company": "Organization",
    "PrivateOrganization": "Organization",
}
TYPE_PREFIX = {
    "Agency": "agency",
    "InternationalOrganization": "org",
    "Company": "org",
    "PrivateOrganization": "org",
    "Person": "person",
    "System": "system",
}

# Dossier page kinds and the entity type a new name of that kind gets.
KIND_DEFAULT_TYPE = {
    "institution": "Agency",
    "company": "Company",
    "person": "Person",
    "instrument": "System",
}

Node = tuple[str, str]  # (group, name key)


@dataclass
class Entity:
    """One real thing: its IRI path, type and names, and the paths that now point to it."""

    id: str
    type: str
    label: str
    names: set[str] = field(default_factory=set)
    curated: EntityEntry | None = None
    aliases: set[str] = field(default_factory=set)
    folded: set[str] = field(default_factory=set)  # names of entities a person folded in

    @property
    def local(self) -> str:
        """The id without its type prefix: 'system/ats' → 'ats'."""
        return self.id.split("/", 1)[-1]


def kind_type(kind: str) -> str:
    return KIND_DEFAULT_TYPE.get(kind, "Agency")


def candidate_path(name: str, etype: str) -> str:
    """The IRI path a name would give an entity of its own: the acronym when the name carries
    one, else the whole name."""
    acronym = acronym_of(name)
    return f"{TYPE_PREFIX[etype]}/{slug(name_key(acronym or name))}"


class Identities:
    """Names gathered from every document, then settled into entities by `finish`."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self._parent: dict[Node, Node] = {}
        self._curated: dict[Node, str] = {}  # root → curated id
        self._mentions: dict[Node, set[tuple[str, str]]] = {}  # root → {(name, type)}
        self._others: dict[Node, set[str]] = {}  # root → names given beside a main name
        self._by_node: dict[Node, Entity] = {}
        self.entities: dict[str, Entity] = {}
        self.conflicts: list[str] = []
        self._folded_into: dict[str, str] = {}
        self._beside: list[tuple[Node, list[Node]]] = []
        self._seen: dict[tuple[str, str, tuple[str, ...]], tuple[list[str], Any]] = {}
        for entry in cat.entities.values():
            group = GROUP_OF[entry.type]
            for name in (entry.label, entry.acronym, *entry.alt_labels):
                if not name:
                    continue
                for key in ordered_keys(name):
                    node = (group, key)
                    if self._find(node) == node and node not in self._curated:
                        self._curated[node] = entry.id
                    # a key two curated entities share stays with the first (MOSAIC)

    def __getstate__(self) -> dict[str, Any]:
        """Without the catalogue, which the process reading it back has: `reattach`."""
        return {k: v for k, v in self.__dict__.items() if k != "cat"}

    def reattach(self, cat: Catalogue) -> None:
        self.cat = cat

    @property
    def distinct_mentions(self) -> int:
        """How many different mentions were gathered: a repeat adds none, and changes
        nothing that settling reads but the conflicts it says again (see `mention`)."""
        return len(self._seen)

    # ------------------------------------------------------------ gathering

    def _find(self, node: Node) -> Node:
        parent = self._parent.setdefault(node, node)
        if parent == node:
            return node
        root = self._find(parent)
        self._parent[node] = root
        return root

    def _union(self, a: Node, b: Node) -> bool:
        ra, rb = self._find(a), self._find(b)
        if ra == rb:
            return True
        ca, cb = self._curated.get(ra), self._curated.get(rb)
        if ca and cb and ca != cb:
            return False
        if cb and not ca:
            ra, rb = rb, ra
        self._parent[rb] = ra
        if cb and not ca:
            self._curated[ra] = cb
        self._mentions.setdefault(ra, set()).update(self._mentions.pop(rb, ()))
        self._others.setdefault(ra, set()).update(self._others.pop(rb, ()))
        return True

    def mention(self, name: str, etype: str, also: Iterable[str] = ()) -> None:
        """`name` is a document's name for an entity of `etype`; `also` are other names the
        same document gives it in the same place (a flows table's full-name column).

        The parts of one name ('Name (ACRONYM)') are one entity for sure. A name given beside
        it is weaker evidence: two systems of one table may share a full name. It joins the
        entity another document calls by that name only when no other entity is given the
        same name beside its own (see `_link_by_other_names`).

        A mention made before changes nothing the second time (its names are joined already,
        or cannot be: two curated entities stay two), except that it says its conflicts
        again and is counted beside again; so a repeat does only that. Rows name the same
        systems over and over: a million rows make a few thousand distinct mentions."""
        key = (name, etype, tuple(also))
        seen = self._seen.get(key)
        if seen is not None:
            conflicts, beside = seen
            self.conflicts += conflicts
            if beside is not None:
                self._beside.append(beside)
            return
        group = GROUP_OF[etype]
        nodes = [(group, k) for k in ordered_keys(name)]
        first = nodes[0]
        self._find(first)
        said = []
        for n in nodes[1:]:
            if not self._union(first, n):
                one, other = self._curated.get(self._find(first)), self._curated.get(self._find(n))
                said.append(
                    f"'{name}' reads as two curated entities ({one}, {other}); "
                    "it is taken as the first"
                )
        self.conflicts += said
        root = self._find(first)
        self._mentions.setdefault(root, set()).add((name, etype))
        others = [a for a in also if a]
        entry = None
        if others:
            self._others.setdefault(root, set()).update(others)
            entry = (first, [(group, k) for a in others for k in ordered_keys(a)])
            self._beside.append(entry)
        self._seen[key] = (said, entry)

    def _link_by_other_names(self) -> None:
        """A name given beside an entity's own (ATS, 'Automated Targeting System') joins the
        entity a document names by it, when exactly one entity is given that name beside its
        own. Decided on all the names at once, so the order of the documents does not count."""
        owners: dict[Node, set[Node]] = {}
        for first, keys in self._beside:
            root = self._find(first)
            for key in keys:
                owners.setdefault(key, set()).add(root)
        for key, roots in sorted(owners.items()):
            if len(roots) != 1 or key not in self._parent:
                continue  # shared by several (or named by no document): joins nothing
            (root,) = roots
            if not self._union(root, key):
                self.conflicts.append(
                    f"'{key[1]}' is another name of {self._curated.get(self._find(root))} and "
                    f"the name of {self._curated.get(self._find(key))}; they are kept apart"
                )

    # ------------------------------------------------------------ settling

    def finish(self, folds: dict[str, str] | None = None, where: str = "") -> None:
        """Settle every group into one entity; `folds` are accepted same-as decisions
        (folded id → kept id), applied after the names have been grouped."""
        self._link_by_other_names()
        roots = {self._find(n) for n in list(self._parent)}
        by_root: dict[Node, Entity] = {}
        for root in sorted(roots):
            entity = self._settle(root)
            if entity is not None:
                by_root[root] = entity
        merged: dict[str, Entity] = {}
        for root, entity in by_root.items():
            kept = merged.get(entity.id)
            if kept is None:
                merged[entity.id] = entity
            elif entity.curated is not None:  # two groups of one curated entity's names
                kept.names |= entity.names
                kept.aliases |= entity.aliases
            else:  # names whose keys differ but whose IRI segments agree ('Café', 'Cafe')
                entity.aliases.add(entity.id)
                entity.id = f"{entity.id}-{short_digest(root[1], 3)}"
                merged[entity.id] = entity
        for folded, kept_id in sorted((folds or {}).items()):
            self._fold(merged, folded, kept_id, where)
        self.entities = merged
        self._by_node = {}
        for root, entity in by_root.items():
            final = entity
            while final.id not in merged:
                final = merged[self._folded_into[final.id]]
            self._by_node[root] = merged[final.id]
        for node in list(self._parent):
            root = self._find(node)
            if root in self._by_node:
                self._by_node[node] = self._by_node[root]
        taken = set(merged)
        for entity in merged.values():
            entity.aliases -= taken

    def _settle(self, root: Node) -> Entity | None:
        mentions = self._mentions.get(root, set())
        curated_id = self._curated.get(root)
        names = {n for n, _t in mentions} | self._others.get(root, set())
        if curated_id is not None:
            entry = self.cat.entities[curated_id]
            return Entity(curated_id, entry.type, entry.label, names, entry)
        if not mentions:
            return None
        ranked = sorted(
            (len(p), p, name, etype)
            for name, etype in mentions
            for p in [candidate_path(name, etype)]
        )
        _n, path, label, etype = ranked[0]
        aliases = {p for _l, p, _name, _t in ranked} - {path}
        return Entity(path, etype, label, names, None, aliases)

    def _fold(self, merged: dict[str, Entity], folded: str, kept_id: str, where: str) -> None:
        gone, kept = merged.get(folded), merged.get(kept_id)
        if gone is None or kept is None:
            return  # a decision about an entity no document names any more
        if gone.curated is not None and kept.curated is not None:
            raise CatalogueError(
                f"'{folded}' and '{kept_id}' are both curated entities",
                Location(where),
                field="same_as",
                expected="a same-as decision about an entity the documents name",
                fix="Merge the two rows in data/entities.csv instead.",
            )
        kept.names |= gone.names | {gone.label}
        kept.folded |= gone.names | gone.folded | {gone.label}
        kept.aliases |= gone.aliases | {gone.id}
        del merged[folded]
        self._folded_into[folded] = kept_id

    # ------------------------------------------------------------ answering

    def resolve(self, name: str, etype: str) -> Entity:
        """The entity a gathered name stands for. A name the gathering did not see (a bug in
        a reader's list of names) is settled on its own, so the build still says something."""
        group = GROUP_OF[etype]
        for key in ordered_keys(name):
            hit = self._by_node.get((group, key))
            if hit is not None:
                return hit
        self.mention(name, etype)
        root = self._find((group, ordered_keys(name)[0]))
        entity = self._settle(root)
        assert entity is not None
        entity = self.entities.setdefault(entity.id, entity)
        self._by_node[root] = entity
        return entity
