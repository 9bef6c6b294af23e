"""A reconciliation query batch read into typed queries, or a 400 that names what is wrong.

The batch is what an outside client sends, so every value is checked against the
specification's schema (0.2, reconciliation-query.json) before any of it is used: a `limit`
that is not a number, a `type` that is not a string, `properties` that is not a list of
{pid, v} objects are refused with the query's key and the field, never passed on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from icegraph.errors import RequestRefused

MAX_QUERIES = 100
MAX_LIMIT = 100
DEFAULT_LIMIT = 5


@dataclass(frozen=True)
class PropertyValue:
    pid: str
    # Each a string to match against names, or an entity id (a value given as {"id": …}).
    values: tuple[str, ...]


@dataclass(frozen=True)
class ReconQuery:
    query: str
    types: frozenset[str]
    limit: int
    properties: tuple[PropertyValue, ...]


class BadBatch(RequestRefused):
    pass


def _bad(key: str, field: str, expected: str) -> BadBatch:
    return BadBatch(f"Query '{key}': '{field}' must be {expected}", status=400)


def _scalar(value: object, key: str, field: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    raise _bad(key, field, "a string, a number, a boolean or an object with an 'id' string")


def _query(key: str, q: object) -> ReconQuery:
    if not isinstance(q, dict):
        raise BadBatch(f"Query '{key}' must be an object", status=400)
    text = q.get("query", "")
    if not isinstance(text, str):
        raise _bad(key, "query", "a string")
    wanted = q.get("type")
    if wanted is None:
        types: frozenset[str] = frozenset()
    elif isinstance(wanted, str):
        types = frozenset([wanted])
    elif isinstance(wanted, list) and all(isinstance(t, str) for t in wanted):
        types = frozenset(wanted)
    else:
        raise _bad(key, "type", "a type id or a list of type ids (strings)")
    limit = q.get("limit", DEFAULT_LIMIT)
    if limit is None:
        limit = DEFAULT_LIMIT
    whole = isinstance(limit, int) or (
        isinstance(limit, float) and math.isfinite(limit) and limit.is_integer()
    )
    if isinstance(limit, bool) or not whole:
        raise _bad(key, "limit", "a whole number")
    if limit < 0:
        raise _bad(key, "limit", "0 or more")
    props = q.get("properties") or []
    if not isinstance(props, list):
        raise _bad(key, "properties", 'a list of {"pid": …, "v": …} objects')
    properties = []
    for i, p in enumerate(props):
        field = f"properties[{i}]"
        if not isinstance(p, dict) or not isinstance(p.get("pid"), str) or "v" not in p:
            raise _bad(key, field, "an object with a 'pid' string and a value 'v'")
        v = p["v"]
        values = [_scalar(x, key, field + ".v") for x in (v if isinstance(v, list) else [v])]
        properties.append(PropertyValue(p["pid"], tuple(values)))
    return ReconQuery(text, types, min(int(limit), MAX_LIMIT), tuple(properties))


def parse_batch(raw: str) -> dict[str, ReconQuery]:
    try:
        batch = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        detail = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise BadBatch(f"'queries' is not JSON: {detail}", status=400) from None
    if not isinstance(batch, dict):
        raise BadBatch("'queries' must be a JSON object of queries by key", status=400)
    if len(batch) > MAX_QUERIES:
        raise BadBatch(
            f"The batch holds {len(batch)} queries; this server takes at most {MAX_QUERIES}",
            status=400,
            fix="Split it into smaller batches (OpenRefine sends 10 at a time).",
        )
    return {key: _query(key, q) for key, q in batch.items()}
