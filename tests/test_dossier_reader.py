"""The dossier page reader on the real seed and on hand-made broken pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from icegraph.errors import InputError
from icegraph.readers import reader_for
from icegraph.readers.dossier_page import read_dossier
from tests.conftest import DATA, DOSSIER_FILE, FLOWS_FILE

SEED = DATA / "raw" / DOSSIER_FILE


def seed_lines() -> list[str]:
    return SEED.read_text(encoding="utf-8").split("\n")


def write(tmp_path: Path, lines: list[str]) -> Path:
    p = tmp_path / "page.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    return p


def test_formats_are_recognised():
    assert reader_for(SEED) == "dossier_page"
    assert reader_for(DATA / "raw" / FLOWS_FILE) == "flows_table"


def test_real_dossier_reads_whole():
    d = read_dossier(SEED, "page.txt")
    assert d.header.name == "US Immigration and Customs Enforcement (ICE)"
    assert (d.header.kind, d.header.status) == ("institution", "active")
    assert d.header.role == "Federal agency; primary ImmigrationOS / ELITE client"
    assert d.announced == {"Facts": 18, "Connections": 11, "Sources": 5}
    assert (len(d.facts), len(d.connections), len(d.sources)) == (18, 11, 5)
    assert len(d.key_connections) == 7
    assert [f.tier for f in d.facts].count("secondary") == 14
    assert [f.tier for f in d.facts].count("inferential") == 4
    assert {f.date for f in d.facts} == {"2026-04-07"}
    assert [f.verification for f in d.facts].count("verified") == 1
    assert [f.verification for f in d.facts].count("unverified") == 4
    verified = next(f for f in d.facts if f.verification == "verified")
    assert verified.location.line == 56 and verified.method_label == "AI ANALYSIS"
    assert d.facts[10].method_label.startswith("Research: US Immigration")
    assert d.facts[0].tier_group == "Secondary — Press & Filings (14)"


def test_unnamed_connections_are_resolved_by_description_and_said_so():
    d = read_dossier(SEED, "page.txt")
    first, last = d.connections[0], d.connections[-1]
    for c in (first, last):
        assert c.name == "US Department of Homeland Security (DHS)"
        assert c.resolved_by_description
        assert (c.relation, c.tier, c.since) == ("parent_agency", "primary", "2003")
    assert (first.location.line, last.location.line) == (80, 109)
    assert [f.kind for f in d.findings].count("resolved") == 2


def test_sources_keep_year_mark_type_and_status():
    d = read_dossier(SEED, "page.txt")
    s1, s2 = d.sources[0], d.sources[1]
    assert (s1.year, s1.mark, s1.label, s1.doc_type, s1.status) == (
        "2026",
        "",
        "AI ANALYSIS",
        "government_disclosure",
        "Processed",
    )
    assert s2.mark == "UNVERIFIED" and s2.doc_type == "parliamentary_record"
    assert s2.label.startswith("Research: US Immigration and Customs Enforcement (ICE)")


def test_count_mismatch_is_an_error_naming_the_announcement(tmp_path: Path):
    lines = seed_lines()
    assert lines[11] == "11"
    lines[11] = "12"
    with pytest.raises(InputError) as exc:
        read_dossier(write(tmp_path, lines), "page.txt")
    assert str(exc.value) == (
        "page.txt, line 12: field 'Connections': the page announces 12 connections but 11 were "
        "read. Expected 12 connections listed."
    )


def test_fact_without_a_date_is_an_error(tmp_path: Path):
    lines = seed_lines()
    assert lines[42].startswith("Added:")
    del lines[42]
    with pytest.raises(InputError) as exc:
        read_dossier(write(tmp_path, lines), "page.txt")
    assert str(exc.value).startswith("page.txt, line 42: field 'Added': fact without a date.")


def test_unknown_tier_is_an_error(tmp_path: Path):
    lines = seed_lines()
    lines[43] = lines[43].replace("secondary", "tertiary", 1)
    with pytest.raises(InputError) as exc:
        read_dossier(write(tmp_path, lines), "page.txt")
    assert str(exc.value).startswith("page.txt, line 44: field 'tier': unknown tier 'tertiary'.")


def test_truncated_page_is_an_error(tmp_path: Path):
    lines = seed_lines()[:88]  # cut after a connection's name line
    with pytest.raises(InputError) as exc:
        read_dossier(write(tmp_path, lines), "page.txt")
    assert str(exc.value).startswith(
        "page.txt, line 89: the page ends where the connection's type, tier and 'since' year "
        "was expected; is it truncated?"
    )
    # Cut between entries, the count check catches it.
    with pytest.raises(InputError, match="line 79: field 'Connections': 'All Connections"):
        read_dossier(write(tmp_path, seed_lines()[:90]), "page.txt")


def test_missing_counts_block_is_an_error(tmp_path: Path):
    with pytest.raises(InputError, match="page ends where the counts block"):
        read_dossier(write(tmp_path, seed_lines()[:8]), "page.txt")
