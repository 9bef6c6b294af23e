"""Which build to make: continue the previous one with the added inputs, or start again.

A build leaves, in its folder's `state/`, what the next build needs to decide and to continue
(docs/builds.md, "Incremental builds"): `manifest.json` (a fingerprint of everything that
shapes the graph besides the raw inputs, and each raw input's name, reader and sha256, all
taken as the build began), the mapper's state after the last input (produce.MapState, with
the names the inputs give), and the derived graph's findings.

The next build continues it when the fingerprints are equal and the previous inputs are, in
order, the first of this build's, unchanged: the added inputs sort after them. It then maps
only the added inputs, into a copy of the previous store. Anything else is a full build,
and the progress output and the report say why.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from icegraph import __version__, outdir
from icegraph.digests import file_sha256
from icegraph.paths import ontology_dir, shapes_dir
from icegraph.produce import DERIVED_FILE, STATE_FILE

STATE_DIR = "state"
MANIFEST = "manifest.json"
FORMAT = 1  # of the state folder; a build of another format is not continued


@dataclass
class Plan:
    """A full build, or the previous build (`previous`, its folder) continued with `added`."""

    reason: str
    fingerprints: dict[str, str] = field(default_factory=dict)  # as the build began
    previous: Path | None = None
    reused: list[str] = field(default_factory=list)
    added: list[tuple[Path, str]] = field(default_factory=list)
    dumps_prefix: list[int] | None = None

    @property
    def incremental(self) -> bool:
        return self.previous is not None

    @property
    def state(self) -> Path | None:
        return None if self.previous is None else self.previous / STATE_DIR

    def describe(self) -> str:
        if not self.incremental:
            return f"full rebuild: {self.reason}"
        added = ", ".join(p.name for p, _ in self.added) or "none"
        return f"incremental build: {len(self.reused)} input(s) reused, added: {added}"

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": "incremental" if self.incremental else "full",
            "why": self.reason,
            "reused": self.reused,
            "redone": [p.name for p, _ in self.added],
        }


def fingerprints(
    data_dir: Path, validator: str, streamed: bool, release_date: datetime.date | None = None
) -> dict[str, str]:
    """What the whole graph depends on besides the raw inputs, each as a digest: the code,
    the ontology, the shapes, each curated table, the validator and the kind of dumps."""
    package = Path(__file__).parent
    found = {
        "icegraph version": __version__,
        "code": _digest(sorted(package.rglob("*.py")), package),
        "ontology": _digest(sorted(ontology_dir().glob("*")), ontology_dir()),
        "shapes": _digest(sorted(shapes_dir().glob("*")), shapes_dir()),
        "validator": validator,
        # the reports name each input by the path it was read from
        "data folder": str(data_dir),
        "dumps": "streamed" if streamed else "sorted",
        # a public build leaves out what an internal one keeps (docs/withholding.md)
        "release date": release_date.isoformat() if release_date else "internal build",
    }
    for table in sorted(p for p in data_dir.iterdir() if p.is_file()):
        found[f"data/{table.name}"] = file_sha256(table)
    return found


def input_hashes(inputs: list[tuple[Path, str]]) -> list[list[str]]:
    return [[p.name, reader, file_sha256(p)] for p, reader in inputs]


def plan(
    out_dir: Path,
    data_dir: Path,
    inputs: list[tuple[Path, str]],
    validator: str,
    streamed: bool,
    full: bool = False,
    release_date: datetime.date | None = None,
) -> Plan:
    """Continue the build published in `out_dir`, or start again (and why)."""
    now = fingerprints(data_dir, validator, streamed, release_date)
    # the inputs as they are now, as the manifest will record them
    now["inputs"] = json.dumps(input_hashes(inputs))
    if full:
        return Plan("asked for (--full)", now)
    if release_date is not None:  # what it withholds reaches into every input's graph
        return Plan("a public build is made whole", now)
    previous = outdir.current_build(out_dir)
    if previous is None:
        return Plan("no earlier build in this folder", now)
    state = previous / STATE_DIR
    try:
        manifest = json.loads((state / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Plan("the earlier build left no state to continue from", now)
    if manifest.get("format") != FORMAT or not all(
        (state / name).is_file() for name in (STATE_FILE, DERIVED_FILE)
    ):
        return Plan("the earlier build's state is of another kind", now)
    if validator != "fast":
        return Plan("the pyshacl validator checks the whole store", now)
    before = manifest["fingerprints"]
    hashes, old = json.loads(now["inputs"]), json.loads(before.get("inputs", "[]"))
    changed = sorted(
        k for k in before.keys() | now.keys() if k != "inputs" and before.get(k) != now.get(k)
    )
    if changed:
        return Plan(", ".join(changed) + " changed", now)
    for i, (name, reader, sha) in enumerate(old):
        if i >= len(hashes) or hashes[i][0] != name:
            if name not in {h[0] for h in hashes}:
                return Plan(f"raw/{name} was removed", now)
            first = hashes[i][0]
            return Plan(f"raw/{first} sorts before raw/{name}, which the earlier build read", now)
        if hashes[i] != [name, reader, sha]:
            return Plan(f"raw/{name} changed", now)
    prefix = manifest.get("dumps_prefix")
    if streamed and (prefix is None or len(prefix) != 3):
        return Plan("the earlier build's dumps cannot be continued", now)
    return Plan(
        "only inputs were added" if len(hashes) > len(old) else "no input changed",
        now,
        previous,
        [name for name, _, _ in old],
        inputs[len(old) :],
        prefix,
    )


def write_manifest(staging: Path, how: Plan, dumps_prefix: list[int] | None) -> None:
    """The manifest that lets the next build continue this one; written last, so a state
    folder without it (the mapper stopped, the build failed) is never continued. The
    fingerprints are those taken as the build began: a file edited during the build makes
    the next build a full one."""
    manifest = {"format": FORMAT, "fingerprints": how.fingerprints, "dumps_prefix": dumps_prefix}
    path = staging / STATE_DIR / MANIFEST
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def _digest(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        if p.is_file():
            h.update(str(p.relative_to(root)).encode() + b"\0")
            h.update(p.read_bytes())
    return h.hexdigest()
