"""An entity's neighbourhood as SVG drawn on the server: the entity in the middle, what it
shares data with or is related to around it (one hop), and optionally what those are
connected to (two hops). Each edge is drawn by the strongest grade of its claims and links to
the flow or relationship page that lists them; no script is needed to read or follow it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyoxigraph import Store

from icegraph.serve.describe import Connection, connections, label_of, local_link

# How much text a label may take: about 7 px a character at the diagram's font size, so the
# canvas is made wide enough for the longest label instead of cutting it off.
CHAR_WIDTH = 7.2
MAX_OUTER = 60
STYLE = {  # stroke colour, dashes, width: the grade is seen without colour too
    "primary": ("#176317", "", 3.0),
    "secondary": ("#8a5a00", "8 4", 2.0),
    "inferential": ("#a01b1b", "2 4", 1.5),
    "": ("#777777", "1 3", 1.0),
}

# One arrowhead per grade, coloured as its lines are.
ARROWS = [(grade or "ungraded", style[0]) for grade, style in STYLE.items()]


@dataclass
class Node:
    iri: str
    label: str
    href: str
    x: float
    y: float
    ring: int
    anchor: str = "middle"
    tx: float = 0.0
    ty: float = 0.0


@dataclass
class Edge:
    href: str
    title: str
    path: str
    colour: str
    dashes: str
    width: float
    grade: str

    @property
    def marker(self) -> str:
        return "arrow-" + (self.grade or "ungraded")


@dataclass
class Neighbourhood:
    centre: Node
    nodes: list[Node]
    edges: list[Edge]
    width: float
    height: float
    min_x: float
    min_y: float
    hops: int
    rows: list[tuple[str, Connection]]  # (from whose side, connection), the text version

    @property
    def view_box(self) -> str:
        return f"{self.min_x:.0f} {self.min_y:.0f} {self.width:.0f} {self.height:.0f}"


def neighbourhood(store: Store, iri: str, hops: int = 1) -> Neighbourhood:
    cache: dict[str, str] = {}
    first = connections(store, iri, cache)
    ring1: dict[str, str] = {}
    for c in first:
        if c.other.iri and c.other.iri not in ring1:
            ring1[c.other.iri] = c.other.text
    edges: list[tuple[str, str, Connection]] = [(iri, c.other.iri or "", c) for c in first]
    rows = [(label_of(store, iri, cache), c) for c in first]
    ring2: dict[str, str] = {}
    if hops >= 2:
        seen = {c.iri for c in first}
        for near in ring1:
            for c in connections(store, near, cache):
                other = c.other.iri or ""
                if c.iri in seen or other == iri:
                    continue
                if other not in ring1 and other not in ring2:
                    if len(ring2) >= MAX_OUTER:
                        continue
                    ring2[other] = c.other.text
                seen.add(c.iri)
                edges.append((near, other, c))
                rows.append((ring1[near], c))

    # about 70 px of circle per name, so names near the top and bottom do not run together
    r1 = max(150.0, len(ring1) * 70 / math.tau)
    r2 = max(r1 + 150.0, len(ring2) * 60 / math.tau)
    centre = Node(iri, label_of(store, iri, cache), local_link(iri) or "", 0.0, 0.0, 0)
    centre.tx, centre.ty = 0.0, -14.0
    nodes = {iri: centre}
    for ring, members, radius in ((1, ring1, r1), (2, ring2, r2)):
        for i, (n_iri, text) in enumerate(members.items()):
            angle = -math.pi / 2 + math.tau * i / max(1, len(members))
            x, y = radius * math.cos(angle), radius * math.sin(angle)
            node = Node(n_iri, text, local_link(n_iri) or "", x, y, ring)
            # labels point away from the centre, so none lies across an edge into it
            c, s = math.cos(angle), math.sin(angle)
            node.anchor = "start" if c > 0.12 else "end" if c < -0.12 else "middle"
            node.tx = x + 10 * c + (0 if node.anchor == "middle" else 0)
            node.ty = y + 10 * s + (14 if s > 0 and node.anchor == "middle" else 4)
            nodes[n_iri] = node

    drawn: list[Edge] = []
    pairs: dict[frozenset[str], int] = {}
    for a, b, c in edges:
        if a not in nodes or b not in nodes:
            continue
        pair = frozenset((a, b))
        k = pairs.get(pair, 0)
        pairs[pair] = k + 1
        colour, dashes, width = STYLE.get(c.strongest, STYLE[""])
        if c.relation.startswith(("receives", "←")):  # drawn the way the data or relation goes
            a, b = b, a
        drawn.append(Edge(
            local_link(c.iri) or "",
            f"{c.label}: {c.claims} claim{'' if c.claims == 1 else 's'}"
            + (f", strongest {c.strongest}" if c.strongest else ""),
            _path(nodes[a], nodes[b], k), colour, dashes, width, c.strongest,
        ))  # fmt: skip

    xs, ys = [0.0], [0.0]
    for n in nodes.values():
        length = len(n.label) * CHAR_WIDTH
        left = n.tx - (length if n.anchor == "end" else length / 2 if n.anchor == "middle" else 0)
        xs += [n.x - 8, n.x + 8, left, left + length]
        ys += [n.y - 8, n.y + 8, n.ty - 14, n.ty + 6]
    pad = 16.0
    min_x, min_y = min(xs) - pad, min(ys) - pad
    return Neighbourhood(
        centre=centre,
        nodes=[n for n in nodes.values() if n is not centre],
        edges=drawn,
        width=max(xs) + pad - min_x,
        height=max(ys) + pad - min_y,
        min_x=min_x,
        min_y=min_y,
        hops=hops,
        rows=rows,
    )


def _path(a: Node, b: Node, k: int) -> str:
    """A straight line for the first edge between two nodes, bowed ones for the others, so
    a flow each way and a relationship between the same two stay apart."""
    if k == 0:
        return f"M{a.x:.1f},{a.y:.1f} L{b.x:.1f},{b.y:.1f}"
    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    bend = 18.0 * ((k + 1) // 2) * (1 if k % 2 else -1)
    cx, cy = mx - dy / length * bend, my + dx / length * bend
    return f"M{a.x:.1f},{a.y:.1f} Q{cx:.1f},{cy:.1f} {b.x:.1f},{b.y:.1f}"
