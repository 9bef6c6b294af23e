"""Which build to make: continue the previous one with the added inputs, or start again.

A build leaves, in its folder's `state/`, what the next build needs to decide and to continue
(docs/builds.md, "Incremental builds"): `manifest.json` (a fingerprint of everything that
shapes the graph besides the raw inputs, and each raw input's name, reader and sha256, all
taken as the build began), the mapper's state after the last input (produce.MapState, with
the names the inputs give), and the derived graph's findings.

The next build continues it when the fingerprints are equal and the previous inputs are, in
order, the first of this build's, unchanged: the added inputs sort after them. It then maps
only the added inputs, into a copy of the previous store.

An incremental build also keeps the state it started from as a checkpoint (`before-N/`, the
state after the first N inputs; hard links, no copies), and the checkpoints before it that
still hold. When an input is changed or removed, or one is added that sorts before inputs
already built, the next build rewinds to the latest checkpoint before the first such input:
it drops the later inputs' graphs from the copied store and maps them again. Anything else
is a full build, and the progress output and the report say why.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from icegraph import __version__, outdir
from icegraph.digests import file_sha256
from icegraph.paths import ontology_dir, shapes_dir
from icegraph.produce import DERIVED_FILE, STATE_FILE, checkpoint_dir
from icegraph.publish.dumps import as_written

STATE_DIR = "state"
MANIFEST = "manifest.json"
FORMAT = 3  # of the state folder; a build of another format is not continued
# Checkpoints kept: each holds the mapper's state (about 30 MB at 100,000 records); the
# newest are those a journalist editing what she just added rewinds to.
CHECKPOINTS = 3


@dataclass
class Plan:
    """A full build, or the previous build (`previous`, its folder) continued with `added`."""

    reason: str
    fingerprints: dict[str, str] = field(default_factory=dict)  # as the build began
    previous: Path | None = None
    reused: list[str] = field(default_factory=list)
    added: list[tuple[Path, str]] = field(default_factory=list)
    dumps_prefix: list[int] | None = None
    # where the derived graph lies in the previous build's streamed Turtle dump: the dumps
    # keep its lines but those the build removes (publish/dumps.py)
    dumps_derived: list[int] | None = None
    # a rewind: the checkpoint resumed from (a folder under the previous state), and the
    # previous build's inputs whose graphs are dropped and made again
    checkpoint: str | None = None
    dropped: list[str] = field(default_factory=list)
    # the checkpoints this build keeps: the previous build's that still hold, and, when it
    # continues the previous build's last state, that state
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    # the sha256 state after each dump's first part, where it was kept and the earlier
    # dumps are as their build wrote them (publish/dumps.py: Seed)
    dumps_states: list[str | None] | None = None

    @property
    def incremental(self) -> bool:
        return self.previous is not None

    @property
    def rewound(self) -> bool:
        return self.checkpoint is not None

    @property
    def state(self) -> Path | None:
        """The state folder the mapper resumes from."""
        if self.previous is None:
            return None
        state = self.previous / STATE_DIR
        return state if self.checkpoint is None else state / self.checkpoint

    def describe(self) -> str:
        if not self.incremental:
            return f"full rebuild: {self.reason}"
        mapped = ", ".join(p.name for p, _ in self.added) or "none"
        if self.rewound:
            return (
                f"incremental build: {len(self.reused)} input(s) reused, mapped again: "
                f"{mapped} ({self.reason})"
            )
        return f"incremental build: {len(self.reused)} input(s) reused, added: {mapped}"

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
        return Plan(_why_full(changed, before, now), now)
    derived = manifest.get("dumps_derived")
    if streamed and (not isinstance(derived, list) or len(derived) != 2):
        return Plan("the earlier build's dumps cannot be continued", now)
    first, why = _first_difference(old, hashes)
    kept = [
        c for c in manifest.get("checkpoints", [])
        if len(c["inputs"]) <= first and c["inputs"] == hashes[: len(c["inputs"])]
    ]  # fmt: skip
    if why is not None:
        plan = _rewind(why, now, previous, old, inputs, kept, streamed)
        plan.dumps_derived = derived if plan.incremental else None
        return _with_states(plan, manifest)
    prefix = manifest.get("dumps_prefix")
    if streamed and (prefix is None or len(prefix) != 3):
        return Plan("the earlier build's dumps cannot be continued", now)
    states = manifest.get("dumps_states")
    if len(hashes) > len(old):  # the previous build's last state is this build's start
        last = {"dir": checkpoint_dir(len(old)), "inputs": old, "dumps_prefix": prefix,
                "dumps_states": states, "from": ""}  # fmt: skip
        kept = [*(c for c in kept if c["dir"] != last["dir"]), last]
    plan = Plan(
        "only inputs were added" if len(hashes) > len(old) else "no input changed",
        now,
        previous,
        [name for name, _, _ in old],
        inputs[len(old) :],
        prefix,
        derived,
        checkpoints=kept[-CHECKPOINTS:],
        dumps_states=states,
    )
    return _with_states(plan, manifest)


def _with_states(plan: Plan, manifest: dict[str, Any]) -> Plan:
    """`plan` without the hash states of the earlier dumps unless every dump is as its
    build wrote it (same size and modification time): the states are of the bytes written
    then, and a checksum from them would not be of a file changed since."""
    states = plan.dumps_states
    if (
        plan.previous is None
        or not (isinstance(states, list) and len(states) == 3)
        or manifest.get("dumps_written") != as_written(plan.previous)
    ):
        plan.dumps_states = None
    return plan


# What each curated table reaches (docs/builds.md, "Curated tables"): each reaches into the
# graphs of inputs of any age, so a change to one is a full build, and the reason says why.
REACH = {
    "entities.csv": "every input's names are resolved against it",
    "same-as.csv": "it decides which names are one entity, in every input",
    "sources.csv": "every input's citations are resolved against it",
    "corrections.csv": "a correction reaches the rows of its file, or of every file ('*')",
    "text-rules.csv": "every input's text is read with its rules",
    "document-types.csv": "every input's documents are typed with it",
    "relation-types.csv": "every input's relationships are named with it",
    "embargoes.csv": "what it withholds reaches into every input's graph",
    "retractions.csv": "what it withholds reaches into every input's graph",
    "wikidata-links.csv": "its links are checked against the entities of every input",
}


def _why_full(changed: list[str], before: dict[str, str], now: dict[str, str]) -> str:
    """`changed` fingerprints as the reason for a full build, each table with its reach."""
    parts = []
    for key in changed:
        if key == "data folder":
            parts.append(_folder_named(before.get(key), now[key]))
            continue
        reach = REACH.get(key.removeprefix("data/")) if key.startswith("data/") else None
        parts.append(f"{key} changed" + (f" ({reach})" if reach else ""))
    return ", ".join(parts)


def _folder_named(then: str | None, now: str) -> str:
    """The data folder changed, or only the way it is given: the reports name each input by
    the path it was read from, so either is a full build; the second says how to avoid it."""
    if then is not None and Path(then).resolve() == Path(now).resolve():
        return (
            f"the data folder is given as '{now}', the earlier build's as '{then}': the same "
            f"folder, but the report names each input by the path it was read from "
            f"(give --data '{then}' to continue that build)"
        )
    return "data folder changed" + (f" (it was '{then}')" if then is not None else "")


def _first_difference(old: list[list[str]], now: list[list[str]]) -> tuple[int, str | None]:
    """Where the earlier build's inputs stop being the first of this build's, and how;
    (their number, None) when they all are, unchanged."""
    names = {h[0] for h in now}
    for i, (name, reader, sha) in enumerate(old):
        if i >= len(now) or now[i][0] != name:
            if name not in names:
                return i, f"raw/{name} was removed"
            return i, f"raw/{now[i][0]} sorts before raw/{name}, which the earlier build read"
        if now[i] != [name, reader, sha]:
            return i, f"raw/{name} changed"
    return len(old), None


def _rewind(
    why: str,
    now: dict[str, str],
    previous: Path,
    old: list[list[str]],
    inputs: list[tuple[Path, str]],
    kept: list[dict[str, Any]],
    streamed: bool,
) -> Plan:
    """Resume from the latest checkpoint before the first input that differs, or, when the
    previous build kept none (a full build keeps none), build in full."""
    usable = [c for c in kept if not streamed or c.get("dumps_prefix") is not None]
    if not usable:
        return Plan(f"{why}, and the earlier build kept no state from before it", now)
    start = usable[-1]
    n = len(start["inputs"])
    return Plan(
        why,
        now,
        previous,
        [name for name, _, _ in old[:n]],
        inputs[n:],
        start.get("dumps_prefix"),
        dumps_states=start.get("dumps_states"),
        checkpoint=start["dir"],
        dropped=[name for name, _, _ in old[n:]],
        checkpoints=usable[-CHECKPOINTS:],
    )


def keep_checkpoints(staging: Path, how: Plan) -> list[dict[str, Any]]:
    """Link the checkpoints `how` keeps into the new build's state folder (a state file is
    never written in place: see produce._write_pickle), and say what they are."""
    if how.previous is None:
        return []
    kept = []
    for c in how.checkpoints:
        source = how.previous / STATE_DIR / c.get("from", c["dir"])
        target = staging / STATE_DIR / c["dir"]
        target.mkdir()
        try:
            os.link(source / STATE_FILE, target / STATE_FILE)
        except OSError:  # a file system without hard links
            continue
        kept.append({k: v for k, v in c.items() if k != "from"})
    return kept


def own_checkpoints(staging: Path, how: Plan) -> list[dict[str, Any]]:
    """The checkpoint a full build of several inputs wrote, before its last input (none when
    its dumps were streamed: they could not be continued from there)."""
    inputs = json.loads(how.fingerprints["inputs"])
    if how.previous is not None or len(inputs) < 2:
        return []
    name = checkpoint_dir(len(inputs) - 1)
    if not (staging / STATE_DIR / name / STATE_FILE).is_file():
        return []
    return [{"dir": name, "inputs": inputs[:-1], "dumps_prefix": None}]


def write_manifest(
    staging: Path,
    how: Plan,
    dumps_prefix: list[int] | None,
    checkpoints: list[dict[str, Any]] | None = None,
    dumps_derived: list[int] | None = None,
    dumps_states: list[str | None] | None = None,
) -> None:
    """The manifest that lets the next build continue this one; written last, so a state
    folder without it (the mapper stopped, the build failed) is never continued. The
    fingerprints are those taken as the build began: a file edited during the build makes
    the next build a full one."""
    manifest = {
        "format": FORMAT,
        "fingerprints": how.fingerprints,
        "dumps_prefix": dumps_prefix,
        "dumps_derived": dumps_derived,
        "dumps_states": dumps_states,
        "dumps_written": as_written(staging),
        "checkpoints": checkpoints or [],
    }
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
