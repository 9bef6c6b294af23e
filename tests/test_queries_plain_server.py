"""Every catalogue .rq file, sent as it is to a plain Oxigraph server holding the seed build,
answers as the embedded store does: the files declare their own prefixes."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyoxigraph import Store

from icegraph.pipeline import BuildResult
from icegraph.queries import catalogue, run_select
from tests.servers import oxigraph_binary, oxigraph_server


@pytest.fixture(scope="module")
def plain_server(
    seed_build: BuildResult, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    binary = oxigraph_binary()
    assert binary is not None, "the oxigraph server is not installed (pip install oxigraph)"
    location = tmp_path_factory.mktemp("oxigraph") / "store"
    # the union dump in the default graph: what any SPARQL server loaded with it would hold
    dump = seed_build.out_dir / "icegraph.ttl"
    subprocess.run([binary, "load", "--location", str(location), "--file", str(dump)], check=True)
    with oxigraph_server(location) as base:
        yield base + "/query"


def _remote(endpoint: str, text: str) -> Counter[tuple[str, ...]]:
    answer = httpx.post(
        endpoint,
        content=text.encode("utf-8"),
        headers={
            "Content-Type": "application/sparql-query",
            "Accept": "application/sparql-results+json",
        },
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    names = body["head"]["vars"]
    return Counter(
        tuple(b[n]["value"] if n in b else "" for n in names) for b in body["results"]["bindings"]
    )


@pytest.mark.parametrize("name", [q.name for q in catalogue()])
def test_query_file_runs_unchanged_on_a_plain_server(
    name: str, plain_server: str, seed_store: Store
) -> None:
    (query,) = [q for q in catalogue() if q.name == name]
    text = Path(query.path).read_text(encoding="utf-8")
    assert text.lstrip().startswith("#"), "the question comes first"
    _, rows = run_select(seed_store, query)
    local = Counter(tuple(v.value if v is not None else "" for v in r) for r in rows)
    assert local, f"{name} answers nothing on the seeds: the comparison would prove little"
    assert _remote(plain_server, text) == local


def test_prefixes_are_added_only_where_a_query_does_not_declare_them() -> None:
    from icegraph.namespaces import PREFIXES, with_prefixes

    text = "PREFIX ig: <urn:mine#>\nSELECT * WHERE { ?s ig:p ?o }"
    sent = with_prefixes(text)
    assert sent.endswith(text)
    assert "PREFIX ig:" not in sent[: -len(text)]
    assert f"PREFIX rdfs: <{PREFIXES['rdfs']}>\n" in sent
