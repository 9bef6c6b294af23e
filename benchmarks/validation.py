"""The streaming validator alone, fed the mapper's blocks as a build feeds them.

    python benchmarks/generate.py --rows 100000 --seed 1 --out /tmp/ice-100k
    python benchmarks/validation.py /tmp/ice-100k

Maps the inputs in this process (produce.graph_blocks, with the build's `gc.freeze` every
FREEZE_EVERY blocks) and times only the validator's calls, with the CPU clock of this thread
as the build's `--timings` does ("validate, CPU time"): the records, the derived graph and the
end-of-build checks apart, the records deferred to the end, and the time Python's garbage
collector spent inside the validator and outside it. The dataset description's last blocks
(made from the loaded store) are left out: there is no store here.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from icegraph.catalogue import load_catalogue  # noqa: E402
from icegraph.paths import shapes_dir  # noqa: E402
from icegraph.pipeline import discover_inputs  # noqa: E402
from icegraph.produce import DERIVED_GRAPH, FREEZE_EVERY, graph_blocks  # noqa: E402
from icegraph.report import Report  # noqa: E402
from icegraph.validate.shapes_program import load_shapes  # noqa: E402
from icegraph.validate.streaming import StreamValidator  # noqa: E402


class Collections:
    """CPU time of the collector's passes, inside the validator and outside it."""

    def __init__(self) -> None:
        self.inside = False
        self.spent = {True: 0.0, False: 0.0}
        self.started = 0.0

    def __call__(self, phase: str, _info: dict) -> None:
        if phase == "start":
            self.started = time.thread_time()
        else:
            self.spent[self.inside] += time.thread_time() - self.started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path, help="a folder made by benchmarks/generate.py")
    args = ap.parse_args()
    cat = load_catalogue(args.data)
    validator = StreamValidator(load_shapes(shapes_dir()))
    gc.freeze()
    collections = Collections()
    gc.callbacks.append(collections)
    spent = {"records": 0.0, "derived graph": 0.0, "end": 0.0}
    part = "records"
    records = deferred = 0
    started = time.thread_time()
    blocks = graph_blocks(cat, discover_inputs(args.data), Report(), None)
    for count, block in enumerate(blocks, start=1):
        if count % FREEZE_EVERY == 0:
            gc.freeze()
        if "check" not in block.send:
            continue
        if block.graph == DERIVED_GRAPH and part == "records":
            part = "derived graph"
            records, deferred = validator.blocks_checked, validator.blocks_deferred
        t = time.thread_time()
        collections.inside = True
        validator.add(block.triples + block.context, block.minted)
        collections.inside = False
        spent[part] += time.thread_time() - t
    t = time.thread_time()
    collections.inside = True
    found = validator.results()
    collections.inside = False
    spent["end"] = time.thread_time() - t
    total = sum(spent.values())
    print(f"records checked as they were mapped: {records:,}, deferred to the end: {deferred:,}")
    print(
        f"validator CPU: {total:.2f} s ("
        + ", ".join(f"{k} {v:.2f} s" for k, v in spent.items())
        + f"), {len(found)} finding(s)"
    )
    print(
        f"garbage collection: {collections.spent[True]:.2f} s inside the validator, "
        f"{collections.spent[False]:.2f} s outside; the whole process "
        f"{time.thread_time() - started:.1f} s of CPU"
    )


if __name__ == "__main__":
    main()
