"""The whole pipeline at several sizes, with its peers measured in the same run.

    python benchmarks/run.py --rows 10000,100000 [--json results.json]

For each size: generate synthetic inputs (benchmarks/generate.py), run `icegraph build` and
time every stage and the peak memory of all its processes, compact the store as `--optimize`
does (timed apart) and time each catalogue query on it, and "whose data reaches X" for a few
systems drawn at random; then, on the same output, the peers:
the `oxigraph` CLI bulk-loading the same N-Quads (the floor for loading) and the naive stack
(rdflib + pyshacl + rdflib serialisers, up to --naive-max rows and --naive-timeout seconds).
The build's findings are compared with pyshacl's (where the naive stack runs) and with the
same shapes checked over the whole stored graph at once (up to --check-validation-max rows).
Prints one table with ratios.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyoxigraph  # noqa: E402
from tests.servers import oxigraph_binary  # noqa: E402

from benchmarks import incremental  # noqa: E402
from benchmarks.generate import system_count, system_name  # noqa: E402
from benchmarks.measure import installed_bytecode, run  # noqa: E402
from icegraph.queries import catalogue, stream_select  # noqa: E402
from icegraph.result_text import PAGE  # noqa: E402

PY = sys.executable
OPTIMIZE = "import sys, pyoxigraph; pyoxigraph.Store(sys.argv[1]).optimize()"


def bench(
    rows: int, work: Path, args: argparse.Namespace, save: Callable[[dict], None] = lambda r: None
) -> dict:
    """One size, measured; `save` is given the figures so far after each step, so a run
    stopped part way (a million records takes the best part of an hour) still leaves them."""
    data, out = work / "data", work / "build"
    t = time.perf_counter()
    gen = run(
        [
            PY,
            str(ROOT / "benchmarks" / "generate.py"),
            "--rows",
            str(rows),
            "--seed",
            str(args.seed),
            "--out",
            str(data),
        ]
    )
    assert gen.returncode == 0, gen.stderr
    result: dict = {"rows": rows, "generate_s": round(time.perf_counter() - t, 2)}
    # what this size leaves out, and why, so a missing figure is never read as a failure
    skipped: dict[str, str] = {}
    result["skipped"] = skipped
    harness = Harness()
    result["harness_s"] = harness.seconds

    timings = work / "timings.json"
    cmd = [PY, "-m", "icegraph.cli", "build", "--quiet", "--data", str(data), "--out", str(out)]
    build = run([*cmd, "--timings", str(timings)], timeout=args.build_timeout)
    result["icegraph"] = {
        "total_s": round(build.seconds, 2),
        "cpu_s": round(build.cpu_s, 2),
        "peak_mib": round(build.peak_mib),
        "ok": build.returncode == 0,
        "stages_s": json.loads(timings.read_text()) if timings.exists() else {},
    }
    if build.returncode != 0:
        result["icegraph"]["error"] = build.stderr[-500:]
        return result

    print(
        f"{rows:,} records: build {build.seconds:.1f} s, {result['icegraph']['stages_s']}",
        flush=True,
    )
    save(result)
    # what `icegraph build --optimize` adds, timed apart: the compaction a server wants
    compact = run([PY, "-c", OPTIMIZE, str(out / "store")])
    assert compact.returncode == 0, compact.stderr
    result["optimize_s"] = round(compact.seconds, 2)
    with harness.step("catalogue queries"):
        result["queries"] = {
            q.name: timed_query(out / "store", q.name, args.query_timeout) for q in catalogue()
        }
    # "whose data reaches X" for systems drawn at random, beside the catalogue's default (ICM)
    picked = random.Random(args.seed).sample(range(system_count(rows)), args.reach_samples)
    with harness.step("reachability queries"):
        result["reachability"] = {
            system_name(k): timed_query(
                out / "store", "reaches-system", args.query_timeout, {"system": system_name(k)}
            )
            for k in sorted(picked)
        }
    save(result)
    # the peers read the same quads as N-Quads, converted from the published TriG (reading
    # them back out of the on-disk store would take longer than the build)
    nq = work / "build.nq"
    with harness.step("convert TriG to N-Quads"):
        to_nquads(out / "icegraph.trig", nq)
    with harness.step("count quads"):
        result["quads"] = count_lines(nq)
    with harness.step("read the build's findings"):
        ours = _our_findings(out)
    cpu = result["icegraph"]["stages_s"].get("validate, CPU time")
    result["validation"] = {"findings": len(ours), "cpu_s": cpu}
    if rows <= args.check_validation_max:
        with harness.step("check the whole stored graph at once"):
            result["validation"]["same_as_whole_graph"] = _whole_graph_findings(out) == ours
    else:
        skipped["validation.same_as_whole_graph"] = (
            f"{rows:,} records > --check-validation-max {args.check_validation_max:,}"
        )

    binary = oxigraph_binary()
    if binary:
        load = run([binary, "load", "--location", str(work / "ox"), "--file", str(nq)])
        result["oxigraph_cli_load"] = {
            "s": round(load.seconds, 2),
            "cpu_s": round(load.cpu_s, 2),
            "peak_mib": round(load.peak_mib),
            "ok": load.returncode == 0,
        }
        if load.returncode == 0:
            result["ratios"] = {
                "total_over_oxigraph_cli_load": round(build.seconds / load.seconds, 2),
                "cpu_over_oxigraph_cli_load": round(build.cpu_s / load.cpu_s, 2)
                if load.cpu_s
                else None,
            }
        shutil.rmtree(work / "ox", ignore_errors=True)  # gigabytes at a million records
        save(result)
    else:
        skipped["oxigraph_cli_load"] = "the oxigraph CLI is not installed (pip install oxigraph)"

    if rows <= args.naive_max:
        naive_t = work / "naive.json"
        script = str(ROOT / "benchmarks" / "naive_stack.py")
        naive_cmd = [PY, script, str(nq), str(ROOT / "shapes"), str(work / "naive"), str(naive_t)]
        naive = run(naive_cmd, timeout=args.naive_timeout)
        stages = json.loads(naive_t.read_text()) if naive_t.exists() else {}
        result["naive"] = {
            "total_s": round(naive.seconds, 2),
            "peak_mib": round(naive.peak_mib),
            "finished": naive.returncode == 0,
            "stages_s": stages,
        }
        if naive.returncode == 0:
            mine = set(pyoxigraph.parse(path=str(out / "icegraph.ttl")))
            theirs = set(pyoxigraph.parse(path=str(work / "naive" / "naive.ttl")))
            result["naive"]["same_triples"] = mine == theirs
            pyshacl_found = json.loads((work / "naive" / "findings.json").read_text())
            result["validation"]["same_as_pyshacl"] = {tuple(f) for f in pyshacl_found} == ours
    else:
        skipped["naive"] = f"{rows:,} records > --naive-max {args.naive_max:,}"
    nq.unlink()
    save(result)
    # last: it adds a file to the data and continues the build in `out`
    with harness.step("incremental (benchmarks/incremental.py)"):
        result["incremental"] = incremental.measure(data, out, work, rows, seed=args.seed)
    print(f"{rows:,} records: adding a file {result['incremental']}", flush=True)
    return result


class Harness:
    """Seconds this script spends between the measured commands, step by step: at a million
    records its own work must stay small beside the build it measures."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - t, 2)


def to_nquads(trig: Path, nq: Path) -> None:
    """The TriG dump as N-Quads: by the oxigraph CLI where installed (a stream in Rust, tens
    of seconds for 29 million quads), else through pyoxigraph's Python objects (minutes)."""
    binary = oxigraph_binary()
    if binary:
        done = subprocess.run(
            [binary, "convert", "--from-file", str(trig), "--to-file", str(nq)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"oxigraph convert {trig} failed: {done.stderr[-500:]}")
        return
    quads = pyoxigraph.parse(path=str(trig), format=pyoxigraph.RdfFormat.TRIG)
    pyoxigraph.serialize(quads, str(nq), pyoxigraph.RdfFormat.N_QUADS)


def count_lines(path: Path) -> int:
    """Lines of a file, read in blocks (one N-Quads statement a line)."""
    count = 0
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            count += block.count(b"\n")
    return count


def _our_findings(out: Path) -> set[tuple]:
    """What the build reported, checked record by record as it mapped."""
    report = json.loads((out / "report.json").read_text())
    return {(f["severity"], f["focus"], f["rule"], f["value"]) for f in report["validation"]}


def _whole_graph_findings(out: Path) -> set[tuple]:
    """The same shapes over the whole stored graph at once: what record-by-record checking
    must agree with."""
    from icegraph.paths import shapes_dir
    from icegraph.validate.shapes_program import load_shapes
    from icegraph.validate.streaming import validate_store_fast

    store = pyoxigraph.Store.read_only(str(out / "store"))
    found = validate_store_fast(store, load_shapes(shapes_dir()))
    return {(r.severity, r.focus, r.shape.rsplit("#", 1)[-1], r.value) for r in found}


def _ratio(num: float | None, den: float | None) -> str:
    return f"{num / den:,.1f}×" if num and den else "—"


def _query_child(store: str, name: str, params: dict[str, str] | None, conn) -> None:
    from icegraph.queries import find_query

    s = pyoxigraph.Store.read_only(store)
    t = time.perf_counter()
    _names, rows = stream_select(s, find_query(name), params)
    count = 0
    for _row in rows:
        count += 1
        if count == PAGE:
            conn.send(("first page", time.perf_counter() - t))  # told before the rest is read
    conn.send(("done", time.perf_counter() - t, count))


def timed_query(
    store: Path, name: str, timeout: float, params: dict[str, str] | None = None
) -> dict:
    """One catalogue query in its own process, stopped after `timeout` seconds: the seconds
    to its last row (`s`) and to its first page of rows (`first_page_s`: the first 100, as
    `icegraph query` shows them; the whole answer when it is shorter)."""
    ctx = mp.get_context("spawn")
    reader, writer = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_query_child, args=(str(store), name, params, writer))
    proc.start()
    writer.close()
    deadline = time.monotonic() + timeout
    first_page = None
    while reader.poll(max(0.0, deadline - time.monotonic())):
        try:
            said = reader.recv()
        except EOFError:  # the query failed in its process: no figure, the rest go on
            break
        if said[0] == "first page":
            first_page = round(said[1], 3)
            continue
        proc.join()
        seconds, count = round(said[1], 3), said[2]
        return {"s": seconds, "first_page_s": first_page or seconds, "rows": count}
    proc.kill()
    proc.join()
    return {"s": None, "first_page_s": first_page, "rows": None, "timeout_s": timeout}


def table(results: list[dict]) -> str:
    lines = []
    for r in results:
        ice = r["icegraph"]
        naive = r.get("naive", {})
        lines.append(f"\n{r['rows']:,} records — {r.get('quads', 0):,} quads")
        lines.append(f"{'stage':34} {'icegraph s':>11} {'naive s':>9} {'naive/icegraph':>15}")
        theirs = naive.get("stages_s", {})
        for stage, secs in ice["stages_s"].items():
            key = "load" if stage.startswith("read, repair") else stage
            # "validate (while mapping)" against "validate", and so on
            other = next((v for k, v in theirs.items() if key.startswith(k)), None)
            shown = f"{other:.2f}" if other is not None else "—"
            lines.append(f"{stage:34} {secs:11.2f} {shown:>9} {_ratio(other, secs):>15}")
        total = naive.get("total_s") if naive.get("finished") else None
        shown = f"{total:.2f}" if total is not None else "n/a"
        ratio = _ratio(total, ice["total_s"])
        lines.append(f"{'end to end':34} {ice['total_s']:11.2f} {shown:>9} {ratio:>15}")
        ox = r.get("oxigraph_cli_load")
        if ox:
            lines.append(
                f"oxigraph CLI bulk load of the same N-Quads: {ox['s']:.2f} s; icegraph end to "
                f"end is {ice['total_s'] / ox['s']:.2f}× that floor"
            )
            if ox.get("cpu_s") and ice.get("cpu_s"):
                lines.append(
                    f"CPU time, all processes: icegraph {ice['cpu_s']:.1f} s, oxigraph CLI "
                    f"{ox['cpu_s']:.1f} s ({ice['cpu_s'] / ox['cpu_s']:.2f}×)"
                )
        memory = f"peak memory: icegraph {ice['peak_mib']} MiB"
        if naive:
            memory += f", naive stack {naive['peak_mib']} MiB"
        lines.append(memory)
        if "same_triples" in naive:
            lines.append(f"same triples as the naive stack: {naive['same_triples']}")
        checks = r.get("validation", {})
        if checks:
            line = f"validation: {checks['findings']} finding(s)"
            if checks.get("cpu_s") is not None:
                line += f", {checks['cpu_s']:.1f} s of CPU"
            if "same_as_pyshacl" in checks:
                line += f"; exactly pyshacl's: {checks['same_as_pyshacl']}"
            if "same_as_whole_graph" in checks:
                line += (
                    f"; same as checking the whole graph at once: {checks['same_as_whole_graph']}"
                )
            lines.append(line)
        if "optimize_s" in r:
            took = f"{r['optimize_s']:.1f} s"
            lines.append(f"queries, on the store compacted as by --optimize ({took}):")
        timed = list(r.get("queries", {}).items())
        timed += [(f"reaches-system {x}", q) for x, q in r.get("reachability", {}).items()]
        for name, q in timed:
            if q["s"] is None:
                first = q.get("first_page_s")
                shown = f"; first page {first * 1000:.0f} ms" if first is not None else ""
                lines.append(f"  query {name:34} stopped after {q['timeout_s']:.0f} s{shown}")
            else:
                first = f"first page {q['first_page_s'] * 1000:8.1f} ms"
                lines.append(
                    f"  query {name:34} {q['s'] * 1000:8.1f} ms  {first}  ({q['rows']} rows)"
                )
        for what, why in r.get("skipped", {}).items():
            lines.append(f"skipped: {what} ({why})")
        spent = ", ".join(f"{k} {v:.1f} s" for k, v in r.get("harness_s", {}).items())
        if spent:
            lines.append(f"this script's own steps: {spent}")
    return "\n".join(lines)


def _write(path: Path, results: list[dict], complete: bool = False) -> None:
    """The figures so far, replacing the file in one step; `complete` once every size is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for r in results:
        r["complete"] = complete or r is not results[-1]
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(part, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="10000", help="Comma-separated sizes, e.g. 10000,100000.")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--naive-max", type=int, default=10_000)
    ap.add_argument("--naive-timeout", type=float, default=600)
    ap.add_argument(
        "--check-validation-max",
        type=int,
        default=10_000,
        help="Up to this size, also check the whole stored graph at once and compare (at "
        "100,000 records that takes a minute of CPU and, on a busy machine, over ten of wall "
        "time, in this script's own process).",
    )
    ap.add_argument("--build-timeout", type=float, default=3600)
    ap.add_argument("--query-timeout", type=float, default=60, help="Seconds per query.")
    ap.add_argument(
        "--reach-samples",
        type=int,
        default=3,
        help="Systems drawn at random for 'whose data reaches X' (reaches-system).",
    )
    ap.add_argument("--json", type=Path, default=ROOT / "build" / "benchmark.json")
    ap.add_argument("--keep", action="store_true", help="Keep the generated inputs and builds.")
    args = ap.parse_args()
    installed_bytecode()
    results = []
    for rows in (int(r) for r in args.rows.split(",")):
        work = Path(tempfile.mkdtemp(prefix=f"icegraph-bench-{rows}-"))
        try:
            results.append(bench(rows, work, args, lambda r: _write(args.json, [*results, r])))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        print(table(results[-1:]), flush=True)
    _write(args.json, results, complete=True)
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
