"""Embargoed and confidential claims: an internal build keeps them, marked; a public build
(`release_date`) leaves them out with everything only they said, so that not one byte of its
output tells of them, and its counts are those of a build without them."""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Store
from starlette.testclient import TestClient

from icegraph.cli import main
from icegraph.namespaces import ID, PREFIXES
from icegraph.pipeline import BuildResult, build
from icegraph.publish.quickstatements import quickstatements
from icegraph.readers.statements_csv import read_statements
from icegraph.serve.app import ServeConfig, create_app
from icegraph.store import open_store, select
from tests.conftest import DATA, flows_table, row, rows

RELEASE = datetime.date(2026, 12, 2)
STATEMENTS_HEADER = (
    "statement,from,from_kind,to,to_kind,relation,both_ways,data,since,source,locator,"
    "confidence,entered_by,entered_on"
)
PLAIN = (
    'flow,TECS,system,ICM,system,,,"Subject records on travellers, imported nightly",,'
    'dhs-ice-pia-045,"p. 14, section 2.2",primary,Ana Ruiz,2026-11-30'
)
# Last in their files, so that a file without them numbers its other lines the same.
EMBARGOED = (
    "flow,Zephyrcast Ledger,system,ICM,system,,,Nightly ledger of quiet transfers,,"
    "dhs-ice-pia-045,p. 3,primary,Ana Ruiz,2026-11-30"
)
CONFIDENTIAL = (
    "flow,TECS,system,ICM,system,,,Whispered traveller extracts,,dhs-ice-pia-045,p. 9,"
    "secondary,Ana Ruiz,2026-11-30"
)
MEMO = (
    "zephyr-memo,Zephyrgrid memo to the desk,Zephyrgrid memo to the desk,A source,A source,"
    "privacy-impact-assessment,2026-11-01,Given in confidence,"
)
SECRET_ROW = row(
    source="Zephyrgrid Exchange",
    full_name="Zephyrgrid Exchange",
    description="Zephyrgrid copies tip-line records into ICM.",
    reference="Zephyrgrid memo to the desk",
)
LINK = (
    "system/zephyrcast-ledger,Zephyrcast Ledger,Q4115189,Zephyrcast Ledger,0.90,same name,"
    "accepted,Desk editor,2026-11-30,checked\n"
)
NEEDLES = ("zephyr", "whispered traveller", "quiet transfers", "q4115189")


def ask(store: Store, sparql: str) -> bool:
    return bool(select(store, sparql, prefixes=PREFIXES))


def connection_claim(seed: Store) -> tuple[str, str]:
    """A seed dossier connection, and the relationship only it asserts."""
    found = rows(seed, """
        SELECT ?claim ?rel WHERE {
          ?claim ig:asserts ?rel . ?rel a ig:Relationship ; ig:claimCount 1 .
          FILTER(CONTAINS(STR(?claim), "/connection-"))
        } ORDER BY ?claim LIMIT 1""")  # fmt: skip
    assert found
    claim, rel = found[0]
    assert claim and rel
    return claim, rel


def make_data(root: Path, seed: Store, marked: bool) -> Path:
    """The seeds, a hand-entered statements file and a second flows table. With `marked`,
    their last rows are embargoed or confidential (and a seed connection is embargoed);
    without, those rows are not there at all."""
    data = root / "data"
    shutil.copytree(DATA, data)
    sources = (data / "sources.csv").read_text(encoding="utf-8").splitlines()
    if marked:
        sources = [sources[0] + ",confidential"] + [s + "," for s in sources[1:]] + [MEMO + ",yes"]
    (data / "sources.csv").write_text("\n".join(sources) + "\n", encoding="utf-8")
    entered = [STATEMENTS_HEADER, PLAIN]
    flows = [row(description="ICM users query ATS for border crossings.")]
    if marked:
        entered[0] += ",embargoed_until,confidential"
        entered = [entered[0], PLAIN + ",,", EMBARGOED + ",2099-01-01,", CONFIDENTIAL + ",,yes"]
        flows.append(SECRET_ROW)
    (data / "raw" / "entered.csv").write_text("\n".join(entered) + "\n", encoding="utf-8")
    (data / "raw" / "000_0001-more.txt").write_text(flows_table(*flows), encoding="utf-8")
    if marked:  # a reviewed Wikidata link would name the embargoed system
        with (data / "wikidata-links.csv").open("a", encoding="utf-8") as links:
            links.write(LINK)
    claim, _rel = connection_claim(seed)
    (data / "embargoes.csv").write_text(
        "claim,embargoed_until,confidential,reason,who\n"
        f"{claim},2099-06-30,,The source asked for time,Desk editor\n",
        encoding="utf-8",
    )
    return data


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, seed_store: Store):
    root = tmp_path_factory.mktemp("withhold")
    marked = make_data(root / "marked", seed_store, marked=True)
    plain = make_data(root / "plain", seed_store, marked=False)
    internal = build(marked, root / "internal")
    public = build(marked, root / "public", release_date=RELEASE)
    without = build(plain, root / "without", release_date=RELEASE)
    return internal, public, without


def store_of(result: BuildResult) -> Store:
    return open_store(result.out_dir / "store", read_only=True)


def marked_claims(store: Store) -> dict[str, list[str]]:
    """Each embargoed or confidential claim: the IRIs and texts that would tell of it."""
    out: dict[str, list[str]] = {}
    for claim, said in rows(store, """
        SELECT ?claim ?said WHERE {
          { ?claim ig:embargoedUntil ?x } UNION { ?claim ig:confidential true }
          ?claim ig:statement ?said }"""):  # fmt: skip
        assert claim and said
        out[claim] = [said]
    return out


def test_an_internal_build_keeps_them_marked(builds, seed_store: Store):
    internal, _public, _without = builds
    store = store_of(internal)
    marks = dict(rows(store, """
        SELECT ?claim ?mark WHERE {
          { ?claim ig:embargoedUntil ?d . BIND(STR(?d) AS ?mark) }
          UNION { ?claim ig:confidential true . BIND("confidential" AS ?mark) }
          ?claim a ig:Claim }"""))  # fmt: skip
    claim, _rel = connection_claim(seed_store)
    assert marks[claim] == "2099-06-30"
    assert sorted(marks.values()).count("confidential") == 2  # the statement, the memo's row
    assert "2099-01-01" in marks.values()
    assert ask(
        store, "ASK { <https://w3id.org/icegraph/id/system/zephyrcast-ledger> owl:sameAs ?q }"
    )
    assert ask(store, 'ASK { ?s rdfs:label ?l . FILTER(CONTAINS(?l, "Zephyrcast")) }')
    assert (
        internal.report.counts["claims marked embargoed or confidential (kept: not a public build)"]
        == 4
    )


def withheld_needles(internal: BuildResult) -> set[str]:
    """What would tell of the withheld claims: their IRIs and texts, the flows only they
    assert, the entities only they name."""
    inside = store_of(internal)
    claims = marked_claims(inside)
    assert len(claims) == 4
    needles = set(NEEDLES)
    for claim, texts in claims.items():
        needles |= {claim.casefold(), claim.rsplit("/", 1)[1].casefold()}
        needles |= {t.casefold() for t in texts}
        for (node,) in rows(inside, f"SELECT ?n WHERE {{ <{claim}> ig:asserts ?n }}"):
            assert node
            alone = rows(inside, f"""SELECT ?c WHERE {{ ?c ig:asserts <{node}> .
                FILTER NOT EXISTS {{ ?c ig:confidential true }}
                FILTER NOT EXISTS {{ ?c ig:embargoedUntil ?d }} }}""")  # fmt: skip
            if not alone:  # supported by withheld claims only: must go too
                needles |= {node.casefold(), node.rsplit("/", 1)[1].casefold()}
    for (entity,) in rows(inside, """SELECT DISTINCT ?e WHERE {
            ?e rdfs:label ?l . FILTER(CONTAINS(LCASE(?l), "zephyr")) }"""):  # fmt: skip
        assert entity
        needles |= {entity.casefold(), entity.rsplit("/", 1)[1].casefold()}
    assert any("/flow/" in n for n in needles) and any("/system/" in n for n in needles)
    return needles


def assert_nothing_tells(files: list[Path], store: Store, needles: set[str]) -> None:
    for path in files:
        content = path.read_bytes().decode("utf-8", errors="replace").casefold()
        content = content.replace("\\/", "/")  # Turtle's escaped slashes in local names
        for needle in needles:
            assert needle not in content, (path.name, needle)
    for quad in store.quads_for_pattern(None, None, None, None):
        said = " ".join(str(t) for t in (quad.subject, quad.predicate, quad.object)).casefold()
        for needle in needles:
            assert needle not in said, (quad, needle)


def test_a_public_build_has_not_one_byte_of_them(builds):
    internal, public, _without = builds
    needles = withheld_needles(internal)
    files = [p for p in public.out_dir.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"icegraph.trig", "icegraph.jsonld", "report.md",
                                       "checksums.sha256", "context.jsonld"}  # fmt: skip
    assert_nothing_tells(files, store_of(public), needles)
    assert public.report.counts["claims withheld (embargo or confidential)"] == 4
    assert "4 " in (public.out_dir / "report.md").read_text(encoding="utf-8")


def test_a_release_and_its_change_log_have_not_one_byte_of_them(
    builds, tmp_path: Path, seed_store: Store
):
    """A first release without the rows, a second with them marked: the second release,
    its change log against the first and the series say nothing of them."""
    from icegraph.publish.release import make_release, open_release

    internal, _public, _without = builds
    needles = withheld_needles(internal)
    releases = tmp_path / "releases"
    releases.mkdir()
    plain = make_data(tmp_path / "plain", seed_store, marked=False)
    marked = make_data(tmp_path / "marked", seed_store, marked=True)
    make_release(plain, releases, "1.0", build, issued=RELEASE.isoformat())
    second = make_release(marked, releases, "1.1", build, issued=RELEASE.isoformat())
    files = [p for p in second.rglob("*") if p.is_file() and "store" not in p.parts]
    files += [p for p in releases.iterdir() if p.is_file()]
    assert {p.name for p in files} >= {"CHANGES.md", "changes.json", "release.ttl"}
    assert_nothing_tells(files, open_release(releases, "1.1"), needles)
    # everything the second data adds is withheld, so a reader of the log sees no change
    log = json.loads((second / "changes.json").read_text(encoding="utf-8"))
    assert log["from"] == "1.0" and log["to"] == "1.1"
    for part in ("claims", "entities", "wikidata_links", "contradictions"):
        assert not any(log[part].values()), (part, log[part])


def test_a_public_build_is_the_build_without_those_rows(builds):
    _internal, public, without = builds
    for name in ("icegraph.trig", "icegraph.ttl", "icegraph.jsonld", "checksums.sha256"):
        assert (public.out_dir / name).read_bytes() == (without.out_dir / name).read_bytes()
    derived = """SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/icegraph/graph/derived>
                 { ?s ?p ?o } } ORDER BY ?s ?p ?o"""  # fmt: skip
    assert rows(store_of(public), derived) == rows(store_of(without), derived)
    counts = dict(public.report.counts)
    assert counts.pop("claims withheld (embargo or confidential)") == 4
    assert counts == {
        k: v for k, v in without.report.counts.items() if not k.startswith("claims withheld")
    }


def test_quickstatements_of_a_public_build_never_name_them(builds):
    internal, public, _without = builds
    said_inside = "\n".join(quickstatements(store_of(internal), {}))
    said_public = "\n".join(quickstatements(store_of(public), {}))
    assert "Zephyrgrid" in said_inside  # the memo's system, operated by a known agency
    assert "zephyr" not in said_public.casefold()


def test_an_embargo_that_has_ended_is_published_without_its_mark(builds, tmp_path: Path):
    internal, _public, _without = builds
    data = internal.out_dir.parent / "marked" / "data"
    later = build(data, tmp_path / "later", release_date=datetime.date(2099, 7, 1))
    store = store_of(later)
    assert ask(store, 'ASK { ?c ig:statement ?s . FILTER(CONTAINS(?s, "Zephyrcast")) }')
    assert not ask(store, "ASK { ?c ig:embargoedUntil ?d }")
    assert later.report.counts["claims withheld (embargo or confidential)"] == 2


def test_marking_a_statement_does_not_rename_its_claim(tmp_path: Path):
    plain = tmp_path / "plain.csv"
    plain.write_text(f"{STATEMENTS_HEADER}\n{EMBARGOED}\n", encoding="utf-8")
    marked = tmp_path / "marked.csv"
    marked.write_text(
        f"{STATEMENTS_HEADER},confidential,embargoed_until\n{EMBARGOED},yes,2099-01-01\n",
        encoding="utf-8",
    )
    (a,), (b,) = read_statements(plain), read_statements(marked)
    assert a.fingerprint == b.fingerprint
    assert (a.confidential, a.embargoed_until) == (False, None)
    assert (b.confidential, b.embargoed_until) == (True, "2099-01-01")


def test_the_internal_pages_say_not_for_publication(builds):
    internal, _public, _without = builds
    store = store_of(internal)
    app = create_app(ServeConfig(internal.out_dir / "store", timeout=5, workers=1))
    banners = {}
    with TestClient(app) as client:
        for claim in marked_claims(store):
            r = client.get("/id/" + claim[len(ID) :], headers={"Accept": "text/html"})
            assert r.status_code == 200
            banners[claim] = re.findall(
                r'<p class="warnings withheld [^"]+"[^>]*><strong>([^<]+)', r.text
            )
    assert sorted(b for found in banners.values() for b in found) == [
        "Confidential: internal only",
        "Confidential: internal only",
        "Embargoed until 2099-01-01: not for publication",
        "Embargoed until 2099-06-30: not for publication",
    ]


def run_build(data: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["build", "--data", str(data), "--out", str(out), "-q"], catch_exceptions=False
    )
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("file", "text", "where", "expected"),
    [
        ("embargoes.csv", "claim/000-f18490aef763a0b3/ats--icm-0000000000,2099-01-01,,Why,Who",
         "embargoes.csv, line 2: field 'claim':", "no input states the claim"),
        ("embargoes.csv", "{claim},,,Why,Who", "embargoes.csv, line 2: field 'embargoed_until':",
         "neither embargoes the claim nor marks it confidential"),
        ("embargoes.csv", "{claim},2099-13-01,,Why,Who",
         "embargoes.csv, line 2: field 'embargoed_until':", "Expected a real date YYYY-MM-DD"),
        ("embargoes.csv", "{claim},,maybe,Why,Who", "embargoes.csv, line 2: field 'confidential':",
         "Expected yes, no or empty"),
        ("embargoes.csv", "{claim},,yes,,Who", "embargoes.csv, line 2: field 'reason':",
         "cell is empty"),
    ],
)  # fmt: skip
def test_a_bad_embargo_row_is_a_located_error(
    data_copy: Path, tmp_path: Path, seed_store: Store, file: str, text: str, where: str,
    expected: str,
):  # fmt: skip
    claim, _rel = connection_claim(seed_store)
    header = "claim,embargoed_until,confidential,reason,who\n"
    (data_copy / file).write_text(header + text.format(claim=claim) + "\n", encoding="utf-8")
    code, output = run_build(data_copy, tmp_path / "out")
    assert code == 1
    assert where in output and expected in output


def test_bad_marks_in_sources_and_statements_are_located_errors(data_copy: Path, tmp_path: Path):
    sources = (data_copy / "sources.csv").read_text(encoding="utf-8").splitlines()
    bad = [sources[0] + ",embargoed_until"] + [s + "," for s in sources[1:2]]
    bad += [s + ",2026-02-30" for s in sources[2:3]] + [s + "," for s in sources[3:]]
    (data_copy / "sources.csv").write_text("\n".join(bad) + "\n", encoding="utf-8")
    code, output = run_build(data_copy, tmp_path / "out")
    assert code == 1 and "sources.csv, line 3: field 'embargoed_until':" in output
    (data_copy / "sources.csv").write_text("\n".join(sources) + "\n", encoding="utf-8")
    entered = data_copy / "raw" / "entered.csv"
    entered.write_text(f"{STATEMENTS_HEADER},confidential\n{PLAIN},perhaps\n", encoding="utf-8")
    code, output = run_build(data_copy, tmp_path / "out")
    assert code == 1
    assert f"{entered}, line 2: field 'confidential': 'perhaps' is not yes or no" in output
