"""Retractions (data/retractions.csv): a retracted claim leaves the graph with everything only
it supported, and its IRI keeps answering with a tombstone saying when, why and by whom."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import Store
from starlette.testclient import TestClient

from icegraph.cli import main
from icegraph.namespaces import ID, PREFIXES
from icegraph.pipeline import BuildResult, build
from icegraph.serve.app import ServeConfig, create_app
from icegraph.store import open_store, select
from tests.conftest import rows

HEADER = "claim,reason,who,when\n"
DERIVED = "https://w3id.org/icegraph/graph/derived"
RETRACTIONS = "https://w3id.org/icegraph/graph/retractions"


def one(store: Store, sparql: str) -> tuple[str, str]:
    found = rows(store, sparql)
    assert found, sparql
    a, b = found[0]
    assert a and b
    return a, b


def picks(seed: Store) -> dict[str, tuple[str, str]]:
    """Seed claims to retract, found by what they are rather than by name: one whose flow
    nothing else asserts, one of two claims behind a flow or relationship, one side of a
    contradiction."""
    alone = one(seed, """SELECT ?claim ?flow WHERE {
        ?claim ig:asserts ?flow . ?flow a ig:InformationFlow ; ig:claimCount 1 .
        FILTER NOT EXISTS { ?claim ig:asserts ?other . FILTER(?other != ?flow) }
        } ORDER BY ?claim LIMIT 1""")  # fmt: skip
    shared = one(seed, """SELECT (MIN(?c) AS ?claim) ?flow WHERE {
        ?c ig:asserts ?flow . ?flow ig:claimCount 2 .
        FILTER NOT EXISTS { ?c ig:asserts ?other . FILTER(?other != ?flow) }
        } GROUP BY ?flow ORDER BY ?flow LIMIT 1""")  # fmt: skip
    taken = {alone[0], shared[0]}
    sides: dict[str, set[str]] = {}
    for c, x in rows(seed, """SELECT DISTINCT ?c ?x WHERE {
            ?x a ig:Contradiction ; ig:hasPosition/ig:statedBy ?c }"""):  # fmt: skip
        assert c and x
        sides.setdefault(x, set()).add(c)
    disputed = next(
        (min(cs), x) for x, cs in sorted(sides.items()) if len(cs) == 2 and not cs & taken
    )
    return {"alone": alone, "shared": shared, "disputed": disputed}


@pytest.fixture(scope="module")
def retracted(tmp_path_factory: pytest.TempPathFactory, seed_store: Store):
    root = tmp_path_factory.mktemp("retractions")
    import shutil

    from tests.conftest import DATA

    data = root / "data"
    shutil.copytree(DATA, data)
    chosen = picks(seed_store)
    lines = [HEADER]
    for i, (claim, _) in enumerate(chosen.values()):
        # the full IRI, and its path after /id/, are both accepted
        shown = claim if i % 2 == 0 else claim[len(ID) :]
        lines.append(f'{shown},"The row misreads the table, case {i}",Desk editor,2026-12-01\n')
    (data / "retractions.csv").write_text("".join(lines), encoding="utf-8")
    result = build(data, root / "out")
    return result, chosen


def store_of(result: BuildResult) -> Store:
    return open_store(result.out_dir / "store", read_only=True)


def test_the_claim_and_what_only_it_supported_are_gone(retracted):
    result, chosen = retracted
    store = store_of(result)
    claim, flow = chosen["alone"]
    assert not rows(store, f"SELECT ?p WHERE {{ <{claim}> a ig:Claim }}")
    assert not rows(store, f"SELECT ?p ?o WHERE {{ <{flow}> ?p ?o }}")
    assert not rows(store, f"SELECT ?s ?p WHERE {{ ?s ?p <{flow}> }}")
    # nothing of it outside its tombstone
    for q in store.quads_for_pattern(None, None, None, None):
        if claim in (q.subject.value, getattr(q.object, "value", "")):
            assert q.graph_name.value == RETRACTIONS, q


def test_derived_counts_and_contradictions_do_not_count_it(retracted, seed_store: Store):
    result, chosen = retracted
    store = store_of(result)
    _claim, flow = chosen["shared"]
    count = f"SELECT ?n ?g WHERE {{ GRAPH ?g {{ <{flow}> ig:claimCount ?n }} }}"
    assert rows(seed_store, count) == [("2", DERIVED)]
    assert rows(store, count) == [("1", DERIVED)]
    _claim, contradiction = chosen["disputed"]
    assert rows(seed_store, f"SELECT ?p ?o WHERE {{ <{contradiction}> ?p ?o }}")
    assert not rows(store, f"SELECT ?p ?o WHERE {{ <{contradiction}> ?p ?o }}")
    everyone = "SELECT ?x WHERE { ?x a ig:Contradiction }"
    left, seeded = rows(store, everyone), rows(seed_store, everyone)
    assert set(left) < set(seeded)
    assert result.report.counts["contradictions between sources"] == len(left)


def test_each_retraction_leaves_a_tombstone(retracted):
    result, chosen = retracted
    store = store_of(result)
    for i, (claim, _) in enumerate(chosen.values()):
        found = select(store, f"""SELECT ?label ?when ?why ?who ?file WHERE {{
            GRAPH <{RETRACTIONS}> {{ <{claim}> a ig:RetractedClaim ; rdfs:label ?label ;
              prov:invalidatedAtTime ?when ; ig:retractionReason ?why ; ig:retractedBy ?who ;
              ig:sourceFile ?file }} }}""", prefixes=PREFIXES)  # fmt: skip
        (row,) = list(found)
        assert row["when"].value == "2026-12-01"
        assert row["when"].datatype.value == PREFIXES["xsd"] + "date"
        assert row["why"].value == f"The row misreads the table, case {i}"
        assert row["who"].value == "Desk editor"
        assert row["label"].value.startswith("Withdrawn claim: ")
        assert row["file"].value.startswith("raw/")
    applied = result.report.tables["Retractions applied"]
    assert sorted(r["claim"] for r in applied) == sorted(c for c, _ in chosen.values())
    report = (result.out_dir / "report.md").read_text(encoding="utf-8")
    assert "Retractions applied" in report and "case 2" in report


def test_the_tombstone_page_answers_200_with_date_who_and_why(retracted):
    result, chosen = retracted
    claim, _flow = chosen["alone"]
    app = create_app(ServeConfig(result.out_dir / "store", timeout=5, workers=1))
    with TestClient(app) as client:
        r = client.get("/id/" + claim[len(ID) :], headers={"Accept": "text/html"})
        assert r.status_code == 200
        shown = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text)))
        assert "Withdrawn on 2026-12-01 by Desk editor: The row misreads the table, case 0" in (
            shown
        )
        assert 'id="notice-withdrawn"' in r.text
        turtle = client.get("/id/" + claim[len(ID) :], headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200 and "invalidatedAtTime" in turtle.text


# ---------------------------------------------------------------- the file, read strictly


def run_build(data: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["build", "--data", str(data), "--out", str(out), "-q"], catch_exceptions=False
    )
    return result.exit_code, result.output


def a_claim(seed: Store) -> str:
    return one(seed, """SELECT ?c ?f WHERE { ?c ig:asserts ?f ; ig:sourceFile ?file .
        FILTER(CONTAINS(STR(?c), "--")) } ORDER BY ?c LIMIT 1""")[0]  # fmt: skip


def test_an_unknown_claim_is_a_located_error_and_exit_1(
    data_copy: Path, tmp_path: Path, seed_store: Store
):
    claim = a_claim(seed_store)
    wrong = claim[:-3] + ("000" if not claim.endswith("000") else "111")
    (data_copy / "retractions.csv").write_text(
        f"{HEADER}{wrong},Misread,Desk editor,2026-12-01\n", encoding="utf-8"
    )
    code, output = run_build(data_copy, tmp_path / "out")
    assert code == 1
    assert f"{data_copy / 'retractions.csv'}, line 2: field 'claim':" in output
    assert f"no input states the claim '{wrong}'" in output
    assert not (tmp_path / "out" / "icegraph.trig").exists()


def test_a_claim_named_with_the_wrong_systems_is_refused(
    data_copy: Path, tmp_path: Path, seed_store: Store
):
    claim = a_claim(seed_store)
    file_part, rest = claim.rsplit("/", 1)
    digest = rest.rsplit("-", 1)[1]
    wrong = f"{file_part}/nowhere--icm-{digest}"
    (data_copy / "retractions.csv").write_text(
        f"{HEADER}{wrong},Misread,Desk editor,2026-12-01\n", encoding="utf-8"
    )
    code, output = run_build(data_copy, tmp_path / "out")
    assert code == 1
    assert "retractions.csv, line 2: field 'claim':" in output
    assert f"Expected {claim}." in output


def test_a_slip_beside_the_right_iri_is_named_as_a_slip(
    data_copy: Path, tmp_path: Path, seed_store: Store
):
    """The right IRI on one line and a misnamed copy of it on the next: the second is told
    it names other systems, not that the claim is listed twice."""
    claim = a_claim(seed_store)
    file_part, rest = claim.rsplit("/", 1)
    wrong = f"{file_part}/nowhere--icm-{rest.rsplit('-', 1)[1]}"
    (data_copy / "retractions.csv").write_text(
        f"{HEADER}{claim},Misread,Desk editor,2026-12-01\n{wrong},Misread,Desk editor,2026-12-01\n",
        encoding="utf-8",
    )
    code, output = run_build(data_copy, tmp_path / "out")
    assert code == 1
    assert "retractions.csv, line 3: field 'claim':" in output
    assert "the claim on line 2" in output and "names other systems" in output


@pytest.mark.parametrize(
    ("cells", "field", "expected"),
    [
        ("{claim},Misread,Desk editor,2026-02-30", "when", "a real date YYYY-MM-DD"),
        ("{claim},,Desk editor,2026-12-01", "reason", "a reason"),
        ("{claim},Misread,,2026-12-01", "who", "a who"),
        ("system/icm,Misread,Desk editor,2026-12-01", "claim", "a claim's IRI"),
    ],
)
def test_every_cell_is_checked(
    data_copy: Path, tmp_path: Path, seed_store: Store, cells: str, field: str, expected: str
):
    row = cells.format(claim=a_claim(seed_store))
    (data_copy / "retractions.csv").write_text(f"{HEADER}{row}\n", encoding="utf-8")
    code, output = run_build(data_copy, tmp_path / "out")
    assert code == 1
    assert f"retractions.csv, line 2: field '{field}':" in output
    assert f"Expected {expected}" in output


def test_the_shipped_file_retracts_nothing():
    from tests.conftest import DATA

    assert (DATA / "retractions.csv").read_text(encoding="utf-8") == HEADER
    assert (DATA / "embargoes.csv").read_text(encoding="utf-8") == (
        "claim,embargoed_until,confidential,reason,who\n"
    )
