"""Citable answers: a catalogue question asked of one release, recorded with its answer and
the answer's hash, and re-checked against a later release.

The hash is over the canonical answer: the column names and the rows, each value in its
N-Triples form (so "1" and 1 differ), rows sorted (so a store's order does not matter). The
same question on an unchanged release gives the same hash on any machine.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader

from icegraph.errors import Location, ReleaseRefused
from icegraph.publish import release as rel
from icegraph.publish.changes import compare, snapshot
from icegraph.publish.diff import KINDS, change_kind
from icegraph.queries import CatalogueQuery, ask, parse_query
from icegraph.resolve.names import slug
from icegraph.result_text import plain

FORMAT = 1  # of the citation file; a later reader knows what it reads


def _canonical(term: object) -> str | None:
    return None if term is None else str(term)


def answer_hash(columns: list[str], rows: list[list[str | None]]) -> str:
    """sha256 of the canonical answer (columns, then the rows sorted)."""
    ordered = sorted(rows, key=lambda r: json.dumps(r, ensure_ascii=False))
    text = json.dumps(
        {"columns": columns, "rows": ordered},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _answer(
    releases_dir: Path, version: str, query: CatalogueQuery, params: dict[str, str]
) -> dict:
    store = rel.open_release(releases_dir, version)
    got = ask(store, query, params)
    terms = [[_canonical(v) for v in row] for row in got.rows]
    return {
        "columns": got.names,
        "rows": [[plain(v) if v is not None else None for v in row] for row in got.rows],
        "terms": terms,
        "bound": [str(b) for b in got.bound],
        "answer_sha256": answer_hash(got.names, terms),
    }


def _release_meta(releases_dir: Path, version: str) -> dict:
    folder = rel.release_dir(releases_dir, version)
    return json.loads((folder / rel.RELEASE_FILE).read_text(encoding="utf-8"))


def cite(
    releases_dir: Path,
    version: str,
    query: CatalogueQuery,
    params: dict[str, str],
    out_dir: Path,
) -> tuple[Path, Path]:
    """Ask `query` of release `version`; write its citation (JSON) and permalink page
    (HTML) into out_dir; returns both paths."""
    meta = _release_meta(releases_dir, version)
    answer = _answer(releases_dir, version, query, params)
    citation = {
        "citation": FORMAT,
        "query": {"name": query.name, "question": query.question, "text": query.text},
        "parameters": params,
        "bound": answer["bound"],
        "release": {
            "version": meta["version"],
            "issued": meta["issued"],
            "dataset": meta["dataset"],
        },
        "columns": answer["columns"],
        "rows": answer["rows"],
        "terms": answer["terms"],
        "answer_sha256": answer["answer_sha256"],
        "cited_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{slug(query.name)}-{slug(version)}-{answer['answer_sha256'][:12]}"
    json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
    _write(json_path, json.dumps(citation, indent=2, ensure_ascii=False) + "\n")
    _write(html_path, permalink_page(citation, json_path.name))
    return json_path, html_path


def permalink_page(citation: dict, json_name: str) -> str:
    env = Environment(loader=PackageLoader("icegraph.publish", "templates"), autoescape=True)
    return env.get_template("citation.html").render(c=citation, json_name=json_name)


def read_citation(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReleaseRefused(
            f"cannot read the citation: {exc}",
            Location(str(path)),
            expected="a citation file written by 'icegraph cite'",
        ) from None
    needed = ("citation", "query", "parameters", "release", "columns", "terms", "answer_sha256")
    missing = [k for k in needed if k not in data]
    if missing or not isinstance(data.get("query"), dict) or "text" not in data["query"]:
        raise ReleaseRefused(
            "not a citation file",
            Location(str(path)),
            field=(missing or ["query.text"])[0],
            expected="a citation file written by 'icegraph cite'",
        )
    return data


@dataclass
class Recheck:
    """A citation asked again of another release."""

    cited: str
    against: str
    holds: bool
    columns: list[str]
    gained: list[list[str | None]] = field(default_factory=list)
    lost: list[list[str | None]] = field(default_factory=list)
    touching: list[dict] = field(default_factory=list)  # change-log entries on the rows


def check(path: Path, releases_dir: Path, later: str | None = None) -> Recheck:
    """Re-run a citation's query, as it was cited, on release `later` (the latest by
    default): the same answer holds; else the rows gained and lost, and the entries of the
    change logs between the two releases that mention a value of the old or new rows."""
    data = read_citation(path)
    cited = data["release"]["version"]
    against = later or rel.latest_version(releases_dir) or cited
    name = data["query"]["name"]
    query = parse_query(data["query"]["text"], name, Path(name))
    now = _answer(releases_dir, against, query, data["parameters"])
    old_rows = Counter(json.dumps(r, ensure_ascii=False) for r in data["terms"])
    new_rows = Counter(json.dumps(r, ensure_ascii=False) for r in now["terms"])
    holds = now["answer_sha256"] == data["answer_sha256"]
    result = Recheck(cited, against, holds, now["columns"])
    if holds:
        return result
    result.gained = [_plain_row(r) for r in sorted((new_rows - old_rows).elements())]
    result.lost = [_plain_row(r) for r in sorted((old_rows - new_rows).elements())]
    values = {v for r in data["rows"] + now["rows"] for v in r if v}
    values |= {_iri(v) for r in data["terms"] + now["terms"] for v in r if v}
    result.touching = _touching(releases_dir, cited, against, values)
    return result


def _iri(term: str) -> str:
    return term[1:-1] if term.startswith("<") and term.endswith(">") else term


def _plain_row(encoded: str) -> list[str | None]:
    """A row of N-Triples terms as a person reads it."""
    out: list[str | None] = []
    for v in json.loads(encoded):
        if v is None:
            out.append(None)
        elif v.startswith("<"):
            out.append(v[1:-1])
        elif v.startswith('"'):
            out.append(json.loads(v[: v.rindex('"') + 1]))
        else:
            out.append(v)
    return out


def _change_logs(releases_dir: Path, cited: str, against: str) -> list[tuple[str, dict]]:
    """The change logs from `cited` to `against`: those of the releases between them, or
    one computed for the pair when `against` is not later in the series."""
    between = rel.versions_between(releases_dir, cited, against)
    if between:
        return [
            (v, json.loads((releases_dir / v / "changes.json").read_text(encoding="utf-8")))
            for v in between
        ]
    old = snapshot(rel.open_release(releases_dir, cited))
    new = snapshot(rel.open_release(releases_dir, against))
    return [(against, compare(old, new, cited, against))]


def _touching(releases_dir: Path, cited: str, against: str, values: set[str]) -> list[dict]:
    found = []
    for version, log in _change_logs(releases_dir, cited, against):
        for section, kind, _ in KINDS:
            for entry in log[section][kind]:
                if values & set(entry.get("mentions", ())):
                    found.append(
                        {
                            "release": version,
                            "kind": change_kind(section, kind),
                            "iri": entry.get("iri") or entry.get("new") or entry.get("entity"),
                            "label": entry.get("label", ""),
                        }
                    )
    return found


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
