"""Releases: a public build frozen under releases/VERSION/, described in DCAT, with its
change log against the release before it.

    releases/
      .icegraph.lock          held while a release is made (one at a time)
      1.0/                    read-only once made: the dumps, context.jsonld, report.md/json,
                              store/, release.ttl/json, CHANGES.md, changes.json/trig, and
                              checksums.sha256 over every file (`sha256sum -c` reads it)
      series.ttl, index.json  every release, rewritten (atomically) at each release

A release is built in a hidden staging folder inside releases/ and renamed to its version in
one step, so a folder named after a version is always whole. The build itself is passed in
(`build`, normally `icegraph.pipeline.build`): publishing sits below the pipeline and never
imports it.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, Triple

from icegraph import __version__, outdir
from icegraph.digests import file_sha256
from icegraph.errors import Location, OutputError, ReleaseRefused
from icegraph.mapping.terms import graph, value_of
from icegraph.namespaces import DATASET, DCAT, DCTERMS, ID, PREFIXES, PROV, RDF, RDFS, VOID, XSD
from icegraph.publish import changes as ch
from icegraph.publish.diff import changes_quads, to_json, to_markdown
from icegraph.publish.metadata import CHECKSUMS_FILE, input_iri
from icegraph.store import open_store, select

ADMS = "http://www.w3.org/ns/adms#"
SPDX = "http://spdx.org/rdf/terms#"
RELEASE_GRAPH = graph("release")
SERIES = f"{DATASET}/releases"
RELEASE_FILE = "release.json"
INDEX_FILE = "index.json"
SERIES_FILE = "series.ttl"
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_STAGING = ".staging-"
Build = Callable[..., object]


def release_iri(version: str) -> str:
    return f"{DATASET}/release/{version}"


def check_version(version: str) -> None:
    """A version is a folder name that is safe anywhere: letters, digits, '.', '_', '-'."""
    if not _VERSION.fullmatch(version):
        raise ReleaseRefused(
            f"'{version}' cannot name a release",
            expected="letters, digits, '.', '_' and '-' only, starting with a letter or a "
            "digit, at most 64 characters (e.g. 1.0 or 2026-12)",
        )


def list_releases(releases_dir: Path) -> list[dict]:
    """Every release's release.json, oldest first (by when it was made)."""
    found = []
    if releases_dir.is_dir():
        for child in releases_dir.iterdir():
            meta = child / RELEASE_FILE
            if child.name.startswith(".") or not meta.is_file():
                continue
            found.append(json.loads(meta.read_text(encoding="utf-8")))
    return sorted(found, key=lambda r: (r["made_at"], r["version"]))


def release_dir(releases_dir: Path, version: str) -> Path:
    """The folder of an existing release, or an error naming the releases there are."""
    check_version(version)
    path = releases_dir / version
    if not (path / RELEASE_FILE).is_file():
        known = [r["version"] for r in list_releases(releases_dir)]
        raise ReleaseRefused(
            f"no release {version}",
            Location(str(releases_dir)),
            expected="one of: " + (", ".join(known) if known else "(none yet)"),
            fix="Make one with 'icegraph release VERSION', or name the folder with --releases.",
        )
    return path


def open_release(releases_dir: Path, version: str) -> Store:
    return open_store(release_dir(releases_dir, version) / "store", read_only=True)


def make_release(
    data_dir: Path,
    releases_dir: Path,
    version: str,
    build: Build,
    notes: str = "",
    allow_removals: bool = False,
    issued: str | None = None,
) -> Path:
    """Build `data_dir` publicly (`build(data_dir, out, release_date=issued)`) and freeze it
    as releases_dir/version, with its description and change log; returns its folder.

    Refused, with nothing written, when the version exists or is not a safe folder name,
    or when a claim of the previous release is gone with neither a retraction nor an
    edited claim in its place (unless `allow_removals`)."""
    check_version(version)
    issued = issued or datetime.now(UTC).date().isoformat()
    target = releases_dir / version
    if target.exists() or target.is_symlink():
        raise _exists(target)
    with outdir.locked(releases_dir):
        if target.exists() or target.is_symlink():
            raise _exists(target)
        for child in releases_dir.iterdir():
            if child.name.startswith(_STAGING):  # a release that did not finish
                _remove_tree(child)
        staging = releases_dir / f"{_STAGING}{version}-{os.getpid()}-{secrets.token_hex(3)}"
        staging.mkdir()
        try:
            _stage(staging, data_dir, releases_dir, version, build, notes, allow_removals, issued)
            _freeze(staging)
            os.rename(staging, target)
        except BaseException:
            _remove_tree(staging)
            raise
        _write_series(releases_dir)
    return target


def _exists(target: Path) -> ReleaseRefused:
    return ReleaseRefused(
        f"release {target.name} exists already; a release never changes",
        Location(str(target)),
        fix="Choose a new version (e.g. one more in its last number).",
    )


def _stage(
    staging: Path,
    data_dir: Path,
    releases_dir: Path,
    version: str,
    build: Build,
    notes: str,
    allow_removals: bool,
    issued: str,
) -> None:
    out = staging / ".build"
    build(data_dir, out, release_date=date.fromisoformat(issued))
    built = outdir.current_build(out)
    if built is None:
        raise OutputError("the build published nothing", Location(str(out)))
    for child in built.iterdir():
        os.rename(child, staging / child.name)
    shutil.rmtree(out)
    history = list_releases(releases_dir)
    previous = history[-1]["version"] if history else None
    store = Store(str(staging / "store"))
    try:
        new = ch.snapshot(store)
        if previous is None:
            log = ch.first_release(version)
        else:
            old_store = open_release(releases_dir, previous)
            log = ch.compare(ch.snapshot(old_store), new, previous, version)
            del old_store
        gone = ch.unexplained_removals(log)
        if gone and not allow_removals:
            raise _removals_refused(gone, previous or "")
        meta = {
            "version": version,
            "issued": issued,
            "made_at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "previous": previous,
            "notes": notes,
            "dataset": release_iri(version),
            "series": SERIES,
            "icegraph": __version__,
            "counts": {
                "triples": len(store),
                "claims": len(new.claims),
                "entities": len(new.entities),
                "flows": _count(store, "InformationFlow"),
            },
            "changes": ch.counts(log),
            "inputs": input_hashes(data_dir),
        }
        described = release_quads(meta)
        recorded = changes_quads(log, release_iri(version), partial(_answers, store))
        store.extend(described + recorded)
        store.flush()
    finally:
        del store
        gc.collect()  # the store's files are closed before they are hashed and frozen
    _write(staging / RELEASE_FILE, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    _write_turtle(staging / "release.ttl", [_triple(q) for q in described])
    _write(staging / "CHANGES.md", to_markdown(log))
    _write(staging / "changes.json", to_json(log))
    with (staging / "changes.trig").open("wb") as fh:
        pyoxigraph.serialize(recorded, fh, RdfFormat.TRIG, prefixes=_prefixes())
    _write(staging / CHECKSUMS_FILE, _checksums(staging))


def _answers(store: Store, iri: str) -> bool:
    """Whether the release has a page for `iri`: outside IRIs always, ours when described."""
    if not iri.startswith(ID):
        return True
    return next(iter(store.quads_for_pattern(NamedNode(iri), None, None)), None) is not None


def _count(store: Store, cls: str) -> int:
    q = f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <https://w3id.org/icegraph/ns#{cls}> }}"
    for s in select(store, q):
        return int(s["n"].value)
    return 0


def _removals_refused(gone: list[ch.Removal], previous: str) -> ReleaseRefused:
    err = ReleaseRefused(
        f"{len(gone)} claim(s) of release {previous} are gone with no retraction and no "
        "edited claim in their place",
        Location(ch.RETRACTIONS_FILE),
        expected=f"a row per claim in {ch.RETRACTIONS_FILE} (columns {ch.RETRACTION_COLUMNS}: "
        "the claim's IRI, why it is withdrawn, who decided, the date YYYY-MM-DD)",
        fix="Or, to publish the removals without a reason, run again with --allow-removals.",
    )
    err.findings = [f"{r.label or r.iri} <{r.iri}>" for r in gone]  # type: ignore[attr-defined]
    return err


def input_hashes(data_dir: Path) -> dict[str, str]:
    """sha256 of every file the release was made from, by its path in the data folder."""
    out = {}
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            out[rel.as_posix()] = file_sha256(path)
    return out


def release_quads(meta: dict) -> list[Quad]:
    """The release as a versioned DCAT 3 dataset of the series (graph `release`)."""
    g = NamedNode(value_of(RELEASE_GRAPH))
    rel = NamedNode(meta["dataset"])
    out: list[Quad] = []

    def add(s: NamedNode, p: str, o: NamedNode | Literal) -> None:
        out.append(Quad(s, NamedNode(p), o, g))

    add(rel, RDF + "type", NamedNode(DCAT + "Dataset"))
    add(rel, DCTERMS + "title", Literal(f"icegraph release {meta['version']}", language="en"))
    add(rel, RDFS + "label", Literal(f"icegraph release {meta['version']}", language="en"))
    add(rel, DCAT + "version", Literal(meta["version"]))
    add(rel, DCTERMS + "issued", Literal(meta["issued"], datatype=NamedNode(XSD + "date")))
    add(rel, DCTERMS + "isVersionOf", NamedNode(DATASET))
    add(rel, DCAT + "inSeries", NamedNode(meta["series"]))
    add(
        rel,
        VOID + "triples",
        Literal(str(meta["counts"]["triples"]), datatype=NamedNode(XSD + "integer")),
    )
    add(
        rel,
        VOID + "entities",
        Literal(str(meta["counts"]["entities"]), datatype=NamedNode(XSD + "integer")),
    )
    if meta["notes"]:
        add(rel, ADMS + "versionNotes", Literal(meta["notes"], language="en"))
    series = NamedNode(meta["series"])
    # what the release points at is described too, so that its page has somewhere to go
    add(series, RDF + "type", NamedNode(DCAT + "DatasetSeries"))
    add(series, DCTERMS + "title", Literal("icegraph releases", language="en"))
    if meta["previous"]:
        prev = NamedNode(release_iri(meta["previous"]))
        add(rel, DCAT + "previousVersion", prev)
        add(rel, PROV + "wasRevisionOf", prev)
        add(rel, DCAT + "prev", prev)
        add(prev, RDF + "type", NamedNode(DCAT + "Dataset"))
        add(prev, RDFS + "label", Literal(f"icegraph release {meta['previous']}", language="en"))
        add(prev, DCAT + "version", Literal(meta["previous"]))
        add(prev, DCAT + "inSeries", series)
    # The raw documents it was made from, each with its checksum: which documents a
    # release rests on can be checked against any copy of them.
    for name, digest in meta["inputs"].items():
        if not name.startswith("raw/"):
            continue
        doc = NamedNode(input_iri(name))
        checksum = NamedNode(f"{doc.value}#sha256")
        add(rel, DCTERMS + "source", doc)
        add(doc, DCTERMS + "title", Literal(name))
        add(doc, SPDX + "checksum", checksum)
        add(checksum, RDF + "type", NamedNode(SPDX + "Checksum"))
        add(checksum, SPDX + "algorithm", NamedNode(SPDX + "checksumAlgorithm_sha256"))
        add(
            checksum, SPDX + "checksumValue", Literal(digest, datatype=NamedNode(XSD + "hexBinary"))
        )
    return out  # fmt: skip


def series_triples(history: list[dict]) -> list[Triple]:
    """The dataset series: every release in order, its first and last."""
    series = NamedNode(SERIES)
    out = [
        Triple(series, NamedNode(RDF + "type"), NamedNode(DCAT + "DatasetSeries")),
        Triple(series, NamedNode(DCTERMS + "title"), Literal("icegraph releases", language="en")),
        Triple(series, NamedNode(RDFS + "label"), Literal("icegraph releases", language="en")),
    ]
    if history:
        out.append(Triple(series, NamedNode(DCAT + "first"), NamedNode(history[0]["dataset"])))
        out.append(Triple(series, NamedNode(DCAT + "last"), NamedNode(history[-1]["dataset"])))
        last = Literal(history[-1]["issued"], datatype=NamedNode(XSD + "date"))
        out.append(Triple(series, NamedNode(DCTERMS + "modified"), last))
    for meta in history:
        out += [
            Triple(q.subject, q.predicate, q.object)
            for q in release_quads({**meta, "inputs": {}})
            if q.predicate.value not in (VOID + "triples", VOID + "entities")
        ]
    return out


def _write_series(releases_dir: Path) -> None:
    history = list_releases(releases_dir)
    _write_turtle(releases_dir / SERIES_FILE, series_triples(history), atomic=True)
    index = {
        "series": SERIES,
        "latest": history[-1]["version"] if history else None,
        "releases": [
            {
                k: r[k]
                for k in ("version", "issued", "previous", "notes", "dataset", "counts", "changes")
            }
            | {"path": f"{r['version']}/"}
            for r in history
        ],
    }
    _write(releases_dir / INDEX_FILE, json.dumps(index, indent=2, ensure_ascii=False) + "\n", True)


def latest_version(releases_dir: Path) -> str | None:
    history = list_releases(releases_dir)
    return history[-1]["version"] if history else None


def versions_between(releases_dir: Path, older: str, newer: str) -> list[str]:
    """The releases after `older` up to `newer`, in order: whose change logs lie between."""
    order = [r["version"] for r in list_releases(releases_dir)]
    if older not in order or newer not in order:
        return []
    a, b = order.index(older), order.index(newer)
    return order[a + 1 : b + 1] if a < b else []


def verify_release(releases_dir: Path, version: str) -> tuple[int, list[str]]:
    """Re-hash a release against its checksums.sha256: files checked, and what differs
    (changed, missing, or present but not listed)."""
    folder = release_dir(releases_dir, version)
    listed: dict[str, str] = {}
    for line in (folder / CHECKSUMS_FILE).read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        if name:
            listed[name] = digest
    problems = []
    present = set(_files(folder)) - {CHECKSUMS_FILE}
    for name, digest in sorted(listed.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif file_sha256(path) != digest:
            problems.append(f"{name}: changed (sha256 differs from {CHECKSUMS_FILE})")
    problems += [f"{name}: not in {CHECKSUMS_FILE}" for name in sorted(present - set(listed))]
    return len(listed), problems


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _checksums(folder: Path) -> str:
    """`sha256sum` lines for every file of the release but this list itself, the store's
    files included: a release is checked whole."""
    return "".join(
        f"{file_sha256(folder / name)}  {name}\n"
        for name in _files(folder)
        if name != CHECKSUMS_FILE
    )


def _freeze(folder: Path) -> None:
    """Read-only for everyone: a release never changes (a store opened read-only does not
    write either)."""
    for root, dirs, files in os.walk(folder, topdown=False):
        for name in files:
            os.chmod(Path(root) / name, 0o444)
        for name in dirs:
            os.chmod(Path(root) / name, 0o555)
    os.chmod(folder, 0o555)


def _remove_tree(path: Path) -> None:
    def unlock(func: Callable, p: str, _exc: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(p), 0o755)
            os.chmod(p, stat.S_IWUSR | stat.S_IRUSR | stat.S_IXUSR)
            func(p)

    with contextlib.suppress(OSError):
        os.chmod(path, 0o755)
    shutil.rmtree(path, onerror=unlock)


def _prefixes() -> dict[str, str]:
    return {**PREFIXES, "adms": ADMS, "spdx": SPDX}


def _triple(q: Quad) -> Triple:
    return Triple(q.subject, q.predicate, q.object)


def _write_turtle(path: Path, triples: list[Triple], atomic: bool = False) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}") if atomic else path
    with tmp.open("wb") as fh:
        # sorted by subject, so that each subject's statements are written together
        ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        pyoxigraph.serialize(ordered, fh, RdfFormat.TURTLE, prefixes=_prefixes())
    if atomic:
        os.replace(tmp, path)


def _write(path: Path, text: str, atomic: bool = False) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}") if atomic else path
    tmp.write_text(text, encoding="utf-8")
    if atomic:
        os.replace(tmp, path)
