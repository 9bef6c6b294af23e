"""Stable entity IRIs: catalogue ids where the entity is curated, readable slugs otherwise."""

from __future__ import annotations

from pathlib import PurePath

from icegraph.catalogue import Catalogue, EntityEntry
from icegraph.mapping.terms import Term, entity, graph, slug

# Dossier page kinds and the entity types they stand for.
KIND_TYPES = {
    "institution": ("Agency", "InternationalOrganization", "PrivateOrganization"),
    "company": ("Company", "PrivateOrganization"),
    "person": ("Person",),
    "instrument": ("System",),
}
TYPE_PREFIX = {
    "Agency": "agency",
    "InternationalOrganization": "org",
    "Company": "org",
    "PrivateOrganization": "org",
    "Person": "person",
    "System": "system",
}
KIND_DEFAULT_TYPE = {
    "institution": "Agency",
    "company": "Company",
    "person": "Person",
    "instrument": "System",
}


def input_graph(file_name: str) -> Term:
    """The named graph that holds what was read from one raw input file."""
    return graph("raw/" + slug(PurePath(file_name).stem))


def input_slug(file_name: str) -> str:
    return slug(PurePath(file_name).stem)


class Resolver:
    """Names to entity IRIs, through the catalogue first; each answer is cached."""

    def __init__(self, cat: Catalogue) -> None:
        self.cat = cat
        self._systems: dict[str, tuple[Term, EntityEntry | None]] = {}

    def system(self, name: str) -> tuple[Term, EntityEntry | None]:
        hit = self._systems.get(name)
        if hit is None:
            entry = self.cat.lookup(name, ("System",))
            node = entity(entry.id if entry else "system/" + slug(name))
            hit = self._systems[name] = (node, entry)
        return hit

    def by_kind(self, name: str, kind: str) -> tuple[Term, str, EntityEntry | None]:
        """IRI, entity type and catalogue entry for a name the dossier gives with a kind."""
        types = KIND_TYPES.get(kind)
        entry = self.cat.lookup(name, types)
        if entry is not None:
            return entity(entry.id), entry.type, entry
        etype = KIND_DEFAULT_TYPE.get(kind, "Agency")
        return entity(f"{TYPE_PREFIX[etype]}/{slug(name)}"), etype, None
