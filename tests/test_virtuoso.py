"""Virtuoso 7 as a second server: `icegraph publish` with a password (HTTP digest), then every
catalogue question answered there with the local store's rows, in the same order, and every
literal back with its datatype.

Virtuoso is Debian's virtuoso-opensource (`make virtuoso` installs it); without it the tests
that need it are skipped, saying so. One server is started for the session."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, Store

from icegraph.cli import main
from icegraph.namespaces import XSD, with_prefixes
from icegraph.pipeline import BuildResult
from icegraph.publish.remote import PasswordAuth, Remote, RemoteError, remote_graphs, remote_select
from icegraph.queries import catalogue, read_query, run_select, unsupported_on
from tests.servers import virtuoso_binaries, virtuoso_server

PASSWORD = secrets.token_hex(12)
STORE_PROTOCOL = "/sparql-graph-crud-auth"


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if virtuoso_binaries() is None:
        pytest.skip(
            "Virtuoso is not installed: `make virtuoso` installs Debian's virtuoso-opensource "
            "(as root, with apt-get)"
        )
    try:
        with virtuoso_server(tmp_path_factory.mktemp("virtuoso"), PASSWORD) as base:
            yield base
    except RuntimeError as exc:
        pytest.skip(f"Virtuoso could not be started: {exc}")


def publish(store_dir: Path, endpoint: str, **env: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["publish", "--store", str(store_dir), "--endpoint", endpoint], env=env
    )
    return result.exit_code, result.output


@pytest.fixture(scope="session")
def published(virtuoso: str, seed_build: BuildResult) -> str:
    """The seed build on Virtuoso, loaded as a newsroom would: user and password from the
    environment. Yields the SPARQL endpoint."""
    code, output = publish(
        seed_build.out_dir / "store",
        virtuoso + STORE_PROTOCOL,
        ICEGRAPH_USER="dba",
        ICEGRAPH_PASSWORD=PASSWORD,
    )
    assert code == 0, output
    assert "Published" in output
    return virtuoso + "/sparql"


def test_publishing_without_the_password_is_refused(virtuoso: str, seed_build: BuildResult):
    code, output = publish(seed_build.out_dir / "store", virtuoso + STORE_PROTOCOL)
    assert code == 1
    assert "asks for a user and password" in output
    code, output = publish(
        seed_build.out_dir / "store",
        virtuoso + STORE_PROTOCOL,
        ICEGRAPH_USER="dba",
        ICEGRAPH_PASSWORD=PASSWORD + "x",
    )
    assert code == 1
    assert "refused the credentials" in output


def test_every_graph_is_published(published: str, seed_store: Store):
    ours = sorted(g.value for g in seed_store.named_graphs())
    assert remote_graphs(Remote(published)) == ours


@pytest.mark.parametrize("name", [q.name for q in catalogue()])
def test_catalogue_gives_the_local_rows_in_the_local_order(
    name: str, published: str, seed_store: Store
):
    (query,) = [q for q in catalogue() if q.name == name]
    local_names, local = run_select(seed_store, query)
    assert local, f"{name} answers nothing on the seeds: the comparison would prove little"
    remote = Remote(published)
    names, rows = remote_select(remote, with_prefixes(query.bound()), remote_graphs(remote))
    assert names == local_names
    assert rows == local  # terms, datatypes included, row by row


def test_query_command_reads_virtuoso(published: str, seed_build: BuildResult):
    store = str(seed_build.out_dir / "store")
    runner = CliRunner()
    args = ["query", "weakest-link-to-icm", "--format", "csv"]
    here = runner.invoke(main, [*args, "--store", store])
    there = runner.invoke(main, [*args, "--endpoint", published])
    assert here.exit_code == there.exit_code == 0, there.output
    assert "→ ICM" in there.output
    assert there.output == here.output


def _raw_triples(endpoint: str, graph: str) -> list[dict[str, dict[str, str]]]:
    answer = httpx.post(
        endpoint,
        data={"query": f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]["bindings"]


def test_literals_come_back_with_their_datatypes(published: str, seed_store: Store):
    """Every triple of every graph, as read back through the library, equals the local one;
    booleans are the one lexical difference, mended on reading (below)."""
    remote = Remote(published)
    datatypes = set()
    for graph in seed_store.named_graphs():
        local = {(q.subject, q.predicate, q.object) for q in seed_store.quads_for_pattern(
            None, None, None, graph)}  # fmt: skip
        query = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
        _, rows = remote_select(remote, query, default_graphs=None)
        assert {tuple(r) for r in rows} == local, graph.value
        datatypes |= {o.datatype.value for _, _, o in local if isinstance(o, Literal)}
    # the seeds hold the datatypes Virtuoso is known to treat apart
    for name in ("string", "integer", "decimal", "boolean", "date", "gYear", "gYearMonth"):
        assert XSD + name in datatypes


def test_virtuoso_answers_booleans_as_digits_and_plain_strings_untyped(
    published: str, seed_store: Store
):
    """What Virtuoso itself sends, documented in docs/publishing.md: xsd:boolean as "1"/"0"
    (the same value; remote_select gives "true"/"false"), a string without its xsd:string
    datatype (the same term in RDF 1.1); decimals, years and dates as stored."""
    graph = next(g.value for g in seed_store.named_graphs() if "/raw/" in g.value)
    objects = [b["o"] for b in _raw_triples(published, graph)]
    booleans = {o["value"] for o in objects if o.get("datatype") == XSD + "boolean"}
    assert booleans == {"1"}
    assert any(o["type"] == "literal" and "datatype" not in o for o in objects)
    everywhere = [
        b["o"] for g in seed_store.named_graphs() for b in _raw_triples(published, g.value)
    ]
    decimals = {o["value"] for o in everywhere if o.get("datatype") == XSD + "decimal"}
    local_decimals = {
        q.object.value
        for q in seed_store.quads_for_pattern(None, None, None)
        if isinstance(q.object, Literal) and q.object.datatype.value == XSD + "decimal"
    }
    assert decimals == local_decimals


# The password answer, against a fake server: which scheme, and nothing sent unasked.


def _challenging(scheme: str, seen: list[str | None]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization"):
            return httpx.Response(204)
        return httpx.Response(401, headers={"WWW-Authenticate": scheme})

    return httpx.MockTransport(handle)


def test_basic_challenge_is_answered_with_basic():
    seen: list[str | None] = []
    auth = PasswordAuth("ana", "pw")
    with httpx.Client(transport=_challenging('Basic realm="x"', seen), auth=auth) as client:
        assert client.put("http://x/store", content=b"a").status_code == 204
        assert client.put("http://x/store", content=b"b").status_code == 204
    expected = "Basic " + base64.b64encode(b"ana:pw").decode()
    # the first request goes out bare; once the scheme is known, each goes out answered
    assert seen == [None, expected, expected]


def test_digest_challenge_is_answered_with_digest_never_the_password():
    seen: list[str | None] = []
    challenge = 'Digest realm="SPARQL", nonce="abc", qop="auth", algorithm="MD5"'
    with httpx.Client(transport=_challenging(challenge, seen), auth=PasswordAuth("ana", "pw")) as c:
        assert c.put("http://x/store", content=b"a").status_code == 204
    answered = [h for h in seen if h]
    assert answered and all(h.startswith("Digest ") and "pw" not in h for h in answered)


def test_no_challenge_no_credentials():
    seen: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handle), auth=PasswordAuth("a", "b")) as c:
        c.get("http://x/")
    assert seen == [None]


def test_password_without_user_or_with_an_authorization_header_is_refused():
    with pytest.raises(RemoteError, match="without a user"):
        Remote("http://x/", password="pw").auth()
    with pytest.raises(RemoteError, match="either --auth-header"):
        Remote("http://x/", auth_header="Authorization: Bearer T", user="a").auth()
    assert Remote("http://x/", auth_header="X-Key: k", user="a", password="b").auth()


MARKED = """# How many systems does the graph describe?
# not supported on: virtuoso (an example of the marking)
PREFIX ig: <https://w3id.org/icegraph/ns#>
SELECT (COUNT(*) AS ?systems) WHERE { ?s a ig:System }
"""


def test_the_marking_is_read_apart_from_the_question(tmp_path: Path):
    path = tmp_path / "marked.rq"
    path.write_text(MARKED, encoding="utf-8")
    query = read_query(path)
    assert query.question == "How many systems does the graph describe?"
    assert unsupported_on(query.text) == {"virtuoso": "an example of the marking"}
    assert unsupported_on("# not supported on: Fuseki\nSELECT * {}") == {"fuseki": ""}
    assert all(not unsupported_on(q.text) for q in catalogue()), "every question runs there"


def test_a_query_marked_unsupported_is_not_sent_to_virtuoso(
    published: str, seed_build: BuildResult, tmp_path: Path
):
    path = tmp_path / "marked.rq"
    path.write_text(MARKED, encoding="utf-8")
    runner = CliRunner()
    there = runner.invoke(main, ["query", str(path), "--endpoint", published])
    assert there.exit_code == 1
    assert "not supported on virtuoso: an example of the marking" in there.output
    here = runner.invoke(main, ["query", str(path), "--store", str(seed_build.out_dir / "store")])
    assert here.exit_code == 0, here.output
    unmarked = tmp_path / "unmarked.rq"
    unmarked.write_text(MARKED.replace("# not supported on", "# once not supported on"), "utf-8")
    assert runner.invoke(main, ["query", str(unmarked), "--endpoint", published]).exit_code == 0
