"""The ASGI app: SPARQL endpoint, query page, entity pages, dataset, dumps, diagram."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import pyoxigraph
from pyoxigraph import NamedNode, Store, Triple
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from icegraph.errors import RequestRefused
from icegraph.mapping.terms import value_of
from icegraph.namespaces import DATASET, ID, IG, PREFIXES
from icegraph.publish.diagram import flow_diagram
from icegraph.publish.metadata import CHECKSUMS_FILE, METADATA_GRAPH, distribution_files
from icegraph.publish.schema_org import schema_org_dataset, script_json
from icegraph.queries import catalogue
from icegraph.serve import conneg, rendering, vocabulary_page
from icegraph.serve.addresses import requested_paths
from icegraph.serve.answer_cache import KeptBytes
from icegraph.serve.body_limit import BodyLimit
from icegraph.serve.describe import describe, exists, local_link, replaced_by, triples_about
from icegraph.serve.directory import Directory, listing, load_directory
from icegraph.serve.findings import BuildFinding, findings_by_focus
from icegraph.serve.neighbourhood import ARROWS, neighbourhood
from icegraph.serve.query_page import PAGE, STARTER, pageable, question_and_explanation, show
from icegraph.serve.query_page import check as query_check
from icegraph.serve.reconcile import make_reconcile_routes
from icegraph.serve.request_checks import RequestChecks
from icegraph.serve.results import serialize_triples
from icegraph.serve.security_headers import SecurityHeaders
from icegraph.serve.sparql import make_sparql_endpoint
from icegraph.serve.workers import QueryPool
from icegraph.store import open_store

ENTITY_TYPES = (conneg.HTML, conneg.TURTLE, conneg.JSONLD, conneg.NTRIPLES)
DUMP_FILES = {
    "icegraph.ttl": "text/turtle",
    "icegraph.trig": "application/trig",
    "icegraph.jsonld": "application/ld+json",
    "context.jsonld": "application/ld+json",
    CHECKSUMS_FILE: "text/plain; charset=utf-8",
}
VOCABULARY_TYPES = (conneg.HTML, conneg.TURTLE, conneg.JSONLD)


@dataclass(frozen=True)
class ServeConfig:
    store: Path
    timeout: float = 20.0
    max_rows: int = 10_000
    workers: int | None = None
    # MiB a query may add to its worker; None for no limit.
    worker_memory: int | None = 1024
    # Queries one client runs at once; the rest of its queries wait behind other clients'.
    per_client: int = 2
    # Queries waiting for a worker before new ones are refused with 503.
    max_waiting: int = 64
    max_body: int = 1024 * 1024
    max_query_string: int = 64 * 1024
    # Endpoints a federated SERVICE clause may call; none by default.
    allow_service: tuple[str, ...] = ()
    # MiB of answers (SPARQL results, entity pages) kept for repeated requests; 0 for none.
    answer_cache: int = 64

    @property
    def build_dir(self) -> Path:
        return self.store.parent


def create_app(config: ServeConfig) -> Starlette:
    """The whole server as an ASGI callable; the store is opened read-only."""
    store: Store = open_store(config.store, read_only=True)
    pool = QueryPool(
        config.store,
        size=config.workers,
        timeout=config.timeout,
        memory_mib=config.worker_memory,
        per_client=config.per_client,
        max_waiting=config.max_waiting,
        network=bool(config.allow_service),
        cache_mib=config.answer_cache,
    )
    diagram_cache: dict[str, str] = {}
    counts: dict[str, int] = {}
    dataset_cache: dict[str, object] = {}

    def dataset_jsonld() -> str:
        if "jsonld" not in dataset_cache:  # the store is read-only: made once
            dataset_cache["jsonld"] = script_json(schema_org_dataset(store))
        return str(dataset_cache["jsonld"])

    def dump_files() -> list:
        # The dumps' checksums and sizes: read once, from the files the server serves.
        if "files" not in dataset_cache:
            dataset_cache["files"] = distribution_files(config.build_dir)
        return list(dataset_cache["files"])  # type: ignore[call-overload]

    # The store and its build report do not change while we serve: read each once, and keep
    # the pages made from them (an entity page of a hub is many lookups).
    pages = KeptBytes(config.answer_cache * 1024 * 1024)
    pages_lock = threading.Lock()

    def kept_page(key: tuple, make: Callable[[], bytes]) -> bytes:
        with pages_lock:
            body = pages.get(key)
        if body is None:
            body = make()  # two threads may make the same page at once; either copy will do
            with pages_lock:
                pages.put(key, body)
        return body

    directory_cache: dict[str, Directory] = {}
    findings_cache: dict[str, dict[str, list[BuildFinding]]] = {}

    def findings() -> dict[str, list[BuildFinding]]:
        if "all" not in findings_cache:
            findings_cache["all"] = findings_by_focus(config.build_dir)
        return findings_cache["all"]

    def not_found(request: Request, message: str) -> Response:
        """A page for a browser, a line of text for anything else."""
        accept = request.headers.get("accept") or ""
        if "text/html" not in accept:
            return PlainTextResponse(message + "\n", status_code=404)
        guess = request.url.path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
        page = rendering.render("not_found.html", message=message, guess=guess)
        return HTMLResponse(page, status_code=404)

    # Page handlers are plain functions: Starlette runs them in its thread pool, so a page
    # being rendered never holds up the event loop that serves everyone else.
    def render(name: str, **context) -> HTMLResponse:
        return HTMLResponse(rendering.render(name, **context))

    def describe_service(request: Request, media: str) -> bytes:
        # The endpoint's address comes from the request (its Host header): it enters the
        # graph as a term, never as Turtle text, so it cannot add statements of its own.
        try:
            endpoint = NamedNode(str(request.url_for("sparql")))
        except ValueError:
            raise RequestRefused("The Host header does not make a valid address") from None
        here = NamedNode("urn:icegraph:endpoint")
        graphs = sorted(store.named_graphs(), key=lambda g: g.value)
        ttl = [
            "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .",
            "@prefix formats: <http://www.w3.org/ns/formats/> .",
            f"<{here.value}> a sd:Service ; sd:endpoint <{here.value}> ;",
            "  sd:supportedLanguage sd:SPARQL11Query ;",
            "  sd:feature sd:UnionDefaultGraph ;",
            "  sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, "
            "formats:SPARQL_Results_CSV, formats:SPARQL_Results_TSV, formats:Turtle, "
            "formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;",
            f"  sd:defaultDataset [ a sd:Dataset ; <http://purl.org/dc/terms/source> <{DATASET}> ;",
            "    sd:defaultGraph [ a sd:Graph ] ;",
        ]
        for g in graphs:
            ttl.append(f"    sd:namedGraph [ a sd:NamedGraph ; sd:name <{g.value}> ] ;")
        ttl.append("  ] .")
        triples = [
            Triple(*(endpoint if x == here else x for x in (q.subject, q.predicate, q.object)))
            for q in pyoxigraph.parse("\n".join(ttl), format=pyoxigraph.RdfFormat.TURTLE)
        ]
        return serialize_triples(triples, media)

    def index(request: Request) -> Response:
        queries = catalogue()
        if "triples" not in counts:  # the store is read-only: count once, not per visit
            # Every statement in every named graph, as void:triples in /dataset counts them.
            counts["triples"] = len(store)
        chosen = next((q for q in queries if q.name == request.query_params.get("q")), None)
        shown = show(store, chosen, dict(request.query_params)) if chosen else None
        return render(
            "index.html",
            questions=[(q.name, question_and_explanation(q)[0], q.params) for q in queries],
            shown=shown,
            triples=f"{counts['triples']:,}",
            default_query=shown.text if shown else STARTER,
            prefixes_json=_script_json(PREFIXES),
            # every question's query, for scripts that read the catalogue from the page
            queries_json=_script_json({q.name: q.bound() for q in queries}),
            dataset_jsonld=dataset_jsonld(),
        )

    async def syntax_check(request: Request) -> Response:
        """The query page asks here before running a query: its own lines and columns."""
        text = request.query_params.get("query", "")
        if request.method == "POST":
            # a form body, read as the endpoint reads it (no form-parsing dependency)
            form = parse_qs((await request.body()).decode("utf-8", "replace"))
            text = form.get("query", [""])[0]
        # reading a long query takes a while: off the event loop, as the endpoint does
        error = await run_in_threadpool(query_check, text) if text.strip() else ""
        # whether the page may fetch the answer a page at a time (query_page.pageable)
        return JSONResponse({"error": error, "page": PAGE if not error and pageable(text) else 0})

    def entity_response(request: Request, iri: str) -> Response:
        fmt = request.query_params.get("format")
        if fmt:
            media = conneg.HTML if fmt == "html" else conneg.from_format(fmt, graph=True)
        else:
            media = conneg.choose(request.headers.get("accept"), ENTITY_TYPES)
        if media is None:
            return PlainTextResponse(
                "None of the requested formats is available. Available: "
                + ", ".join(ENTITY_TYPES)
                + ".\n",
                status_code=406,
            )
        try:
            NamedNode(iri)
        except ValueError:
            raise RequestRefused(
                f"'{iri[len(ID) :] if iri.startswith(ID) else iri}' is not an identifier "
                "this server could hold",
                status=400,
                fix="Identifiers look like /id/system/icm; see /dataset for what is here.",
            ) from None
        new = replaced_by(store, iri)
        if new is not None and local_link(new):
            # An IRI an earlier build gave this entity: moved for good, in the format asked.
            target = local_link(new) or ""
            query = request.url.query
            return RedirectResponse(target + ("?" + query if query else ""), status_code=301)
        if not exists(store, iri):
            return not_found(request, f"Nothing is known about <{iri}>.")
        if media == conneg.HTML:
            referred = _offset(request.query_params.get("referred"))
            if iri == DATASET:
                return render(
                    "dataset.html",
                    e=describe(store, iri, findings(), referred),
                    dataset_jsonld=dataset_jsonld(),
                )
            body = kept_page(
                (iri, media, referred),
                lambda: rendering.render(
                    "entity.html", e=describe(store, iri, findings(), referred)
                ).encode("utf-8"),
            )
            return HTMLResponse(body)
        return Response(
            kept_page((iri, media), lambda: entity_triples(iri, media)), media_type=media
        )

    def entity_triples(iri: str, media: str) -> bytes:
        triples = triples_about(store, iri)
        if iri == DATASET:
            # The whole description (publisher, distributions, themes are nodes of their
            # own), and the dumps' checksums and sizes, which the dumps cannot hold.
            described = NamedNode(value_of(METADATA_GRAPH))
            have = set(triples)
            for q in store.quads_for_pattern(None, None, None, described):
                t = Triple(q.subject, q.predicate, q.object)
                if t not in have:
                    have.add(t)
                    triples.append(t)
            triples += [_triple(t) for t in dump_files()]
        return serialize_triples(triples, media)

    def asked(request: Request, route: str) -> str:
        # the IRI as the link wrote it, or as decoded when only that is known (addresses.py)
        paths = [ID + p for p in requested_paths(request, route)]
        for iri in paths:
            try:
                if exists(store, iri) or replaced_by(store, iri) is not None:
                    return iri
            except ValueError:  # not an IRI at all: the next reading, or a 400 later
                continue
        return paths[-1]  # nothing there: answered as the decoded path always was

    def entity(request: Request) -> Response:
        return entity_response(request, asked(request, "/id/"))

    def directory(request: Request) -> Response:
        if "d" not in directory_cache:
            directory_cache["d"] = load_directory(store)
        p = request.query_params
        shown = listing(
            directory_cache["d"],
            q=p.get("q", "").strip()[:200],
            kind=p.get("kind", ""),
            operator=p.get("operator", ""),
            confidence=p.get("confidence", ""),
        )
        return render("directory.html", d=shown)

    def graph_view(request: Request) -> Response:
        iri = asked(request, "/graph/")
        try:
            NamedNode(iri)
        except ValueError:
            return not_found(request, "No entity has this address.")
        if not exists(store, iri):
            return not_found(request, f"Nothing is known about <{iri}>.")
        hops = 2 if request.query_params.get("hops") == "2" else 1
        body = kept_page(
            (iri, "graph", hops),
            lambda: rendering.render(
                "graph.html", n=neighbourhood(store, iri, hops), arrows=ARROWS
            ).encode("utf-8"),
        )
        return HTMLResponse(body)

    def missing(request: Request) -> Response:
        return not_found(request, f"There is no page at {request.url.path}.")

    def dataset(request: Request) -> Response:
        return entity_response(request, DATASET)

    def dataset_part(request: Request) -> Response:
        # Class partitions and raw inputs, described in the dataset's description.
        return entity_response(request, f"{DATASET}/{request.path_params['path']}")

    def vocabulary(request: Request) -> Response:
        fmt = request.query_params.get("format")
        if fmt:
            media = conneg.HTML if fmt == "html" else conneg.from_format(fmt, graph=True)
            media = media if media in VOCABULARY_TYPES else None
        else:
            media = conneg.choose(request.headers.get("accept"), VOCABULARY_TYPES)
        if media is None:
            return PlainTextResponse(
                "None of the requested formats is available. Available: "
                + ", ".join(VOCABULARY_TYPES)
                + ".\n",
                status_code=406,
            )
        if media == conneg.HTML:
            return render("ns.html", v=vocabulary_page.vocabulary(), namespace=IG)
        charset = "; charset=utf-8" if media == conneg.TURTLE else ""
        return Response(vocabulary_page.serialized(media), media_type=media + charset)

    def dump(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in DUMP_FILES or not (config.build_dir / name).exists():
            return PlainTextResponse(f"No dump named {name!r}.\n", status_code=404)
        return FileResponse(config.build_dir / name, media_type=DUMP_FILES[name])

    def diagram(request: Request) -> Response:
        if "svg" not in diagram_cache:
            diagram_cache["svg"] = flow_diagram(store)
        return Response(diagram_cache["svg"], media_type="image/svg+xml")

    def query_list(request: Request) -> Response:
        return JSONResponse(
            [{"name": q.name, "question": q.question, "query": q.text} for q in catalogue()]
        )

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await pool.start()
        try:
            yield
        finally:
            await pool.close()

    sparql = make_sparql_endpoint(pool, config.max_rows, describe_service, config.allow_service)
    reconcile, preview, suggest = make_reconcile_routes(store)
    routes = [
        Route("/reconcile", reconcile, methods=["GET", "POST"]),
        Route("/reconcile/preview", preview),
        Route("/reconcile/suggest/{kind}", suggest),
        Route("/", index),
        Route("/sparql", sparql, methods=["GET", "POST"], name="sparql"),
        Route("/id/{path:path}", entity),
        Route("/dataset", dataset),
        Route("/dataset/{path:path}", dataset_part),
        Route("/ns", vocabulary),
        Route(vocabulary_page.version_path(), vocabulary),
        Route("/directory", directory),
        Route("/graph/{path:path}", graph_view),
        Route("/dumps/{name}", dump),
        Route("/diagram.svg", diagram),
        Route("/queries", query_list),
        Route("/check", syntax_check, methods=["GET", "POST"]),
        Mount("/static", StaticFiles(packages=[("icegraph.serve", "static")]), name="static"),
        Route("/{rest:path}", missing),
    ]
    middleware = [
        # Outermost first: every answer, refusals included, carries the security headers.
        Middleware(SecurityHeaders),
        Middleware(conneg.VaryAccept),
        Middleware(RequestChecks, max_query_string=config.max_query_string),
        Middleware(BodyLimit, max_bytes=config.max_body),
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Accept", "Content-Type", "Authorization"],
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={RequestRefused: refused},
    )
    app.state.store = store
    app.state.pool = pool
    return app


def refused(request: Request, exc: Exception) -> Response:
    """A RequestRefused as plain text with its status (and Retry-After when it helps)."""
    assert isinstance(exc, RequestRefused)
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    return PlainTextResponse(str(exc) + "\n", status_code=exc.status, headers=headers)


def _offset(given: str | None) -> int:
    """Where a paged list starts, from ?referred=N: a whole number, at most a billion."""
    if not given:
        return 0
    if not (given.isascii() and given.isdigit()) or len(given) > 9:
        raise RequestRefused(
            f"referred={given[:40]!r} is not a position in the list",
            status=400,
            fix="Give a whole number, as the page's Next and Previous links do.",
        )
    return int(given)


def _triple(terms: tuple[str, str, str]) -> Triple:
    """A (subject, predicate, object) of N-Triples term texts, as the metadata module makes
    them, into a pyoxigraph Triple."""
    s, p, o = terms
    return next(iter(pyoxigraph.parse(f"{s} {p} {o} .", format=pyoxigraph.RdfFormat.N_TRIPLES)))


def _script_json(value: object) -> str:
    # Inside <script>, '</script' would end the element and '<!--' change how it is read:
    # JSON's own escapes for <, > and & keep data from ever becoming markup.
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
