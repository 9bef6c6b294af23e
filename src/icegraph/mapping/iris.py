"""Entity IRIs: names are settled into entities by resolve/identity.py; this names graphs and
answers, for a dossier's kind of thing, which entity type to look for."""

from __future__ import annotations

from pathlib import PurePath

from icegraph.mapping.terms import Term, graph
from icegraph.resolve.identity import Entity, Identities, kind_type
from icegraph.resolve.names import slug


def input_graph(file_name: str) -> Term:
    """The named graph that holds what was read from one raw input file."""
    return graph("raw/" + slug(PurePath(file_name).stem))


def input_slug(file_name: str) -> str:
    return slug(PurePath(file_name).stem)


class Resolver:
    """Names to entities for one document's mapper."""

    def __init__(self, ids: Identities) -> None:
        self.ids = ids

    def system(self, name: str) -> Entity:
        return self.ids.resolve(name, "System")

    def by_kind(self, name: str, kind: str) -> Entity:
        return self.ids.resolve(name, kind_type(kind))
