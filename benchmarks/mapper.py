"""The mapper's loop alone: read, repair, map, check and make the lines, as a build's mapper
process does, with no loader beside it.

    python benchmarks/generate.py --rows 100000 --seed 1 --out /tmp/ice-100k
    python benchmarks/mapper.py /tmp/ice-100k --runs 3

A whole build shares its two cores between the mapper and the store's loader, so its wall
time hides what a change to the mapper's Python saves. This times that Python on its own, in
CPU seconds of this process (the least of `--runs`), and prints the sha256 of every line it
made, in order, with the number of findings: a change that should not alter the graph must
print the same digest. The dataset description (made from the loaded store) is left out.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import sys
import time
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from icegraph.catalogue import load_catalogue  # noqa: E402
from icegraph.mapping.terms import lines  # noqa: E402
from icegraph.paths import shapes_dir  # noqa: E402
from icegraph.pipeline import discover_inputs  # noqa: E402
from icegraph.produce import FREEZE_EVERY, graph_blocks  # noqa: E402
from icegraph.report import Report  # noqa: E402
from icegraph.validate.shapes_program import load_shapes  # noqa: E402
from icegraph.validate.streaming import StreamValidator  # noqa: E402


def map_once(data: Path, keep: BinaryIO | None = None) -> tuple[float, str, int]:
    """CPU seconds of one pass, the sha256 of its lines and how many findings the checks
    made; the lines are also written to `keep` when given."""
    started = time.process_time()
    cat = load_catalogue(data)
    validator = StreamValidator(load_shapes(shapes_dir()))
    gc.freeze()  # as the mapper process does once the catalogue and the shapes are read
    digest = hashlib.sha256()
    blocks = graph_blocks(cat, discover_inputs(data), Report(), None)
    for count, block in enumerate(blocks, start=1):
        if count % FREEZE_EVERY == 0:
            gc.freeze()
        if "check" in block.send:
            validator.add(block.triples + block.context, block.minted)
        text = lines(block.triples).encode()
        digest.update(text)
        if keep is not None:
            keep.write(text)
    findings = len(validator.results())
    spent = time.process_time() - started
    gc.unfreeze()
    return spent, digest.hexdigest(), findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="a data folder (raw/ and the curated tables)")
    parser.add_argument("--runs", type=int, default=1, help="passes; the least CPU is shown")
    args = parser.parse_args(argv)
    runs = [map_once(args.data) for _ in range(max(1, args.runs))]
    digests = {r[1] for r in runs}
    if len(digests) != 1:
        print("the passes made different lines: the mapping is not reproducible", file=sys.stderr)
        return 1
    cpu = min(r[0] for r in runs)
    print(f"mapper CPU {cpu:.2f} s (least of {len(runs)}); lines sha256 {runs[0][1]}; "
          f"findings {runs[0][2]}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
