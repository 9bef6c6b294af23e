"""Each parsed shape turned into one generated Python function: the generator.

The streaming validator checks every flow record against a dozen shapes, tens of millions of
shape applications in a large build. Walking a generic `Shape` object for each one spends most
of the time asking about constraints the shape does not have. So each shape becomes the source
text of a function holding only its own constraints, with its values read straight from the
block's index, a node shape's property shapes written out in its own body and other nested
shapes called by name; the functions are compiled once, when the shapes are loaded. (With
them the validator runs about 1.9 times fewer instructions than walking the `Shape` objects.)

A generated function takes (checker, focus, hits) and returns whether the focus fails the
shape; each failure is appended to `hits`, or, with `hits` None, the function returns True at
the first one (what sh:node, sh:not, sh:and, sh:or, sh:xone and qualified shapes need). The
checker supplies the graph: `values` for paths, `has_class` for sh:class (after a look in
`classes.shared_in`, the shared nodes already found in a class), `local` and `graph` for the
common case of one predicate read on a node of the block.

Each function is named after its shape (`check_FlowShape`, and `check_FlowShape_dataFrom` for
a property shape nested in it) and preceded by a comment naming the shape. The source is
registered with `linecache` under a name of its own, so a traceback through a check shows the
generated line; `icegraph validate --show-generated` prints the whole of it.
"""

from __future__ import annotations

import hashlib
import linecache
import re
from collections.abc import Callable, Collection
from types import FunctionType

from rdflib import URIRef
from rdflib.term import Node

from icegraph.validate.literals import comparer, datatype_test, lexical, parts
from icegraph.validate.results import Hit
from icegraph.validate.shapes_program import Program, PropertyPath, Shape

_EMPTY: frozenset = frozenset()
_NO_PREDICATES: dict = {}


def _duplicate_language(values: Collection[str]) -> bool:
    seen = set()
    for v in values:
        lang = parts(v)[2] if v[0] == '"' else ""
        if lang:
            if lang in seen:
                return True
            seen.add(lang)
    return False


class _Source:
    """Source text of one shape's function, with the constants it refers to."""

    def __init__(self, name: str, consts: dict[str, object]) -> None:
        self.name = name
        self.lines: list[str] = []
        self.consts = consts

    def const(self, value: object, kind: str) -> str:
        """A module-level name for `value`, saying what kind of value it is."""
        name = f"{kind}_{len(self.consts)}"
        self.consts[name] = value
        return name

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def fail(self, indent: int, value: str, component: str, shape: str) -> None:
        self.emit(indent, "if hits is None:")
        self.emit(indent + 1, "return True")
        self.emit(indent, "failed = True")
        self.emit(indent, f"hits.append(Hit(f, {value}, {component!r}, {shape}))")


_KINDS = {
    "IRI": "<",
    "BlankNode": "_",
    "Literal": '"',
    "BlankNodeOrIRI": "_<",
    "BlankNodeOrLiteral": '_"',
    "IRIOrLiteral": '<"',
}


def _in_languages(ranges: list[str], v: str) -> bool:
    lang = parts(v)[2].lower() if v[0] == '"' else ""
    return bool(lang) and any(
        r == "*" or lang == r or lang.startswith(r + "-") for r in (x.lower() for x in ranges)
    )


def _value_tests(src: _Source, s: Shape) -> list[tuple[str, str]]:
    """Each per-value constraint as (component, Python expression true when `v` passes), in
    the order they report; sh:class is apart, as it reads the graph. `lx` is the value's
    lexical form (None for a blank node, which no pattern or length admits)."""
    tests = [
        ("DatatypeConstraintComponent", f"{src.const(datatype_test(dt), 'datatype')}(v)")
        for dt in s.datatypes
    ]
    tests += [("NodeKindConstraintComponent", f"v[0] in {_KINDS[k]!r}") for k in s.node_kinds]
    tests += [
        ("InConstraintComponent", f"v in {src.const(members, 'members')}") for members in s.ins
    ]
    tests += [
        ("PatternConstraintComponent", f"(lx is not None and {src.const(p, 'pattern')}.search(lx))")
        for p in s.patterns
    ]
    tests += [
        ("MinLengthConstraintComponent", f"(lx is not None and len(lx) >= {n})")
        for n in s.min_lengths
    ]
    tests += [
        ("MaxLengthConstraintComponent", f"(lx is not None and len(lx) <= {n})")
        for n in s.max_lengths
    ]
    tests += [
        (f"{comp}ConstraintComponent", f"{src.const(comparer(op, bound), 'compare')}(v)")
        for comp, op, bound in s.ranges
    ]
    tests += [
        ("LanguageInConstraintComponent", f"in_languages({src.const(ranges, 'languages')}, v)")
        for ranges in s.languages
    ]
    return tests


def _value_only(m: Shape) -> bool:
    """Whether a shape only tests its focus as a value: no path, nothing read from the graph,
    no other shape. The text rules (no HTML, Latin letters) are such shapes, pointed to by
    sh:node from every labelled node: written out where they are pointed to, they cost no
    call, and the value's lexical form is taken once for all of them."""
    return m.path is None and not (
        m.classes
        or m.has_values
        or m.min_counts
        or m.max_counts
        or m.logical
        or m.qualified
        or m.properties
    )


def _inlined(s: Shape) -> list[Shape]:
    """The shapes s points to with sh:node that are written out in its own value tests."""
    return [ms[0] for comp, ms in s.logical if comp == "Node" and _value_only(ms[0])]


def _inline_nodes(src: _Source, s: Shape) -> list[tuple[str, str]]:
    """s's sh:node constraints on value-only shapes, as value tests: the value conforms to the
    shape when it passes all of that shape's own tests (a deactivated shape passes all)."""
    return [
        (
            "NodeConstraintComponent",
            "True" if m.deactivated else " and ".join(e for _, e in _value_tests(src, m)) or "True",
        )
        for m in _inlined(s)
    ]


def _identifier(text: str) -> str:
    return re.sub(r"\W+", "_", text).strip("_")


def _local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("#/<>").lstrip("<"))[-1]


def _path_word(path: PropertyPath | None) -> str:
    if path is None:
        return "node"
    if path[0] == "p":
        return _local_name(path[1])
    if path[0] == "^":
        return "inverse_" + _local_name(path[1])
    return "path"


def function_names(program: Program) -> dict[int, str]:
    """A Python name for every shape's function, by id(shape): `check_` and the shape's local
    name; a blank-node shape is named after the shape that holds it and what it is there."""
    names: dict[int, str] = {}

    def give(s: Shape, base: str) -> None:
        if id(s) in names:
            return
        if isinstance(s.node, URIRef):
            base = "check_" + (_identifier(_local_name(str(s.node))) or "shape")
        name, n = base, 2
        while name in names.values():
            name, n = f"{base}_{n}", n + 1
        names[id(s)] = name
        for prop in s.properties:
            give(prop, f"{name}_{_identifier(_path_word(prop.path))}")
        for comp, members in s.logical:
            for i, m in enumerate(members, 1):
                give(m, f"{name}_{comp.lower()}{i if len(members) > 1 else ''}")
        for q, _low, _high in s.qualified:
            give(q, f"{name}_qualified")

    for s in [*program.roots, *program.shapes.values()]:
        give(s, "check_shape")
    return names


def _function_name(names: dict[int, str], s: Shape) -> str:
    return names[id(s)]


def _source(s: Shape, names: dict[int, str], consts: dict[str, object], about: str) -> _Source:
    src = _Source(names[id(s)], consts)
    src.emit(0, f"# {about}")
    src.emit(0, f"def {src.name}(ck, f, hits):")
    if s.deactivated:
        src.emit(1, "return False")
        return src
    src.emit(1, "failed = False")
    if _reads_focus(s):
        # whether the focus is the block's own, and its predicates, asked once per call
        src.emit(1, "mine = ck.local is None or f in ck.local")
        src.emit(1, "out = ck.graph.out.get(f, NP) if mine else NP")
    _body(src, [s], names, 1)
    src.emit(1, "return failed")
    return src


def _reads_focus(s: Shape) -> bool:
    """Whether the function of s reads a single predicate of its focus: its own path, or that
    of a property shape written out in its body."""
    if s.path is not None:
        return s.path[0] == "p"
    return any(p.path is not None and p.path[0] == "p" and not p.deactivated for p in s.properties)


def _body(src: _Source, group: list[Shape], names: dict[int, str], d: int) -> None:
    """The checks of the shapes in `group` on the focus `f`, at indent d; they set `failed`
    and append to hits. A group is one shape, or the property shapes of one node shape that
    share a path (a text's "no HTML" and "Latin letters" rules): their values are read, and
    each value's lexical form taken, once for all of them."""
    path = group[0].path
    single = path is None  # a node shape: the focus is its only value
    if path is None:
        src.emit(d, "values = (f,)")
    elif path[0] == "p":
        walk = src.const(path, "path")
        src.emit(d, f"values = out.get({path[1]!r}, E) if mine else ck.values(f, {walk})")
    else:
        src.emit(d, f"values = ck.values(f, {src.const(path, 'path')})")

    def each_value(body: Callable[[int], None]) -> None:
        if single:
            src.emit(d, "v = f")
            body(d)
        else:
            src.emit(d, "for v in values:")
            body(d + 1)

    shapes = [src.const(s.node, "shape") for s in group]
    checks = [
        (
            shape,
            _value_tests(src, s) + _inline_nodes(src, s),
            [src.const(c, "cls") for c in s.classes],
        )
        for shape, s in zip(shapes, group, strict=True)
    ]
    if any(tests or classes for _, tests, classes in checks):
        read = [*group, *(m for s in group for m in _inlined(s))]

        def per_value(i: int) -> None:
            if any(s.patterns or s.min_lengths or s.max_lengths for s in read):
                src.emit(i, "lx = lexical(v) if v[0] != '_' else None")
            for shape, tests, classes in checks:
                for comp, expr in tests:
                    src.emit(i, f"if not ({expr}):")
                    src.fail(i + 1, "v", comp, shape)
                for cls in classes:
                    # a shared node found in the class once stays in it: asked without a call
                    src.emit(
                        i,
                        f"if (v, {cls}) not in ck.classes.shared_in "
                        f"and not ck.has_class(v, {cls}):",
                    )
                    src.fail(i + 1, "v", "ClassConstraintComponent", shape)

        each_value(per_value)
    for shape, s in zip(shapes, group, strict=True):
        _rest(src, s, shape, names, d, each_value)


def _rest(
    src: _Source,
    s: Shape,
    shape: str,
    names: dict[int, str],
    d: int,
    each_value: Callable[[Callable[[int], None]], None],
) -> None:
    """The checks of s (its node a constant named `shape`) that look at its values together,
    or hand them to other shapes."""
    single = s.path is None
    if s.min_counts or s.max_counts:
        src.emit(d, "n = len(values)")
        for low in s.min_counts:
            src.emit(d, f"if n < {low}:")
            src.fail(d + 1, "None", "MinCountConstraintComponent", shape)
        for high in s.max_counts:
            src.emit(d, f"if n > {high}:")
            src.fail(d + 1, "None", "MaxCountConstraintComponent", shape)
    for hv in s.has_values:
        src.emit(d, f"if {src.const(hv, 'value')} not in values:")
        src.fail(d + 1, "None", "HasValueConstraintComponent", shape)
    if s.unique_lang and not single:
        src.emit(d, "if duplicate_language(values):")
        src.fail(d + 1, "None", "UniqueLangConstraintComponent", shape)

    def fails(m: Shape) -> str:
        return f"{_function_name(names, m)}(ck, v, None)"

    for comp, members in s.logical:
        if comp == "Node" and _value_only(members[0]):
            continue  # written out with the value tests (_inline_nodes)
        if comp == "Node":
            expr = fails(members[0])
        elif comp == "Not":
            expr = f"not {fails(members[0])}"
        elif comp == "And":  # fails when a member fails; stops at the first
            expr = " or ".join(fails(m) for m in members) or "False"
        elif comp == "Or":  # fails when every member fails; stops at the first that conforms
            expr = " and ".join(fails(m) for m in members) or "True"
        else:  # Xone: every member is evaluated
            expr = f"({' + '.join(f'(not {fails(m)})' for m in members) or '0'}) != 1"

        def logical(i: int, expr: str = expr, comp: str = comp) -> None:
            src.emit(i, f"if {expr}:")
            src.fail(i + 1, "v", f"{comp}ConstraintComponent", shape)

        each_value(logical)
    for q, qlow, qhigh in s.qualified:
        src.emit(d, f"n = sum(not {_function_name(names, q)}(ck, v, None) for v in values)")
        if qlow is not None:
            src.emit(d, f"if n < {qlow}:")
            src.fail(d + 1, "None", "QualifiedMinCountConstraintComponent", shape)
        if qhigh is not None:
            src.emit(d, f"if n > {qhigh}:")
            src.fail(d + 1, "None", "QualifiedMaxCountConstraintComponent", shape)
    inline: dict[str, list[Shape]] = {}  # by path, written out
    for prop in s.properties:
        if single and prop.path is not None:
            # a node shape's property shapes have the same focus: written out in place, they
            # save a call each; they come last, so reusing values, v and n harms nothing
            if not prop.deactivated:
                inline.setdefault(repr(prop.path), []).append(prop)
            continue

        def nested(i: int, prop: Shape = prop) -> None:
            src.emit(i, f"if {_function_name(names, prop)}(ck, v, hits):")
            src.emit(i + 1, "if hits is None:")
            src.emit(i + 2, "return True")
            src.emit(i + 1, "failed = True")

        each_value(nested)
    for group in inline.values():
        _body(src, group, names, d)


def _helpers() -> dict[str, object]:
    """What the generated functions call besides each other."""
    return {
        "Hit": Hit,
        "lexical": lexical,
        "in_languages": _in_languages,
        "duplicate_language": _duplicate_language,
        "E": _EMPTY,
        "NP": _NO_PREDICATES,
    }


def generate(program: Program) -> tuple[str, dict[str, object], dict[int, str]]:
    """The source of every shape's function, the constants it refers to, and each shape's
    function name by id(shape). Shapes may refer to each other in cycles: the functions call
    each other by name."""
    names = function_names(program)
    namespace = _helpers()
    shapes = list(program.shapes.values())
    text = "\n\n\n".join(
        "\n".join(_source(s, names, namespace, program.name(s.node)).lines) for s in shapes
    )
    return text + "\n", namespace, names


def generated_source(program: Program) -> str:
    """The generated module as a reader would want it: the functions, then their constants."""
    text, namespace, _names = generate(program)
    helpers = _helpers()

    def shown(value: object) -> str:
        if isinstance(value, FunctionType):
            return value.__qualname__  # a test made for one constant: says which
        return program.name(value) if isinstance(value, Node) else repr(value)

    consts = [f"# {k} = {shown(v)}" for k, v in namespace.items() if k not in helpers]
    return (
        "# Checks generated from the shapes by icegraph.validate.shape_functions.\n\n"
        + text
        + "\n\n# Constants the functions refer to:\n"
        + "\n".join(consts)
        + "\n"
    )


def compile_shapes(program: Program) -> None:
    """Write, compile and attach each shape's function (`Shape.run`)."""
    text, namespace, names = generate(program)
    # one file name per distinct source, so tracebacks show the lines that actually ran
    filename = f"<icegraph shapes {hashlib.sha256(text.encode()).hexdigest()[:12]}>"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    exec(compile(text, filename, "exec"), namespace)  # noqa: S102
    for s in program.shapes.values():
        function = namespace[names[id(s)]]
        assert callable(function)
        s.run = function
