"""The server as an attacker and an unlucky client meet it: a real process over a socket.

One class of attack or accident per test group: script injection, server-side requests,
large bodies, abandoned and piled-up queries, memory, shutdown, malformed requests. Raw
requests go over a plain socket so that nothing on the client side tidies them up first.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from icegraph.pipeline import BuildResult
from icegraph.serve.security_headers import FRAMED_POLICY, PAGE_POLICY, SVG_POLICY
from tests.servers import alive, descendants, free_port, icegraph_server, stop

HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# Sorting a cross product holds all of it in memory at once.
GREEDY = "SELECT ?a ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c ?a LIMIT 1"
LIGHT = "ASK { ?s ?p ?o }"
INJECTED = "<img src=x onerror=alert(document.domain)>"
WORKER_MEMORY = 200


@contextmanager
def _own_server(
    store: Path, log: Path, options: list[str], env: dict[str, str] | None = None
) -> Iterator[tuple[subprocess.Popen, str]]:
    port = free_port()
    cmd = [sys.executable, "-m", "icegraph.cli", "serve", "--store", str(store),
           "--port", str(port), "--workers", "2", *options]  # fmt: skip
    # stderr to a file: a pipe nobody reads would fill up and stall the server.
    with log.open("w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            assert proc.poll() is None, log.read_text()
            try:
                httpx.get(base + "/sparql", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield proc, base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def server(seed_build: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("hostile") / "server.log"
    options = ["--timeout", "10", "--worker-memory", str(WORKER_MEMORY)]
    with _own_server(seed_build.out_dir / "store", log, options) as (_proc, base):
        yield base
    # Whatever was thrown at it, the server never failed inside: no 500, no traceback.
    assert "Traceback" not in log.read_text()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def raw(
    base: str,
    head: bytes,
    body: bytes = b"",
    timeout: float = 15,
    close: bool = True,
    host: bytes = b"t",
) -> Answer:
    """Send one request exactly as given (plus Host, and Connection: close unless `close` is
    False) and read the answer, however long its body says it is."""
    extra = b"Host: " + host + b"\r\n" + (b"Connection: close\r\n" if close else b"")
    request = head.replace(b"\r\n", b"\r\n" + extra, 1) + b"\r\n" + body
    with socket.create_connection(_address(base), timeout=timeout) as s:
        s.sendall(request)
        return _read_answer(s)


def _read_answer(s: socket.socket) -> Answer:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    answer = _parse(data)
    length = int(answer.headers.get("content-length", -1))
    while len(answer.body) < length and (chunk := s.recv(65536)):
        answer.body += chunk
    if length < 0:  # no length: the server closes when done
        while chunk := s.recv(65536):
            answer.body += chunk
    return answer


def _parse(data: bytes) -> Answer:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return Answer(int(lines[0].split()[1]), headers, body)


def get(base: str, target: str, headers: dict[str, str] | None = None) -> Answer:
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return raw(base, f"GET {target} HTTP/1.1\r\n{extra}".encode())


def post_form(base: str, path: str, fields: dict[str, str], timeout: float = 15) -> Answer:
    body = urllib.parse.urlencode(fields).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
    )
    return raw(base, head.encode(), body, timeout=timeout)


def sparql_url(query: str, **params: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params})


def open_query(base: str, query: str, client: str) -> socket.socket:
    """A query sent and left open, from `client` (the server trusts X-Forwarded-For from
    127.0.0.1, as it does from a reverse proxy on the same machine)."""
    body = urllib.parse.urlencode({"query": query}).encode()
    s = socket.create_connection(_address(base), timeout=30)
    s.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + f"X-Forwarded-For: {client}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return s


def light_query_seconds(base: str) -> float:
    started = time.monotonic()
    r = httpx.get(base + "/sparql", params={"query": LIGHT},
                  headers={"Accept": "application/sparql-results+json"}, timeout=30)  # fmt: skip
    assert (r.status_code, r.json()) == (200, {"head": {}, "boolean": True})
    return time.monotonic() - started


# --- Script injection -----------------------------------------------------------------


def test_the_reported_reflected_script_is_escaped(server):
    r = get(server, sparql_url(f'SELECT ("{INJECTED}" AS ?x) WHERE {{}}', format="html"))
    assert r.status == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "<td>&lt;img src=x onerror=alert(document.domain)&gt;</td>" in r.text
    assert "<img" not in r.text


def test_data_values_holding_markup_reach_the_page_as_text(server):
    query = 'SELECT ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), "<i>")) } LIMIT 5'
    page = get(server, sparql_url(query, format="html")).text
    assert page.count("&lt;i&gt;") >= 1
    assert "<i>" not in page
    entity = get(
        server, "/id/claim/000-f18490aef763a0b3/tecs--icm-13c457d63f", {"Accept": "text/html"}
    ).text
    assert "&lt;i&gt;Mijente&lt;/i&gt;" in entity and "<i>" not in entity


def test_only_our_pages_and_http_addresses_become_links(server):
    query = "SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <https://example.org/a> } }"
    page = get(server, sparql_url(query, format="html")).text
    assert "<td>javascript:alert(1)</td>" in page
    assert '<td><a href="https://example.org/a">https://example.org/a</a></td>' in page


def test_a_construct_as_html_is_an_escaped_table(server):
    query = 'CONSTRUCT { <urn:x:s> <urn:x:p> "<b>bold</b>" } WHERE {}'
    r = get(server, sparql_url(query, format="html"))
    assert r.status == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert "<td>urn:x:s</td><td>urn:x:p</td><td>&lt;b&gt;bold&lt;/b&gt;</td>" in r.text
    assert light_query_seconds(server) < 5  # and the worker that rendered it lives on


@pytest.mark.parametrize(
    ("target", "status", "policy"),
    [
        ("/", 200, PAGE_POLICY),
        ("/id/system/icm", 200, PAGE_POLICY),
        (sparql_url(LIGHT), 200, PAGE_POLICY),
        ("/static/query.js", 200, PAGE_POLICY),
        ("/diagram.svg", 200, SVG_POLICY),
        ("/reconcile/preview?id=system/icm", 200, FRAMED_POLICY),
        ("/no/such/page", 404, PAGE_POLICY),
        ("/id/%ZZ", 400, PAGE_POLICY),
        (sparql_url("SELECT * { SERVICE <http://127.0.0.1:1/> {} }"), 400, PAGE_POLICY),
    ],
)
def test_every_response_carries_the_security_headers(server, target, status, policy):
    r = get(server, target)
    assert r.status == status
    assert r.headers["content-security-policy"] == policy
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_the_pages_run_no_inline_script(server):
    home = get(server, "/").text
    scripts = [part.split(">", 1)[0] for part in home.split("<script")[1:]]
    # Data blocks (JSON, and the schema.org description as JSON-LD) and our own script file.
    assert scripts == [' type="application/ld+json"', ' type="application/json" id="prefixes"',
                       ' type="application/json" id="queries"', ' src="/static/query.js"']  # fmt: skip


# --- Server-side requests ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "written"),
    [
        ("SELECT * WHERE { SERVICE <{self}> { ?s ?p ?o } }", "SERVICE <{self}>"),
        ("SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:1/x> { ?s ?p ?o } }",
         "SERVICE SILENT <http://127.0.0.1:1/x>"),
        ("select * { ?s ?p ?o . sErViCe#x\n <{self}> {} }", "SERVICE <{self}>"),
        ("SELECT * { BIND(<{self}> AS ?e) SERVICE ?e {} }", "SERVICE ?e"),
        ("ASK { FILTER EXISTS { SELECT * { { OPTIONAL { SERVICE <{self}> {} } } } } }",
         "SERVICE <{self}>"),
        ("PREFIX me: <{self}> SELECT * { SERVICE me: {} }", "SERVICE me:"),
    ],
)  # fmt: skip
def test_federated_service_is_refused_by_default(server, query, written):
    endpoint = server + "/sparql"
    r = post_form(server, "/sparql", {"query": query.replace("{self}", endpoint)})
    assert r.status == 400
    assert r.text == (
        "Federated queries are turned off on this server: the query uses "
        + written.replace("{self}", endpoint)
        + ". Remove the SERVICE clause, or run the query on your own copy of the data "
        "(the dumps are at /dumps/).\n"
    )


def test_words_that_only_look_like_service_are_not_refused(server):
    query = (
        'SELECT ("SERVICE <http://127.0.0.1:1/>" AS ?service) '
        "WHERE { } # SERVICE <http://127.0.0.1:1/>"
    )
    r = get(server, sparql_url(query, format="csv"))
    assert (r.status, r.text) == (200, "service\r\nSERVICE <http://127.0.0.1:1/>\r\n")


def test_listed_endpoints_alone_may_be_called(server, seed_build: BuildResult):
    endpoint = server + "/sparql"
    store = seed_build.out_dir / "store"
    with icegraph_server(store, workers=1, allow_service=endpoint) as federating:
        ours = ("SELECT ?l WHERE { SERVICE <" + endpoint + "> "
                "{ <https://w3id.org/icegraph/id/system/icm> rdfs:label ?l } }")  # fmt: skip
        r = get(federating, sparql_url(ours, format="csv"))
        assert (r.status, r.text) == (200, "l\r\nICM\r\n")
        other = "SELECT * { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
        r = get(federating, sparql_url(other))
        assert r.status == 400
        assert r.text == (
            "The query uses SERVICE <http://127.0.0.1:1/sparql>, an endpoint this server does "
            f"not call. Allowed: {endpoint}\n"
        )


# --- Large bodies -----------------------------------------------------------------------

LIMIT_MESSAGE = (
    "The request body is larger than 1,048,576 bytes, the most this server reads. "
    "Send a shorter query, or split a reconciliation batch into smaller ones.\n"
)


def test_a_declared_oversized_body_is_refused_before_it_is_sent(server):
    head = b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\n"
    # The body is never sent: the answer comes from the headers alone.
    r = raw(server, head + b"Content-Length: 10000000\r\n", timeout=5, close=False)
    assert (r.status, r.text) == (413, LIMIT_MESSAGE)


def test_a_streamed_body_is_refused_where_it_crosses_the_limit(server):
    chunk = b"#" * 65536
    total = 50 * len(chunk)  # 3.2 MB, three times the limit
    with socket.create_connection(_address(server), timeout=10) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: t\r\nContent-Type: application/sparql-query"
                  b"\r\nTransfer-Encoding: chunked\r\n\r\n")  # fmt: skip
        sent = 0
        while sent < total and not select.select([s], [], [], 0.02)[0]:
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        r = _read_answer(s)
    assert (r.status, r.text) == (413, LIMIT_MESSAGE)
    assert sent < total  # answered while the body was still coming


@pytest.mark.parametrize("path", ["/sparql", "/reconcile"])
def test_large_forms_and_batches_are_413(server, path):
    # An ordinary client that sends all of its body before it reads the answer.
    field = "query" if path == "/sparql" else "queries"
    r = httpx.post(server + path, data={field: "x" * 2_000_000}, timeout=15)
    assert (r.status_code, r.text) == (413, LIMIT_MESSAGE)


# --- Abandoned and piled-up queries, memory -----------------------------------------------


def test_with_30_abandoned_heavy_queries_a_light_one_is_answered_within_2s(server):
    sockets = [open_query(server, HEAVY, f"10.0.0.{i}") for i in range(30)]
    time.sleep(1.0)  # both workers busy, the rest waiting
    for s in sockets:
        s.close()
    assert light_query_seconds(server) < 2.0


def test_a_full_waiting_room_is_503_with_retry_after(server):
    # 80 heavy queries, each from its own client: 2 run, 64 wait (the default), 14 are refused.
    # Each differs by a comment: identical ones would share one run (answer_cache.py).
    sockets = [
        open_query(server, f"{HEAVY} # client {i}", f"10.1.{i // 200}.{i % 200}") for i in range(80)
    ]
    try:
        refused: list[bytes] = []
        deadline = time.monotonic() + 15
        while len(refused) < 14:
            assert time.monotonic() < deadline, refused
            for s in select.select(sockets, [], [], 0.5)[0]:
                refused.append(s.recv(65536).split(b"\r\n")[0])
                sockets.remove(s)
                s.close()
        assert refused == [b"HTTP/1.1 503 Service Unavailable"] * 14
        # a query not asked before (an answer kept from earlier needs no worker)
        r = post_form(server, "/sparql", {"query": LIGHT + " # while full"}, timeout=5)
        assert r.status == 503
        assert r.headers["retry-after"] == "5"
        assert r.text == (
            "The server is busy: 2 queries are running and 64 are waiting. "
            "Try again in a few seconds.\n"
        )
    finally:
        for s in sockets:
            s.close()
    assert light_query_seconds(server) < 2.0


def test_a_query_past_the_memory_limit_is_stopped_with_503(server):
    r = post_form(server, "/sparql", {"query": GREEDY})
    assert r.status == 503
    assert r.text == (
        f"The query was stopped: it needed more than {WORKER_MEMORY} MiB, the memory this "
        "server gives one query. Narrow it (a LIMIT, fewer variables in ORDER BY, no cross "
        "product) or ask the operator to raise --worker-memory.\n"
    )
    assert light_query_seconds(server) < 5


# --- Shutdown ----------------------------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_the_server_stops_its_workers(seed_build: BuildResult, tmp_path: Path, sig):
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    with _own_server(seed_build.out_dir / "store", tmp_path / "log", [], env) as (proc, base):
        sockets = [open_query(base, HEAVY, f"10.2.0.{i}") for i in range(6)]
        time.sleep(1.5)
        workers = descendants(proc.pid)
        assert len(workers) >= 4  # the fork server, two workers, a spare (and helpers)
        started = time.monotonic()
        os.kill(proc.pid, sig)
        proc.wait(timeout=10)
        if sig == signal.SIGTERM:
            assert time.monotonic() - started < 5
            answers = [s.recv(65536).split(b"\r\n")[0] for s in sockets]
            assert answers == [b"HTTP/1.1 503 Service Unavailable"] * 6
            # stopped as a service manager stops it: the status says so, and the server
            # leaves nothing behind in the temp directory (its fork server's socket folder)
            assert proc.returncode == 143
            assert list(temp.iterdir()) == []
        for s in sockets:
            s.close()
        deadline = time.monotonic() + 5
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [w for w in workers if alive(w)] == []


# --- Malformed requests: a 4xx with a message, never a 500 ---------------------------------


@pytest.mark.parametrize(
    ("head", "status", "message"),
    [
        (b"GET /id/%ZZ HTTP/1.1\r\n", 400,
         "The path has a '%' that is not followed by two hex digits.\n"),
        (b"GET /id/system/%FF HTTP/1.1\r\n", 400,
         "The path is not UTF-8 once percent-decoded (byte 12).\n"),
        (b"GET /id/%00 HTTP/1.1\r\n", 400, "The path holds a control character.\n"),
        (b"GET /id/<script> HTTP/1.1\r\n", 400,
         "'<script>' is not an identifier this server could hold. Identifiers look like "
         "/id/system/icm; see /dataset for what is here.\n"),
        (b"GET /id/%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1\r\n", 400,
         "'<script>alert(1)</script>' is not an identifier this server could hold. Identifiers "
         "look like /id/system/icm; see /dataset for what is here.\n"),
        (b"GET /id/system/icm%7B%7D HTTP/1.1\r\n", 400,
         "'system/icm{}' is not an identifier this server could hold. Identifiers look like "
         "/id/system/icm; see /dataset for what is here.\n"),
        (b"GET /sparql?query=%C0%AF HTTP/1.1\r\n", 400,
         "The parameter 'query' is not UTF-8 once percent-decoded (byte 1).\n"),
        (b"GET /sparql?query=ASK%7B%7D&%FF=1 HTTP/1.1\r\n", 400,
         "A parameter name is not UTF-8 once percent-decoded (byte 1).\n"),
        (b"GET /sparql?query=50%+off HTTP/1.1\r\n", 400,
         "The parameter 'query' has a '%' that is not followed by two hex digits.\n"),
        (b"GET /sparql?query=" + b"A" * 70_000 + b" HTTP/1.1\r\n", 414,
         "The query string is longer than 65,536 bytes. Send long queries with POST.\n"),
        (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nAccept: ;;;,/,q=x\r\n", 406,
         "None of the requested formats is available. Available: application/sparql-results"
         "+json, application/sparql-results+xml, text/csv, text/tab-separated-values.\n"),
        (b"GET /sparql?query=ASK%7B%7D&format=%3Cb%3E HTTP/1.1\r\n", 406,
         "Unknown format '<b>'. None of the requested formats is available. Available: "
         "application/sparql-results+json, application/sparql-results+xml, text/csv, "
         "text/tab-separated-values.\n"),
        (b"GET /sparql?query=SELECT%20*%20%7B HTTP/1.1\r\n", 400, None),
        (b"GET /sparql?query=ASK%7B%7D&default-graph-uri=%3Cx%3E HTTP/1.1\r\n", 400, None),
        (b"PUT /sparql HTTP/1.1\r\nContent-Length: 0\r\n", 405, "Method Not Allowed"),
        (b"DELETE /id/system/icm HTTP/1.1\r\n", 405, "Method Not Allowed"),
        (b"TRACE / HTTP/1.1\r\n", 405, "Method Not Allowed"),
        (b"BREW /sparql HTTP/1.1\r\n", 405, "Method Not Allowed"),
        (b"POST /sparql HTTP/1.1\r\nContent-Length: abc\r\n", 400,
         "Invalid HTTP request received."),
        (b"GET /reconcile?queries=%7B%7D&callback=" + b"a" * 100 + b" HTTP/1.1\r\n", 400,
         "Invalid callback name.\n"),
    ],
)  # fmt: skip
def test_malformed_request_lines_are_4xx_with_a_message(server, head, status, message):
    r = raw(server, head)
    assert r.status == status
    if message is None:
        assert r.text.startswith("The query could not be run: ")
    else:
        assert r.text == message


@pytest.mark.parametrize(
    ("content_type", "body", "status", "message"),
    [
        ("application/x-www-form-urlencoded", b"query=%ZZ", 400,
         "The form body is malformed: The parameter 'query' has a '%' that is not followed by "
         "two hex digits.\n"),
        ("application/x-www-form-urlencoded", b"query=%FF%FE", 400,
         "The form body is malformed: The parameter 'query' is not UTF-8 once percent-decoded "
         "(byte 1).\n"),
        ("application/x-www-form-urlencoded", b"query=ASK\xff{}", 400,
         "The form body is malformed: The parameter 'query' is not UTF-8 once percent-decoded "
         "(byte 4).\n"),
        ("application/sparql-query", b"ASK { \xc0 }", 400,
         "The query body is not UTF-8 (byte 7).\n"),
        ("image/png", b"\x89PNG", 415,
         "Unsupported content type 'image/png'. Send application/x-www-form-urlencoded or "
         "application/sparql-query.\n"),
    ],
)  # fmt: skip
def test_malformed_bodies_are_4xx_with_a_message(server, content_type, body, status, message):
    head = f"POST /sparql HTTP/1.1\r\nContent-Type: {content_type}\r\n"
    r = raw(server, head.encode() + f"Content-Length: {len(body)}\r\n".encode(), body)
    assert (r.status, r.text) == (status, message)


@pytest.mark.parametrize("host", [b"evil> . <urn:x> a <urn:y", b"a b", b"%ZZ", b"\xff", b""])
def test_a_host_header_that_is_no_host_name_is_400(server, host):
    r = raw(server, b"GET /sparql HTTP/1.1\r\nAccept: text/turtle\r\n", host=host)
    assert (r.status, r.text) == (
        400,
        "The Host header is not a host name with an optional port.\n",
    )


@pytest.mark.parametrize("host", [b"example.org", b"[::1]:8000", b"my_proxy:8080"])
def test_the_service_description_names_the_host_it_was_asked_under(server, host):
    r = raw(server, b"GET /sparql HTTP/1.1\r\nAccept: application/n-triples\r\n", host=host)
    endpoint = b"<http://" + host + b"/sparql>"
    assert r.status == 200
    assert (
        endpoint + b" <http://www.w3.org/ns/sparql-service-description#endpoint> " + endpoint
        in r.body
    )


def test_a_query_nested_thousands_deep_is_refused_before_the_engine(server):
    r = post_form(server, "/sparql", {"query": "SELECT * WHERE " + "{" * 5000 + "}" * 5000})
    assert (r.status, r.text) == (400, "The query nests brackets 5000 deep; this server takes "
                                       "at most 256. Flatten it: a query that deep is usually "
                                       "generated by mistake.\n")  # fmt: skip


def test_head_answers_without_a_body(server):
    r = raw(server, b"HEAD /id/system/icm HTTP/1.1\r\n")
    assert (r.status, r.body) == (200, b"")
    assert r.headers["content-type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({"q0": {"query": "ICE", "limit": "abc"}}, "Query 'q0': 'limit' must be a whole number."),
        ({"q0": {"query": "ICE", "limit": -1}}, "Query 'q0': 'limit' must be 0 or more."),
        ({"q0": {"query": "ICE", "limit": True}}, "Query 'q0': 'limit' must be a whole number."),
        ({"q0": {"query": "ICE", "limit": 2.5}}, "Query 'q0': 'limit' must be a whole number."),
        ({"q0": {"query": "ICE", "limit": float("inf")}},
         "Query 'q0': 'limit' must be a whole number."),
        ({"q0": {"query": "ICE", "limit": float("nan")}},
         "Query 'q0': 'limit' must be a whole number."),
        ({"q0": {"query": "ICE", "type": 5}},
         "Query 'q0': 'type' must be a type id or a list of type ids (strings)."),
        ({"q0": {"query": "ICE", "type": ["Agency", ["System"]]}},
         "Query 'q0': 'type' must be a type id or a list of type ids (strings)."),
        ({"q0": {"query": "ICE", "properties": "x"}},
         "Query 'q0': 'properties' must be a list of {\"pid\": …, \"v\": …} objects."),
        ({"q0": {"query": "ICE", "properties": [5]}},
         "Query 'q0': 'properties[0]' must be an object with a 'pid' string and a value 'v'."),
        ({"q0": {"query": "ICE", "properties": [{"pid": "parent", "v": [[["x"]]]}]}},
         "Query 'q0': 'properties[0].v' must be a string, a number, a boolean or an object "
         "with an 'id' string."),
        ({"q0": {"query": 5}}, "Query 'q0': 'query' must be a string."),
        ({"q0": "ICE"}, "Query 'q0' must be an object."),
        (["ICE"], "'queries' must be a JSON object of queries by key."),
        ({f"q{i}": {"query": "ICE"} for i in range(101)},
         "The batch holds 101 queries; this server takes at most 100. Split it into smaller "
         "batches (OpenRefine sends 10 at a time)."),
    ],
)  # fmt: skip
def test_reconciliation_queries_of_the_wrong_shape_are_400(server, batch, message):
    r = post_form(server, "/reconcile", {"queries": json.dumps(batch)})
    assert (r.status, r.text) == (400, message + "\n")


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"q0": {', "{} {}"])
def test_reconciliation_batches_that_are_not_json_are_400(server, text):
    r = post_form(server, "/reconcile", {"queries": text})
    assert r.status == 400
    assert r.text.startswith("'queries' is not JSON: ")


def test_a_well_formed_batch_still_reconciles(server):
    batch = {"q0": {"query": "ICE", "type": "Agency", "limit": 1,
                    "properties": [{"pid": "parent", "v": {"id": "agency/dhs"}}]}}  # fmt: skip
    r = post_form(server, "/reconcile", {"queries": json.dumps(batch)})
    assert r.status == 200
    [hit] = json.loads(r.body)["q0"]["result"]
    assert (hit["id"], hit["match"]) == ("agency/ice", True)
