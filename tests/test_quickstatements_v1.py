"""The QuickStatements export as a Wikidata editor would check it: V1 syntax, what each new
item is (P31), nothing called a system that is not one, references without editorial notes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from icegraph.cli import main
from icegraph.errors import CatalogueError
from icegraph.pipeline import BuildResult
from icegraph.publish.quickstatements import document_title

# QuickStatements V1: one command per line, columns separated by tabs.
ITEM = r"(?:Q[1-9]\d*|LAST)"
STRING = r'"[^"\t\n]*"'
MONOLINGUAL = r'[a-z]{2,3}(?:-[a-z]+)*:"[^"\t\n]*"'
TIME = r"[+-]\d{4,}-\d{2}-\d{2}T00:00:00Z/(?:9|10|11)"
VALUE = rf"(?:Q[1-9]\d*|LAST|{STRING}|{MONOLINGUAL}|{TIME})"
TERM = re.compile(rf"^{ITEM}\t[LDA][a-z]{{2,3}}\t{STRING}$")  # label, description, alias
STATEMENT = re.compile(rf"^{ITEM}\tP[1-9]\d*\t{VALUE}((?:\t[PS][1-9]\d*\t{VALUE})*)$")
COMMENT = re.compile(r"^/\* (?:(?!\*/).)* \*/$")
# What each reference property takes (a wrong value type is refused by Wikidata).
SOURCE_VALUES = {"S248": ITEM, "S854": STRING, "S1476": MONOLINGUAL, "S577": TIME}


def v1_problems(text: str) -> list[str]:
    """Each line that is not well-formed QuickStatements V1, and each CREATE block without
    an instance of (P31)."""
    problems = []
    block: list[str] | None = None
    blocks = []
    for n, line in enumerate(text.splitlines(), 1):
        if line == "CREATE":
            block = []
            blocks.append((n, block))
            continue
        if COMMENT.match(line):
            continue
        m = STATEMENT.match(line)
        if not (m or TERM.match(line)):
            problems.append(f"line {n}: not V1: {line!r}")
            continue
        if line.startswith("LAST") and block is None:
            problems.append(f"line {n}: LAST before any CREATE")
        if m:
            pairs = m.group(1).split("\t")[1:]
            for key, value in zip(pairs[::2], pairs[1::2], strict=True):
                if key in SOURCE_VALUES and not re.fullmatch(SOURCE_VALUES[key], value):
                    problems.append(f"line {n}: {key} takes no {value!r}")
        if block is not None:
            block.append(line)
    for n, lines in blocks:
        p31 = [x for x in lines if x.startswith("LAST\tP31\t")]
        if len(p31) != 1:
            problems.append(f"line {n}: a CREATE block with {len(p31)} instance-of (P31) lines")
    return problems


def test_the_validator_refuses_what_quickstatements_would(tmp_path: Path):
    good = 'CREATE\nLAST\tLen\t"X"\nLAST\tP31\tQ8513\nLAST\tP137\tQ1\tS1476\ten:"T"\n'
    assert v1_problems(good) == []
    assert v1_problems('CREATE\nLAST\tLen\t"X"\n') == [
        "line 1: a CREATE block with 0 instance-of (P31) lines"
    ]
    assert v1_problems('CREATE\nLAST\tP31\tQ5\nLAST\tP137\tQ1\tS1476\t"no language"\n') == [
        "line 3: S1476 takes no '\"no language\"'"
    ]
    assert v1_problems("CREATE\nLAST P31 Q5\n") == [
        "line 2: not V1: 'LAST P31 Q5'",
        "line 1: a CREATE block with 0 instance-of (P31) lines",
    ]
    assert v1_problems("CREATE\nLAST\tP31\tQ5\nLAST\tP577\t2016-06-16\n") == [
        "line 3: not V1: 'LAST\\tP577\\t2016-06-16'"
    ]


@pytest.fixture(scope="module")
def exported(seed_build: BuildResult) -> tuple[str, str]:
    result = CliRunner().invoke(
        main, ["export", "quickstatements", "--store", str(seed_build.out_dir / "store")]
    )
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def test_every_block_is_well_formed_v1_with_an_instance_of(exported: tuple[str, str]):
    text, _ = exported
    assert text.count("CREATE\n") == 4
    assert v1_problems(text) == []


def test_a_task_force_is_not_created_as_a_system(exported: tuple[str, str]):
    text, err = exported
    assert 'Task Forces"' not in text  # no label, no CREATE
    assert (
        "/* Not created: FBI Joint Terrorism Task Forces "
        "<https://w3id.org/icegraph/id/system/fbi-joint-terrorism-task-forces>, operated by "
        "Federal Bureau of Investigation. What it is (instance of, P31) needs a person: give it "
        "a wikidata_class in data/entities.csv. */"
    ) in text.splitlines()
    assert "information system" not in text
    assert err == "4 item(s) to create, 14 left for a person to class; review before submitting.\n"


def test_each_item_has_the_class_of_what_it_is(exported: tuple[str, str]):
    text, _ = exported
    blocks = {}
    for block in text.split("CREATE\n")[1:]:
        label = re.search(r'^LAST\tLen\t"(.*)"$', block, re.M)
        p31 = re.search(r"^LAST\tP31\t(Q\d+)$", block, re.M)
        assert label and p31
        blocks[label.group(1)] = p31.group(1)
    assert blocks == {"FALCON": "Q7397", "FALCON-DARTTS": "Q7397", "FALCON-SA": "Q7397",
                      "ICM": "Q7397"}  # fmt: skip


def test_reference_titles_carry_no_editorial_notes(exported: tuple[str, str]):
    text, _ = exported
    titles = set(re.findall(r'S1476\ten:"([^"]*)"', text))
    assert titles == {
        "ICE TECS Modernization Program Operational Requirements Document",
        "Privacy Impact Assessment for ICE Investigative Case Management (DHS/ICE/PIA-045)",
        "Statement of Objectives",
        "Who's Behind ICE? The Tech and Data Companies Fueling Deportations",
    }
    assert "(article not named in the citation)" not in text
    assert (
        "/* Also cited for ICM: 'The Intercept, Spencer Woodman', which names no document "
        "title; identify the document before citing it. */"
    ) in text.splitlines()


def test_document_title_keeps_a_number_the_citation_carries():
    assert document_title("Report (DHS/ICE/PIA-045)", "Report DHS/ICE/PIA-045", "DHS", []) == (
        "Report (DHS/ICE/PIA-045)"
    )
    assert document_title("Report (draft seen by us)", "Report", "DHS", []) == "Report"
    assert document_title("Outlet, A. Writer (no title)", "x", "Outlet", ["A. Writer"]) is None


def test_a_class_that_is_no_qid_stops_the_build(data_copy: Path, tmp_path: Path):
    from icegraph.pipeline import build

    p = data_copy / "entities.csv"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace(",Q7397\n", ",database\n", 1), encoding="utf-8")
    line = next(
        n for n, x in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if x.endswith(",database")
    )  # fmt: skip
    with pytest.raises(CatalogueError) as err:
        build(data_copy, tmp_path / "out")
    assert str(err.value) == (
        f"{p}, line {line}: field 'wikidata_class': 'database' is not a Wikidata item id. "
        "Expected Q followed by digits (e.g. Q8513, database), or empty."
    )


def test_a_class_given_to_a_flows_system_creates_it(data_copy: Path, tmp_path: Path):
    from icegraph.pipeline import build

    p = data_copy / "entities.csv"
    with p.open("a", encoding="utf-8") as f:
        f.write("system/tecs,System,TECS,TECS,Treasury Enforcement Communications System,,"
                "agency/cbp,,,,,,Q8513\n")  # fmt: skip
    build(data_copy, tmp_path / "out")
    result = CliRunner().invoke(
        main,
        ["export", "quickstatements", "--store", str(tmp_path / "out" / "store"),
         "--data", str(data_copy)],
    )  # fmt: skip
    lines = result.stdout.splitlines()
    i = lines.index('LAST\tLen\t"TECS"')
    assert lines[i - 1 : i + 4] == [
        "CREATE",
        'LAST\tLen\t"TECS"',
        'LAST\tDen\t"database operated by U.S. Customs and Border Protection"',
        'LAST\tAen\t"Treasury Enforcement Communications System"',
        "LAST\tP31\tQ8513",
    ]
    assert v1_problems(result.stdout) == []
