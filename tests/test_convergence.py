"""The graph converges as documents are added: one node per real thing, one flow per movement
of data with a claim per statement, stable IRIs, support counts and contradictions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import Store

from icegraph.errors import InputError
from icegraph.pipeline import BuildResult, build
from icegraph.queries import find_query, run_select
from icegraph.store import open_store
from tests.conftest import DATA, flows_table, only_flows, row, rows

FIXTURES = Path(__file__).parent / "fixtures" / "convergence"
ID = "https://w3id.org/icegraph/id/"
IG = "https://w3id.org/icegraph/ns#"
ICM = f"{ID}system/icm"


def _add(data: Path, *names: tuple[str, str]) -> None:
    for fixture, target in names:
        shutil.copy(FIXTURES / fixture, data / "raw" / target)


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Store]:
    """The seeds plus a second dossier page, a second flows table that sorts before the seed
    table, and hand-entered statements."""
    data = tmp_path_factory.mktemp("grown") / "data"
    shutil.copytree(DATA, data)
    _add(
        data,
        ("second-flows.txt", "000_0000-second-flows.txt"),
        ("cbp-dossier.txt", "005_cbp.txt"),
        ("entered.csv", "entered.csv"),
    )
    result = build(data, data.parent / "out")
    return result, open_store(data.parent / "out" / "store", read_only=True)


def _subjects(store: Store) -> dict[str, set[str]]:
    """Every IRI the graph describes, with its types."""
    found: dict[str, set[str]] = {}
    for s, t in rows(store, "SELECT ?s ?t WHERE { ?s ?p ?o OPTIONAL { ?s a ?t } }"):
        if s is not None and s.startswith(ID):
            found.setdefault(s, set()).update({t} if t else set())
    return found


def test_one_node_per_entity_whatever_the_spelling(grown):
    _result, store = grown
    cbp = rows(store, "SELECT ?e WHERE { ?e a ig:Agency ; skos:altLabel|rdfs:label ?l . "
                      "FILTER(CONTAINS(LCASE(?l), 'customs and border')) } GROUP BY ?e")  # fmt: skip
    assert cbp == [(f"{ID}agency/cbp",)]
    ats = rows(store, "SELECT ?e WHERE { ?e a ig:System ; skos:altLabel|rdfs:label ?l . "
                      "FILTER(CONTAINS(LCASE(?l), 'targeting')) } GROUP BY ?e")  # fmt: skip
    assert ats == [(f"{ID}system/ats",)]
    tecs = rows(store, "SELECT ?e WHERE { ?e a ig:System ; rdfs:label ?l . "
                       "FILTER(LCASE(?l) = 'tecs') }")  # fmt: skip
    assert tecs == [(f"{ID}system/tecs",)]
    # the dossier's subject is the curated agency, its parent the curated department
    about = rows(store, f"SELECT ?to WHERE {{ ?r ig:relationFrom <{ID}agency/cbp> ; "
                        "ig:relationTo ?to ; ig:relationType ?t . "
                        f"FILTER(?t = <{ID}relation-type/parentAgency>) }}")  # fmt: skip
    assert about == [(f"{ID}agency/dhs",)]
    # the same name in another spelling is an alternative name, not a second node
    names = {n for (n,) in rows(store, f"SELECT ?n WHERE {{ <{ID}system/ats> skos:altLabel ?n }}")}
    assert {"Automated Targeting System", "Automated Targeting System (ATS)"} <= names


def test_restated_flows_are_one_flow_with_a_claim_per_document(grown):
    _result, store = grown
    claims = rows(store, f"""SELECT ?file ?line WHERE {{ ?c ig:asserts <{ID}flow/tecs--icm> ;
        ig:sourceFile ?file ; ig:sourceLine ?line }} ORDER BY ?file ?line""")  # fmt: skip
    assert claims == [
        ("raw/000_0000-second-flows.txt", "2"),
        ("raw/000_f18490aef763a0b3.txt", "23"),
        ("raw/entered.csv", "2"),
    ]
    support = rows(store, f"""SELECT ?claims ?docs ?voices ?best ?worst WHERE {{
        <{ID}flow/tecs--icm> ig:claimCount ?claims ; ig:documentCount ?docs ;
        ig:publisherCount ?voices ; ig:strongestConfidence ?best ; ig:weakestConfidence ?worst
        }}""")  # fmt: skip
    # five documents; DHS and ICE are one voice (ICE is part of DHS), The Intercept and
    # Mijente two more; the hand-entered PIA and the second table's Intercept add no document
    assert support == [("3", "5", "3", f"{IG}primary", f"{IG}secondary")]  # a news article
    eid = rows(store, f"SELECT ?n WHERE {{ <{ID}flow/icm--eid> ig:claimCount ?n }}")
    assert eid == [("2",)]
    flows = rows(store, "SELECT (COUNT(?f) AS ?n) WHERE { ?f a ig:InformationFlow }")
    # the seeds' 24, plus ICM → SEVIS, Border Camera Network → ICM and ICM → FALCON-SA
    # (FALCON-SA → ICM is the seed table's)
    assert flows == [("27",)]


def test_relationship_stated_by_three_claims(grown):
    _result, store = grown
    rel = f"{ID}relationship/ice--contractor--palantir"
    got = rows(store, f"""SELECT ?conf ?file WHERE {{ ?c ig:asserts <{rel}> ;
        ig:confidence ?conf ; ig:sourceFile ?file }} ORDER BY ?file ?conf""")  # fmt: skip
    assert got == [
        (f"{IG}inferential", "raw/004_5faac12a7c82fa76.txt"),
        (f"{IG}primary", "raw/004_5faac12a7c82fa76.txt"),
        (f"{IG}secondary", "raw/entered.csv"),
    ]


def test_contradictions_name_both_claims_their_files_and_lines(grown):
    result, store = grown
    _names, answer = run_select(store, find_query("contradictions"))
    said = {(str(r[2].value), str(r[3].value), str(r[5].value), str(r[6].value)) for r in answer}
    assert {
        ("operator", "U.S. Customs and Border Protection", "raw/000_f18490aef763a0b3.txt", "5"),
        ("operator", "U.S. Immigration and Customs Enforcement",
         "raw/000_0000-second-flows.txt", "3"),
        ("direction of the data", "SEVIS → ICM", "raw/000_f18490aef763a0b3.txt", "22"),
        ("direction of the data", "ICM → SEVIS", "raw/000_0000-second-flows.txt", "5"),
        ("start date", "2020", "raw/005_cbp.txt", "45"),
        ("start date", "2019", "raw/005_cbp.txt", "48"),
    } <= said  # fmt: skip
    md = (result.out_dir / "report.md").read_text(encoding="utf-8")
    assert "## Where the sources contradict each other" in md
    assert "| ATS | operator | U.S. Immigration and Customs Enforcement |" in md
    assert result.report.counts["contradictions between sources"] >= 6
    # information, not an error: the build passed
    assert not [f for f in result.findings if f.severity == "Violation"]


def test_hand_entered_statements_carry_who_when_where(grown):
    _result, store = grown
    got = rows(store, f"""SELECT ?who ?when ?where ?doc WHERE {{
        ?c ig:asserts <{ID}flow/falcon-sa--icm> , <{ID}flow/icm--falcon-sa> ;
           prov:wasAttributedTo/rdfs:label ?who ; prov:generatedAtTime ?when ;
           ig:locator ?where ; prov:wasDerivedFrom ?doc }}""")  # fmt: skip
    assert got == [("Ana Ruiz", "2026-11-30", '"ICM pushes case data into FALCON-SA"',
                    f"{ID}source/intercept-woodman")]  # fmt: skip


def test_near_duplicate_is_its_own_node_and_a_proposal(grown):
    result, store = grown
    anduril = rows(store, "SELECT ?e WHERE { ?e rdfs:label ?l . "
                          "FILTER(STRSTARTS(?l, 'Anduril')) } ORDER BY ?e")  # fmt: skip
    assert anduril == [(f"{ID}org/anduril",), (f"{ID}org/anduril-industries-inc",)]
    table = result.report.tables["Possible duplicates waiting for a decision"]
    pairs = {(r["entity"], r["same as"], r["status"]) for r in table}
    assert ("org/anduril", "org/anduril-industries-inc", "new: run icegraph same-as") in pairs


def test_accepted_same_as_folds_and_keeps_the_old_iri(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    _add(data, ("cbp-dossier.txt", "005_cbp.txt"))
    (data / "same-as.csv").write_text(
        "entity,entity_label,same_as,same_as_label,score,evidence,status,reviewer,reviewed_on,"
        "note\norg/anduril,Anduril Industries,org/anduril-industries-inc,"
        '"Anduril Industries, Inc.",0.80,shared words,accepted,Desk editor,2026-11-30,'
        "same company\n",
        encoding="utf-8",
    )
    result = build(data, tmp_path / "out")
    store = open_store(tmp_path / "out" / "store", read_only=True)
    old = rows(store, f"SELECT ?p ?o WHERE {{ <{ID}org/anduril-industries-inc> ?p ?o }}")
    assert old == [("http://purl.org/dc/terms/isReplacedBy", f"{ID}org/anduril")]
    names = rows(store, f"SELECT ?n WHERE {{ <{ID}org/anduril> skos:altLabel ?n }} ORDER BY ?n")
    assert ("Anduril Industries, Inc.",) in names
    claims = rows(store, f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c ig:asserts ?r . "
                         f"?r ig:relationTo <{ID}org/anduril> }}")  # fmt: skip
    assert claims == [("2",)]
    assert not result.report.tables["Possible duplicates waiting for a decision"]


def test_iris_survive_adding_a_file_that_sorts_first(seed_build: BuildResult, grown):
    _result, store = grown
    before = _subjects(open_store(seed_build.out_dir / "store", read_only=True))
    after = _subjects(store)
    replaced = {s for (s,) in rows(store, "SELECT ?s WHERE { ?s dcterms:isReplacedBy ?o }")}
    missing = [s for s in before if s not in after and s not in replaced]
    assert missing == []
    changed = [s for s, types in before.items() if not types <= after.get(s, set())]
    assert changed == []


def test_inserting_a_row_leaves_the_other_rows_claims_alone(data_copy: Path, tmp_path: Path):
    rows_before = [row(), row(source="EID", full_name="Enforcement Integrated Database"),
                   row(source="ICM", destination="SEVIS", sharing="Outbound")]  # fmt: skip
    only_flows(data_copy, flows_table(*rows_before))
    build(data_copy, tmp_path / "a")
    only_flows(data_copy, flows_table(row(source="TLS", full_name="TLS"), *rows_before))
    build(data_copy, tmp_path / "b")
    query = "SELECT ?c WHERE { ?c a ig:Claim }"
    a = set(rows(open_store(tmp_path / "a" / "store", read_only=True), query))
    b = set(rows(open_store(tmp_path / "b" / "store", read_only=True), query))
    assert len(a) == 3 and a < b and len(b - a) == 1


def test_seed_answers_do_not_change(grown):
    _result, store = grown
    _names, reach = run_select(store, find_query("reaches-icm"))
    direct = {str(r[1].value) for r in reach if str(r[2].value) == "direct"}
    assert {"ACRIMe", "AFI", "ATS", "TECS", "SEVIS", "EID"} <= direct
    _names, receives = run_select(store, find_query("receives-icm-data"))
    assert "SEVIS" in {str(r[1].value) for r in receives}  # as the second table now says


def test_bad_hand_entered_row_is_located(data_copy: Path, tmp_path: Path):
    bad = (
        (FIXTURES / "entered.csv")
        .read_text(encoding="utf-8")
        .replace("2026-11-30", "2026-02-31", 1)
    )
    (data_copy / "raw" / "entered.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(InputError) as err:
        build(data_copy, tmp_path / "out")
    assert err.value.location is not None and err.value.location.line == 2
    assert err.value.field == "entered_on" and "not a real date" in err.value.message


def test_readme_worked_example_adds_records(data_copy: Path, tmp_path: Path):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Adding records", 1)[1]
    example = section.split("```csv\n", 1)[1].split("```", 1)[0]
    (data_copy / "raw" / "my-notes.csv").write_text(example, encoding="utf-8")
    result = build(data_copy, tmp_path / "out")
    store = open_store(tmp_path / "out" / "store", read_only=True)
    got = rows(store, f"""SELECT ?where ?claims WHERE {{ ?c ig:asserts <{ID}flow/tecs--icm> ;
        ig:locator ?where . <{ID}flow/tecs--icm> ig:claimCount ?claims }}""")  # fmt: skip
    assert got == [("p. 14, section 2.2", "2")]
    since = rows(store, f"""SELECT ?y WHERE {{ ?c ig:asserts
        <{ID}relationship/ice--contractor--palantir> ; ig:sourceFile "raw/my-notes.csv" ;
        ig:since ?y }}""")  # fmt: skip
    assert since == [("2014",)]
    assert result.report.counts["statements entered by hand"] == 2
    _names, support = run_select(store, find_query("flow-support"))
    assert any(str(r[1].value) == "TECS → ICM" and str(r[2].value) == "2" for r in support)


def test_two_systems_sharing_a_full_name_stay_two(data_copy: Path, tmp_path: Path):
    """A full name joins a short name only when no other system of the build has it too."""
    only_flows(
        data_copy,
        flows_table(
            row(source="AAA", full_name="Shared Records System"),
            row(source="BBB", full_name="Shared Records System"),
            row(source="CCC", full_name="Case Copy Cache"),
            row(source="Case Copy Cache", full_name="N/A"),
        ),
    )
    build(data_copy, tmp_path / "out")
    store = open_store(tmp_path / "out" / "store", read_only=True)
    got = rows(store, "SELECT ?s WHERE { GRAPH <https://w3id.org/icegraph/graph/resolved> { "
                      "?s a ig:System } } ORDER BY ?s")  # fmt: skip
    assert got == [(f"{ID}system/aaa",), (f"{ID}system/bbb",), (f"{ID}system/ccc",)]
    moved = rows(store, "SELECT ?old ?new WHERE { ?old dcterms:isReplacedBy ?new }")
    assert moved == [(f"{ID}system/case-copy-cache", f"{ID}system/ccc")]


def test_derived_statements_leave_in_blocks_of_whole_subjects(grown):
    """The derived graph is checked block by block: no subject's triples may be split, or a
    contradiction would be checked with half of its positions."""
    from icegraph.produce import _by_subject

    result, store = grown
    derived = rows(store, "SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/icegraph/graph/"
                          "derived> { ?s ?p ?o } } ORDER BY ?s ?p ?o")  # fmt: skip
    triples = [(f"<{s}>", f"<{p}>", o) for s, p, o in derived]
    blocks = list(_by_subject("<g>", triples, size=3))
    assert len(blocks) > 10
    seen: set[str] = set()
    for block in blocks:
        mine = {t[0] for t in block.triples}
        assert mine == set(block.minted) and not mine & seen
        seen |= mine
    with pytest.raises(ValueError, match="not together"):
        list(_by_subject("<g>", [("<a>", "<p>", "1"), ("<b>", "<p>", "1"), ("<a>", "<q>", "2")]))


def test_contradictions_keep_each_subjects_triples_together():
    from icegraph.mapping.contradictions import Contradictions, Said, Subject
    from icegraph.produce import _by_subject

    tracker = Contradictions()
    pair = Subject("a b", ("<a>", "<b>"), "A and B")
    for n, value in enumerate(("A → B", "B → A", "A → B and B → A")):
        tracker.say(pair, "direction", Said(f"<c{n}>", value, value, "raw/x.txt", n + 2))
    tracker.within(pair, "sharing-type-vs-columns", Said("<c9>", "x", "x", "raw/x.txt", 9),
                   Said("<c9>", "y", "y", "raw/x.txt", 9))  # fmt: skip
    found = tracker.found()
    assert len(found) == 2
    blocks = list(_by_subject("<g>", tracker.quads(found), size=1))
    positions = [t for b in blocks for t in b.triples if t[1].endswith("#hasPosition>")]
    assert len(positions) == 5


def test_every_flow_has_its_system_edge_whichever_document_states_it(grown):
    """A flow stated only by hand-entered statements is an edge the reach questions follow,
    as a flows table's row is."""
    _result, store = grown
    missing = rows(store, """SELECT ?flow WHERE {
        ?flow a ig:InformationFlow ; ig:dataFrom ?a ; ig:dataTo ?b .
        FILTER NOT EXISTS { ?a ig:sendsDataTo ?b } }""")  # fmt: skip
    assert missing == []
    entered = rows(
        store,
        """SELECT DISTINCT ?flow WHERE {
        ?c ig:asserts ?flow ; ig:sourceFile "raw/entered.csv" . ?flow a ig:InformationFlow }""",
    )
    assert len(entered) >= 2  # the statements file's flows are among those checked
