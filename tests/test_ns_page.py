"""The vocabulary served at its namespace IRI (/ns, and /ns/0.1.0, its version IRI): an HTML
reference page, Turtle and JSON-LD by content negotiation."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pyoxigraph
import pytest
from starlette.testclient import TestClient

from icegraph.namespaces import IG, OWL, RDF, RDFS
from icegraph.paths import ontology_dir
from icegraph.pipeline import BuildResult
from icegraph.serve.app import ServeConfig, create_app

ONTOLOGY = "https://w3id.org/icegraph/ns"


@pytest.fixture(scope="module")
def client(seed_build: BuildResult):
    app = create_app(ServeConfig(seed_build.out_dir / "store", timeout=10, workers=1))
    with TestClient(app) as c:
        yield c


def vocabulary_triples() -> set[tuple[str, str, str]]:
    return {
        (q.subject.value, q.predicate.value, str(q.object))
        for q in pyoxigraph.parse(path=str(ontology_dir() / "icegraph.ttl"))
    }


def terms() -> dict[str, dict[str, list[str]]]:
    """Every ig: term with its properties, read from the ontology file."""
    out: dict[str, dict[str, list[str]]] = {}
    for q in pyoxigraph.parse(path=str(ontology_dir() / "icegraph.ttl")):
        if q.subject.value.startswith(IG):
            out.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(
                q.object.value
            )
    return out


class _Entries(HTMLParser):
    """Each element with an id, and the text inside it until its section ends."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.hrefs: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("href"):
            self.hrefs.append(a["href"])
        if tag == "section" and a.get("id"):
            self._open.append(a["id"])
            self.ids[a["id"]] = ""
        elif a.get("id"):
            self.ids.setdefault(a["id"], "")

    def handle_endtag(self, tag):
        if tag == "section" and self._open:
            self._open.pop()

    def handle_data(self, data):
        for i in self._open:
            self.ids[i] += data


@pytest.mark.parametrize("path", ["/ns", "/ns/0.1.0"])
def test_turtle_and_jsonld_by_negotiation(client, path):
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    served = {
        (q.subject.value, q.predicate.value, str(q.object))
        for q in pyoxigraph.parse(r.content, format=pyoxigraph.RdfFormat.TURTLE)
    }
    assert served == vocabulary_triples()
    r = client.get(path, headers={"Accept": "application/ld+json"})
    assert r.headers["content-type"] == "application/ld+json"
    json.loads(r.text)
    from_jsonld = {
        (q.subject.value, q.predicate.value, str(q.object))
        for q in pyoxigraph.parse(r.content, format=pyoxigraph.RdfFormat.JSON_LD)
    }
    assert from_jsonld == vocabulary_triples()
    assert (
        client.get(path, params={"format": "turtle"})
        .headers["content-type"]
        .startswith("text/turtle")
    )
    assert client.get(path, headers={"Accept": "image/png"}).status_code == 406
    assert "accept" in client.get(path).headers["vary"].lower()


def test_the_version_iri_is_served_where_the_ontology_says():
    versions = [o for s, p, o in vocabulary_triples() if s == ONTOLOGY and p == OWL + "versionIRI"]
    assert versions == ["<https://w3id.org/icegraph/ns/0.1.0>"]


def test_html_reference_has_an_entry_per_term(client):
    r = client.get("/ns", headers={"Accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = _Entries()
    page.feed(r.text)
    every = terms()
    kinds = {OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty"}
    checked = 0
    for iri, props in every.items():
        name = iri[len(IG) :]
        assert name in page.ids, f"no entry with id={name!r}"
        entry = page.ids[name]
        for label in props.get(RDFS + "label", []):
            assert label in entry
        for comment in props.get(RDFS + "comment", []):
            assert comment in entry
        if kinds & set(props.get(RDF + "type", [])):
            checked += 1
        for key in (RDFS + "domain", RDFS + "range"):
            for target in props.get(key, []):
                shown = "ig:" + target[len(IG) :] if target.startswith(IG) else target
                assert shown.split("#")[-1].split(":")[-1] in entry, (name, key, target)
    assert checked == 22 + 34 + 37  # classes, object and datatype properties
    # a term no longer stated keeps its entry, marked, and only such terms are marked
    deprecated = {i[len(IG) :] for i, p in every.items() if OWL + "deprecated" in p}
    assert "routeRank" in deprecated
    assert {n for n, e in page.ids.items() if "(deprecated)" in e} == deprecated
    # a fragment lands on its entry, and links between terms are fragments on this page
    assert "sendsDataTo" in page.ids and "#System" in page.hrefs
    for href in page.hrefs:
        if href.startswith("#"):
            assert href[1:] in page.ids, href


def test_html_is_escaped(client):
    r = client.get("/ns")
    # The comments hold quotes and apostrophes: shown as text, escaped by the template.
    assert "&#39;" in r.text or "&#34;" in r.text
    assert "<script" not in r.text.split("</header>", 1)[1]
