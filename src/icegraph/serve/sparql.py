"""The SPARQL 1.1 Protocol endpoint: query via GET or POST, answers chosen by Accept."""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from icegraph.errors import RequestRefused
from icegraph.namespaces import PREFIXES
from icegraph.serve import conneg
from icegraph.serve.disconnect import ClientGone, while_connected
from icegraph.serve.federation import check_services
from icegraph.serve.query_limits import check_nesting
from icegraph.serve.request_checks import parse_query_string
from icegraph.serve.sparql_tokens import tokens
from icegraph.serve.workers import QueryPool
from icegraph.serve.workers import Request as QueryRequest

_SKIP = re.compile(
    r"""\s+|\#[^\n]*|<[^<>"{}|^`\\\s]*>|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'""", re.DOTALL
)
_WORD = re.compile(r"[A-Za-z]+")
_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATE_FORMS = {
    "INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH",
}  # fmt: skip


def query_form(text: str) -> str | None:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE, or None: the first keyword after the prologue."""
    pos = 0
    while pos < len(text):
        m = _SKIP.match(text, pos)
        if m:
            pos = m.end()
            continue
        w = _WORD.match(text, pos)
        if not w:
            pos += 1
            continue
        word = w.group(0).upper()
        if word in _QUERY_FORMS:
            return word
        if word in _UPDATE_FORMS:
            return "UPDATE"
        pos = w.end()
    return None


def _error(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message + "\n", status_code=status)


READ_ONLY = "This endpoint is read-only: SPARQL updates are refused."


class _Refused(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


async def _params(request: Request) -> tuple[dict[str, list[str]], str | None]:
    """Protocol parameters from the URL and a form body, and a direct query body if any.

    Raises _Refused with the answer for a body this read-only endpoint does not take."""
    params = {k: request.query_params.getlist(k) for k in request.query_params}
    body_query = None
    if request.method == "POST":
        ctype, _, ctype_params = request.headers.get("content-type", "").partition(";")
        ctype = ctype.strip().lower()
        if ctype == "application/sparql-update":
            raise _Refused(_error(403, READ_ONLY))
        if ctype not in ("application/x-www-form-urlencoded", "application/sparql-query"):
            raise _Refused(
                _error(
                    415,
                    f"Unsupported content type '{ctype}'. Send "
                    "application/x-www-form-urlencoded or application/sparql-query.",
                )
            )
        charset = _charset(ctype_params)
        if charset not in (None, "utf-8", "utf8"):
            # The protocol's bodies are UTF-8 (SPARQL 1.1 Protocol, 2.1.2 and 2.1.3).
            raise _Refused(_error(415, f"Unsupported charset '{charset}'. Send the body as UTF-8."))
        raw = await request.body()
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = parse_query_string(raw)
            except ValueError as exc:
                raise _Refused(_error(400, f"The form body is malformed: {exc}.")) from None
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        else:
            try:
                body_query = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Refused(
                    _error(400, f"The query body is not UTF-8 (byte {exc.start + 1}).")
                ) from None
    return params, body_query


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def has_dataset_clause(text: str) -> bool:
    """Whether the query names its own dataset (FROM or FROM NAMED).

    FROM is a keyword only in a query's dataset clause, never inside a group pattern, so a
    FROM token outside strings, IRIs and comments is one."""
    return any(t.kind == "name" and t.text.upper() == "FROM" for t in tokens(text))


def make_sparql_endpoint(
    pool: QueryPool, max_rows: int, describe_service, allowed_services: tuple[str, ...] = ()
):
    async def sparql(request: Request) -> Response:
        try:
            params, body_query = await _params(request)
        except _Refused as refused:
            return refused.response
        if "update" in params:
            return _error(403, READ_ONLY)
        queries = params.get("query", [])
        if body_query is not None:
            queries = [body_query, *queries]
        if not queries:
            if request.method in ("GET", "HEAD"):
                wanted = conneg.choose(
                    request.headers.get("accept"), (*conneg.GRAPH_TYPES, conneg.HTML)
                )
                if wanted == conneg.HTML:
                    return RedirectResponse("/", status_code=303)
                if wanted is None:
                    return _error(406, _not_acceptable(conneg.GRAPH_TYPES))
                return Response(describe_service(request, wanted), media_type=wanted)
            return _error(400, "No query given: send 'query' as a parameter or the body.")
        if len(queries) > 1:
            return _error(400, "Give exactly one query.")
        text = queries[0]
        form = query_form(text)
        if form == "UPDATE":
            return _error(403, READ_ONLY)
        if form is None:
            return _error(400, "Not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE.")
        graph = form in ("CONSTRUCT", "DESCRIBE")
        offered = conneg.GRAPH_TYPES if graph else conneg.SOLUTION_TYPES
        # Clients such as SPARQLWrapper send several format/output values, some of them
        # media-type lists: the first we know wins, otherwise Accept decides.
        asked = params.get("format", []) + params.get("output", [])
        media = next((m for m in (conneg.from_format(f, graph) for f in asked) if m), None)
        accept = request.headers.get("accept")
        if media is None and not (asked and (accept or "*/*").strip() == "*/*"):
            media = conneg.choose(accept, offered)
        if media is None:
            named = f"Unknown format '{asked[0]}'. " if asked else ""
            return _error(406, named + _not_acceptable(offered))
        # Reading a long query's tokens takes a while: off the loop that serves everyone.
        own_dataset = await run_in_threadpool(_check_query, text, allowed_services)
        default_graphs = tuple(params.get("default-graph-uri", []))
        named_graphs = tuple(params.get("named-graph-uri", []))
        req = QueryRequest(
            query=text,
            media=media,
            cap=max_rows,
            # The protocol's dataset wins over the query's (SPARQL 1.1 Protocol, 2.1.4);
            # without either, the default graph is the union of the graphs.
            protocol_dataset=bool(default_graphs or named_graphs),
            union_default=not own_dataset,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            base_iri=_endpoint_address(request),
        )
        client = request.client.host if request.client else ""
        try:
            body = await while_connected(request.receive, pool.run(req, client))
        except ClientGone:
            # Nobody reads this; 499 is what the access log shows for it.
            return Response(status_code=499)
        charset = "; charset=utf-8" if media.startswith("text/") else ""
        return Response(body, media_type=media + charset)

    return sparql


def _check_query(text: str, allowed_services: tuple[str, ...]) -> bool:
    """Refuses what the engine must not see; says whether the query names its dataset."""
    check_nesting(text)
    check_services(text, allowed_services, PREFIXES)
    return has_dataset_clause(text)


def _endpoint_address(request: Request) -> str:
    """The endpoint's own address, the base IRI of relative IRIs in a query (SPARQL 1.1
    Protocol, 2.1.1: the base IRI may be the service endpoint). The Host header it comes
    from has been checked at the edge (request_checks)."""
    try:
        return str(request.url_for("sparql"))
    except ValueError:
        raise RequestRefused("The Host header does not make a valid address") from None


def _not_acceptable(offered: tuple[str, ...]) -> str:
    return "None of the requested formats is available. Available: " + ", ".join(offered) + "."
