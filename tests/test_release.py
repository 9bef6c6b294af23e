"""Releases as a newsroom makes them: two releases of the seeds (tests/releases.py), their
change log, the refusals, the series, the checksums, and `icegraph diff`."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from icegraph.cli import main
from icegraph.errors import ReleaseRefused
from icegraph.pipeline import build
from icegraph.publish.changes import compare, snapshot, unexplained_removals
from icegraph.publish.release import make_release, verify_release
from tests.conftest import DATA, FLOWS_FILE
from tests.releases import ATF_NEW, ATF_OLD, RETRACTION_REASON, Series, two_releases_fixture  # noqa: F401

ID = "https://w3id.org/icegraph/id/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
ADMS = "http://www.w3.org/ns/adms#"


def log_of(series: Series, version: str = "1.1") -> dict:
    return json.loads((series.releases / version / "changes.json").read_text(encoding="utf-8"))


def tree_state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder` with its sha256 and modification time."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".icegraph.lock")
    }


def test_the_change_log_names_exactly_what_changed(two_releases: Series):
    log = log_of(two_releases)
    assert (log["from"], log["to"]) == ("1.0", "1.1")
    claims = log["claims"]
    assert [c["iri"].rsplit("/", 2)[-2:][0] for c in claims["added"]] == ["001-added"]
    assert claims["added"][0]["iri"].startswith(ID + "claim/001-added/newsys--icm-")
    # the one removal is the retracted fact, with who withdrew it, when and why
    assert [c["iri"] for c in claims["removed"]] == [two_releases.retracted]
    retraction = claims["removed"][0]["retraction"]
    assert retraction["reason"] == RETRACTION_REASON
    assert retraction["when"] == "2026-12-01" and retraction["who"] == "Desk editor"
    changed = {c["old"].split("/claim/")[1].rsplit("-", 1)[0]: c for c in claims["changed"]}
    assert set(changed) == {"000-f18490aef763a0b3/atf--icm", "002-earlier/autotarget--icm"}
    atf = {f["field"]: f for f in changed["000-f18490aef763a0b3/atf--icm"]["fields"]}
    # the edited cell, old and new; the statement made from it follows
    assert set(atf) == {"ig:dataDescription", "ig:statement"}
    assert atf["ig:dataDescription"]["old"] == [ATF_OLD]
    assert atf["ig:dataDescription"]["new"] == [ATF_NEW]
    # the merged system's row now asserts the flow of the system it was folded into
    merged_row = {f["field"]: f for f in changed["002-earlier/autotarget--icm"]["fields"]}
    assert merged_row["ig:asserts"]["old"] == [ID + "flow/autotarget--icm"]
    assert merged_row["ig:asserts"]["new"] == [ID + "flow/ats--icm"]

    entities = log["entities"]
    assert [e["iri"] for e in entities["added"]] == [ID + "system/newsys"]
    assert [(e["iri"], e["into"]) for e in entities["merged"]] == [
        (ID + "system/autotarget", ID + "system/ats")
    ]
    assert entities["removed"] == []
    assert [(c["file"], c["field"], c["raw"]) for c in log["corrections"]["added"]] == [
        ("raw/001_added.txt", "Sub-Agency", "Customs and Border Patrol")
    ]
    assert log["corrections"]["withdrawn"] == []
    assert log["wikidata_links"] == {"added": [], "withdrawn": []}
    # AutoTarget's full name now disagrees with ATS's: a contradiction opens about ATS
    opened = log["contradictions"]["opened"]
    assert len(opened) == 1 and ID + "system/ats" in opened[0]["subjects"]
    assert log["contradictions"]["resolved"] == []


def test_changes_md_reads_as_the_json_says(two_releases: Series):
    md = (two_releases.releases / "1.1" / "CHANGES.md").read_text(encoding="utf-8")
    assert md.startswith("# Changes from release 1.0 to 1.1")
    assert "Claims: 1 added, 2 changed, 1 removed" in md
    assert f'ig:dataDescription: "{ATF_OLD}" → "{ATF_NEW}"' in md
    assert "AutoTarget `https://w3id.org/icegraph/id/system/autotarget` folded into ATS" in md


def test_diff_a_b_equals_the_change_log(two_releases: Series):
    runner = CliRunner()
    args = ["diff", "1.0", "1.1", "--releases", str(two_releases.releases)]
    as_json = runner.invoke(main, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.output) == log_of(two_releases)
    as_md = runner.invoke(main, [*args, "--format", "md"])
    folder = two_releases.releases / "1.1"
    assert as_md.output == (folder / "CHANGES.md").read_text(encoding="utf-8")
    as_text = runner.invoke(main, args)
    assert "Claims changed (2):" in as_text.output and ATF_NEW in as_text.output
    # and backwards: what 1.1 added, 1.0 lacks
    back = json.loads(runner.invoke(main, ["diff", "1.1", "1.0", "--releases",
                                           str(two_releases.releases), "--format", "json"]).output)  # fmt: skip
    assert [c["iri"] for c in back["claims"]["removed"]] == [
        c["iri"] for c in log_of(two_releases)["claims"]["added"]
    ]


def test_the_first_release_has_nothing_to_compare_with(two_releases: Series):
    log = log_of(two_releases, "1.0")
    assert log["from"] is None and log["claims"] == {"added": [], "removed": [], "changed": []}
    md = (two_releases.releases / "1.0" / "CHANGES.md").read_text(encoding="utf-8")
    assert "first of its series" in md


def test_a_version_that_exists_is_refused_and_nothing_changes(two_releases: Series):
    before = tree_state(two_releases.releases)
    result = CliRunner().invoke(
        main,
        ["release", "1.1", "--data", str(two_releases.data), "--releases",
         str(two_releases.releases), "-q"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "release 1.1 exists already" in result.output
    assert tree_state(two_releases.releases) == before
    assert sorted(p.name for p in two_releases.releases.iterdir()) == [
        ".icegraph.lock", "1.0", "1.1", "index.json", "series.ttl"
    ]  # fmt: skip


@pytest.mark.parametrize("version", ["../1.2", "", ".hidden", "-x", "1/2", "a b", "é1", "x" * 65])
def test_an_unsafe_version_is_refused_before_any_work(tmp_path: Path, version: str):
    result = CliRunner().invoke(
        main, ["release", "--data", str(DATA), "--releases", str(tmp_path / "r"), "--", version]
    )
    assert result.exit_code == 1
    assert "cannot name a release" in result.output
    assert "letters, digits" in result.output
    assert not (tmp_path / "r").exists()


def test_a_release_is_read_only_and_verifies(two_releases: Series):
    folder = two_releases.releases / "1.1"
    for path in [folder, *folder.rglob("*")]:
        assert not path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH), path
    checked, problems = verify_release(two_releases.releases, "1.1")
    assert problems == []
    listed = (folder / "checksums.sha256").read_text(encoding="utf-8")
    assert checked == len(listed.splitlines()) and "  store/CURRENT\n" in listed
    for name in ("icegraph.ttl", "release.ttl", "changes.json", "CHANGES.md", "report.md"):
        assert f"  {name}\n" in listed
    result = CliRunner().invoke(
        main, ["release", "--verify", "1.1", "--releases", str(two_releases.releases)]
    )
    assert result.exit_code == 0 and f"{checked} files match" in result.output


def test_verify_names_a_changed_file_and_a_missing_one(two_releases: Series, tmp_path: Path):
    copy = tmp_path / "releases"
    shutil.copytree(two_releases.releases, copy)
    folder = copy / "1.0"
    os.chmod(folder, 0o755)
    for name in ("report.md", "CHANGES.md"):
        os.chmod(folder / name, 0o644)
    (folder / "report.md").write_text("edited\n", encoding="utf-8")
    (folder / "CHANGES.md").unlink()
    _, problems = verify_release(copy, "1.0")
    assert problems == [
        "CHANGES.md: missing",
        "report.md: changed (sha256 differs from checksums.sha256)",
    ]
    result = CliRunner().invoke(main, ["release", "--verify", "1.0", "--releases", str(copy)])
    assert result.exit_code == 1 and "report.md: changed" in result.output


def test_release_metadata_in_dcat(two_releases: Series):
    rel = two_releases.releases
    store = Store()
    with (rel / "1.1" / "release.ttl").open("rb") as fh:
        store.load(fh, RdfFormat.TURTLE)
    r11 = NamedNode("https://w3id.org/icegraph/dataset/release/1.1")
    r10 = NamedNode("https://w3id.org/icegraph/dataset/release/1.0")

    def one(p: str) -> object:
        values = [q.object for q in store.quads_for_pattern(r11, NamedNode(p), None)]
        assert len(values) == 1, (p, values)
        return values[0]

    assert one(DCAT + "version") == Literal("1.1")
    meta = json.loads((rel / "1.1" / "release.json").read_text(encoding="utf-8"))
    assert one(DCTERMS + "issued").value == meta["issued"]  # type: ignore[attr-defined]
    assert one(DCAT + "previousVersion") == r10
    assert one(PROV + "wasRevisionOf") == r10
    assert one(ADMS + "versionNotes").value.startswith("Adds NEWSYS")  # type: ignore[attr-defined]
    assert one(DCAT + "inSeries") == NamedNode("https://w3id.org/icegraph/dataset/releases")
    # which documents it was made from, each with its hash
    assert meta["previous"] == "1.0" and meta["version"] == "1.1"
    for name in ("raw/001_added.txt", f"raw/{FLOWS_FILE}", "same-as.csv"):
        path = two_releases.data / name
        assert meta["inputs"][name] == hashlib.sha256(path.read_bytes()).hexdigest()
    claims = Store.read_only(str(two_releases.releases / "1.1" / "store")).query(
        "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <https://w3id.org/icegraph/ns#Claim> }",
        use_default_graph_as_union=True,
    )
    assert meta["counts"]["claims"] == int(next(iter(claims))["n"].value) > 40  # type: ignore
    assert meta["changes"]["claims added"] == 1 and meta["changes"]["entities merged"] == 1


def test_the_series_lists_every_release(two_releases: Series):
    index = json.loads((two_releases.releases / "index.json").read_text(encoding="utf-8"))
    assert index["latest"] == "1.1"
    assert [(r["version"], r["previous"]) for r in index["releases"]] == [
        ("1.0", None), ("1.1", "1.0")
    ]  # fmt: skip
    g = Store()
    with (two_releases.releases / "series.ttl").open("rb") as fh:
        g.load(fh, RdfFormat.TURTLE)
    series = NamedNode("https://w3id.org/icegraph/dataset/releases")
    base = "https://w3id.org/icegraph/dataset/release/"

    def objects(p: str) -> list[str]:
        return [q.object.value for q in g.quads_for_pattern(series, NamedNode(p), None)]

    assert objects(DCAT + "first") == [base + "1.0"] and objects(DCAT + "last") == [base + "1.1"]
    members = {
        q.subject.value for q in g.quads_for_pattern(None, NamedNode(DCAT + "inSeries"), series)
    }
    assert members == {base + "1.0", base + "1.1"}


def test_sparql_on_the_release_sees_its_metadata_and_changes(two_releases: Series):
    runner = CliRunner()
    store = str(two_releases.releases / "1.1" / "store")
    # the release describes itself (graph release); the previous one only by its IRI
    result = runner.invoke(main, ["query", "-e",
                                  "SELECT ?v WHERE { ?r dcat:version ?v ; dcat:previousVersion ?p }",
                                  "--store", store, "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {r["v"] for r in json.loads(result.stdout)} == {"1.1"}
    changes = runner.invoke(main, ["query", "-e",
        "SELECT ?old ?new WHERE { ?c a ig:Change ; ig:changeKind 'claim changed' ; "
        "ig:hasFieldChange [ ig:changedProperty ig:dataDescription ; ig:oldValue ?old ; "
        "ig:newValue ?new ] }", "--store", store, "--format", "json"])  # fmt: skip
    assert json.loads(changes.stdout) == [{"old": ATF_OLD, "new": ATF_NEW}]
    trig = Store()
    with (two_releases.releases / "1.1" / "changes.trig").open("rb") as fh:
        trig.load(fh, RdfFormat.TRIG)
    graphs = {q.graph_name.value for q in trig}
    assert graphs == {"https://w3id.org/icegraph/graph/changes"}


def test_a_claim_removed_without_a_retraction_stops_the_release(
    two_releases: Series, tmp_path: Path
):
    releases = tmp_path / "releases"
    shutil.copytree(two_releases.releases, releases)
    data = tmp_path / "data"
    shutil.copytree(two_releases.data, data)
    (data / "raw" / "001_added.txt").unlink()  # NEWSYS's only claim goes
    before = tree_state(releases)
    runner = CliRunner()
    args = ["release", "1.2", "--data", str(data), "--releases", str(releases), "-q"]
    refused = runner.invoke(main, args)
    assert refused.exit_code == 1
    assert "1 claim(s) of release 1.1 are gone" in refused.output
    assert "data/retractions.csv" in refused.output and "claim,reason,who,when" in refused.output
    assert "--allow-removals" in refused.output
    assert "/claim/001-added/newsys--icm-" in refused.output
    assert tree_state(releases) == before
    assert not any(p.name.startswith(".staging") for p in releases.iterdir())

    allowed = runner.invoke(main, [*args, "--allow-removals"])
    assert allowed.exit_code == 0, allowed.output
    log = json.loads((releases / "1.2" / "changes.json").read_text(encoding="utf-8"))
    assert [c["retraction"] for c in log["claims"]["removed"]] == [None]
    assert [e["iri"] for e in log["entities"]["removed"]] == [ID + "system/newsys"]
    assert "(no retraction recorded)" in (releases / "1.2" / "CHANGES.md").read_text("utf-8")


def _claim_store(claims: dict[str, str], tombstones: dict[str, tuple[str, str, str]]) -> Store:
    """A tiny store: claims (IRI → statement) and tombstones (IRI → when, reason, who)."""
    store = Store()
    g = NamedNode("https://w3id.org/icegraph/graph/raw/x")
    ig = "https://w3id.org/icegraph/ns#"
    for c, statement in claims.items():
        store.add(Quad(NamedNode(c), NamedNode(
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(ig + "Claim"), g))  # fmt: skip
        store.add(Quad(NamedNode(c), NamedNode(ig + "statement"), Literal(statement), g))
    xsd_date = NamedNode("http://www.w3.org/2001/XMLSchema#date")
    for c, (when, reason, who) in tombstones.items():
        store.add(Quad(NamedNode(c), NamedNode(PROV + "invalidatedAtTime"), Literal(when, datatype=xsd_date), g))  # fmt: skip
        store.add(Quad(NamedNode(c), NamedNode(ig + "retractionReason"), Literal(reason), g))
        store.add(Quad(NamedNode(c), NamedNode(ig + "retractedBy"), Literal(who), g))
    return store


@pytest.mark.parametrize("tombstone_keeps_the_claim", [False, True])
def test_a_retracted_claim_is_listed_with_its_reason(tombstone_keeps_the_claim: bool):
    a, b = ID + "claim/x/fact-aaaaaaaaaa", ID + "claim/y/fact-bbbbbbbbbb"
    old = snapshot(_claim_store({a: "ICE runs X.", b: "ICE runs Y."}, {}))
    kept = {a: "ICE runs X."} if tombstone_keeps_the_claim else {}
    new = snapshot(_claim_store(kept, {a: ("2026-12-01", "The source was misread.", "Desk")}))
    log = compare(old, new, "1", "2")
    removed = {c["iri"]: c["retraction"] for c in log["claims"]["removed"]}
    assert removed == {
        a: {"when": "2026-12-01", "reason": "The source was misread.", "who": "Desk"},
        b: None,
    }
    assert [r.iri for r in unexplained_removals(log)] == [b]


def test_release_refuses_into_an_existing_folder_even_if_empty(tmp_path: Path):
    releases = tmp_path / "releases"
    (releases / "2.0").mkdir(parents=True)
    with pytest.raises(ReleaseRefused, match="exists already"):
        make_release(DATA, releases, "2.0", build)
    assert list((releases / "2.0").iterdir()) == []


def test_the_release_holds_the_public_build(two_releases: Series):
    folder = two_releases.releases / "1.1"
    for name in ("icegraph.ttl", "icegraph.trig", "icegraph.jsonld", "context.jsonld",
                 "report.md", "report.json", "store"):  # fmt: skip
        assert (folder / name).exists(), name
    dump = Store()
    with (folder / "icegraph.ttl").open("rb") as fh:
        dump.load(fh, RdfFormat.TURTLE)
    newsys = NamedNode(ID + "system/newsys")
    assert any(True for _ in dump.quads_for_pattern(newsys, None, None))


def test_a_failed_build_leaves_nothing_behind(two_releases: Series, tmp_path: Path):
    releases = tmp_path / "releases"
    shutil.copytree(two_releases.releases, releases)
    before = tree_state(releases)

    def broken(data_dir: Path, out_dir: Path, release_date: str) -> None:
        (out_dir / "half-written").mkdir(parents=True)
        raise ReleaseRefused("the build broke a rule")

    with pytest.raises(ReleaseRefused, match="broke a rule"):
        make_release(two_releases.data, releases, "1.2", broken)
    assert tree_state(releases) == before
    assert sorted(p.name for p in releases.iterdir()) == [
        ".icegraph.lock", "1.0", "1.1", "index.json", "series.ttl"
    ]  # fmt: skip


def test_the_retracted_claim_resolves_to_its_tombstone_on_the_release(two_releases: Series):
    """Its IRI keeps answering on the release that withdrew it: a page saying when and why."""
    from markupsafe import escape
    from starlette.testclient import TestClient

    from icegraph.serve.app import ServeConfig, create_app

    store = two_releases.releases / "1.1" / "store"
    with TestClient(create_app(ServeConfig(store, timeout=5, workers=1))) as client:
        page = client.get("/id/" + two_releases.retracted[len(ID) :])
    assert page.status_code == 200
    assert "Withdrawn on 2026-12-01 by Desk editor" in page.text
    assert str(escape(RETRACTION_REASON)) in page.text


def test_an_edited_claims_earlier_iri_leads_to_the_claim_now(two_releases: Series):
    """A story that cited the ATF row of release 1.0 follows its link on release 1.1."""
    from starlette.testclient import TestClient

    from icegraph.serve.app import ServeConfig, create_app

    edited = next(c for c in log_of(two_releases)["claims"]["changed"] if "/atf--icm-" in c["old"])
    store = two_releases.releases / "1.1" / "store"
    with TestClient(create_app(ServeConfig(store, timeout=5, workers=1))) as client:
        moved = client.get("/id/" + edited["old"][len(ID) :], follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"].endswith(edited["new"][len(ID) :])


def test_a_removed_entity_is_named_by_its_change_but_never_linked(two_releases: Series):
    """A release has no page for an entity it no longer holds: its change says which one in
    words, and no link of the release leads to the address that is gone."""
    import copy

    from icegraph.publish.diff import changes_quads

    log = copy.deepcopy(log_of(two_releases))
    gone = ID + "system/gone"
    log["entities"]["removed"].append({"iri": gone, "label": "Gone System", "mentions": []})
    quads = changes_quads(log, "https://w3id.org/icegraph/dataset/release/1.1", lambda i: i != gone)
    assert not [q for q in quads if q.object == NamedNode(gone)]
    assert any("Gone System" in q.object.value for q in quads if isinstance(q.object, Literal))
    # the edited claim's earlier IRI redirects, so its change still links it
    edited = log["claims"]["changed"][0]["old"]
    assert [q for q in quads if q.object == NamedNode(edited)]
