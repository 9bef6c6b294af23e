"""The W3C Entity Reconciliation Service API, version 0.2, over the graph's entities.

A journalist in OpenRefine points a column of agency or system names at /reconcile and gets
our entity ids back, with scores; /reconcile/preview shows a candidate, /reconcile/suggest/…
auto-completes entities, types and properties.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pyoxigraph import Store
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from icegraph import __version__
from icegraph.link.match import normalise, tokens, variants
from icegraph.link.ours import linkable_entities
from icegraph.namespaces import ID, IG
from icegraph.serve.reconcile_batch import ReconQuery, parse_batch
from icegraph.serve.rendering import render
from icegraph.serve.request_checks import parse_query_string

TYPES = {
    "Agency": "Government agency",
    "InternationalOrganization": "International organisation",
    "Company": "Company",
    "PrivateOrganization": "Private organisation",
    "Person": "Person",
    "System": "System (information system or data holding)",
}
# Suggestions in one answer; the client asks for the next with `cursor`.
SUGGEST_PAGE = 10
PROPERTIES = {
    "operatedBy": ("Operated by", "ig:operatedBy"),
    "parent": ("Parent organisation", "org:subOrganizationOf"),
}


@dataclass
class Entry:
    id: str
    name: str
    types: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    props: dict[str, set[str]] = field(default_factory=dict)
    description: str = ""


class ReconcileIndex:
    """The graph's typed entities with their names, read once from the store."""

    def __init__(self, store: Store) -> None:
        self.entries: dict[str, Entry] = {}
        for ours in linkable_entities(store):
            e = Entry(ours.iri[len(ID) :], ours.label, set(ours.types), set(ours.names),
                      description=ours.note)  # fmt: skip
            for key, iris in (("operatedBy", ours.operators), ("parent", ours.parents)):
                if iris:
                    e.props[key] = {i[len(ID) :] for i in iris if i.startswith(ID)}
            self.entries[e.id] = e
        self._keys: dict[str, set[str]] = {}
        for e in self.entries.values():
            for n in e.names:
                for k in variants(n):
                    self._keys.setdefault(k, set()).add(e.id)

    def name_score(self, query: str, e: Entry) -> float:
        q = variants(query)
        if q & variants(e.name):
            return 100.0
        if any(q & variants(n) for n in e.names):
            return 95.0
        a = tokens(query)
        best = 0.0
        for n in e.names:
            b = tokens(n)
            if a and b:
                best = max(best, 80.0 * len(a & b) / len(a | b))
        return best

    def candidates(self, query: str) -> list[Entry]:
        keys = variants(query)
        exact = {eid for k in keys for eid in self._keys.get(k, ())}
        if exact:
            return [self.entries[i] for i in sorted(exact)]
        words = tokens(query)
        return [e for e in self.entries.values() if any(words & tokens(n) for n in e.names)]

    def reconcile_one(self, q: ReconQuery) -> dict:
        query = q.query
        wanted_types = q.types
        limit = q.limit
        results = []
        for e in self.candidates(query):
            if wanted_types and not (e.types & wanted_types):
                continue
            score = self.name_score(query, e)
            features = [{"id": "name", "value": round(score / 100, 3)}]
            for p in q.properties:
                pid = p.pid
                have = e.props.get(pid, set())
                ok = any(
                    target in have or any(
                        variants(target) & variants(n)
                        for h in have if h in self.entries
                        for n in self.entries[h].names
                    )
                    for target in p.values
                )  # fmt: skip
                score += 5.0 if ok else -10.0
                features.append({"id": f"property:{pid}", "value": bool(ok)})
            if score <= 0:
                continue
            results.append({
                "id": e.id,
                "name": e.name,
                "description": e.description,
                "score": round(min(score, 100.0), 2),
                "type": [{"id": t, "name": TYPES[t]} for t in sorted(e.types)],
                "features": features,
                "match": False,
            })  # fmt: skip
        results.sort(key=lambda r: (-r["score"], r["id"]))
        results = results[:limit]
        if (
            results
            and results[0]["score"] >= 95
            and (len(results) == 1 or results[1]["score"] < results[0]["score"] - 10)
        ):
            results[0]["match"] = True
        return {"result": results}

    def suggest_entities(self, prefix: str, cursor: int = 0) -> list[dict]:
        """Entities whose name, or identifier, starts with `prefix`; a page of SUGGEST_PAGE
        from `cursor` on (the 0.2 suggest API pages with `cursor`, a count of results to
        skip). An identifier may be given as the id (`system/icm`), a part of it, or the
        full IRI."""
        p = normalise(prefix)
        wanted = prefix.strip()
        if wanted.startswith(ID):
            wanted = wanted[len(ID) :]
        by_id = sorted(
            (e for e in self.entries.values() if wanted and e.id.startswith(wanted)),
            key=lambda e: (e.id != wanted, e.id),
        )
        by_name = [
            e for e in self.entries.values()
            if p and any(normalise(n).startswith(p) or f" {p}" in normalise(n) for n in e.names)
        ]  # fmt: skip
        by_name.sort(key=lambda e: (not normalise(e.name).startswith(p), e.name, e.id))
        hits = list({e.id: e for e in [*by_id, *by_name]}.values())
        return [
            {"id": e.id, "name": e.name, "description": e.description,
             "notable": [{"id": t, "name": TYPES[t]} for t in sorted(e.types)]}
            for e in hits[cursor : cursor + SUGGEST_PAGE]
        ]  # fmt: skip


def manifest(base: str) -> dict:
    return {
        "versions": ["0.2"],
        "name": "icegraph: immigration-enforcement data systems",
        "identifierSpace": ID,
        "schemaSpace": IG,
        "documentation": base + "/",
        "serviceVersion": __version__,
        "view": {"url": base + "/id/{{id}}"},
        "defaultTypes": [
            {"id": "Agency", "name": TYPES["Agency"]},
            {"id": "System", "name": TYPES["System"]},
        ],  # fmt: skip
        "preview": {"url": base + "/reconcile/preview?id={{id}}", "width": 400, "height": 120},
        "suggest": {
            "entity": {"service_url": base, "service_path": "/reconcile/suggest/entity"},
            "type": {"service_url": base, "service_path": "/reconcile/suggest/type"},
            "property": {"service_url": base, "service_path": "/reconcile/suggest/property"},
        },
    }


def make_reconcile_routes(store: Store):
    holder: dict[str, ReconcileIndex] = {}

    def index() -> ReconcileIndex:
        if "index" not in holder:
            holder["index"] = ReconcileIndex(store)
        return holder["index"]

    def base_of(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    def reply(request: Request, payload: dict, params: dict[str, list[str]]) -> Response:
        callback = (params.get("callback") or [None])[0]
        if callback:
            if len(callback) > 64 or not callback.replace("_", "").replace(".", "").isalnum():
                return PlainTextResponse("Invalid callback name.\n", status_code=400)
            body = f"{callback}({json.dumps(payload)});"
            return Response(body, media_type="application/javascript")
        return JSONResponse(payload)

    async def reconcile(request: Request) -> Response:
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        if request.method == "POST":
            try:
                form = parse_query_string(await request.body())
            except ValueError as exc:
                return PlainTextResponse(f"The form body is malformed: {exc}.\n", status_code=400)
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        raw = (params.get("queries") or [None])[0]
        if raw is None:
            return reply(request, manifest(base_of(request)), params)
        batch = parse_batch(raw)
        # Scoring is plain Python: off the event loop, so a batch never stalls other clients.
        answers = await run_in_threadpool(
            lambda: {k: index().reconcile_one(q) for k, q in batch.items()}
        )
        return reply(request, answers, params)

    def preview(request: Request) -> Response:
        eid = request.query_params.get("id", "")
        e = index().entries.get(eid)
        if e is None:
            return PlainTextResponse(f"No entity '{eid}'.\n", status_code=404)
        kinds = ", ".join(TYPES[t] for t in sorted(e.types))
        others = ", ".join(sorted(e.names - {e.name}))
        return HTMLResponse(render("preview.html", e=e, kinds=kinds, others=others))

    def suggest(request: Request) -> Response:
        kind = request.path_params["kind"]
        prefix = request.query_params.get("prefix", "")
        params = {k: request.query_params.getlist(k) for k in request.query_params}
        raw_cursor = request.query_params.get("cursor", "0").strip() or "0"
        if not re.fullmatch(r"[0-9]{1,9}", raw_cursor):
            return PlainTextResponse(
                f"'cursor' must be a whole number of results to skip, not '{raw_cursor[:40]}'.\n",
                status_code=400,
            )
        cursor = int(raw_cursor)
        if kind == "entity":
            result = index().suggest_entities(prefix, cursor)
        elif kind == "type":
            p = prefix.casefold()
            result = [{"id": t, "name": n} for t, n in TYPES.items()
                      if t.casefold().startswith(p) or p in n.casefold()]  # fmt: skip
            result = result[cursor : cursor + SUGGEST_PAGE]
        elif kind == "property":
            p = prefix.casefold()
            result = [{"id": k, "name": n, "description": f"{curie} in the icegraph vocabulary"}
                      for k, (n, curie) in PROPERTIES.items()
                      if k.casefold().startswith(p) or p in n.casefold()]  # fmt: skip
            result = result[cursor : cursor + SUGGEST_PAGE]
        else:
            return PlainTextResponse("Unknown suggest service.\n", status_code=404)
        return reply(request, {"result": result}, params)

    return reconcile, preview, suggest
