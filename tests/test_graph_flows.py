"""The built graph from the real flows table: nodes, edges, raw values, queries."""

from __future__ import annotations

from icegraph.paths import shapes_dir
from icegraph.pipeline import BuildResult, build
from icegraph.queries import find_query, run_select
from icegraph.store import open_store
from icegraph.validate.pyshacl_engine import validate_store
from icegraph.validate.shapes_program import load_shapes
from tests.conftest import flows_table, only_flows, row, rows

ICM = "https://w3id.org/icegraph/id/system/icm"
ID = "https://w3id.org/icegraph/id/"
GRAPH = "https://w3id.org/icegraph/graph/"


def test_icm_is_one_node_whatever_script_its_letters_came_in(seed_store):
    names = rows(seed_store, "SELECT DISTINCT ?s WHERE { ?s a ig:System ; rdfs:label ?l . "
                             "FILTER(CONTAINS(UCASE(?l), 'ICM') && STRLEN(?l) = 3) }")  # fmt: skip
    assert names == [(ICM,)]
    # every row of the table touches ICM except NCIC → ACRIMe; three of them both ways
    touching = rows(
        seed_store, f"SELECT (COUNT(?f) AS ?n) WHERE {{ ?f ig:dataFrom|ig:dataTo <{ICM}> }}"
    )
    assert touching == [("23",)]


def test_raw_values_are_kept_next_to_corrections(seed_store):
    got = rows(
        seed_store,
        "SELECT ?line ?field ?raw ?fixed ?rule WHERE { ?c ig:hasRepair ?r . ?r ig:sourceLine ?line ;"
        " ig:field ?field ; ig:rawValue ?raw ; ig:correctedValue ?fixed ; ig:repairRule ?rule . "
        "FILTER(?field = 'Destination') } ORDER BY ?line",
    )
    assert got == [
        ("10", "Destination", "ІСМ", "ICM", "lookalike-letters"),
        ("15", "Destination", "external federal, state, local, tribal and international law "
         "enforcement agency partners via LEIS Service", "LEIS Service", "misplaced-value"),
        ("23", "Destination", "ІСМ", "ICM", "lookalike-letters"),
        ("26", "Destination", "Ю", "ICM", "garbled-cell"),
    ]  # fmt: skip


def test_every_flow_has_one_from_one_to_and_a_sourced_claim_with_a_sharing_type(seed_store):
    # 21 rows, three of them both ways: one flow per direction data moves in
    flows = rows(seed_store, "SELECT (COUNT(*) AS ?n) WHERE { ?f a ig:InformationFlow }")
    assert flows == [("24",)]
    bad = rows(
        seed_store,
        """SELECT ?f WHERE { ?f a ig:InformationFlow .
           FILTER NOT EXISTS { ?c ig:asserts ?f ; prov:wasDerivedFrom/dcterms:title ?t ;
                                  ig:sharingType ?type ;
                                  ig:verification ig:notAssessed ; ig:confidence ?k } }""",
    )
    assert bad == []
    two_ends = rows(seed_store, """SELECT ?f WHERE { ?f a ig:InformationFlow ; ig:dataFrom ?a ;
        ig:dataTo ?b . } GROUP BY ?f HAVING (COUNT(*) != 1)""")  # fmt: skip
    assert two_ends == []


def test_direct_edges_follow_the_real_direction(seed_store):
    edges = set(rows(seed_store, "SELECT ?a ?b WHERE { ?x ig:sendsDataTo ?y . "
                                 "?x rdfs:label ?a . ?y rdfs:label ?b }"))  # fmt: skip
    assert ("ICM", "HSI Data Warehouse") in edges
    assert ("HSI Data Warehouse", "ICM") not in edges  # the columns say so; the type does not
    assert {("EID", "ICM"), ("ICM", "EID"), ("TECS", "ICM"), ("ICM", "TECS")} <= edges
    assert ("NCIC", "ACRIMe") in edges
    assert len(edges) == 24  # 21 rows + 3 bi-directional


def test_bidirectional_row_is_one_claim_asserting_a_flow_each_way(seed_store):
    got = rows(seed_store, """SELECT ?f ?from ?to WHERE { ?c ig:sharingType ig:bidirectional ;
        ig:asserts ?f . ?f ig:dataFrom ?from ; ig:dataTo ?to .
        FILTER(CONTAINS(STR(?c), "seacats")) } ORDER BY ?f""")  # fmt: skip
    assert got == [
        (f"{ID}flow/icm--seacats", ICM, f"{ID}system/seacats"),
        (f"{ID}flow/seacats--icm", f"{ID}system/seacats", ICM),
    ]


def test_agencies_are_canonical_with_variant_spellings_as_alt_labels(seed_store):
    got = rows(
        seed_store, f"SELECT ?alt WHERE {{ <{ID}agency/cbp> skos:altLabel ?alt }} ORDER BY ?alt"
    )
    assert ("Customs and Border Patrol",) in got
    assert ("CBP",) in got
    hierarchy = rows(
        seed_store, f"SELECT ?p WHERE {{ <{ID}agency/hsi> org:subOrganizationOf+ ?p }}"
    )
    assert set(hierarchy) == {(f"{ID}agency/ice",), (f"{ID}agency/dhs",)}


def test_operators_and_unknown_operator(seed_store):
    got = dict(rows(seed_store, "SELECT ?l ?op WHERE { ?s a ig:System ; rdfs:label ?l ; "
                                "ig:operatedBy ?op }"))  # fmt: skip
    assert got["TECS"] == f"{ID}agency/cbp"
    assert got["NICB"] == f"{ID}org/nicb"
    assert got["EPIC"] == f"{ID}agency/dea"
    assert got["Publicly available data from the Internet (social media, public records)"] == (
        "https://w3id.org/icegraph/ns#unknownOperator"
    )
    assert got["ICM"] == f"{ID}agency/ice"


def test_mechanisms_and_frequency_are_read_from_descriptions(seed_store):
    # the warehouse row's columns say warehouse → ICM; its sharing type says ICM → warehouse
    got = set(rows(seed_store, f"SELECT ?m WHERE {{ ?c ig:asserts <{ID}flow/icm--hsi-data-"
                               "warehouse> ; ig:mechanism|ig:frequency ?m }"))  # fmt: skip
    assert got == {("https://w3id.org/icegraph/ns#feed",), ("http://purl.org/cld/freq/daily",)}
    label = rows(
        seed_store, f"SELECT ?l WHERE {{ <{ID}flow/icm--hsi-data-warehouse> rdfs:label ?l }}"
    )
    assert label == [("ICM → HSI Data Warehouse",)]
    seacats = set(
        rows(
            seed_store,
            f"SELECT ?m WHERE {{ ?c ig:asserts <{ID}flow/seacats--icm> ; ig:mechanism ?m }}",
        )  # fmt: skip
    )
    assert {m.rsplit("#")[-1] for (m,) in seacats} == {"query", "import", "manualCopy"}


def test_flow_confidence_follows_the_strongest_document_type(seed_store):
    got = rows(seed_store, """SELECT ?k (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c ig:asserts/a ig:InformationFlow ;
                             ig:confidence ?k } GROUP BY ?k""")  # fmt: skip
    # every row cites at least one ICE or DHS document
    assert got == [("https://w3id.org/icegraph/ns#primary", "21")]


def test_citation_cell_with_several_documents_gives_several_sources(seed_store):
    got = rows(seed_store, f"SELECT ?s ?raw WHERE {{ ?c ig:asserts <{ID}flow/tecs--icm> ; "
                           "prov:wasDerivedFrom ?s ; ig:rawCitation ?raw } ORDER BY ?s")  # fmt: skip
    assert [s.rsplit("/", 1)[-1] for s, _ in got] == [
        "dhs-ice-pia-045", "ice-tecs-modernization-ord", "ice-tecs-modernization-soo",
        "intercept-woodman", "mijente-whos-behind-ice",
    ]  # fmt: skip
    assert "<i>Mijente</i>" in got[0][1]


def test_report_lists_direction_disagreement_and_repairs(seed_build: BuildResult):
    md = (seed_build.out_dir / "report.md").read_text(encoding="utf-8")
    assert "columns say HSI Data Warehouse → ICM" in md
    assert "| garbled-cell |" in md or "garbled-cell: 1" in md
    assert "Secondary" not in md or "secondary" in md


def test_two_files_stating_the_same_flow_give_one_flow_with_a_claim_each(data_copy):
    """Newsrooms merge tables: the same movement in two files is one flow asserted by two
    claims, each with its own file and line, and what both files say of a system is stored
    once, so rows and counts don't grow with the files."""
    new = row(source="NEWSYS", full_name="New Records System", description="Feeds ICM nightly.")
    only_flows(data_copy, flows_table(row(), new), name="flows-a.txt")
    (data_copy / "raw" / "flows-b.txt").write_text(flows_table(new, row()), encoding="utf-8")
    result = build(data_copy, data_copy.parent / "out")
    store = open_store(data_copy.parent / "out" / "store", read_only=True)

    flows = rows(
        store,
        """SELECT ?f ?file ?line WHERE { ?c ig:asserts ?f ; ig:sourceFile ?file ;
        ig:sourceLine ?line . FILTER(CONTAINS(STR(?f), "newsys")) } ORDER BY ?file""",
    )
    assert flows == [
        ("https://w3id.org/icegraph/id/flow/newsys--icm", "raw/flows-a.txt", "3"),
        ("https://w3id.org/icegraph/id/flow/newsys--icm", "raw/flows-b.txt", "2"),
    ]
    support = rows(store, """SELECT ?claims ?docs WHERE {
        <https://w3id.org/icegraph/id/flow/newsys--icm> ig:claimCount ?claims ;
        ig:documentCount ?docs }""")  # fmt: skip
    assert support == [("2", "1")]  # two statements citing the same document
    in_two_graphs = rows(
        store,
        """SELECT ?s ?p ?o WHERE { GRAPH ?g1 { ?s ?p ?o } GRAPH ?g2 { ?s ?p ?o }
        FILTER(STR(?g1) < STR(?g2)) }""",
    )
    assert in_two_graphs == []
    # NEWSYS's names are settled over the build; what the first file said of it is in its
    # graph, and the second file adds no copy
    described_in = rows(
        store,
        """SELECT DISTINCT ?p ?g WHERE { GRAPH ?g {
        <https://w3id.org/icegraph/id/system/newsys> ?p ?o } } ORDER BY ?p""",
    )
    assert described_in == [
        ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", f"{GRAPH}resolved"),
        ("http://www.w3.org/2000/01/rdf-schema#label", f"{GRAPH}resolved"),
        ("http://www.w3.org/2004/02/skos/core#altLabel", f"{GRAPH}resolved"),
        ("https://w3id.org/icegraph/ns#operatedBy", f"{GRAPH}raw/flows-a"),
        ("https://w3id.org/icegraph/ns#sendsDataTo", f"{GRAPH}raw/flows-a"),
        ("https://w3id.org/icegraph/ns#sourceClassification", f"{GRAPH}raw/flows-a"),
    ]
    _names, reach = run_select(store, find_query("reaches-icm"))
    assert [str(r[1].value) for r in reach].count("NEWSYS") == 1
    per_agency = dict(
        (str(r[0].value), int(r[2].value))
        for r in run_select(store, find_query("flows-per-agency"))[1]
    )
    assert per_agency == {"U.S. Department of Homeland Security": 2}
    # checked record by record across files, the findings are pyshacl's on the whole graph
    expected = validate_store(store, load_shapes(shapes_dir()))
    found = {(f.severity, f.focus, f.rule) for f in result.findings}
    assert found == {(r.severity, r.focus, r.shape.rsplit("#", 1)[-1]) for r in expected}


def test_what_each_row_says_of_its_system_is_kept_when_rows_repeat_the_cells(data_copy):
    """Rows about one system repeat its facts; a later row that spells its operator another
    way, or names another operator, still adds what it says."""
    same = [row(source="NEWSYS", description=f"Feeds ICM, batch {i}.") for i in range(3)]
    variant = row(source="NEWSYS", sub_agency="CBP", description="Feeds ICM again.")
    other = row(source="NEWSYS", sub_agency="Immigration and Customs Enforcement")
    only_flows(data_copy, flows_table(*same, variant, *same, other))
    build(data_copy, data_copy.parent / "out")
    store = open_store(data_copy.parent / "out" / "store", read_only=True)
    newsys = "<https://w3id.org/icegraph/id/system/newsys>"
    operators = rows(store, f"SELECT ?op WHERE {{ {newsys} ig:operatedBy ?op }} ORDER BY ?op")
    assert operators == [(f"{ID}agency/cbp",), (f"{ID}agency/ice",)]
    spellings = rows(store, f"SELECT ?alt WHERE {{ <{ID}agency/cbp> skos:altLabel ?alt }}")
    assert {"Customs and Border Patrol", "CBP"} <= {alt for (alt,) in spellings}
