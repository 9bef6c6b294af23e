"""build = read → repair → map → validate → store → publish, with nothing half-written.

Everything is built in a staging directory beside the output; only when the graph has
passed its shapes do the new files replace the old ones, each by an atomic rename.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pyoxigraph
from pyoxigraph import Quad

from icegraph.catalogue import Catalogue, load_catalogue
from icegraph.errors import InputError, Location, ValidationFailed
from icegraph.link.review import read_review
from icegraph.mapping.catalogue_quads import entity_quads, source_quads
from icegraph.mapping.dossier_quads import DossierMapper
from icegraph.mapping.flows_quads import FlowMapper
from icegraph.mapping.link_quads import link_quads
from icegraph.mapping.terms import graph
from icegraph.paths import ontology_dir, shapes_dir
from icegraph.publish.dumps import write_context, write_jsonld_dump, write_trig, write_turtle
from icegraph.publish.jsonld import build_context
from icegraph.publish.metadata import metadata_quads
from icegraph.readers import reader_for
from icegraph.readers.dossier_page import read_dossier
from icegraph.readers.flows_table import read_flows
from icegraph.repair.dossier import repair_dossier
from icegraph.repair.flows import repair_flows
from icegraph.report import Report
from icegraph.store import bulk_load, open_store
from icegraph.validate.explain import explain
from icegraph.validate.pyshacl_engine import load_shapes, validate_store
from icegraph.validate.results import Explained

Progress = Callable[[str], None]
T = TypeVar("T")
VOCABULARY_GRAPH = graph("vocabulary")
OUTPUT_FILES = (
    "icegraph.ttl",
    "icegraph.trig",
    "icegraph.jsonld",
    "context.jsonld",
    "report.md",
    "report.json",
)


@dataclass
class BuildResult:
    out_dir: Path
    report: Report
    findings: list[Explained] = field(default_factory=list)

    @property
    def warnings(self) -> list[Explained]:
        return [f for f in self.findings if f.severity != "Violation"]


def discover_inputs(data_dir: Path) -> list[tuple[Path, str]]:
    """Raw files under data/raw/ with the reader that recognises each; unknown ones stop."""
    raw = data_dir / "raw"
    if not raw.is_dir():
        raise InputError("no raw input folder", Location(str(raw)), expected="data/raw/*.txt")
    found = []
    for path in sorted(p for p in raw.iterdir() if p.is_file() and not p.name.startswith(".")):
        reader = reader_for(path)
        if reader is None:
            raise InputError(
                "no reader recognises this file",
                Location(str(path), 1),
                expected="a flows table (header 'Source<TAB>Destination…') or a dossier page",
            )
        found.append((path, reader))
    if not found:
        raise InputError("no raw input files", Location(str(raw)), expected="data/raw/*.txt")
    return found


def counted(
    items: Iterable[T], what: str, progress: Progress | None, every: int = 50_000
) -> Iterator[T]:
    n = 0
    for n, item in enumerate(items, start=1):
        if progress and n % every == 0:
            progress(f"{what}: {n:,} records")
        yield item
    if progress:
        progress(f"{what}: {n:,} records read")


def graph_quads(
    cat: Catalogue, inputs: list[tuple[Path, str]], report: Report, progress: Progress | None
) -> Iterator[Quad]:
    """Every quad of the build, streamed: vocabulary, curated tables, then each input file."""
    for path in sorted(ontology_dir().glob("*.ttl")):
        for t in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            yield Quad(t.subject, t.predicate, t.object, VOCABULARY_GRAPH)
    yield from entity_quads(cat)
    yield from source_quads(cat)
    links = read_review(cat.directory / "wikidata-links.csv")
    report.count(
        "Wikidata links published (accepted reviews)", sum(r.status == "accepted" for r in links)
    )
    yield from link_quads(links)
    for path, reader in inputs:
        shown = str(path)
        records = 0
        if reader == "flows_table":
            mapper = FlowMapper(cat, path.name)
            rows = counted(read_flows(path, shown), path.name, progress)
            for rec in repair_flows(rows, cat, path.name, report):
                records += 1
                yield from mapper.record(rec)
            yield from mapper.header()
            report.count("flows read", records)
        else:
            dossier = repair_dossier(read_dossier(path, shown), cat, report)
            records = len(dossier.facts) + len(dossier.connections) + len(dossier.sources)
            yield from DossierMapper(cat, path.name, report).quads(dossier)
        report.inputs.append({"file": shown, "reader": reader, "records": records})


def build(data_dir: Path, out_dir: Path, progress: Progress | None = None) -> BuildResult:
    """Build the graph from data_dir into out_dir; the old build stays until this one passes."""
    cat = load_catalogue(data_dir)
    inputs = discover_inputs(data_dir)
    report = Report()
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        store = open_store(staging / "store")
        if progress:
            progress("reading, repairing and mapping into the store")
        bulk_load(store, graph_quads(cat, inputs, report, progress))
        store.extend(metadata_quads(store, [str(p) for p, _ in inputs]))
        if progress:
            progress("validating against shapes/")
        shapes = load_shapes(shapes_dir())
        findings = explain(validate_store(store, shapes), store, shapes, data_dir)
        report.validation = [f.to_json() for f in findings]
        violations = [f for f in findings if f.severity == "Violation"]
        if violations:
            _write_failure(out_dir, report)
            raise ValidationFailed(
                f"{len(violations)} rule violation(s); the previous build in {out_dir} is "
                f"unchanged (details in {out_dir / 'failed' / 'report.md'})",
                violations,
            )
        if progress:
            progress("writing dumps")
        context = build_context(ontology_dir() / "icegraph.ttl")
        write_turtle(store, staging / "icegraph.ttl")
        write_trig(store, staging / "icegraph.trig")
        write_jsonld_dump(store, staging / "icegraph.jsonld", context)
        write_context(staging / "context.jsonld", context)
        (staging / "report.md").write_text(report.to_markdown(), encoding="utf-8")
        (staging / "report.json").write_text(report.dumps_json(), encoding="utf-8")
        store.flush()
        del store
        gc.collect()
        _promote(staging, out_dir)
        shutil.rmtree(out_dir / "failed", ignore_errors=True)
        return BuildResult(out_dir, report, findings)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_failure(out_dir: Path, report: Report) -> None:
    failed = out_dir / "failed"
    failed.mkdir(exist_ok=True)
    _atomic_write(failed / "report.md", report.to_markdown())
    _atomic_write(
        failed / "report.json", json.dumps(report.to_json(), indent=2, ensure_ascii=False)
    )


def _atomic_write(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def _promote(staging: Path, out_dir: Path) -> None:
    for name in OUTPUT_FILES:
        os.replace(staging / name, out_dir / name)
    target = out_dir / "store"
    old = out_dir / f".store-old-{os.getpid()}"
    if target.exists():
        os.replace(target, old)
    os.replace(staging / "store", target)
    shutil.rmtree(old, ignore_errors=True)
