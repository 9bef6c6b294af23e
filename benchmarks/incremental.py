"""Adding one document to a built graph, then fixing a row of it: incremental builds against
a full rebuild.

    python benchmarks/incremental.py --data DATA --out BUILD --rows N [--added 1000]
        [--check-edit]

`BUILD` must hold a build of `DATA` (benchmarks/run.py calls `measure` after its own build).
Adds a flows file of `--added` synthetic records (benchmarks/generate.py, the same systems)
that sorts after every other input, times `icegraph build` on the existing build (`s`, which
continues it), then the full rebuild of the same inputs into a fresh folder (`full_s`), and
compares the two builds quad for quad (`same_triples`, `same_graphs`: their dumps as
streamed multisets of lines, checked against their stores without reading the stores
whole). Then it changes one row of the added file (a description, as a journalist fixing a
typo would) and times the build that follows (`edit_s`, which maps that file again from the
state before it); `--check-edit` also rebuilds that in full and compares
(`edit_same_triples`).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph  # noqa: E402

from benchmarks.generate import flows_file, system_count  # noqa: E402
from benchmarks.measure import installed_bytecode, run  # noqa: E402

PY = sys.executable
ADDED_FILE = "flows-900-added.txt"  # after flows-000.txt …: the build can continue


def measure(
    data: Path,
    out: Path,
    work: Path,
    rows: int,
    added: int = 1000,
    seed: int = 1,
    check_edit: bool = False,
) -> dict:
    """Time adding `added` records to the build of `rows` records in `out`, then fixing one."""
    raw = data / "raw"
    flows_file(raw / ADDED_FILE, random.Random(seed + 900), rows, added, system_count(rows))
    result: dict = {"added_records": added}
    steps = [("s", out, []), ("full_s", work / "full-rebuild", ["--full"])]
    if not _timed(steps, data, work, result):
        return result
    result["ratio"] = round(result["s"] / result["full_s"], 3)
    started = time.perf_counter()
    result["same_triples"], why = same_graphs(out, work / "full-rebuild")
    result["same_triples_s"] = round(time.perf_counter() - started, 2)
    if why:
        result["same_triples_why"] = why
    shutil.rmtree(work / "full-rebuild")
    edit_row(raw / ADDED_FILE)
    steps = [("edit_s", out, [])]
    if check_edit:
        steps.append(("edit_full_s", work / "full-rebuild", ["--full"]))
    if not _timed(steps, data, work, result):
        return result
    result["edit_ratio"] = round(result["edit_s"] / result["full_s"], 3)
    if check_edit:
        result["edit_same_triples"], why = same_graphs(out, work / "full-rebuild")
        if why:
            result["edit_same_triples_why"] = why
    return result


def _timed(steps: list[tuple[str, Path, list[str]]], data: Path, work: Path, result: dict) -> bool:
    """Run each build, its time, stages and mode into `result`; False when one failed."""
    for key, target, extra in steps:
        timings = work / f"timings-{key}.json"
        cmd = [PY, "-m", "icegraph.cli", "build", "--quiet", "--data", str(data)]
        done = run([*cmd, "--out", str(target), "--timings", str(timings), *extra])
        if done.returncode != 0:
            result["error"] = done.stderr[-500:]
            return False
        result[key] = round(done.seconds, 2)
        result[f"{key.removesuffix('s')}stages_s"] = json.loads(timings.read_text())
        report = json.loads((target / "report.json").read_text(encoding="utf-8"))
        result[f"{key.removesuffix('s')}mode"] = report["build"]["mode"]
    return True


def edit_row(path: Path) -> None:
    """One row's description changed, as a journalist fixing a typo would."""
    text = path.read_text(encoding="utf-8")
    for old, new in ((" from within ", " from inside "), (" related to ", " relating to ")):
        if old in text:
            path.write_text(text.replace(old, new, 1), encoding="utf-8")
            return
    raise ValueError(f"{path}: no description to edit")


Digest = dict[str, tuple[int, int]]  # graph → (statements, sum of their hashes)
MASK = (1 << 64) - 1


class _Summing:
    """Lines written to it, each hashed into the digest of `graph` (or of the graph each
    TriG block opens, when `graph` is None). The sum of hashes is a multiset digest: the
    order of the lines does not matter, a line more, less or changed does. `hash` of bytes
    is keyed per process, so digests are compared within one process only."""

    def __init__(self, graph: str | None = None) -> None:
        self.digest: Digest = {}
        self.graph = graph or ""
        self.blocks = graph is None
        self.rest = b""

    def write(self, data: bytes) -> int:
        chunk = self.rest + bytes(data)
        cut = chunk.rfind(b"\n") + 1
        self.rest = chunk[cut:]
        if not self.blocks:
            self._add(chunk[:cut])
            return len(data)
        # a triple's line ends with " .": only a block's first line ends with " {", only
        # its last is "}"; found by the bytes' own search, the lines are not looked at
        pos = 0
        while pos < cut:
            head, end = chunk.find(b" {\n", pos, cut), chunk.find(b"}\n", pos, cut)
            if end >= 0 and (head < 0 or end < head):
                self._add(chunk[pos:end])
                pos = end + 2
            elif head >= 0:
                line = chunk.rfind(b"\n", pos, head) + 1 or pos
                self._add(chunk[pos:line])
                self.graph = chunk[line:head].decode()
                pos = head + 3
            else:
                self._add(chunk[pos:cut])
                break
        return len(data)

    def _add(self, text: bytes) -> None:
        lines = text.split(b"\n")
        lines.pop()  # after the last line break
        if not lines:
            return
        n, total = self.digest.get(self.graph, (0, 0))
        self.digest[self.graph] = (n + len(lines), (total + sum(map(hash, lines))) & MASK)

    def flush(self) -> None:
        pass

    def close(self) -> Digest:
        if self.rest:
            self.write(b"\n")
        return self.digest


def dump_digest(trig: Path) -> Digest:
    """Each graph's digest from a streamed TriG dump: blocks of one N-Triples line a triple
    (produce.py), read in chunks, never parsed, never held."""
    summing = _Summing()
    with trig.open("rb") as fh:
        if fh.read(1) != b"<":
            raise ValueError(f"{trig} is not a streamed dump (one triple a line)")
        fh.seek(0)
        while chunk := fh.read(1 << 24):
            summing.write(chunk)
    return summing.close()


def canonical(lines: bytes) -> bytes:
    """N-Triples lines as the store's serialiser writes them."""
    triples = pyoxigraph.parse(input=lines, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES) or b""


def graph_lines(trig: Path, graph: str) -> bytes:
    """The lines of one graph's blocks in a streamed TriG dump."""
    out, inside = [], False
    head, end = f"{graph} {{\n".encode(), b"}\n"
    with trig.open("rb") as fh:
        for line in fh:
            if inside:
                if line == end:
                    inside = False
                else:
                    out.append(line)
            elif line == head:
                inside = True
    return b"".join(out)


def store_counts(store: pyoxigraph.Store) -> dict[str, int]:
    """Statements per named graph, counted by the store without reading a term."""
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    return {str(r[0]): int(r[1].value) for r in store.query(query)}  # type: ignore[union-attr]


# The graphs an incremental build changes in its store by difference (removing and adding
# statements), while its dumps get them whole: where store and dumps could part.
CHANGED_BY_DIFFERENCE = (
    "<https://w3id.org/icegraph/graph/derived>",
    "<https://w3id.org/icegraph/graph/resolved>",
)


def same_graphs(incremental: Path, full: Path) -> tuple[bool, str]:
    """Whether two builds (the incremental one first) hold the same quads, and if not,
    where they part.

    Reading every quad back from a large store costs about 15 µs (over 20 minutes for the
    two stores of a million records). So: the two TriG dumps are compared as multisets of
    (graph, triple) lines, streamed; each store holds as many statements in each graph as
    its dump (counted in the store, no term read); and the graphs the incremental build
    changed in its store by difference, where store and dump could part, are read from its
    store and compared with its dump, triple for triple. The rest of each store was loaded
    from the very stream its dump was written from."""
    dumps = {}
    for name, build in (("incremental", incremental), ("full", full)):
        dumps[name] = dump_digest(build / "icegraph.trig")
        store = pyoxigraph.Store.read_only(str((build / "store").resolve()))
        counts = {g: n for g, (n, _) in dumps[name].items()}
        if store_counts(store) != counts:
            return False, f"the {name} build's store and dump differ in their counts"
        if name == "incremental":
            for graph in CHANGED_BY_DIFFERENCE:
                stored = _Summing(graph)
                store.dump(
                    cast(IO[bytes], stored),
                    pyoxigraph.RdfFormat.N_TRIPLES,
                    from_graph=pyoxigraph.NamedNode(graph[1:-1]),
                )
                dumped = _Summing(graph)
                dumped.write(canonical(graph_lines(build / "icegraph.trig", graph)))
                if stored.close() != dumped.close():
                    return False, f"the incremental build's store and dump differ in {graph}"
        del store
    if dumps["incremental"] != dumps["full"]:
        parted = sorted(
            g
            for g in dumps["full"].keys() | dumps["incremental"].keys()
            if dumps["full"].get(g) != dumps["incremental"].get(g)
        )
        return False, f"the two builds differ in {', '.join(parted)}"
    return True, ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rows", type=int, required=True, help="records in the build of --data")
    ap.add_argument("--added", type=int, default=1000)
    ap.add_argument("--check-edit", action="store_true", help="rebuild the edit in full too")
    args = ap.parse_args()
    installed_bytecode()
    with tempfile.TemporaryDirectory(prefix="icegraph-incremental-") as work:
        found = measure(
            args.data, args.out, Path(work), args.rows, args.added, check_edit=args.check_edit
        )
        print(json.dumps(found, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
