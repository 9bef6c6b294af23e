"""Oxigraph's WebAssembly build, which the site's SPARQL page runs in the reader's browser.

It comes from npm (`make oxigraph-js`), never from a CDN: the site copies `web.js` and
`web_bg.wasm` into itself, so a page loads the engine from the same host as the data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from icegraph.errors import InputError

ENV = "ICEGRAPH_OXIGRAPH_JS"
FILES = ("web.js", "web_bg.wasm")
# Where `make oxigraph-js` installs it, relative to a checkout.
MAKE_DIR = Path(".venv") / "oxigraph-js" / "node_modules" / "oxigraph"
FIX = "Run `make oxigraph-js` in the icegraph checkout (npm installs it into .venv/oxigraph-js/)."


def find(given: Path | None = None) -> Path:
    """The folder holding web.js and web_bg.wasm: the one given, else $ICEGRAPH_OXIGRAPH_JS,
    else where `make oxigraph-js` puts it (from the current folder, then the checkout)."""
    if given is not None:
        candidates = [given]
    elif os.environ.get(ENV):
        candidates = [Path(os.environ[ENV])]
    else:
        checkout = Path(__file__).resolve().parents[3]
        candidates = [MAKE_DIR, checkout / MAKE_DIR]
    for folder in candidates:
        for inner in (folder, folder / "node_modules" / "oxigraph"):
            if all((inner / f).is_file() for f in FILES):
                return inner
    raise InputError(
        "Oxigraph's WebAssembly build (web.js, web_bg.wasm) was not found in "
        + " or ".join(str(c) for c in candidates),
        field="--oxigraph-js",
        expected="a folder holding web.js and web_bg.wasm from the npm package 'oxigraph'",
        fix=FIX,
    )


def version(folder: Path) -> str:
    """The npm package's version, for the page to say which engine answers."""
    try:
        return str(json.loads((folder / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"
