"""Pages for identifiers whose IRI holds escapes or non-ASCII letters, asked for over HTTP as
a browser sends the link (the raw path, not Starlette's decoded one: serve/addresses.py)."""

from __future__ import annotations

import http.client
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyoxigraph import Literal, NamedNode, Quad

from icegraph.namespaces import GRAPH, ID, IG, RDF, RDFS
from icegraph.pipeline import BuildResult
from icegraph.serve.addresses import as_iri
from icegraph.store import open_store
from tests.servers import icegraph_server

# path below /id/ as the graph holds it → label
ODD = {
    "system/a%20b": "Space escaped",
    "system/café": "Cafe written",
    "system/50%25": "Percent sign",
    "system/a%2Fb": "Slash escaped",
    "system/x~y": "Tilde",
}


@pytest.mark.parametrize(
    ("sent", "iri"),
    [
        ("a%20b", "a%20b"),  # a space is never part of an IRI: kept escaped
        ("caf%C3%A9", "café"),  # UTF-8 of a letter: the letter
        ("caf%c3%a9", "café"),
        ("x%7Ey", "x~y"),  # an unreserved character
        ("a%2Fb", "a%2Fb"),  # reserved: its escape is meaningful
        ("50%25", "50%25"),
        ("%C3", "%C3"),  # not UTF-8
        ("%E2%80%8B", "%E2%80%8B"),  # an invisible character stays visible as an escape
        ("%F0%9F%98%80", "\U0001f600"),
    ],
)
def test_a_request_path_read_as_the_iri_it_links_to(sent: str, iri: str) -> None:
    assert as_iri(sent) == iri


@pytest.fixture(scope="module")
def odd_store(seed_build: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("odd-store") / "store"
    shutil.copytree(seed_build.out_dir / "store", folder)
    store = open_store(folder)
    g = NamedNode(GRAPH + "test/odd")
    for path, label in ODD.items():
        node = NamedNode(ID + path)
        store.add(Quad(node, NamedNode(RDF + "type"), NamedNode(IG + "System"), g))
        store.add(Quad(node, NamedNode(RDFS + "label"), Literal(label), g))
    store.flush()
    del store
    return folder


def _get(base: str, path: str, accept: str = "text/html") -> tuple[int, str]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": accept})  # sent byte for byte
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        conn.close()


def test_each_odd_identifier_is_served_at_the_path_its_link_sends(odd_store: Path) -> None:
    with icegraph_server(odd_store) as base:
        for path, label in ODD.items():
            # what a browser sends for href="/id/<path>": non-ASCII as UTF-8 escapes
            sent = "/id/" + path.encode("utf-8").decode("latin-1")
            sent = "".join(c if ord(c) < 128 else f"%{ord(c):02X}" for c in sent)
            status, body = _get(base, sent)
            assert status == 200, (path, status)
            assert f"{label}" in body, path
            status, turtle = _get(base, sent, "text/turtle")
            assert status == 200 and label in turtle, path
            status, svg_page = _get(base, "/graph/" + sent[len("/id/") :])
            assert status == 200 and label in svg_page, path
        # a client that escapes what it need not still finds the page
        assert _get(base, "/id/system/x%7Ey")[0] == 200
        assert _get(base, "/id/system/ic%6D")[0] == 200
        # and what no graph can hold is refused as before
        assert _get(base, "/id/system/a%20c")[0] == 400
        assert _get(base, "/id/system/nothing-here")[0] == 404
