"""Wikidata linking on the real entity exports: reading, ranking, the review file, the graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from icegraph.cli import main
from icegraph.errors import CatalogueError, InputError
from icegraph.link.match import ACCEPT_THRESHOLD, Candidate, OurEntity, rank, score
from icegraph.link.ours import linkable_entities
from icegraph.link.propose import merge
from icegraph.link.review import ReviewRow, read_review, write_review
from icegraph.pipeline import BuildResult
from icegraph.readers.wikidata import WikidataItem, WikidataPool, read_pool
from tests.conftest import DATA, rows

WIKIDATA = sorted((DATA / "wikidata").glob("Q*.*"))
ID = "https://w3id.org/icegraph/id/"


@pytest.fixture(scope="module")
def pool() -> WikidataPool:
    return read_pool(WIKIDATA)


@pytest.fixture(scope="module")
def ranked(pool, seed_store) -> dict[str, list[Candidate]]:
    return rank(linkable_entities(seed_store), pool)


def test_wikidata_rdf_is_read_unchanged_and_the_repair_is_reported(pool):
    assert len(WIKIDATA) == 12
    assert len(pool.repairs) == 6
    assert pool.repairs[0].startswith("Q1553390.rdf: 92 blank-node id(s) starting with a digit")
    cbp = pool.items["Q368804"]
    assert cbp.full_record and cbp.claims["P749"] == {"Q11231"}
    assert "CBP" in cbp.aliases
    ice = pool.items["Q943091"]  # only a linked item's label in these files
    assert ice.label == "U.S. Immigration and Customs Enforcement" and not ice.full_record


def test_a_strict_parser_really_rejects_the_raw_file():
    import pyoxigraph

    with pytest.raises(SyntaxError, match="not a valid rdf:nodeID"):
        list(pyoxigraph.parse(path=str(DATA / "wikidata" / "Q8333.rdf")))


def test_unreadable_wikidata_file_is_a_clear_error(tmp_path: Path):
    bad = tmp_path / "Q1.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InputError, match="Q1.json, line 1, column 3: not Wikidata JSON"):
        read_pool([bad])


@pytest.mark.parametrize(
    ("entity", "qid"),
    [
        ("agency/ice", "Q943091"),
        ("agency/dhs", "Q11231"),
        ("agency/cbp", "Q368804"),
        ("agency/doj", "Q1553390"),
        ("agency/fbi", "Q8333"),
        ("agency/dea", "Q622899"),
        ("agency/state", "Q789915"),
    ],
)
def test_right_item_ranks_first_with_evidence(ranked, entity, qid):
    cands = ranked[ID + entity]
    assert cands[0].qid == qid
    assert cands[0].score >= ACCEPT_THRESHOLD
    assert "= our" in cands[0].evidence_text
    assert all(c.score < cands[0].score for c in cands[1:])


def test_parent_evidence_lifts_a_match(ranked):
    fbi = ranked[ID + "agency/fbi"][0]
    assert "parent organisation Q1553390 is the match of our parent" in fbi.evidence
    assert fbi.score == 1.0


def test_near_misses_and_absent_entities_stay_below_the_threshold(ranked, pool):
    for cands in ranked.values():
        for c in cands[1:]:
            assert c.score < ACCEPT_THRESHOLD, c
    # predecessor agencies are in the pool but never outrank the agency
    assert {"Q3331518", "Q194984"} <= set(pool.items)
    assert all(c.qid not in ("Q3331518", "Q194984") for c in ranked[ID + "agency/cbp"][:1])
    for absent in (
        "org/interpol",
        "agency/atf",
        "org/palantir",
        "person/stephen-miller",
        "system/icm",
        "org/nicb",
    ):
        assert all(c.score < ACCEPT_THRESHOLD for c in ranked.get(ID + absent, [])), absent


def test_category_and_former_items_are_handled():
    ours = OurEntity(ID + "agency/x", "Agency", "Office of Examples", ["Office of Examples"])
    pool = WikidataPool()
    pool.items["Q1"] = WikidataItem("Q1", {"Category:Office of Examples"})
    pool.items["Q2"] = WikidataItem("Q2", {"Office of Examples"}, descriptions={"former office"})
    pool.items["Q3"] = WikidataItem(
        "Q3", {"Office of Examples"}, descriptions={"a government office"}
    )
    (best,) = rank([ours], pool)[ID + "agency/x"]  # the category is dropped, the former body
    assert best.qid == "Q3" and best.score == 0.75  # falls under the proposal threshold
    former = score(ours, pool.items["Q2"], {})
    assert former is not None and former.score == 0.25
    assert "a former or dissolved body (former office)" in former.evidence
    assert score(ours, pool.items["Q1"], {}) is None


def test_review_merge_keeps_decisions_and_never_reproposes_rejections():
    def cand(entity: str, qid: str, score: float) -> Candidate:
        return Candidate(ID + entity, entity, qid, qid, score, [f"evidence {qid}"])

    existing = [
        ReviewRow(
            "agency/a", "A", "Q1", "One", "0.90", "old", "accepted", "Ann", "2026-01-01", "ok"
        ),
        ReviewRow(
            "agency/b", "B", "Q2", "Two", "0.80", "old", "rejected", "Ann", "2026-01-01", "no"
        ),
        ReviewRow("agency/b", "B", "Q9", "Nine", "0.50", "old", "proposed"),
    ]
    merged = merge(
        existing,
        {
            ID + "agency/a": [cand("agency/a", "Q5", 0.95)],
            ID + "agency/b": [cand("agency/b", "Q2", 0.99), cand("agency/b", "Q3", 0.6)],
        },
    )
    assert [(r.entity, r.qid, r.status, r.evidence) for r in merged] == [
        ("agency/a", "Q1", "accepted", "old"),
        ("agency/b", "Q2", "rejected", "old"),
        ("agency/b", "Q3", "proposed", "evidence Q3"),
    ]


def test_review_file_rows_must_say_who_and_when(tmp_path: Path):
    p = tmp_path / "links.csv"
    write_review(p, [ReviewRow("agency/a", "A", "Q1", "One", "0.9", "e", "accepted")])
    with pytest.raises(
        CatalogueError, match="line 2: field 'reviewer/reviewed_on': a row marked accepted"
    ):
        read_review(p)
    write_review(p, [ReviewRow("agency/a", "A", "X1", "One", "0.9", "e", "proposed")])
    with pytest.raises(CatalogueError, match="'X1' is not a Wikidata item id"):
        read_review(p)


def test_link_command_keeps_the_shipped_review(seed_build: BuildResult, tmp_path: Path):
    review = tmp_path / "links.csv"
    shutil.copy(DATA / "wikidata-links.csv", review)
    before = review.read_text(encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "link",
            "--store",
            str(seed_build.out_dir / "store"),
            "--review",
            str(review),
            "--wikidata-dir",
            str(DATA / "wikidata"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "9 accepted, 6 rejected, 1 proposed for review" in result.output
    assert "repaired: Q1553390.rdf: 92 blank-node id(s)" in result.output
    assert review.read_text(encoding="utf-8") == before


def test_published_graph_carries_exactly_the_accepted_rows(seed_store):
    review = read_review(DATA / "wikidata-links.csv")
    accepted = {
        (ID + r.entity, "http://www.wikidata.org/entity/" + r.qid)
        for r in review
        if r.status == "accepted"
    }
    rejected = {
        (ID + r.entity, "http://www.wikidata.org/entity/" + r.qid)
        for r in review
        if r.status == "rejected"
    }
    assert len(accepted) == 9 and len(rejected) == 6
    same = set(rows(seed_store, "SELECT ?s ?o WHERE { ?s owl:sameAs ?o }"))
    exact = set(rows(seed_store, "SELECT ?s ?o WHERE { ?s skos:exactMatch ?o }"))
    assert same == accepted == exact
    assert not same & rejected
    prov = rows(
        seed_store,
        """SELECT ?who ?when ?evidence WHERE { ?r ig:linkSubject igid:agency\\/ice ;
        ig:reviewer ?who ; dcterms:date ?when ; ig:evidence ?evidence ; ig:reviewStatus "accepted" }""",
    )
    assert prov[0][:2] == ("icegraph maintainers", "2026-11-25")
    graphs = rows(seed_store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s owl:sameAs ?o } }")
    assert graphs == [("https://w3id.org/icegraph/graph/wikidata-links",)]


def test_a_rejected_row_flipped_to_accepted_without_a_reviewer_stops_the_build(
    data_copy: Path, tmp_path: Path
):
    from icegraph.pipeline import build

    p = data_copy / "wikidata-links.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(lines) if ",Q187954," in line)
    lines[i] = lines[i].split(",rejected,")[0] + ",accepted,,,"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="must say who decided and when"):
        build(data_copy, tmp_path / "out")


def test_entity_page_shows_the_wikidata_link(seed_build: BuildResult):
    from starlette.testclient import TestClient

    from icegraph.serve.app import ServeConfig, create_app

    with TestClient(create_app(ServeConfig(seed_build.out_dir / "store", workers=1))) as c:
        page = c.get("/id/agency/ice", headers={"Accept": "text/html"}).text
    assert '<a href="http://www.wikidata.org/entity/Q943091">Q943091</a>' in page


def test_quickstatements_for_systems_of_linked_operators(seed_build: BuildResult):
    result = CliRunner().invoke(
        main, ["export", "quickstatements", "--store", str(seed_build.out_dir / "store")]
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    i = lines.index('LAST\tLen\t"ICM"')
    block = lines[i - 1 : lines.index("CREATE", i) if "CREATE" in lines[i:] else None]
    assert block[:6] == [
        "CREATE",
        'LAST\tLen\t"ICM"',
        'LAST\tDen\t"software operated by U.S. Immigration and Customs Enforcement"',
        'LAST\tAen\t"ICE Investigative Case Management"',
        'LAST\tAen\t"Investigative Case Management"',
        "LAST\tP31\tQ7397",
    ]
    assert (
        'LAST\tP137\tQ943091\tS1476\ten:"Privacy Impact Assessment for ICE Investigative Case '
        'Management (DHS/ICE/PIA-045)"\tS577\t+2016-06-16T00:00:00Z/11'
    ) in block
    assert all(line == "CREATE" or line.startswith(("LAST\t", "/* ")) for line in lines)
    assert result.stderr == (
        "4 item(s) to create, 14 left for a person to class; review before submitting.\n"
    )


def test_a_source_address_becomes_a_reference_url(data_copy: Path, tmp_path: Path):
    from icegraph.pipeline import build

    sources = data_copy / "sources.csv"
    lines = sources.read_text(encoding="utf-8").splitlines()
    lines = [
        line + "https://example.org/pia-045.pdf" if line.startswith("dhs-ice-pia-045,") else line
        for line in lines
    ]
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    build(data_copy, tmp_path / "out")
    result = CliRunner().invoke(
        main, ["export", "quickstatements", "--store", str(tmp_path / "out" / "store")]
    )
    assert (
        'S577\t+2016-06-16T00:00:00Z/11\tS854\t"https://example.org/pia-045.pdf"' in result.stdout
    )
    lines[1] = lines[1].replace("https://example.org/pia-045.pdf", "not-an-address")
    sources.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="'not-an-address' is not a web address"):
        build(data_copy, tmp_path / "out2")
