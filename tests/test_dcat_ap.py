"""The dataset description against the DCAT-AP 3.0 SHACL shapes, its checksums, and the
schema.org Dataset the pages embed."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from pyshacl import validate
from starlette.testclient import TestClient

from icegraph.pipeline import BuildResult
from icegraph.serve.app import ServeConfig, create_app

SHAPES = Path(__file__).parent / "fixtures" / "dcat-ap-3.0" / "dcat-ap-SHACL.ttl"
METADATA = "https://w3id.org/icegraph/graph/metadata"
DATASET = rdflib.URIRef("https://w3id.org/icegraph/dataset")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES)


@pytest.fixture(scope="module")
def client(seed_build: BuildResult):
    app = create_app(ServeConfig(seed_build.out_dir / "store", timeout=10, workers=1))
    with TestClient(app) as c:
        yield c


def metadata_graph(build: BuildResult) -> rdflib.Graph:
    """The `metadata` graph as it is in the TriG dump."""
    quads = pyoxigraph.parse(path=str(build.out_dir / "icegraph.trig"))
    nt = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads
                 if q.graph_name.value == METADATA)  # fmt: skip
    return rdflib.Graph().parse(data=nt, format="nt")


def violations(data: rdflib.Graph, shapes: rdflib.Graph) -> str | None:
    """The report's text when any result (of any severity) is found, else None."""
    conforms, report, text = validate(data, shacl_graph=shapes, inference="none")
    results = list(
        report.subjects(
            rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#ValidationResult")
        )
    )
    return None if conforms and not results else text


def test_the_shapes_find_what_is_missing(seed_build, shapes):
    # Without access URLs and the publisher's name, the shapes object: they are checking.
    g = metadata_graph(seed_build)
    g.remove((None, DCAT.accessURL, None))
    g.remove((None, FOAF.name, None))
    text = violations(g, shapes)
    assert (
        text is not None and "accessURL" in text and "foaf:name" in text.replace(str(FOAF), "foaf:")
    )


def test_the_built_description_passes_dcat_ap(seed_build, shapes):
    g = metadata_graph(seed_build)
    assert violations(g, shapes) is None
    ds = DATASET
    assert (ds, rdflib.RDF.type, DCAT.Dataset) in g
    publisher = g.value(ds, DCT.publisher)
    assert g.value(publisher, FOAF.name) is not None
    contact = g.value(ds, DCAT.contactPoint)
    assert (contact, rdflib.RDF.type, VCARD.Kind) in g
    assert g.value(contact, VCARD.hasURL) or g.value(contact, VCARD.hasEmail)
    assert len(list(g.objects(ds, DCAT.keyword))) >= 5
    themes = set(g.objects(ds, DCAT.theme))
    assert (
        rdflib.URIRef("http://publications.europa.eu/resource/authority/data-theme/GOVE") in themes
    )
    period = g.value(ds, DCT.temporal)
    assert str(g.value(period, DCAT.startDate)) <= str(g.value(period, DCAT.endDate))
    assert str(g.value(ds, DCT.issued)) <= str(g.value(ds, DCT.modified))
    dists = set(g.objects(ds, DCAT.distribution))
    assert len(dists) == 3
    for d in dists:
        assert str(d).startswith("https://w3id.org/icegraph/dumps/")
        assert g.value(d, DCAT.downloadURL) == d and g.value(d, DCAT.accessURL) == d
        media = str(g.value(d, DCAT.mediaType))
        assert media.startswith("https://www.iana.org/assignments/media-types/")
        assert g.value(d, DCT["format"]) is not None and g.value(d, DCT.license) is not None
    # Sources are IRIs, never the paths the build read its files from.
    for s in g.objects(ds, DCT.source):
        assert isinstance(s, rdflib.URIRef) and "/dataset/input/" in str(s)
    assert not any(isinstance(o, rdflib.Literal) and "/" in str(o) and "data/" in str(o)
                   for o in g.objects(ds, None))  # fmt: skip


def test_checksums_beside_the_dumps_and_in_the_served_description(seed_build, client, shapes):
    out = seed_build.out_dir
    listed = dict(
        reversed(line.split("  ", 1))
        for line in (out / "checksums.sha256").read_text(encoding="utf-8").splitlines()
    )
    assert set(listed) == {"icegraph.ttl", "icegraph.trig", "icegraph.jsonld"}
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    assert client.get("/dumps/checksums.sha256").text == (out / "checksums.sha256").read_text()
    served = rdflib.Graph().parse(
        data=client.get("/dataset", headers={"Accept": "text/turtle"}).text, format="turtle"
    )
    assert violations(served, shapes) is None
    for name, digest in listed.items():
        dist = rdflib.URIRef("https://w3id.org/icegraph/dumps/" + name)
        checksum = served.value(dist, SPDX.checksum)
        assert str(served.value(checksum, SPDX.checksumValue)) == digest
        assert served.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert int(served.value(dist, DCAT.byteSize)) == (out / name).stat().st_size


def test_counts_agree(seed_build, seed_store, client):
    g = metadata_graph(seed_build)
    said = int(g.value(DATASET, VOID.triples))
    assert said == len(seed_store)
    r = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert int(r.json()["results"]["bindings"][0]["n"]["value"]) == said
    assert f"{said:,} statements" in client.get("/").text


def test_builds_do_not_depend_on_how_the_data_folder_was_named(seed_build, tmp_path):
    from icegraph.pipeline import build
    from tests.conftest import DATA

    # The same data reached by another path gives the same description.
    link = tmp_path / "elsewhere"
    link.symlink_to(DATA.resolve())
    other = build(link, tmp_path / "out")
    for name in ("icegraph.trig", "checksums.sha256"):
        assert (other.out_dir / name).read_bytes() == (seed_build.out_dir / name).read_bytes()


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._in = False

    def handle_starttag(self, tag, attrs):
        self._in = tag == "script" and dict(attrs).get("type") == "application/ld+json"

    def handle_endtag(self, tag):
        self._in = False

    def handle_data(self, data):
        if self._in:
            self.blocks.append(data)


def schema_org(html: str) -> dict:
    parser = _Scripts()
    parser.feed(html)
    assert len(parser.blocks) == 1
    return json.loads(parser.blocks[0])


@pytest.mark.parametrize("path", ["/", "/dataset"])
def test_pages_embed_a_schema_org_dataset(client, seed_build, path):
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200
    doc = schema_org(r.text)
    assert doc["@context"] == "https://schema.org/" and doc["@type"] == "Dataset"
    assert doc["name"].startswith("icegraph")
    assert len(doc["description"]) > 50
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["creator"]["@type"] == "Organization" and doc["creator"]["name"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc["dateModified"])
    g = metadata_graph(seed_build)
    assert doc["dateModified"] == str(g.value(DATASET, DCT.modified))
    urls = {d["contentUrl"] for d in doc["distribution"]}
    assert urls == {str(d) for d in g.objects(DATASET, DCAT.distribution)}
    assert all(d["@type"] == "DataDownload" and d["encodingFormat"] for d in doc["distribution"])
    assert "https://w3id.org/icegraph/id/source/dhs-ice-pia-045" in doc["isBasedOn"]
    # A data block, not a script: the page's policy allows no inline script, and needs none.
    assert "'unsafe-inline'" not in r.headers["content-security-policy"]
