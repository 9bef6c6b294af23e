"""The benchmark's synthetic inputs go through the real readers, quirks and all."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from icegraph.pipeline import build
from icegraph.store import open_store
from tests.conftest import ROOT, rows
from tests.test_dumps import assert_description_matches_store


def generate(out: Path, rows: int, seed: int, per_file: int = 250_000) -> Path:
    """Synthetic inputs from the benchmark's generator, in the raw formats of data/raw/."""
    script = str(ROOT / "benchmarks" / "generate.py")
    args = ["--rows", str(rows), "--seed", str(seed), "--out", str(out)]
    args += ["--rows-per-file", str(per_file)]
    subprocess.run([sys.executable, script, *args], check=True, capture_output=True)
    return out


def test_generated_inputs_build_with_every_quirk_repaired(tmp_path: Path):
    data = generate(tmp_path / "data", rows=300, seed=7)
    raw = (data / "raw" / "flows-000.txt").read_text(encoding="utf-8")
    assert raw.count("Source\tDestination") == 3 and "\n\n" in raw  # repeated headers, blanks
    assert "\u0406\u0421\u041c" in raw and "<i>Mijente</i>" in raw and "\tN/A\t" in raw
    result = build(data, tmp_path / "out")
    report = result.report
    assert report.counts["flows read"] == 300
    assert report.repairs_by_rule["lookalike-letters"] > 0
    assert report.repairs_by_rule["variant-spelling"] > 0
    store = open_store(tmp_path / "out" / "store", read_only=True)
    # a second dossier in the same format, about another entity, imports with no code change
    facts = rows(
        store,
        """SELECT (COUNT(?c) AS ?n) WHERE { ?c ig:about ?e ; ig:sourceFile
        "raw/dossier-0000.txt" . ?e rdfs:label "Example Agency 0 (EA0)" }""",
    )
    assert facts == [("29",)]  # 18 facts + 11 connections
    # rows restating a movement between the same two systems converge on one flow, with a
    # claim per row (a row repeated word for word is one claim, and a note)
    flows = rows(store, "SELECT (COUNT(?f) AS ?n) WHERE { ?f a ig:InformationFlow }")
    pairs = rows(store, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?a ?b WHERE { "
                        "?f ig:dataFrom ?a ; ig:dataTo ?b } }")  # fmt: skip
    assert flows == pairs and 100 < int(flows[0][0]) < 300
    claims = rows(store, "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c ig:asserts ?f . "
                         "?f a ig:InformationFlow }")  # fmt: skip
    repeated = report.findings_by_kind["repeated row"]
    assert int(claims[0][0]) + repeated == 300
    assert "read, repair, map, check and load" in report.timings
    assert "validate (while mapping)" in report.timings
    assert report.counts["records checked as they were mapped"] == 300 - repeated
    assert report.counts["records checked at the end"] == 0


def test_large_build_streams_dumps_and_checks_records_as_pyshacl_does(tmp_path: Path):
    """The path a million records take, on 300 in three files: dumps written from the stream
    while it loads, shapes checked record by record in the mapper. Same triples, same
    findings, and each triple in one named graph only."""
    import pyoxigraph
    from pyoxigraph import RdfFormat

    from icegraph.paths import shapes_dir
    from icegraph.validate.pyshacl_engine import validate_store
    from icegraph.validate.shapes_program import load_shapes
    from icegraph.validate.streaming import validate_store_fast

    data = generate(tmp_path / "data", rows=300, seed=3, per_file=100)
    out = tmp_path / "out"
    result = build(data, out, stream_dumps=True)
    store = open_store(out / "store", read_only=True)
    quads = {str(q) for q in store}
    triples = {str(q.triple) for q in store}

    trig = {
        str(q) for q in pyoxigraph.parse(path=str(out / "icegraph.trig"), format=RdfFormat.TRIG)
    }
    assert trig == quads
    assert len(quads) == len(triples)  # no statement in two graphs: the union is a set
    ttl = {
        str(t) for t in pyoxigraph.parse(path=str(out / "icegraph.ttl"), format=RdfFormat.TURTLE)
    }
    assert ttl == triples
    jsonld = pyoxigraph.parse(path=str(out / "icegraph.jsonld"), format=RdfFormat.JSON_LD)
    assert {str(t) for t in jsonld} == triples
    assert (out / "context.jsonld").exists()
    # the checksums are those of the files as published
    listed = dict(
        reversed(line.split("  ")) for line in (out / "checksums.sha256").read_text().splitlines()
    )
    assert listed == {
        name: hashlib.sha256((out / name).read_bytes()).hexdigest()
        for name in ("icegraph.ttl", "icegraph.trig", "icegraph.jsonld")
    }

    shapes = load_shapes(shapes_dir())
    expected = validate_store(store, shapes)
    assert expected, "the generated dossiers carry the AI-only verified fact"
    assert validate_store_fast(store, shapes) == expected
    found = {(f.severity, f.focus, f.rule) for f in result.findings}
    assert found == {(r.severity, r.focus, r.shape.rsplit("#", 1)[-1]) for r in expected}
    repeated = result.report.findings_by_kind["repeated row"]
    assert result.report.counts["records checked as they were mapped"] == 300 - repeated
    assert_description_matches_store(store)
