"""Adding one document to a built graph, then fixing a row of it: incremental builds against
a full rebuild.

    python benchmarks/incremental.py --data DATA --out BUILD --rows N [--added 1000]
        [--check-edit]

`BUILD` must hold a build of `DATA` (benchmarks/run.py calls `measure` after its own build).
Adds a flows file of `--added` synthetic records (benchmarks/generate.py, the same systems)
that sorts after every other input, times `icegraph build` on the existing build (`s`, which
continues it), then the full rebuild of the same inputs into a fresh folder (`full_s`), and
compares the two stores quad for quad (`same_triples`): each store's N-Quads are hashed as a
multiset, so neither is held in memory. Then it changes one row of the added file (a
description, as a journalist fixing a typo would) and times the build that follows (`edit_s`,
which maps that file again from the state before it); `--check-edit` also rebuilds that in
full and compares (`edit_same_triples`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph  # noqa: E402

from benchmarks.generate import flows_file, system_count  # noqa: E402
from benchmarks.measure import run  # noqa: E402

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
    result["same_triples"] = quads_digest(out, work) == quads_digest(work / "full-rebuild", work)
    shutil.rmtree(work / "full-rebuild")
    edit_row(raw / ADDED_FILE)
    steps = [("edit_s", out, [])]
    if check_edit:
        steps.append(("edit_full_s", work / "full-rebuild", ["--full"]))
    if not _timed(steps, data, work, result):
        return result
    result["edit_ratio"] = round(result["edit_s"] / result["full_s"], 3)
    if check_edit:
        same = quads_digest(out, work) == quads_digest(work / "full-rebuild", work)
        result["edit_same_triples"] = same
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


def quads_digest(build: Path, work: Path) -> tuple[int, int]:
    """The store's quads as a multiset: their number and the sum of their hashes."""
    dumped = work / "quads.nq"
    store = pyoxigraph.Store.read_only(str((build / "store").resolve()))
    store.dump(str(dumped), pyoxigraph.RdfFormat.N_QUADS)
    del store
    total = count = 0
    with dumped.open("rb") as fh:
        for line in fh:
            if line.strip():
                count += 1
                total += int.from_bytes(hashlib.sha256(line.rstrip(b"\n")).digest()[:16], "big")
    dumped.unlink()
    return count, total % (1 << 128)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--rows", type=int, required=True, help="records in the build of --data")
    ap.add_argument("--added", type=int, default=1000)
    ap.add_argument("--check-edit", action="store_true", help="rebuild the edit in full too")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="icegraph-incremental-") as work:
        found = measure(
            args.data, args.out, Path(work), args.rows, args.added, check_edit=args.check_edit
        )
        print(json.dumps(found, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
