"""The name search's index: every entity the directory knows, with its other names, as a
small JSON file the site's script filters in the browser."""

from __future__ import annotations

import json

from pyoxigraph import Store

from icegraph.serve.directory import load_directory


def search_index(store: Store) -> tuple[bytes, int]:
    """The index as JSON ({"n": name, "a": other names, "k": kind, "p": id path}) and how
    many names it holds."""
    d = load_directory(store)
    entries = [
        {"n": e.label, "a": e.alts, "k": d.kind_labels[e.kind], "p": e.href[len("/id/") :]}
        for e in d.entries
    ]
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    return text.encode(), len(entries)
