"""`icegraph query` forgives mistakes: exact messages for typos, names, syntax; ad hoc forms;
typed JSON and tables that wrap."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from icegraph.cli import main
from icegraph.pipeline import BuildResult
from tests.conftest import ROOT, rows

ICM_SENDS_TO = [
    ("EID",),
    ("FBI Joint Terrorism Task Forces",),
    ("HSI Data Warehouse",),
    ("INTERPOL",),
    ("LEIS Service",),
    ("SEACATS",),
    ("TECS",),
]


@pytest.fixture(scope="module")
def ask(seed_build: BuildResult):
    store = str(seed_build.out_dir / "store")

    def run(*args: str, stdin: str | None = None):
        return CliRunner().invoke(main, ["query", *args, "--store", store], input=stdin)

    return run


def test_an_empty_answer_names_the_misspelled_predicate(ask):
    result = ask("-e", "SELECT ?to WHERE { ?from ig:sendDataTo ?to }")
    assert result.exit_code == 0
    assert result.stdout == "to\n--\n"
    assert result.stderr == (
        "(0 rows)\nig:sendDataTo is not used in the graph; did you mean ig:sendsDataTo?\n"
    )


def test_an_empty_answer_names_a_misspelled_class_and_label(ask):
    result = ask("-e", "SELECT ?n WHERE { ?s a ig:system ; rdfs:lable ?n }", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout == "n\n"
    assert result.stderr == (
        "ig:system is not used in the graph; did you mean ig:System?\n"
        "rdfs:lable is not used in the graph; did you mean rdfs:label?\n"
    )


def test_an_empty_answer_with_known_terms_gives_no_hint(ask):
    result = ask("-e", 'SELECT ?s WHERE { ?s rdfs:label "no such name" }')
    assert result.exit_code == 0
    assert result.stderr == "(0 rows)\n"


def test_a_parameter_in_the_wrong_case_binds_the_entity_and_says_so(ask):
    exact = ask("reaches-system", "--param", "system=TECS", "--format", "csv")
    lower = ask("reaches-system", "--param", "system=tecs", "--format", "csv")
    assert lower.exit_code == 0
    assert lower.stderr == "system=tecs → TECS <https://w3id.org/icegraph/id/system/tecs>\n"
    assert lower.stdout == exact.stdout
    assert len(lower.stdout.splitlines()) > 1


def test_a_parameter_by_its_alternative_name(ask):
    full = ask(
        "reaches-system", "--param", "system=treasury enforcement communications system",
        "--format", "csv",
    )  # fmt: skip
    assert full.exit_code == 0
    assert full.stderr == (
        "system=treasury enforcement communications system → TECS "
        "<https://w3id.org/icegraph/id/system/tecs>\n"
    )
    assert full.stdout == ask("reaches-system", "--param", "system=TECS", "--format", "csv").stdout
    named = ask("reaches-system", "--param", "system=Investigative Case Management")
    assert named.stderr.splitlines()[0] == (
        "system=Investigative Case Management → ICM <https://w3id.org/icegraph/id/system/icm>"
    )


def test_a_parameter_that_names_nothing_lists_close_matches(ask):
    result = ask("reaches-system", "--param", "system=TECZ")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "error: --param system=TECZ names no entity in the graph. "
        "Close matches: TECS <https://w3id.org/icegraph/id/system/tecs>.\n"
    )
    far = ask("reaches-system", "--param", "system=qqqqqqqq")
    assert far.stderr == (
        "error: --param system=qqqqqqqq names no entity in the graph, nor anything close to it.\n"
    )


def test_an_ambiguous_parameter_lists_the_entities(ask):
    result = ask("reaches-system", "--param", "system=mosaic")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: --param system=mosaic names 3 entities: "
        "MOSAIC <https://w3id.org/icegraph/id/system/mosaic>; "
        "Multi-State Anti-Terrorism Information Exchange "
        "<https://w3id.org/icegraph/id/system/mosaic-anti-terrorism>; "
        "Migrant Operational Support and Information Center "
        "<https://w3id.org/icegraph/id/system/mosaic-migrant-support>. "
        "Give the full name of the one you mean.\n"
    )


def test_a_mistyped_query_name_suggests_the_close_one(ask):
    result = ask("reaches-icn")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: no query named 'reaches-icn'; did you mean 'reaches-icm'? "
        "Expected a .rq file or one of: ai-only-claims-about-ice, "
    )


def test_a_syntax_error_is_one_sentence_at_the_askers_line(ask):
    result = ask("-e", "SELECT ?x WHERE {\n  ?x a ig:System .\n  FILTER(?x = %) }\n")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: query (-e), line 3, column 15: SPARQL does not expect '%' here.\n"
        "    FILTER(?x = %) }\n"
        "                ^\n"
    )


@pytest.mark.parametrize(
    ("query", "message", "marked"),
    [
        (
            "SELECT ?x WHERE { ?x foo:bar ?y }",
            "line 1, column 22: the prefix 'foo:' is not declared; declare it with PREFIX or "
            "use one the tool knows (ig: igid: rdf: rdfs: xsd: owl: skos: prov: dcterms: dcat: "
            "void: org: schema: foaf: freq: wd: sd:).",
            "                       ^^^^^^^",
        ),
        (
            "SELEC ?x WHERE { ?x ?p ?y }",
            "line 1, column 1: a query starts with SELECT, ASK, CONSTRUCT or DESCRIBE, not "
            "'SELEC'; did you mean SELECT?",
            "  ^^^^^",
        ),
        (
            "SELECT ?x WHERE {\n  ?x ?p ?y\n",
            "line 1, column 17: the query ends before this '{' is closed: a '}' is missing.",
            "                  ^",
        ),
        (
            'SELECT ?x WHERE { ?x ?p "abc }',
            'line 1, column 25: this string is never closed: a closing " is missing.',
            "                          ^",
        ),
        (
            "SELECT ?x WHERE { ?x ?p ?y } LIMT 3",
            "line 1, column 30: 'LIMT' is not a SPARQL keyword; did you mean LIMIT?",
            "                               ^^^^",
        ),
        (
            "SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?y }",
            "line 1, column 8: ?x is selected but neither grouped (GROUP BY ?x) nor counted.",
            "         ^^",
        ),
        (
            "SELECT ?x (COUNT(*) AS ?n) WHERE { ?x ?p ?y } GROUP BY ?p",
            "line 1, column 8: ?x is selected but neither grouped (GROUP BY ?x) nor counted.",
            "         ^^",
        ),
    ],
)
def test_syntax_errors_say_what_is_wrong_in_plain_words(ask, query, message, marked):
    result = ask("-e", query)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"error: query (-e), {message}"
    assert lines[2] == marked
    assert "expected one of" not in result.stderr


def test_a_query_from_standard_input_needs_no_header(ask):
    query = "SELECT ?name WHERE { igid:system\\/icm rdfs:label ?name }"
    result = ask("-", "--format", "csv", stdin=query)
    assert result.exit_code == 0
    assert result.stdout == "name\nICM\n"
    inline = ask("-e", query, "--format", "csv")
    assert inline.stdout == "name\nICM\n"


def test_a_file_of_ones_own_needs_no_header_but_a_catalogue_file_does(ask, tmp_path: Path):
    own = tmp_path / "mine.rq"
    own.write_text("SELECT ?name WHERE { igid:system\\/icm rdfs:label ?name }\n")
    assert ask(str(own), "--format", "csv").stdout == "name\nICM\n"
    from icegraph.errors import QueryError
    from icegraph.queries import catalogue

    with pytest.raises(QueryError, match="has no header comment"):
        catalogue(tmp_path)


def test_both_a_name_and_an_expression_is_refused(ask):
    result = ask("reaches-icm", "-e", "SELECT * WHERE { ?s ?p ?o }")
    assert result.exit_code == 1
    assert result.stderr == "error: give either a QUERY or -e SPARQL, not both.\n"


def test_json_keeps_numbers_and_booleans_typed(ask):
    result = ask(
        "-e",
        'SELECT ?n ?yes ?d ?text ?unbound WHERE { '
        '{ SELECT (COUNT(*) AS ?n) WHERE { ?s a ig:System } } '
        'BIND(1 = 1 AS ?yes) BIND(2.5 AS ?d) BIND("9" AS ?text) OPTIONAL { ?n ?p ?unbound } }',
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0
    [row] = json.loads(result.stdout)
    assert row["yes"] is True
    assert row["d"] == 2.5
    assert row["text"] == "9"
    assert row["unbound"] is None
    assert isinstance(row["n"], int) and row["n"] > 10
    flows = json.loads(ask("flows-per-agency", "--format", "json").stdout)
    assert all(isinstance(r["flows"], int) for r in flows)


def test_the_table_wraps_long_values_instead_of_cutting_them(ask):
    long = "word " * 30  # 150 characters
    result = ask("-e", f'SELECT ("{long.strip()}" AS ?v) (1 AS ?n) WHERE {{}}')
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "…" not in result.stdout
    assert lines[0].split() == ["v", "n"]
    assert max(len(x) for x in lines) <= 60 + 2 + 1
    assert " ".join(" ".join(x[:60].split()) for x in lines[2:]) == long.strip()
    assert lines[2].endswith("  1")


def test_icm_sends_data_to_the_same_seven_systems_either_way(seed_store):
    # the two queries of docs/vocabulary.md, read from it so that the page cannot drift
    text = (ROOT / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    section = text[text.index('### Directions: "systems ICM sends data to"') :]
    by_flows, by_edges = re.findall(r"```sparql\n(.*?)```", section, re.S)[:2]
    assert "ig:dataFrom" in by_flows and "ig:dataTo" in by_flows
    assert "ig:sendsDataTo" in by_edges
    assert rows(seed_store, by_flows) == rows(seed_store, by_edges) == ICM_SENDS_TO


def test_a_parameter_naming_the_wrong_kind_of_thing_says_so(ask):
    result = ask("reaches-system", "--param", "system=ice")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: --param system=ice names U.S. Immigration and Customs Enforcement "
        "<https://w3id.org/icegraph/id/agency/ice>, an ig:Agency; this query asks for an "
        "ig:System.\n"
    )


def test_a_name_parameter_given_an_iri_is_explained_when_nothing_comes_back(ask):
    result = ask("reaches-system", "--param", "system=<https://w3id.org/icegraph/id/system/tecs>")
    assert result.exit_code == 0
    assert result.stderr == (
        "(0 rows)\n--param system=<https://w3id.org/icegraph/id/system/tecs> is an IRI, but the "
        "query compares ?system with names: give the entity's name instead.\n"
    )


def test_a_mistyped_parameter_name_suggests_the_declared_one(ask):
    result = ask("reaches-system", "--param", "sytem=TECS")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: reaches-system has no parameter sytem; did you mean system? "
        "Expected one of: system.\n"
    )


def test_hints_read_the_querys_own_prefixes(ask):
    result = ask(
        "-e",
        "PREFIX ig: <https://w3id.org/icegraph/ns#>\n"
        "PREFIX my: <https://w3id.org/icegraph/ns#>\n"
        "SELECT * WHERE { ?s my:sendDataTo ?o ; ig:sendsDataTo ?x }",
    )
    assert result.exit_code == 0
    assert result.stderr == (
        "(0 rows)\nig:sendDataTo is not used in the graph; did you mean ig:sendsDataTo?\n"
    )


def test_a_query_for_an_endpoint_is_read_here_first():
    # nothing listens on port 9: the syntax error comes before any connection
    result = CliRunner().invoke(
        main,
        ["query", "-e", "SELECT ?x WHERE {\n ?x ig:y ?z", "--endpoint", "http://127.0.0.1:9/q"],
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: query (-e), line 1, column 17: the query ends before this '{' is closed: "
        "a '}' is missing.\n  SELECT ?x WHERE {\n                  ^\n"
    )


def test_ask_answers_true_or_false_and_a_false_is_explained(ask):
    yes = ask(
        "-e", "ASK { igid:system\\/icm ig:sendsDataTo igid:system\\/tecs }", "--format", "json"
    )
    assert json.loads(yes.stdout) == [{"answer": True}]
    no = ask("-e", "ASK { igid:system\\/icm ig:sendDataTo igid:system\\/tecs }", "--format", "csv")
    assert no.exit_code == 0
    assert no.stdout == "answer\nfalse\n"
    assert no.stderr == "ig:sendDataTo is not used in the graph; did you mean ig:sendsDataTo?\n"


def test_a_construct_or_an_empty_query_is_refused_plainly(ask):
    construct = ask("-e", "CONSTRUCT WHERE { ?s ?p ?o }")
    assert construct.exit_code == 1
    assert construct.stderr == (
        "error: query (-e) gives triples, not rows. "
        "Expected a SELECT or ASK query (icegraph query prints rows).\n"
    )
    empty = ask("-", stdin="\n")
    assert empty.stderr == "error: query (stdin) is empty. Expected a SPARQL SELECT or ASK query.\n"
