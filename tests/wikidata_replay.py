"""A local stand-in for Wikidata's API that answers from recorded responses."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

FIXTURES = Path(__file__).parent / "fixtures" / "wikidata-api"
SEARCHES = {
    "U.S. Customs and Border Protection": "wbsearchentities-cbp.json",
    "Drug Enforcement Administration": "wbsearchentities-dea.json",
}


class ReplayServer:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                replay.requests.append(params)
                body = replay.answer(url.path, params)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or '{"error": "not found"}').encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/w/api.php"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str, params: dict[str, str]) -> str | None:
        if path != "/w/api.php" or params.get("format") != "json":
            return None
        if params.get("action") == "wbsearchentities":
            name = SEARCHES.get(params.get("search", ""))
            if name:
                return (FIXTURES / name).read_text(encoding="utf-8")
            return json.dumps(
                {"searchinfo": {"search": params.get("search")}, "search": [], "success": 1}
            )
        if params.get("action") == "wbgetentities":
            doc = json.loads((FIXTURES / "wbgetentities-Q368804-Q622899.json").read_text("utf-8"))
            wanted = params.get("ids", "").split("|")
            entities = {q: doc["entities"].get(q, {"id": q, "missing": ""}) for q in wanted}
            return json.dumps({"entities": entities, "success": 1})
        return json.dumps({"error": {"code": "badvalue", "info": "Unrecognized value"}})

    def __enter__(self) -> ReplayServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
