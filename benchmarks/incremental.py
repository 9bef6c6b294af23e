"""Adding one document to a built graph: the incremental build against a full rebuild.

    python benchmarks/incremental.py --data DATA --out BUILD [--added 1000]

`BUILD` must hold a build of `DATA` (benchmarks/run.py calls `measure` after its own build).
Adds a flows file of `--added` synthetic records (benchmarks/generate.py, the same systems)
that sorts after every other input, times `icegraph build` on the existing build (`s`, which
continues it), then the full rebuild of the same inputs into a fresh folder (`full_s`), and
compares the two stores quad for quad (`same_triples`): each store's N-Quads are hashed as a
multiset, so neither is held in memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
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


def measure(data: Path, out: Path, work: Path, rows: int, added: int = 1000, seed: int = 1) -> dict:
    """Time adding `added` records to the build of `rows` records in `out`."""
    raw = data / "raw"
    flows_file(raw / ADDED_FILE, random.Random(seed + 900), rows, added, system_count(rows))
    result: dict = {"added_records": added}
    for key, target, extra in (("s", out, []), ("full_s", work / "full-rebuild", ["--full"])):
        timings = work / f"timings-{key}.json"
        cmd = [PY, "-m", "icegraph.cli", "build", "--quiet", "--data", str(data)]
        done = run([*cmd, "--out", str(target), "--timings", str(timings), *extra])
        if done.returncode != 0:
            result["error"] = done.stderr[-500:]
            return result
        result[key] = round(done.seconds, 2)
        result[f"{key.removesuffix('s')}stages_s"] = json.loads(timings.read_text())
        report = json.loads((target / "report.json").read_text(encoding="utf-8"))
        result[f"{key.removesuffix('s')}mode"] = report["build"]["mode"]
    result["ratio"] = round(result["s"] / result["full_s"], 3)
    result["same_triples"] = quads_digest(out, work) == quads_digest(work / "full-rebuild", work)
    return result


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
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="icegraph-incremental-") as work:
        print(json.dumps(measure(args.data, args.out, Path(work), args.rows, args.added), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
