"""Wikidata's API (wbsearchentities, wbgetentities), cached on disk and rate-limited.

The base URL is configurable so that tests (and mirrors) can stand in for wikidata.org.
Every answer is cached by its full request, so a second run asks nothing, and requests are
spaced by at least `min_interval` seconds, as Wikimedia's API etiquette asks.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from icegraph import __version__
from icegraph.errors import IcegraphError
from icegraph.readers.wikidata import WikidataPool, add_json_entity

DEFAULT_API = "https://www.wikidata.org/w/api.php"
USER_AGENT = f"icegraph/{__version__} (https://w3id.org/icegraph; linked-data toolkit)"


class WikidataUnavailable(IcegraphError):
    """The API cannot be reached or answered with an error."""


class WikidataAPI:
    def __init__(
        self,
        base_url: str = DEFAULT_API,
        cache_dir: Path | None = None,
        min_interval: float = 1.0,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url
        self.cache_dir = cache_dir
        self.min_interval = min_interval
        self.timeout = timeout
        self._last = 0.0
        self.requests = 0
        self.cache_hits = 0

    def _get(self, params: dict[str, str]) -> dict:
        url = f"{self.base_url}?{urlencode(sorted(params.items()))}"
        cached = self._cache_path(url)
        if cached is not None and cached.exists():
            self.cache_hits += 1
            return json.loads(cached.read_text(encoding="utf-8"))
        wait = self.min_interval - (time.monotonic() - self._last)
        if wait > 0:
            time.sleep(wait)
        try:
            r = httpx.get(url, headers={"User-Agent": USER_AGENT}, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise WikidataUnavailable(
                f"cannot reach the Wikidata API at {self.base_url} ({type(exc).__name__})",
                fix="Are you offline? Run 'icegraph link' without --online to use the entity "
                "files in data/wikidata/.",
            ) from None
        finally:
            self._last = time.monotonic()
        self.requests += 1
        if r.status_code != 200:
            raise WikidataUnavailable(f"the Wikidata API answered {r.status_code}: {r.text[:200]}")
        doc = r.json()
        if "error" in doc:
            raise WikidataUnavailable(f"the Wikidata API refused: {doc['error'].get('info', doc)}")
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc), encoding="utf-8")
            tmp.replace(cached)
        return doc

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode()).hexdigest() + ".json")

    def search(self, name: str, limit: int = 7) -> list[str]:
        doc = self._get(
            {
                "action": "wbsearchentities",
                "search": name,
                "language": "en",
                "uselang": "en",
                "type": "item",
                "limit": str(limit),
                "format": "json",
            }
        )
        return [hit["id"] for hit in doc.get("search", [])]

    def fetch(self, qids: list[str], pool: WikidataPool) -> None:
        for start in range(0, len(qids), 50):  # the API's limit per request
            batch = qids[start : start + 50]
            doc = self._get(
                {
                    "action": "wbgetentities",
                    "ids": "|".join(batch),
                    "props": "labels|aliases|descriptions|claims",
                    "languages": "en",
                    "format": "json",
                }
            )
            for qid, ent in (doc.get("entities") or {}).items():
                if "missing" not in ent:
                    add_json_entity(pool, qid, ent, "wikidata-api")


def gather_online(api: WikidataAPI, names: list[str], pool: WikidataPool) -> None:
    """Search each name and add every hit's entity to the pool."""
    qids: list[str] = []
    for name in names:
        for qid in api.search(name):
            if qid not in qids and qid not in pool.items:
                qids.append(qid)
    api.fetch(qids, pool)
