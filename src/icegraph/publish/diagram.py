"""The flows as an SVG picture: ICM in the middle, systems around it grouped by owner.

Written by hand rather than through a graph-layout package: the network is a hub with
spokes, which a circle shows clearly, and the output stays deterministic and dependency-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import Store

from icegraph.store import select

ICM = "https://w3id.org/icegraph/id/system/icm"
STYLE = {
    "inbound": ("#1f6fb2", "Inbound: data comes into ICM"),
    "outbound": ("#d9731a", "Outbound: ICM data goes out"),
    "bidirectional": ("#7b3fa0", "Bi-directional"),
}
PALETTE = (
    "#8dd3c7",
    "#ffffb3",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#d9d9d9",
    "#bc80bd",
)
_FLOWS = """
SELECT DISTINCT ?from ?to ?type WHERE {
  ?f a ig:InformationFlow ; ig:dataFrom ?from ; ig:dataTo ?to .
  # a flow each way is drawn once, as one two-headed arrow
  BIND(EXISTS { ?back ig:dataFrom ?to ; ig:dataTo ?from } AS ?both)
  FILTER(!?both || STR(?from) < STR(?to))
  BIND(IF(?both, "bidirectional",
          IF(?from = <https://w3id.org/icegraph/id/system/icm>, "outbound", "inbound")) AS ?type)
} ORDER BY ?from ?to
"""
_NODES = """
SELECT ?s ?label (SAMPLE(?ownerLabel) AS ?owner) WHERE {
  ?s a ig:System ; rdfs:label ?label .
  OPTIONAL {
    ?s ig:operatedBy ?op . ?op org:subOrganizationOf* ?top .
    FILTER NOT EXISTS { ?top org:subOrganizationOf ?higher }
    ?top rdfs:label ?ownerLabel .
  }
} GROUP BY ?s ?label
"""


@dataclass
class Node:
    iri: str
    label: str
    owner: str
    x: float = 0.0
    y: float = 0.0


def flow_diagram(store: Store, size: int = 1000, max_nodes: int = 150) -> str:
    from icegraph.namespaces import PREFIXES

    flows = [
        (r["from"].value, r["to"].value, r["type"].value)
        for r in select(store, _FLOWS, prefixes=PREFIXES)
    ]
    used = {a for a, _b, _t in flows} | {b for _a, b, _t in flows}
    nodes = {
        r["s"].value: Node(
            r["s"].value, r["label"].value, r["owner"].value if r["owner"] else "unknown owner"
        )
        for r in select(store, _NODES, prefixes=PREFIXES)
        if r["s"].value in used
    }
    ring = sorted((n for n in nodes.values() if n.iri != ICM), key=lambda n: (n.owner, n.label))
    note = ""
    if len(ring) > max_nodes:
        note = f"showing {max_nodes} of {len(ring)} systems"
        ring = ring[:max_nodes]
        keep = {n.iri for n in ring} | {ICM}
        flows = [f for f in flows if f[0] in keep and f[1] in keep]
    c = size / 2
    radius = size * 0.33
    if ICM in nodes:
        nodes[ICM].x, nodes[ICM].y = c, c
    for i, n in enumerate(ring):
        angle = 2 * math.pi * i / max(1, len(ring)) - math.pi / 2
        n.x, n.y = c + radius * math.cos(angle), c + radius * math.sin(angle)

    # The canvas grows to hold the longest names on either side, whole: a name is never cut.
    left = min([0.0] + [n.x - 14 - _text_width(n.label) - 8 for n in ring if n.x < c])
    right = max([float(size)] + [n.x + 14 + _text_width(n.label) + 8 for n in ring if n.x >= c])
    width = right - left
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left:.0f} 0 {width:.0f} {size}" '
        f'width="{width:.0f}" height="{size}" font-family="sans-serif" role="img" '
        'aria-label="Information flows to and from ICM">',
        "<title>Information flows to and from ICE's Investigative Case Management system</title>",
        "<defs>",
    ]
    for key, (colour, _text) in STYLE.items():
        out.append(
            f'<marker id="arrow-{key}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(f'<rect x="{left:.0f}" width="{width:.0f}" height="{size}" fill="white"/>')
    owners = sorted({n.owner for n in ring})
    colours = {o: PALETTE[i % len(PALETTE)] for i, o in enumerate(owners)}
    out += _owner_legend(ring, colours)
    for a, b, kind in flows:
        if a not in nodes or b not in nodes:
            continue
        colour = STYLE.get(kind, ("#555", ""))[0]
        na, nb = nodes[a], nodes[b]
        x1, y1, x2, y2 = _shorten(na, nb, 14)
        start = f' marker-start="url(#arrow-{kind})"' if kind == "bidirectional" else ""
        out.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="2" marker-end="url(#arrow-{kind})"{start}>'
            f"<title>{escape(na.label)} → {escape(nb.label)} ({escape(kind)})</title></line>"
        )
    for n in [nodes[ICM]] if ICM in nodes else []:
        out.append(f'<circle cx="{n.x:.1f}" cy="{n.y:.1f}" r="34" fill="#222"/>')
        out.append(
            f'<text x="{n.x:.1f}" y="{n.y + 6:.1f}" text-anchor="middle" font-size="18" '
            f'fill="white" font-weight="bold">{escape(n.label)}</text>'
        )
    for n in ring:
        anchor = "start" if n.x >= c else "end"
        dx = 14 if n.x >= c else -14
        out.append(
            f'<a href={quoteattr(_local_link(n.iri))}><circle cx="{n.x:.1f}" cy="{n.y:.1f}" r="10" '
            f'fill="{colours[n.owner]}" stroke="#222" stroke-width="1.5"/>'
            f'<text x="{n.x + dx:.1f}" y="{n.y + 4:.1f}" text-anchor="{anchor}" font-size="13">'
            f"{escape(n.label)}</text></a>"
        )
    y = size - 18 * (len(STYLE) + 1)
    for key, (colour, text) in STYLE.items():
        out.append(
            f'<line x1="20" y1="{y}" x2="60" y2="{y}" stroke="{colour}" stroke-width="3" '
            f'marker-end="url(#arrow-{key})"/>'
            f'<text x="70" y="{y + 4}" font-size="13">{escape(text)}</text>'
        )
        y += 18
    if note:
        out.append(f'<text x="20" y="{y + 4}" font-size="12">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _owner_legend(ring: list[Node], colours: dict[str, str]) -> list[str]:
    out = ['<text x="20" y="28" font-size="14" font-weight="bold">Operated under</text>']
    for i, owner in enumerate(colours):
        y = 50 + 20 * i
        n = sum(1 for node in ring if node.owner == owner)
        out.append(
            f'<circle cx="30" cy="{y - 4}" r="7" fill="{colours[owner]}" stroke="#222"/>'
            f'<text x="44" y="{y}" font-size="13">{escape(_clip(owner, 45))} ({n})</text>'
        )
    return out


def _shorten(a: Node, b: Node, by: float) -> tuple[float, float, float, float]:
    dx, dy = b.x - a.x, b.y - a.y
    d = math.hypot(dx, dy) or 1.0
    end = by + (24 if b.iri == ICM else 0)
    start = by + (24 if a.iri == ICM else 0)
    return a.x + dx * start / d, a.y + dy * start / d, b.x - dx * end / d, b.y - dy * end / d


def _local_link(iri: str) -> str:
    prefix = "https://w3id.org/icegraph/"
    return "/" + iri[len(prefix) :] if iri.startswith(prefix) else iri


def _clip(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _text_width(text: str, font_size: float = 13) -> float:
    """About how wide a sans-serif name is drawn: 0.6 of the font size a character."""
    return len(text) * font_size * 0.6
