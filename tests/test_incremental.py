"""Incremental builds give what a full build of the same inputs gives: the same quads (graph
by graph), the same findings, the same report counts; anything they cannot continue safely
is a full build, and says why."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
from pathlib import Path

import pyoxigraph
import pytest
from benchmarks import incremental as bench

from icegraph import statement_count
from icegraph.errors import ValidationFailed
from icegraph.mapping.contradictions import DERIVED_GRAPH
from icegraph.mapping.terms import TYPE
from icegraph.namespaces import ID, IG
from icegraph.pipeline import build
from icegraph.produce import STATE_FILE, Block, _subtract, _together
from icegraph.publish import dumps, metadata
from icegraph.publish.metadata import Typed
from tests.conftest import flows_table, only_flows, row, rows

# Rows the seeds do not have: a repeated flow (its support grows), a new system, a flow in
# the other direction (a contradiction on direction), a row a correction could touch.
ADDED = flows_table(
    row(),
    row(source="Brand New Feed", destination="ICM", full_name="Brand New Feed System",
        classification="Commercial", agency="N/A", sub_agency="N/A",
        description="A vendor feed of licence plate reads."),
    row(source="ICM", destination="AFI", full_name="Analytical Framework for Intelligence",
        sharing="Outbound", description="ICM sends case data to AFI."),
)  # fmt: skip
MORE = flows_table(
    row(source="EID", destination="ICM", full_name="Enforcement Integrated Database"),
    row(source="Brand New Feed", destination="EID", full_name="Brand New Feed System",
        classification="Commercial", agency="N/A", sub_agency="N/A",
        description="Plate reads, again."),
)  # fmt: skip


def nquads(out: Path) -> list[str]:
    store = pyoxigraph.Store.read_only(str((out / "store").resolve()))
    text = store.dump(format=pyoxigraph.RdfFormat.N_QUADS).decode()
    return sorted(line for line in text.splitlines() if line)


def outcome(out: Path) -> dict:
    """What must not depend on how the build was made: the report less its own 'build'
    note and the dataset's issued/modified dates (the same here, but not the point)."""
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    mode = report.pop("build")
    return {"report": report, "quads": nquads(out), "mode": mode["mode"]}


def full_twin(data: Path, tmp_path: Path, name: str, **options) -> dict:
    return outcome(build(data, tmp_path / name, full=True, **options).out_dir)


def same(a: dict, b: dict) -> None:
    assert a["quads"] == b["quads"]
    assert a["report"]["counts"] == b["report"]["counts"]
    assert a["report"]["findings"] == b["report"]["findings"]
    assert a["report"]["findings_by_kind"] == b["report"]["findings_by_kind"]
    assert a["report"]["validation"] == b["report"]["validation"]
    assert a["report"] == b["report"]


def test_adding_files_maps_only_them_and_equals_a_full_build(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    first = build(data_copy, out)
    assert first.report.build["mode"] == "full"
    assert (out / "current" / "state" / "manifest.json").exists()
    (data_copy / "raw" / "900_added.txt").write_text(ADDED, encoding="utf-8")
    added = build(data_copy, out)
    assert added.report.build == {
        "mode": "incremental",
        "why": "only inputs were added",
        "reused": ["000_f18490aef763a0b3.txt", "004_5faac12a7c82fa76.txt"],
        "redone": ["900_added.txt"],
    }
    got = outcome(out)
    assert got["mode"] == "incremental"
    want = full_twin(data_copy, tmp_path, "full-1")
    same(got, want)
    # the added rows changed what was there: more support for ATS → ICM, a new system
    assert any("brand-new-feed" in q for q in got["quads"])
    # and an incremental build continues an incremental build
    (data_copy / "raw" / "901_more.txt").write_text(MORE, encoding="utf-8")
    again = build(data_copy, out)
    assert again.report.build["redone"] == ["901_more.txt"]
    assert len(again.report.build["reused"]) == 3
    same(outcome(out), full_twin(data_copy, tmp_path, "full-2"))


NO_STATE = ", and the earlier build kept no state from before it"
SEEDS = ["000_f18490aef763a0b3.txt", "004_5faac12a7c82fa76.txt"]
# ADDED with a row fixed (a typo in the description) and a row more, naming a system no
# other input names
ADDED_FIXED = ADDED.replace("licence plate", "license plate") + row(
    source="Typo Fixer Hub", destination="ICM", full_name="Typo Fixer Hub System",
    classification="Commercial", agency="N/A", sub_agency="N/A",
) + "\n"  # fmt: skip


# Rows about systems the seeds name already: a last input that changes no entity
KNOWN = flows_table(
    row(),
    row(source="EID", destination="ICM", full_name="Enforcement Integrated Database",
        description="EID sends arrest records to ICM."),
)  # fmt: skip


def test_an_added_file_naming_only_known_systems_equals_a_full_build(
    data_copy: Path, tmp_path: Path
):
    # its names all repeat earlier ones: identity is not settled again (resolve/gather.py,
    # settled_as_before), and twice in a row, from a state that skipped it too
    out = tmp_path / "build"
    build(data_copy, out)
    (data_copy / "raw" / "900_known.txt").write_text(KNOWN, encoding="utf-8")
    assert build(data_copy, out).report.build["redone"] == ["900_known.txt"]
    same(outcome(out), full_twin(data_copy, tmp_path, "full-1"))
    (data_copy / "raw" / "901_known.txt").write_text(KNOWN, encoding="utf-8")
    assert build(data_copy, out).report.build["redone"] == ["901_known.txt"]
    same(outcome(out), full_twin(data_copy, tmp_path, "full-2"))


def test_a_conflict_an_added_file_says_again_is_kept_for_the_next_build(
    data_copy: Path, tmp_path: Path
):
    # a name read as two curated entities is reported at each mention; an added file that
    # only repeats names says it again, and the state the next build continues from has it
    out = tmp_path / "build"
    falcon = flows_table(row(source="ICM (FALCON)", destination="EID", full_name="N/A"))
    (data_copy / "raw" / "900_falcon.txt").write_text(falcon, encoding="utf-8")
    build(data_copy, out)
    for added, table in (("901_falcon.txt", falcon), ("902_known.txt", KNOWN)):
        (data_copy / "raw" / added).write_text(table, encoding="utf-8")
        assert build(data_copy, out).report.build["redone"] == [added]
    got = outcome(out)
    assert str(got["report"]).count("reads as two curated entities") == 2
    same(got, full_twin(data_copy, tmp_path, "full"))
    # what the next build settles names from: as the full build's
    conflicts = [settled_conflicts(b) for b in (out, tmp_path / "full")]
    assert conflicts[0] == conflicts[1]
    assert len(conflicts[0]) == 2


def settled_conflicts(out: Path) -> list[str]:
    with (out / "current" / "state" / STATE_FILE).open("rb") as fh:
        state = pickle.load(fh)  # noqa: S301 - the test's own build
    return pickle.loads(state.settled)[0].conflicts  # noqa: S301


def test_after_a_full_build_its_last_input_is_redone_alone_and_other_changes_in_full(
    data_copy: Path, tmp_path: Path
):
    out = tmp_path / "build"
    known = data_copy / "raw" / "900_known.txt"
    known.write_text(KNOWN, encoding="utf-8")
    assert build(data_copy, out).report.build["mode"] == "full"
    # fixing the last input: a full build keeps the state from before it, when the last
    # input changes no entity the others settle into
    known.write_text(KNOWN.replace("arrest records", "arrest and booking records"), "utf-8")
    changed = build(data_copy, out)
    assert changed.report.build == {
        "mode": "incremental", "why": "raw/900_known.txt changed", "reused": SEEDS,
        "redone": ["900_known.txt"],
    }  # fmt: skip
    same(outcome(out), full_twin(data_copy, tmp_path, "full-changed"))
    # removing it: the same state, kept by the build that followed
    known.unlink()
    removed = build(data_copy, out)
    assert removed.report.build == {
        "mode": "incremental", "why": "raw/900_known.txt was removed", "reused": SEEDS,
        "redone": [],
    }  # fmt: skip
    same(outcome(out), full_twin(data_copy, tmp_path, "full-removed"))
    # a last input naming a system of its own: the others alone would settle otherwise, so
    # no state before it is kept and a change to it is a full build
    added = data_copy / "raw" / "900_added.txt"
    added.write_text(ADDED, encoding="utf-8")
    build(data_copy, out, full=True)
    added.write_text(ADDED_FIXED, encoding="utf-8")
    again = build(data_copy, out)
    assert again.report.build["why"] == "raw/900_added.txt changed" + NO_STATE
    same(outcome(out), full_twin(data_copy, tmp_path, "full-added"))
    added.unlink()
    build(data_copy, out, full=True)
    # a file that sorts before one already built
    (data_copy / "raw" / "001_between.txt").write_text(MORE, encoding="utf-8")
    between = build(data_copy, out)
    assert between.report.build["why"] == (
        "raw/001_between.txt sorts before raw/004_5faac12a7c82fa76.txt, which the earlier "
        "build read" + NO_STATE
    )
    same(outcome(out), full_twin(data_copy, tmp_path, "full-between"))
    # a curated table
    sources = data_copy / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace("ICE", "ICE ", 1))
    curated = build(data_copy, out)
    assert curated.report.build["why"] == (
        "data/sources.csv changed (every input's citations are resolved against it)"
    )
    same(outcome(out), full_twin(data_copy, tmp_path, "full-curated"))


def test_nothing_changed_is_an_incremental_build_of_nothing(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    before = outcome(build(data_copy, out).out_dir)
    again = build(data_copy, out)
    assert again.report.build == {
        "mode": "incremental",
        "why": "no input changed",
        "reused": ["000_f18490aef763a0b3.txt", "004_5faac12a7c82fa76.txt"],
        "redone": [],
    }
    same(outcome(out), before)


def test_full_forces_a_full_build(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    build(data_copy, out)
    forced = build(data_copy, out, full=True)
    assert forced.report.build["mode"] == "full"
    assert forced.report.build["why"] == "asked for (--full)"


def test_a_failing_incremental_build_leaves_the_previous_build_whole(
    data_copy: Path, tmp_path: Path
):
    out = tmp_path / "build"
    build(data_copy, out)
    current = (out / "current").resolve()
    quads = nquads(out)
    report = (out / "report.json").read_bytes()
    # a system only ever named at the far end of a row: no operator (rule system-operator)
    bad = flows_table(row(source="Mystery Box", destination="Nowhere Sink"))
    (data_copy / "raw" / "900_bad.txt").write_text(bad, encoding="utf-8")
    with pytest.raises(ValidationFailed) as failed:
        build(data_copy, out)
    assert "Nowhere Sink" in str(failed.value.findings[0])
    assert (out / "current").resolve() == current
    assert nquads(out) == quads
    assert (out / "report.json").read_bytes() == report
    # the next good build continues the earlier good one
    (data_copy / "raw" / "900_bad.txt").unlink()
    (data_copy / "raw" / "900_added.txt").write_text(ADDED, encoding="utf-8")
    assert build(data_copy, out).report.build["mode"] == "incremental"
    # a rewind that fails (the added file fixed badly) leaves that build whole too
    current, quads = (out / "current").resolve(), nquads(out)
    (data_copy / "raw" / "900_added.txt").write_text(ADDED + bad.split("\n", 1)[1], "utf-8")
    with pytest.raises(ValidationFailed):
        build(data_copy, out)
    assert (out / "current").resolve() == current
    assert nquads(out) == quads
    (data_copy / "raw" / "900_added.txt").write_text(ADDED_FIXED, encoding="utf-8")
    fixed = build(data_copy, out)
    assert fixed.report.build["why"] == "raw/900_added.txt changed"
    same(outcome(out), full_twin(data_copy, tmp_path, "full-fixed"))


def dumped(folder: Path, name: str, fmt: pyoxigraph.RdfFormat) -> set[str]:
    return {str(q) for q in pyoxigraph.parse(path=str(folder / name), format=fmt)}


def same_streamed_dumps(out: Path, twin: Path) -> None:
    """The continued build's dumps hold what the full build's do, each line once (the
    earlier derived graph kept, less what was removed: the benchmark's comparison counts
    lines), and its checksums hold."""
    for name, fmt in (
        ("icegraph.trig", pyoxigraph.RdfFormat.TRIG),
        ("icegraph.ttl", pyoxigraph.RdfFormat.TURTLE),
        ("icegraph.jsonld", pyoxigraph.RdfFormat.JSON_LD),
    ):
        assert dumped(out, name, fmt) == dumped(twin, name, fmt), name
    assert bench.same_graphs(out, twin) == (True, "")
    _checksums_hold(out)


def _checksums_hold(out: Path) -> None:
    checked = subprocess.run(
        ["sha256sum", "-c", "checksums.sha256"], cwd=out / "current", capture_output=True
    )
    assert checked.returncode == 0, checked.stdout


def test_streamed_dumps_are_continued_with_the_same_quads(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    build(data_copy, out, stream_dumps=True)

    # twice: the second continues dumps that were themselves continued
    for n, text in enumerate((ADDED, MORE)):
        (data_copy / "raw" / f"90{n}_added.txt").write_text(text, encoding="utf-8")
        assert build(data_copy, out, stream_dumps=True).report.build["mode"] == "incremental"
        twin = build(data_copy, tmp_path / f"full-{n}", stream_dumps=True, full=True).out_dir
        same_streamed_dumps(out, twin)
        assert len(dumped(out, "icegraph.trig", pyoxigraph.RdfFormat.TRIG)) == len(nquads(out))


def test_earlier_dumps_not_as_recorded_make_a_full_build(data_copy: Path, tmp_path: Path):
    """The earlier Turtle dump cut short inside its derived graph (a disk that filled, a
    hand that edited it): the lines to keep cannot be read, so the build starts again from
    nothing and says why, and its dumps are a full build's."""
    out = tmp_path / "build"
    build(data_copy, out, stream_dumps=True)
    manifest = json.loads((out / "current" / "state" / "manifest.json").read_text("utf-8"))
    start, _end = manifest["dumps_derived"]
    ttl = out / "current" / "icegraph.ttl"
    ttl.write_bytes(ttl.read_bytes()[: start + 10])
    (data_copy / "raw" / "900_added.txt").write_text(ADDED, encoding="utf-8")
    result = build(data_copy, out, stream_dumps=True)
    assert result.report.build["mode"] == "full"
    assert "cannot be continued" in result.report.build["why"]
    assert "shorter than its build recorded" in result.report.build["why"]
    same_streamed_dumps(out, build(data_copy, tmp_path / "full", stream_dumps=True).out_dir)


def test_continued_dumps_are_hashed_on_from_the_states_their_build_kept(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The earlier dumps' first parts are copied, not read again to be hashed: their
    checksums go on from the sha256 states the earlier build kept. A dump rewritten since
    its build (one byte changed, the same length) is hashed again from its file: a
    checksum from a kept state would then not be the new file's."""
    out = tmp_path / "build"
    build(data_copy, out, stream_dumps=True)
    manifest = json.loads((out / "current" / "state" / "manifest.json").read_text("utf-8"))
    if manifest["dumps_states"] == [None, None, None]:
        pytest.skip("OpenSSL's SHA256 functions are not reachable here")

    def never(*_args: object) -> bool:
        raise AssertionError("an earlier dump was hashed again")

    (data_copy / "raw" / "900_added.txt").write_text(ADDED, encoding="utf-8")
    with monkeypatch.context() as patched:
        patched.setattr(dumps, "_hash_start", never)
        assert build(data_copy, out, stream_dumps=True).report.build["mode"] == "incremental"
    _checksums_hold(out)

    trig = out / "current" / "icegraph.trig"
    text = trig.read_bytes()
    at = text.index(b'"') + 1  # a literal's first character, well inside the first part
    assert at < manifest["dumps_prefix"][0]
    changed = bytes([text[at] ^ 0x20]) if chr(text[at]).isalpha() else b"x"
    trig.write_bytes(text[:at] + changed + text[at + 1 :])
    (data_copy / "raw" / "901_added.txt").write_text(MORE, encoding="utf-8")
    assert build(data_copy, out, stream_dumps=True).report.build["mode"] == "incremental"
    assert (out / "current" / "icegraph.trig").read_bytes()[at : at + 1] == changed
    _checksums_hold(out)


def test_an_added_file_that_renames_an_earlier_entity_rebuilds_in_full(
    data_copy: Path, tmp_path: Path
):
    out = tmp_path / "build"
    build(data_copy, out)
    # a new full name for a system the seeds name: the entity's names change, so would the
    # triples the seeds' graphs hold about it
    renamed = flows_table(row(source="ACRIMe", full_name="ACRIMe Case Response Hub"))
    (data_copy / "raw" / "900_renamed.txt").write_text(renamed, encoding="utf-8")
    messages: list[str] = []
    result = build(data_copy, out, progress=messages.append)
    assert result.report.build["mode"] == "full"
    assert result.report.build["why"] == (
        "the added inputs change the entity system/acrime, which earlier inputs name"
    )
    assert messages[0].startswith("incremental build: 2 input(s) reused, added: 900_renamed")
    assert "full rebuild: the added inputs change the entity system/acrime" in " ".join(messages)
    same(outcome(out), full_twin(data_copy, tmp_path, "full-renamed"))


def test_the_command_line_says_how_it_built(data_copy: Path, tmp_path: Path):
    from click.testing import CliRunner

    from icegraph.cli import main

    out = tmp_path / "build"
    args = ["build", "--data", str(data_copy), "--out", str(out)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "full rebuild: no earlier build in this folder" in first.output
    (data_copy / "raw" / "900_added.txt").write_text(ADDED, encoding="utf-8")
    again = CliRunner().invoke(main, args)
    assert "incremental build: 2 input(s) reused, added: 900_added.txt" in again.output
    forced = CliRunner().invoke(main, [*args, "--full"])
    assert forced.exit_code == 0, forced.output
    assert "full rebuild: asked for (--full)" in forced.output
    assert "This build: full (asked for (--full))" in (out / "report.md").read_text()


def test_the_same_data_folder_given_another_way_says_how_to_continue(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "build"
    build(data_copy, out)
    monkeypatch.chdir(tmp_path)
    why = build(Path("data"), out).report.build["why"]
    # the reports name inputs by the path given: continuing would mix two spellings
    assert why == (
        "the data folder is given as 'data', the earlier build's as "
        f"'{data_copy}': the same folder, but the report names each input by the path it "
        f"was read from (give --data '{data_copy}' to continue that build)"
    )
    assert build(Path("data"), out).report.build["mode"] == "incremental"
    elsewhere = shutil.copytree(data_copy, tmp_path / "elsewhere")
    assert build(elsewhere, out).report.build["why"] == "data folder changed (it was 'data')"


def test_changed_and_removed_inputs_are_mapped_again_from_the_state_before_them(
    data_copy: Path, tmp_path: Path
):
    """After inputs were added, changing or removing one of them (the newest or an earlier
    one) rewinds to the state before it, and maps only it and those after it again."""
    out = tmp_path / "build"
    raw = data_copy / "raw"
    build(data_copy, out)
    (raw / "900_added.txt").write_text(ADDED, encoding="utf-8")
    build(data_copy, out)
    (raw / "901_more.txt").write_text(MORE, encoding="utf-8")
    build(data_copy, out)
    n = 0

    def rebuilt(why: str, reused: list[str], redone: list[str]) -> None:
        nonlocal n
        messages: list[str] = []
        result = build(data_copy, out, progress=messages.append)
        assert result.report.build == {
            "mode": "incremental", "why": why, "reused": reused, "redone": redone,
        }  # fmt: skip
        assert f"mapped again: {', '.join(redone) or 'none'} ({why})" in messages[0]
        n += 1
        same(outcome(out), full_twin(data_copy, tmp_path, f"full-{n}"))

    # the newest, fixed: it alone is mapped again
    (raw / "901_more.txt").write_text(MORE.replace("Plate reads", "Plate scans"), "utf-8")
    rebuilt("raw/901_more.txt changed", [*SEEDS, "900_added.txt"], ["901_more.txt"])
    # the newest removed: nothing to map, its graph dropped, the derived graph made again
    (raw / "901_more.txt").unlink()
    rebuilt("raw/901_more.txt was removed", [*SEEDS, "900_added.txt"], [])
    (raw / "901_more.txt").write_text(MORE, encoding="utf-8")
    build(data_copy, out)
    # an earlier one: it and every input after it
    (raw / "900_added.txt").write_text(ADDED_FIXED, encoding="utf-8")
    rebuilt("raw/900_added.txt changed", SEEDS, ["900_added.txt", "901_more.txt"])
    assert any("typo-fixer-hub" in q for q in nquads(out))
    # an earlier one removed, with the system only it names: the resolved graph shrinks
    (raw / "900_added.txt").unlink()
    rebuilt("raw/900_added.txt was removed", SEEDS, ["901_more.txt"])
    assert not any("typo-fixer-hub" in q for q in nquads(out))
    # an input of the full build itself: no state from before it was kept
    seed = raw / SEEDS[1]
    seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    full = build(data_copy, out)
    assert full.report.build["why"] == f"raw/{SEEDS[1]} changed" + NO_STATE
    same(outcome(out), full_twin(data_copy, tmp_path, "full-seed"))


def test_a_rewound_build_continues_streamed_dumps(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    raw = data_copy / "raw"
    build(data_copy, out, stream_dumps=True)
    (raw / "900_added.txt").write_text(ADDED, encoding="utf-8")
    build(data_copy, out, stream_dumps=True)
    for n, text in enumerate((ADDED_FIXED, MORE)):
        (raw / "900_added.txt").write_text(text, encoding="utf-8")
        done = build(data_copy, out, stream_dumps=True)
        assert done.report.build["why"] == "raw/900_added.txt changed"
        twin = build(data_copy, tmp_path / f"full-{n}", stream_dumps=True, full=True).out_dir
        same(outcome(out), outcome(twin))
        same_streamed_dumps(out, twin)


def test_a_rewind_that_changes_an_entity_earlier_inputs_name_rebuilds_in_full(
    data_copy: Path, tmp_path: Path
):
    out = tmp_path / "build"
    raw = data_copy / "raw"
    build(data_copy, out)
    (raw / "900_added.txt").write_text(ADDED, encoding="utf-8")
    build(data_copy, out)
    renamed = flows_table(row(source="ACRIMe", full_name="ACRIMe Case Response Hub"))
    (raw / "900_added.txt").write_text(renamed, encoding="utf-8")
    result = build(data_copy, out)
    assert result.report.build["mode"] == "full"
    assert result.report.build["why"] == (
        "the added inputs change the entity system/acrime, which earlier inputs name"
    )
    same(outcome(out), full_twin(data_copy, tmp_path, "full-renamed"))


def test_checkpoints_are_kept_as_links_and_at_most_a_few(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    raw = data_copy / "raw"
    build(data_copy, out)
    for i in range(4):
        (raw / f"90{i}_more.txt").write_text(MORE, encoding="utf-8")
        build(data_copy, out)
    state = out / "current" / "state"
    manifest = json.loads((state / "manifest.json").read_text(encoding="utf-8"))
    kept = [c["dir"] for c in manifest["checkpoints"]]
    assert kept == ["before-3", "before-4", "before-5"]
    assert sorted(p.name for p in state.glob("before-*")) == kept
    assert [c["inputs"][-1][0] for c in manifest["checkpoints"]] == [
        "900_more.txt", "901_more.txt", "902_more.txt",
    ]  # fmt: skip


# Upstream Feed reaches ICM through NCIC and ACRIMe; the file added next gives NCIC a flow of
# its own into ICM, which shortens Upstream Feed's route though no flow of Upstream Feed's
# changed (mapping/routes.py)
UPSTREAM = flows_table(
    row(source="Upstream Feed", destination="NCIC", full_name="Upstream Feed System",
        classification="Commercial", agency="N/A", sub_agency="N/A",
        description="A vendor sends NCIC its reads."),
)  # fmt: skip
NCIC_DIRECT = flows_table(
    row(source="NCIC", destination="ICM", full_name="National Crime Information Center",
        agency="Department of Justice", sub_agency="Federal Bureau of Investigations",
        description="ICM users may query NCIC from within ICM."),
)  # fmt: skip


def test_an_added_flow_changes_routes_far_from_it_as_a_full_build_does(
    data_copy: Path, tmp_path: Path
):
    out = tmp_path / "build"
    (data_copy / "raw" / "900_upstream.txt").write_text(UPSTREAM, encoding="utf-8")
    build(data_copy, out)

    def route() -> list[str]:
        store = pyoxigraph.Store.read_only(str((out / "store").resolve()))
        query = """SELECT ?path WHERE { ?r ig:routeFrom ?s ; rdfs:label ?path .
                     ?s rdfs:label "Upstream Feed" }"""  # fmt: skip
        return [r[0] for r in rows(store, query)]

    assert route() == ["Upstream Feed → NCIC → ACRIMe → ICM"]
    (data_copy / "raw" / "901_ncic.txt").write_text(NCIC_DIRECT, encoding="utf-8")
    added = build(data_copy, out)
    assert added.report.build["mode"] == "incremental"
    assert route() == ["Upstream Feed → NCIC → ICM"]
    same(outcome(out), full_twin(data_copy, tmp_path, "full"))
    # taken away again: the rewound build puts the longer route back, as a full build does
    (data_copy / "raw" / "901_ncic.txt").unlink()
    removed = build(data_copy, out)
    assert removed.report.build["why"] == "raw/901_ncic.txt was removed"
    assert route() == ["Upstream Feed → NCIC → ACRIMe → ICM"]
    same(outcome(out), full_twin(data_copy, tmp_path, "full-removed"))


REFERENCES = {
    "primary": "ICE Investigative Case Management DHS/ICE/PIA-045",
    "secondary": "The Intercept, Spencer Woodman",
    "inferential": "Knowledge base digest",  # AI_SOURCE, an automated analysis
}
AI_SOURCE = "kb-digest,Knowledge base digest,Knowledge base digest,,,automated-analysis,,,\n"


def flow(a: str, b: str, grade: str = "primary") -> str:
    """A row: a sends b its records, on a claim of that grade (systems of the test's own)."""
    described = b if a == "ICM" else a
    return row(source=a, destination=b, full_name=f"{described} System",
               classification="Commercial", agency="N/A", sub_agency="N/A",
               description=f"{a} sends {b} its records.", reference=REFERENCES[grade])  # fmt: skip


# Far Start → Relay → (Hub Beta or Hub Gamma, as strong: Beta's name first) → ICM; Distant is
# four flows from ICM but for its own inferential one; Loop A and Loop B send to each other
ROUTES_BASE = flows_table(
    flow("Far Start", "Relay"), flow("Relay", "Hub Beta", "secondary"),
    flow("Hub Beta", "ICM", "secondary"), flow("Relay", "Hub Gamma", "secondary"),
    flow("Hub Gamma", "ICM"),
    flow("Distant", "Step One"), flow("Step One", "Step Two"), flow("Step Two", "Step Three"),
    flow("Step Three", "ICM"), flow("Distant", "ICM", "inferential"),
    flow("Loop A", "Loop B"), flow("Loop B", "Loop A"), flow("Loop B", "ICM", "inferential"),
)  # fmt: skip
ROUTE_STEPS = [
    # a flow into ICM from a new system
    ("900_fresh.txt", flows_table(flow("Fresh Feed", "ICM")),
     {"Fresh Feed": ["Fresh Feed → ICM"]}),
    # a new stop, as strong, whose name sorts first: the routes through Relay take it
    ("901_alpha.txt", flows_table(flow("Relay", "Alpha Hub", "secondary"),
                                  flow("Alpha Hub", "ICM", "secondary")),
     {"Far Start": ["Far Start → Relay → Alpha Hub → ICM"],
      "Relay": ["Relay → Alpha Hub → ICM"]}),
    # a flow far downstream: Distant's three-flow route, stronger than its own flow
    ("902_step.txt", flows_table(flow("Step Two", "ICM")),
     {"Distant": ["Distant → Step One → Step Two → ICM"]}),
    # cycles: Hub Gamma sends back to Relay, Loop A sends to ICM
    ("903_cycle.txt", flows_table(flow("Hub Gamma", "Relay"), flow("Loop A", "ICM", "secondary")),
     {"Loop B": ["Loop B → Loop A → ICM"], "Hub Gamma": ["Hub Gamma → ICM"]}),
    # the middle flow of a three-flow route gets a primary claim: its grade rises
    ("904_graded.txt", flows_table(flow("Relay", "Hub Gamma")),
     {"Far Start": ["Far Start → Relay → Hub Gamma → ICM"]}),
]  # fmt: skip


def routes_from(out: Path, name: str) -> list[str]:
    store = pyoxigraph.Store.read_only(str((out / "store").resolve()))
    query = f"""SELECT ?path WHERE {{ ?r ig:routeFrom ?s ; rdfs:label ?path .
                 ?s rdfs:label "{name}" }}"""  # fmt: skip
    return sorted(r[0] for r in rows(store, query))


def test_routes_brought_up_to_date_equal_a_full_builds(data_copy: Path, tmp_path: Path):
    """Each added file changes routes in its own way (mapping/routes.py, Routing.update);
    the incremental build must equal the full one each time, and after a rewind that lowers
    a grade again."""
    only_flows(data_copy, ROUTES_BASE)
    with (data_copy / "sources.csv").open("a", encoding="utf-8") as fh:
        fh.write(AI_SOURCE)
    out = tmp_path / "build"
    build(data_copy, out)
    assert routes_from(out, "Far Start") == ["Far Start → Relay → Hub Beta → ICM"]
    assert routes_from(out, "Distant") == ["Distant → ICM"]
    assert routes_from(out, "Loop A") == ["Loop A → Loop B → ICM"]
    for name, text, want in ROUTE_STEPS:
        (data_copy / "raw" / name).write_text(text, encoding="utf-8")
        assert build(data_copy, out).report.build["redone"] == [name]
        assert {start: routes_from(out, start) for start in want} == want
        same(outcome(out), full_twin(data_copy, tmp_path, f"full-{name}"))
    # taken away again (a rewind): the grade falls back, the route with it
    (data_copy / "raw" / "904_graded.txt").unlink()
    assert build(data_copy, out).report.build["why"] == "raw/904_graded.txt was removed"
    assert routes_from(out, "Far Start") == ["Far Start → Relay → Alpha Hub → ICM"]
    same(outcome(out), full_twin(data_copy, tmp_path, "full-removed"))


METADATA = "<https://w3id.org/icegraph/graph/metadata> ."
VOID_TRIPLES = "<http://rdfs.org/ns/void#triples>"


def description(out: Path) -> list[str]:
    return [q for q in nquads(out) if q.endswith(METADATA)]


def void_triples(out: Path) -> int:
    (line,) = [q for q in description(out) if f"/dataset> {VOID_TRIPLES} " in q]
    return int(line.split(VOID_TRIPLES, 1)[1].split('"')[1])


def test_the_dataset_description_is_a_full_builds_without_counting_the_whole_store(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """An incremental build counts only the graphs it may have changed (statement_count.py):
    adding a file, fixing it (a rewind) and removing it each describe the dataset exactly as
    a full build does, void:triples included."""
    out = tmp_path / "build"
    raw = data_copy / "raw"
    build(data_copy, out)
    assert void_triples(out) == len(nquads(out))

    def whole(store: object) -> int:
        raise AssertionError("an incremental build counted every statement of the store")

    steps = [
        (lambda: (raw / "900_added.txt").write_text(ADDED, encoding="utf-8"), "only inputs"),
        (lambda: (raw / "900_added.txt").write_text(ADDED_FIXED, "utf-8"), "raw/900_added"),
        (lambda: (raw / "900_added.txt").unlink(), "raw/900_added.txt was removed"),
    ]
    for n, (change, why) in enumerate(steps):
        change()
        with monkeypatch.context() as m:
            m.setattr(statement_count, "count_quads", whole)
            m.setattr(metadata, "count_quads", whole)
            done = build(data_copy, out)
        assert done.report.build["mode"] == "incremental"
        assert done.report.build["why"].startswith(why)
        twin = build(data_copy, tmp_path / f"full-{n}", full=True).out_dir
        assert description(out) == description(twin)
        assert void_triples(out) == len(nquads(out))
        same(outcome(out), outcome(twin))


def test_the_benchmarks_comparison_finds_what_differs(data_copy: Path, tmp_path: Path):
    """benchmarks/incremental.py's `same_graphs` compares builds without reading their
    stores whole: it holds for an incremental build and its full twin, and fails for a
    different graph, for a store that parts from its dump, and for a triple in another
    graph."""
    out = tmp_path / "build"
    build(data_copy, out, stream_dumps=True)
    before = tmp_path / "before"
    build(data_copy, before, stream_dumps=True)
    (data_copy / "raw" / "900_added.txt").write_text(ADDED, encoding="utf-8")
    assert build(data_copy, out, stream_dumps=True).report.build["mode"] == "incremental"
    twin = build(data_copy, tmp_path / "twin", stream_dumps=True, full=True).out_dir
    assert bench.same_graphs(out, twin) == (True, "")
    same, why = bench.same_graphs(out, before)
    assert not same
    assert "<https://w3id.org/icegraph/graph/raw/900-added>" in why
    assert "<https://w3id.org/icegraph/graph/derived>" in why
    # the store parts from its dump: a derived statement gone, then another in its place
    store = pyoxigraph.Store(str((out / "store").resolve()))
    derived = pyoxigraph.NamedNode("https://w3id.org/icegraph/graph/derived")
    gone = next(iter(store.quads_for_pattern(None, None, None, derived)))
    store.remove(gone)
    store.flush()
    del store
    assert bench.same_graphs(out, twin) == (
        False,
        "the incremental build's store and dump differ in their counts",
    )
    store = pyoxigraph.Store(str((out / "store").resolve()))
    store.add(pyoxigraph.Quad(gone.subject, gone.predicate, pyoxigraph.Literal("x"), derived))
    store.flush()
    del store
    assert bench.same_graphs(out, twin) == (
        False,
        "the incremental build's store and dump differ in <https://w3id.org/icegraph/graph/derived>",
    )


def test_the_benchmarks_digest_is_of_graphs_and_triples_in_any_order(tmp_path: Path):
    a, b = '<http://e/a> <http://e/p> "x y" .\n', "<http://e/b> <http://e/p> <http://e/c> .\n"
    one, two = "<http://e/g1>", "<http://e/g2>"
    dumps = {
        "first": f"{one} {{\n{a}{b}}}\n{two} {{\n{a}}}\n",
        "reordered": f"{two} {{\n{a}}}\n{one} {{\n{b}}}\n{one} {{\n{a}}}\n",
        "moved": f"{one} {{\n{a}}}\n{two} {{\n{a}{b}}}\n",
        "twice": f"{one} {{\n{a}{b}{b}}}\n{two} {{\n{a}}}\n",
    }
    found = {}
    for name, text in dumps.items():
        (tmp_path / f"{name}.trig").write_text(text, encoding="utf-8")
        found[name] = bench.dump_digest(tmp_path / f"{name}.trig")
    assert found["first"] == found["reordered"]
    assert found["first"][one][0] == 2
    assert found["moved"] != found["first"]  # the same triples, one in another graph
    assert found["twice"] != found["first"]


def derived_typed(out: Path) -> tuple[dict, int]:
    state = pickle.loads((out / "current" / "state" / STATE_FILE).read_bytes())  # noqa: S301
    kept = state.derived_typed
    return dict(kept.minted), kept.minted_entities


def test_the_derived_graphs_typed_entities_are_changed_by_difference_as_a_full_build_counts(
    data_copy: Path, tmp_path: Path
):
    """The state keeps the derived graph's typed-entity counts; an incremental build takes
    those of the contradictions and routes that went or changed and adds the new ones. After
    adding a file (a contradiction comes), fixing it (a rewind) and removing it (one goes),
    they are what a full build counts; a state without them (written before they were kept)
    has them counted whole."""
    out = tmp_path / "build"
    raw = data_copy / "raw"
    build(data_copy, out)
    first = derived_typed(out)
    contradiction = f"<{IG}Contradiction>"
    steps = [
        lambda: (raw / "900_added.txt").write_text(ADDED, encoding="utf-8"),
        lambda: (raw / "900_added.txt").write_text(ADDED_FIXED, "utf-8"),
        lambda: (raw / "900_added.txt").unlink(),
    ]
    for n, change in enumerate(steps):
        change()
        assert build(data_copy, out).report.build["mode"] == "incremental"
        twin = build(data_copy, tmp_path / f"full-{n}", full=True).out_dir
        assert derived_typed(out) == derived_typed(twin)
        if n == 0:  # the direction ICM → AFI now contradicts the seeds
            assert derived_typed(out)[0][contradiction] == first[0][contradiction] + 1
        same(outcome(out), outcome(twin))
    assert derived_typed(out) == first
    # an earlier state without the counts: the added file's build counts them all again
    path = out / "current" / "state" / STATE_FILE
    state = pickle.loads(path.read_bytes())  # noqa: S301
    state.derived_typed = None
    path.write_bytes(pickle.dumps(state))
    (raw / "900_added.txt").write_text(ADDED, encoding="utf-8")
    assert build(data_copy, out).report.build["mode"] == "incremental"
    same(outcome(out), full_twin(data_copy, tmp_path, "full-again"))
    assert derived_typed(out) == derived_typed(tmp_path / "full-again")


def test_a_class_whose_last_entity_goes_is_not_counted_as_none():
    """A full build lists no class it has no entity of: taking the last one away leaves
    the class out of the description, not in it with 0."""
    contradiction = (f"<{ID}c/1>", TYPE, f"<{IG}Contradiction>")
    block = Block(DERIVED_GRAPH, [contradiction], [contradiction[0]])
    kept = Typed()
    kept.add(block.triples, block.minted)
    _subtract(kept, block)
    assert _together(Typed(), kept).summary() == Typed().summary()
    # nor in the state the next build starts from, which is a full build's
    assert (dict(kept.minted), kept.minted_entities) == ({}, 0)
