"""Turtle, TriG and JSON-LD dumps, streamed from the store into a directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph
from pyoxigraph import RdfFormat, Store

from icegraph.namespaces import PREFIXES
from icegraph.publish.jsonld import write_jsonld
from icegraph.store import UNION, union_triples

# Up to this many triples, dumps are sorted and use prefixes: a person reads them. Beyond,
# they stream straight from the store in its own order, since sorting and prefixing would
# pass every triple through Python (about 15 µs each).
READABLE_LIMIT = 300_000


def write_turtle(store: Store, path: Path, triples: int) -> None:
    """The union of all graphs, each triple once."""
    if triples > READABLE_LIMIT:
        store.query(UNION).serialize(str(path), RdfFormat.TURTLE)
        return
    with path.open("wb") as fh:
        pyoxigraph.serialize(union_triples(store), fh, RdfFormat.TURTLE, prefixes=PREFIXES)


def write_trig(store: Store, path: Path) -> None:
    """Every named graph as it is in the store: one per input file, plus metadata."""
    store.dump(str(path), RdfFormat.TRIG, prefixes=PREFIXES)


def write_jsonld_dump(store: Store, path: Path, context: dict[str, Any], triples: int) -> int:
    source = store.query(UNION) if triples > READABLE_LIMIT else union_triples(store)
    with path.open("w", encoding="utf-8") as fh:
        return write_jsonld(source, fh, context)


def write_context(path: Path, context: dict[str, Any]) -> None:
    path.write_text(
        json.dumps({"@context": context}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def _dump_all(store_path: str, staging: str, context: dict[str, Any], triples: int, conn) -> None:
    """The dump process: every dump from a read-only view of the staged store."""
    import time

    try:
        store = Store.read_only(store_path)
        out = Path(staging)
        timings = {}
        for stage, write in (
            ("dump Turtle", lambda: write_turtle(store, out / "icegraph.ttl", triples)),
            ("dump TriG", lambda: write_trig(store, out / "icegraph.trig")),
            (
                "dump JSON-LD",
                lambda: write_jsonld_dump(store, out / "icegraph.jsonld", context, triples),
            ),  # fmt: skip
        ):
            started = time.perf_counter()
            write()
            timings[stage] = round(time.perf_counter() - started, 3)
        write_context(out / "context.jsonld", context)
        conn.send(("ok", timings))
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class DumpProcess:
    """The dumps, written in a second process while the parent validates.

    The dumps go to the staging folder, so if validation fails they are thrown away with it.
    """

    def __init__(self, store_path: Path, staging: Path, context: dict[str, Any], triples: int):
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.reader, writer = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_dump_all,
            args=(str(store_path), str(staging), context, triples, writer),
            name="icegraph-dump",
        )
        self.process.start()
        writer.close()

    def wait(self) -> dict[str, float]:
        try:
            status, payload = self.reader.recv()
        except EOFError:
            status, payload = "error", "the dump process ended without a word"
        self.process.join()
        if status != "ok":
            raise RuntimeError(f"writing the dumps failed: {payload}")
        return payload

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
