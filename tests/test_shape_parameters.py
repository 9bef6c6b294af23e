"""The fast validator's shapes: every parameter checked on load, the generated checks readable."""

from __future__ import annotations

import ast
import traceback
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from icegraph.cli import main
from icegraph.validate.shape_functions import compile_shapes
from icegraph.validate.shape_parameters import ShapeError
from icegraph.validate.shapes_program import Program

HEAD = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
SPEC = "https://www.w3.org/TR/shacl/#"


def _program(turtle: str) -> Program:
    return Program(rdflib.Graph().parse(data=HEAD + turtle, format="turtle"))


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (
            'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:minLength "abc" .',
            'shape ex:S: sh:minLength is "abc". Expected a non-negative xsd:integer. '
            f"See {SPEC}MinLengthConstraintComponent",
        ),
        (
            "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; "
            "sh:maxCount -1 ] .",
            "shape <http://example.org/S>'s nested shape on ex:p: sh:maxCount is "
            '"-1"^^xsd:integer. Expected a non-negative xsd:integer. '
            f"See {SPEC}MaxCountConstraintComponent",
        ),
        (
            'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:datatype "xsd:string" .',
            f'shape ex:S: sh:datatype is "xsd:string". Expected an IRI. '
            f"See {SPEC}DatatypeConstraintComponent",
        ),
        (
            "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:nodeKind ex:IRI .",
            "shape ex:S: sh:nodeKind is ex:IRI. Expected one of sh:BlankNode, sh:IRI, "
            "sh:Literal, sh:BlankNodeOrIRI, sh:BlankNodeOrLiteral, sh:IRIOrLiteral. "
            f"See {SPEC}NodeKindConstraintComponent",
        ),
        (
            'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:languageIn "en" .',
            'shape ex:S: sh:languageIn is "en". Expected a list of string literals. '
            f"See {SPEC}LanguageInConstraintComponent",
        ),
        (
            "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:minCount 1, 2 .",
            "shape ex:S: sh:minCount is given 2 times. Expected one value. "
            f"See {SPEC}MinCountConstraintComponent",
        ),
        (
            'ex:S a sh:NodeShape ; sh:targetNode ex:n ; sh:pattern "(" .',
            "shape ex:S: sh:pattern '(' is not a regular expression (missing ), unterminated "
            "subpattern at position 0). Expected a regular expression. "
            f"See {SPEC}PatternConstraintComponent",
        ),
        (
            'ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:or ( ex:A "B" ) .',
            "shape ex:S: sh:or is ",  # a blank node's label: only the start is fixed
        ),
    ],
)
def test_a_bad_parameter_is_refused_on_load_naming_shape_and_spec(shape: str, message: str):
    with pytest.raises(ShapeError) as caught:
        _program(shape)
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_bad_parameter_in_a_shapes_file_is_located_at_its_line(tmp_path: Path):
    from icegraph.validate.shapes_program import load_shapes

    (tmp_path / "rules.ttl").write_text(
        HEAD + "\nex:S a sh:NodeShape ;\n    sh:targetClass ex:C ;\n"
        '    sh:property [\n        sh:path ex:p ;\n        sh:minLength "abc" ] .\n',
        encoding="utf-8",
    )
    with pytest.raises(ShapeError) as caught:
        Program(load_shapes(tmp_path))
    assert str(caught.value).startswith(
        f"{tmp_path / 'rules.ttl'}, line 10: shape <http://example.org/S>'s nested shape on "
        'ex:p: sh:minLength is "abc".'
    ), str(caught.value)


def test_a_bad_path_names_the_spec_section():
    with pytest.raises(ShapeError, match="is not a SHACL property path.*#property-paths"):
        _program('ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path "p" ] .')


def test_the_projects_shapes_load_with_every_parameter_checked():
    from icegraph.paths import shapes_dir
    from icegraph.validate.shapes_program import load_shapes

    program = Program(load_shapes(shapes_dir()))
    assert len(program.roots) >= 10


def test_generated_functions_are_named_after_shapes_and_show_in_tracebacks():
    program = _program(
        "ex:Person a sh:NodeShape ; sh:targetClass ex:Person ;"
        " sh:property [ sh:path ex:name ; sh:minCount 1 ] ;"
        " sh:node ex:Named . ex:Named a sh:NodeShape ; sh:minLength 2 ."
    )
    compile_shapes(program)
    names = sorted(s.run.__name__ for s in program.shapes.values() if s.run is not None)
    assert names == ["check_Named", "check_Person", "check_Person_name"]
    (person,) = program.roots
    assert person.run is not None
    with pytest.raises(AttributeError) as caught:
        person.run(None, "<http://example.org/p>", [])  # no checker: fails on its first read
    frame = traceback.extract_tb(caught.value.__traceback__)[-1]
    assert frame.filename.startswith("<icegraph shapes ")
    assert frame.name == "check_Person"
    assert frame.line == "mine = ck.local is None or f in ck.local"


def test_validate_show_generated_prints_the_checks_as_python():
    result = CliRunner().invoke(main, ["validate", "--show-generated"])
    assert result.exit_code == 0, result.output
    assert "\ndef check_FlowShape(ck, f, hits):\n" in result.output
    ast.parse(result.output)  # the module as it runs, readable as Python


def test_no_two_modules_import_each_other():
    src = Path(__file__).resolve().parents[1] / "src"
    imports: dict[str, set[str]] = {}
    for path in (src / "icegraph").rglob("*.py"):
        module = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        found = imports.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
    pairs = [
        (a, b)
        for a, used in imports.items()
        for b in used
        if a < b and a in imports.get(b, ()) and not b.startswith(a + ".")  # a package's own
    ]
    assert pairs == []
