"""How well each flow and relationship is supported: claims, documents, independent voices,
and the strongest and weakest grade among its claims.

A document's voice is its publisher, taken up to the top of its organisation (an ICE and a
DHS document are one voice: ICE is part of DHS); a document whose publisher is not an entity
of the graph is its publisher's name, and one with no publisher at all is a voice of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import RdfFormat, Store

from icegraph.mapping.contradictions import DERIVED_GRAPH
from icegraph.mapping.terms import Q, Term, Triple, ig, integer
from icegraph.namespaces import PREFIXES
from icegraph.store import select

RANKS = {"primary": 1, "secondary": 2, "inferential": 3}

_VOICES = """
SELECT ?src ?org ?name WHERE {
  { SELECT DISTINCT ?src WHERE { ?claim prov:wasDerivedFrom ?src } }
  OPTIONAL { ?src ig:publishedBy ?by .
             ?by org:subOrganizationOf* ?org .
             FILTER NOT EXISTS { ?org org:subOrganizationOf ?above } }
  OPTIONAL { ?src dcterms:publisher ?name }
}
"""

_SUPPORT = """
SELECT ?x (COUNT(DISTINCT ?c) AS ?claims) (COUNT(DISTINCT ?src) AS ?documents)
       (COUNT(DISTINCT ?voice) AS ?voices) (MIN(?rank) AS ?best) (MAX(?rank) AS ?worst)
WHERE {
  # three lists joined by hashing: looked up claim by claim, each would cost a disk read
  { SELECT ?c ?x WHERE { ?c ig:asserts ?x } }
  { SELECT ?c ?src WHERE { ?c ig:asserts ?any ; prov:wasDerivedFrom ?src } }
  { SELECT ?c ?level WHERE { ?c ig:asserts ?any ; ig:confidence ?level } }
  VALUES (?level ?rank) { %s }
  VALUES (?src ?voice) { %s }
}
GROUP BY ?x
"""


def _voices(store: Store) -> dict[str, str]:
    voices: dict[str, str] = {}
    for row in select(store, _VOICES, prefixes=PREFIXES):
        src = str(row["src"])
        org, name = row["org"], row["name"]
        voice = str(org) if org is not None else (str(name) if name is not None else src)
        voices[src] = min(voice, voices.get(src, voice))  # one voice, whatever the order
    return voices


def derive(store: Store) -> None:
    """Add the summaries to a store that holds claims (a hand-made one, say)."""
    text = "".join(f"{s} {p} {o} {DERIVED_GRAPH} .\n" for s, p, o in corroboration_quads(store))
    store.load(input=text.encode(), format=RdfFormat.N_QUADS)


def corroboration_quads(store: Store) -> Iterator[Triple]:
    """One summary per asserted flow or relationship, into graph/derived."""
    voices = _voices(store)
    if not voices:
        return
    levels = " ".join(f"(ig:{k} {v})" for k, v in RANKS.items())
    # terms in N-Triples syntax: publisher IRIs stay IRIs, publisher names are plain text
    pairs = " ".join(f"({src} {v})" for src, v in sorted(voices.items()))
    by_rank = {v: ig(k) for k, v in RANKS.items()}
    q = Q(DERIVED_GRAPH)
    query = _SUPPORT % (levels, pairs)
    for row in select(store, query, prefixes=PREFIXES):
        x: Term = str(row["x"])
        yield q(x, ig("claimCount"), integer(int(row["claims"].value)))
        yield q(x, ig("documentCount"), integer(int(row["documents"].value)))
        yield q(x, ig("publisherCount"), integer(int(row["voices"].value)))
        yield q(x, ig("strongestConfidence"), by_rank[int(row["best"].value)])
        yield q(x, ig("weakestConfidence"), by_rank[int(row["worst"].value)])
