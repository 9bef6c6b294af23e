"""The benchmark's synthetic inputs go through the real readers, quirks and all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from icegraph.pipeline import build
from icegraph.store import open_store
from tests.conftest import ROOT, rows


def test_generated_inputs_build_with_every_quirk_repaired(tmp_path: Path):
    data = tmp_path / "data"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--rows", "300", "--seed", "7",
         "--out", str(data)],
        check=True, capture_output=True,
    )  # fmt: skip
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
    flows = rows(store, "SELECT (COUNT(?f) AS ?n) WHERE { ?f a ig:InformationFlow }")
    assert flows == [("300",)]
    assert "read, repair, map and load" in report.timings and "validate" in report.timings
