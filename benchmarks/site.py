"""The static site's size, its making, and the in-browser query's time to first result.

    python benchmarks/site.py --release releases/1.0 --full --out /tmp/site-bench
    python benchmarks/site.py --release /tmp/big/releases/1.0 --sample 40

With --full: generate the whole site (`icegraph site`) and report files, bytes and seconds.
Always: count the identifiers (the pages to write) and time --sample entity pages through the
server's page code at random, to estimate the whole site's making; then, with chromium, open a
page that runs the site's own script (static/site.js, Oxigraph's WebAssembly build and the
release's TriG, from a plain static server) and time a catalogue question from the click to
its rows: loading the engine and the data, and the query.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402

from icegraph.namespaces import ID, PREFIXES  # noqa: E402
from icegraph.queries import catalogue  # noqa: E402
from icegraph.serve.app import ServeConfig, create_app  # noqa: E402
from icegraph.site import oxigraph_js  # noqa: E402
from icegraph.site.generate import generate_site, subjects  # noqa: E402

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

QUESTION = "receives-icm-data"
PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="static/site.js"></script></head><body><p id="done"></p></body></html>"""


def sample_pages(release: Path, n: int) -> dict:
    app = create_app(ServeConfig(release / "store", workers=1))
    ids = subjects(app.state.store)
    chosen = random.Random(1).sample(ids, min(n, len(ids)))
    with TestClient(app, base_url="http://bench") as client:
        started = time.perf_counter()
        for iri in chosen:
            client.get("/id/" + iri[len(ID) :], headers={"Accept": "text/html"})
            client.get("/graph/" + iri[len(ID) :], headers={"Accept": "text/html"})
        per = (time.perf_counter() - started) / len(chosen)
    return {
        "identifiers": len(ids),
        "quads": len(app.state.store),
        "page_and_graph_s": round(per, 3),
        "estimated_pages_s": round(per * len(ids)),
    }


def browser_time(release: Path, work: Path) -> dict:
    """The site's own script answering a catalogue question in chromium, from a click."""
    from playwright.sync_api import sync_playwright

    engine = oxigraph_js.find()
    (work / "static" / "oxigraph").mkdir(parents=True)
    (work / "dumps").mkdir()
    for f in oxigraph_js.FILES:
        shutil.copyfile(engine / f, work / "static" / "oxigraph" / f)
    trig = release / "icegraph.trig"
    (work / "dumps" / "icegraph.trig").symlink_to(trig.resolve())
    config = {"release": "bench", "data": "dumps/icegraph.trig", "dataBytes": trig.stat().st_size,
              "quads": 0, "limit": 1 << 40, "engine": oxigraph_js.version(engine),
              "timeout": 600}  # fmt: skip
    script = (ROOT / "src" / "icegraph" / "site" / "static" / "site.js").read_text()
    (work / "static" / "site.js").write_text(script.replace("/*CONFIG*/{}", json.dumps(config)))
    worker = ROOT / "src" / "icegraph" / "site" / "static" / "sparql-worker.js"
    shutil.copyfile(worker, work / "static" / "sparql-worker.js")
    (work / "bench.html").write_text(PAGE)
    q = next(q for q in catalogue() if q.name == QUESTION)
    prefixes = "".join(f"PREFIX {p}: <{i}>\n" for p, i in PREFIXES.items())
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(work),
         str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(1)
        with sync_playwright() as p:
            chromium = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--headless", "--no-sandbox"]
            )
            page = chromium.new_page()
            page.goto(f"http://127.0.0.1:{port}/bench.html")
            started = time.perf_counter()
            rows = page.evaluate(
                "async (q) => (await window.icegraphLocal.select(q)).results.bindings.length",
                prefixes + q.bound(),
            )
            total = time.perf_counter() - started
            timings = page.evaluate("window.icegraphTimings")
            again = time.perf_counter()
            page.evaluate(
                "async (q) => (await window.icegraphLocal.select(q)).head", prefixes + q.bound()
            )
            second = time.perf_counter() - again
            chromium.close()
    finally:
        server.terminate()
        server.wait()
    return {
        "trig_bytes": trig.stat().st_size,
        "question": QUESTION,
        "rows": rows,
        "first_result_s": round(total, 2),
        "engine_and_data_load_s": round(timings["loadMs"] / 1000, 2),
        "quads_in_browser": timings["quads"],
        "second_query_s": round(second, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--release", type=Path, required=True, help="A release folder.")
    ap.add_argument("--full", action="store_true", help="Generate the whole site too.")
    ap.add_argument("--out", type=Path, default=None, help="Where --full writes the site.")
    ap.add_argument("--sample", type=int, default=40, help="Entity pages timed at random.")
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    result: dict = {"release": str(args.release)}
    with tempfile.TemporaryDirectory() as tmp:
        if args.full:
            site = generate_site(args.release, args.out or Path(tmp) / "site", None)
            result.update(
                site_files=site.files, site_bytes=site.bytes, site_s=round(site.seconds, 1),
                pages=site.pages,
            )  # fmt: skip
        result.update(sample_pages(args.release, args.sample))
        if not args.no_browser and shutil.which("chromium"):
            result.update(browser_time(args.release, Path(tmp) / "browser"))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
