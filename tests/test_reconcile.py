"""The Reconciliation API (0.2): checked against the specification's own JSON schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7
from starlette.testclient import TestClient

from icegraph.pipeline import BuildResult
from icegraph.serve.app import ServeConfig, create_app

SCHEMAS = Path(__file__).parent / "fixtures" / "reconciliation-0.2"


def validator(name: str) -> jsonschema.Validator:
    """A validator for one schema, resolving its $refs (type.json, …) to the local copies."""
    resources = []
    for p in SCHEMAS.glob("*.json"):
        doc = json.loads(p.read_text(encoding="utf-8"))
        if "$id" in doc:
            resources.append(
                (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT7))
            )
    registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, registry=registry)


@pytest.fixture(scope="module")
def client(seed_build: BuildResult):
    with TestClient(create_app(ServeConfig(seed_build.out_dir / "store", workers=1))) as c:
        yield c


def test_manifest_is_valid(client):
    manifest = client.get("/reconcile").json()
    validator("manifest.json").validate(manifest)
    assert manifest["versions"] == ["0.2"]
    assert manifest["identifierSpace"] == "https://w3id.org/icegraph/id/"
    assert manifest["view"]["url"].endswith("/id/{{id}}")


def test_a_batch_of_50_queries_as_openrefine_sends_them(client):
    names = ["Customs and Border Patrol", "ICE", "Federal Bureau of Investigations", "TECS",
             "Dept of Homeland Security", "Drug Enforcement Agency", "INTERPOL", "ACRIMe",
             "Palantir", "Stephen Miller"]  # fmt: skip
    batch = {f"q{i}": {"query": names[i % len(names)], "limit": 3} for i in range(50)}
    batch["q3"]["type"] = "System"
    batch["q3"]["properties"] = [{"pid": "operatedBy", "v": "CBP"}]
    validator("reconciliation-query-batch.json").validate(batch)
    r = client.post("/reconcile", data={"queries": json.dumps(batch)})
    assert r.status_code == 200
    result = r.json()
    validator("reconciliation-result-batch.json").validate(result)
    assert set(result) == set(batch)
    top = {k: v["result"][0] for k, v in result.items() if v["result"]}
    assert top["q0"]["id"] == "agency/cbp" and top["q0"]["match"] is True
    assert top["q1"]["id"] == "agency/ice"
    assert top["q2"]["id"] == "agency/fbi"
    assert top["q3"]["id"] == "system/tecs" and top["q3"]["score"] == 100
    assert {"id": "property:operatedBy", "value": True} in top["q3"]["features"]
    assert top["q4"]["id"] == "agency/dhs"
    assert top["q5"]["id"] == "agency/dea"
    assert top["q9"]["id"] == "person/stephen-miller"


def test_type_filter_and_get_with_jsonp(client):
    q = json.dumps({"a": {"query": "INTERPOL", "type": "System"}})
    r = client.get("/reconcile", params={"queries": q, "callback": "cb"})
    assert r.text.startswith("cb({") and r.text.endswith(");")
    payload = json.loads(r.text[3:-2])
    assert [x["id"] for x in payload["a"]["result"]] == ["system/interpol"]
    bad = client.post("/reconcile", data={"queries": "[1, 2]"})
    assert bad.status_code == 400


def test_suggest_and_preview(client):
    ents = client.get("/reconcile/suggest/entity", params={"prefix": "fed"}).json()
    validator("suggest-entities-response.json").validate(ents)
    assert ents["result"][0]["id"] == "agency/fbi"
    types = client.get("/reconcile/suggest/type", params={"prefix": "sys"}).json()
    validator("suggest-types-response.json").validate(types)
    assert types["result"] == [
        {"id": "System", "name": "System (information system or data holding)"}
    ]
    props = client.get("/reconcile/suggest/property", params={"prefix": "oper"}).json()
    validator("suggest-properties-response.json").validate(props)
    preview = client.get("/reconcile/preview", params={"id": "agency/ice"})
    assert "U.S. Immigration and Customs Enforcement" in preview.text
    assert client.get("/reconcile/preview", params={"id": "nope"}).status_code == 404


def test_suggest_pages_with_cursor(client):
    def page(cursor: int | None) -> list[str]:
        params = {"prefix": "s"} | ({"cursor": str(cursor)} if cursor is not None else {})
        answer = client.get("/reconcile/suggest/entity", params=params).json()
        validator("suggest-entities-response.json").validate(answer)
        return [r["id"] for r in answer["result"]]

    first, second, third = page(None), page(10), page(20)
    assert len(first) == 10 and second and page(0) == first
    assert not set(first) & set(second) and not set(second) & set(third)
    assert page(10_000) == []
    for bad in ("-1", "x", "1.5", "²", "9" * 12):
        r = client.get("/reconcile/suggest/entity", params={"prefix": "s", "cursor": bad})
        assert r.status_code == 400 and "cursor" in r.text


@pytest.mark.parametrize(
    "prefix",
    ["system/icm", "system/ic", "https://w3id.org/icegraph/id/system/icm", " system/icm "],
)
def test_suggest_finds_an_identifier_prefix(client, prefix):
    answer = client.get("/reconcile/suggest/entity", params={"prefix": prefix}).json()
    validator("suggest-entities-response.json").validate(answer)
    assert answer["result"][0]["id"] == "system/icm"
    assert answer["result"][0]["name"] == "ICM"
