"""Help for a question that went wrong: a syntax error in the asker's own words, the entity a
parameter names, and why a query may have found nothing.

A journalist's typo should never end in silence: a misspelled predicate, a name in the wrong
case or a missing brace each get one plain sentence with the closest thing that would work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher, get_close_matches

from pyoxigraph import NamedNode, Store

from icegraph.errors import Location, QueryError
from icegraph.namespaces import GRAPH, ID, PREFIXES, WD, XSD, curie
from icegraph.resolve.names import name_keys
from icegraph.store import select

VOCABULARY_GRAPH = GRAPH + "vocabulary"
# Namespaces of things, not of terms: a misspelled entity id is not a vocabulary question.
_NOT_VOCABULARY = (ID, WD, XSD)


class QuerySyntaxError(QueryError):
    """A query SPARQL cannot read: one sentence, then the line with the place marked."""

    def __init__(self, message: str, excerpt: str, location: Location | None = None) -> None:
        super().__init__(message, location)
        self.excerpt = excerpt

    def __str__(self) -> str:
        return f"{super().__str__()}\n{self.excerpt}"


def closest(word: str, choices: list[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The choices nearest to `word`, compared without regard to case: the nearest, and
    others only when they are nearly as near (a list of loose guesses helps nobody)."""
    folded: dict[str, str] = {}
    for c in choices:
        folded.setdefault(c.casefold(), c)
    key = word.casefold()
    near = get_close_matches(key, list(folded), n, cutoff)
    if not near:
        return []
    best = SequenceMatcher(None, key, near[0]).ratio()
    return [folded[m] for m in near if SequenceMatcher(None, key, m).ratio() >= best - 0.05]


def or_list(items: list[str]) -> str:
    """'a', 'a or b', 'a, b or c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


# --- syntax errors --------------------------------------------------------------------------

_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.S)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)*", re.I)
_NAME_BEFORE = re.compile(r"([A-Za-z][\w.-]*)?:[\w.\\-]*$")


def syntax_error(text: str, parser_message: str, source: str = "query") -> QuerySyntaxError:
    """The parser's message ('error at 3:15: expected one of …') as one sentence about the
    asker's own line and column, with the offending text marked by carets.

    Line numbers are those of the text the asker wrote: the tool passes its prefixes to the
    parser rather than adding PREFIX lines, and binds parameters at the end of the query."""
    lines = text.split("\n")
    m = _POSITION.match(parser_message)
    if m is None:
        return QuerySyntaxError(
            f"SPARQL cannot read the query: {parser_message}", "", Location(source)
        )
    line_no, col = int(m.group(1)), int(m.group(2))
    expected = m.group(3)
    # The parser reports the furthest point it reached; a misspelled query form is found there
    # too late to be useful, so look at the first word first.
    start = _PROLOGUE.match(text)
    offset = start.end() if start else 0
    first = re.match(r"[A-Za-z]+", text[offset:])
    if first and first.group(0).upper() not in _FORMS:
        word = first.group(0)
        line_no = text.count("\n", 0, offset) + 1
        col = offset - (text.rfind("\n", 0, offset) + 1) + 1
        hint = closest(word.upper(), list(_FORMS), n=1)
        sentence = f"a query starts with {or_list(list(_FORMS))}, not '{word}'" + (
            f"; did you mean {hint[0]}?" if hint else ""
        )
        return _marked(source, lines, line_no, col, len(word), sentence)
    # The parser names the furthest point it reached, which is often the end of the text:
    # find the place a person would look at instead.
    index = min(_index(lines, line_no, col), len(text))
    at_end = not text[index:].strip()
    masked, open_quote = mask(text)
    if open_quote is not None:
        quote = text[open_quote]
        return _at(
            source,
            text,
            lines,
            open_quote,
            1,
            f"this string is never closed: a closing {quote} is missing",
        )
    if "Prefix not found" in expected:
        prefixed = _NAME_BEFORE.search(text[:index])
        if prefixed:
            prefix = prefixed.group(1) or ""
            known = " ".join(f"{p}:" for p in PREFIXES)
            return _at(
                source,
                text,
                lines,
                prefixed.start(),
                len(prefixed.group(0)),
                f"the prefix '{prefix}:' is not declared; declare it with PREFIX or use one "
                f"the tool knows ({known})",
            )
    if "unbound" in expected:
        ungrouped = _ungrouped(masked)
        if ungrouped is not None:
            where, var = ungrouped
            return _at(
                source,
                text,
                lines,
                where,
                len(var),
                f"{var} is selected but neither grouped (GROUP BY {var}) nor counted",
            )
    if at_end:
        unclosed = _unclosed(masked)
        if unclosed is not None:
            bracket = text[unclosed]
            closer = {"{": "}", "(": ")", "[": "]"}[bracket]
            return _at(
                source,
                text,
                lines,
                unclosed,
                1,
                f"the query ends before this '{bracket}' is closed: a '{closer}' is missing",
            )
        stray = re.search(r"[%`~\\]", masked)
        if stray is not None:
            index = stray.start()
    if index >= len(text.rstrip()):
        index = len(text.rstrip()) - 1
    before = _word_before(masked, index)
    if before is not None:
        where, unknown = before
        hint = closest(unknown.upper(), list(_KEYWORDS), n=1)
        return _at(
            source,
            text,
            lines,
            where,
            len(unknown),
            f"'{unknown}' is not a SPARQL keyword" + (f"; did you mean {hint[0]}?" if hint else ""),
        )
    token = _token(text, index)
    return _at(source, text, lines, index, len(token), f"SPARQL does not expect '{token}' here")


_KEYWORDS = (
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "NAMED", "DISTINCT", "REDUCED",
    "AS", "GROUP", "BY", "HAVING", "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "VALUES",
    "OPTIONAL", "UNION", "MINUS", "FILTER", "BIND", "GRAPH", "SERVICE", "SILENT", "NOT",
    "EXISTS", "IN", "UNDEF", "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT",
    "SEPARATOR", "STR", "LANG", "LCASE", "UCASE", "CONTAINS", "STRSTARTS", "REGEX", "IF",
    "COALESCE", "BOUND", "IRI", "ISIRI", "DATATYPE", "LANGMATCHES", "CONCAT", "YEAR",
    "TRUE", "FALSE",
)  # fmt: skip


def _word_before(masked: str, index: int) -> tuple[int, str] | None:
    """A bare word that is no keyword, just before or at where the parser stopped."""
    last = None
    for m in re.finditer(r"(?<![\w?$:.-])[A-Za-z_]\w*(?![\w:-])", masked[: index + 1]):
        last = m
    if last is None or last.group(0) == "a" or last.group(0).upper() in _KEYWORDS:
        return None
    if masked[last.end() : index].strip():
        return None  # something stands between the word and the place: not the word's fault
    return last.start(), last.group(0)


def mask(text: str) -> tuple[str, int | None]:
    """The text with strings, IRIs and comments blanked out (positions kept), and where an
    unclosed string starts, if one does."""
    out = list(text)
    i = 0
    while i < len(text):
        c = text[i]
        if c in "\"'":
            triple = text[i : i + 3] == c * 3
            end = _string_end(text, i, triple)
            if end is None:
                return "".join(out), i
            for j in range(i, end):
                if out[j] != "\n":
                    out[j] = " "
            i = end
        elif c == "#":
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
        elif c == "<" and re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:]):
            end = text.index(">", i) + 1
            out[i:end] = " " * (end - i)
            i = end
        else:
            i += 1
    return "".join(out), None


def _string_end(text: str, start: int, triple: bool) -> int | None:
    quote = text[start] * (3 if triple else 1)
    i = start + len(quote)
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if not triple and text[i] == "\n":
            return None
        if text.startswith(quote, i):
            return i + len(quote)
        i += 1
    return None


def _unclosed(masked: str) -> int | None:
    """Where the first bracket that is never closed opens."""
    stack: list[int] = []
    pairs = {"}": "{", ")": "(", "]": "["}
    for i, c in enumerate(masked):
        if c in "{([":
            stack.append(i)
        elif c in pairs and stack and masked[stack[-1]] == pairs[c]:
            stack.pop()
    return stack[0] if stack else None


def _ungrouped(masked: str) -> tuple[int, str] | None:
    """The first variable SELECT names directly that GROUP BY does not."""
    head = re.search(r"\bSELECT\b(.*?)(?:\bWHERE\b|\{)", masked, re.I | re.S)
    group = re.search(r"\bGROUP\s+BY\b(.*)$", masked, re.I | re.S)
    if head is None:
        return None
    # without GROUP BY, an aggregate makes the whole answer one group: nothing is grouped
    grouped = set(re.findall(r"[?$](\w+)", group.group(1))) if group else set()
    depth = 0
    for m in re.finditer(r"[()]|[?$]\w+", head.group(1)):
        token = m.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0 and token[1:] not in grouped:
            return head.start(1) + m.start(), token
    return None


def _index(lines: list[str], line_no: int, col: int) -> int:
    return sum(len(x) + 1 for x in lines[: line_no - 1]) + col - 1


def _token(text: str, index: int) -> str:
    m = re.match(r"[\w:?$.-]*[\w:?$-]|\S", text[index:])
    return m.group(0) if m else text[index : index + 1]


def _at(
    source: str, text: str, lines: list[str], index: int, width: int, sentence: str
) -> QuerySyntaxError:
    line_no = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return _marked(source, lines, line_no, col, width, sentence)


def _marked(
    source: str, lines: list[str], line_no: int, col: int, width: int, sentence: str
) -> QuerySyntaxError:
    line = lines[line_no - 1] if lines else ""
    col = max(1, min(col, len(line) + 1))
    caret = " " * (col - 1) + "^" * max(1, width)
    return QuerySyntaxError(sentence, f"  {line}\n  {caret}", Location(source, line_no, col))


# --- parameters -----------------------------------------------------------------------------

_LABELS = r"(?:rdfs:label|skos:altLabel|skos:prefLabel)"


@dataclass(frozen=True)
class Bound:
    """A parameter value resolved to one entity of the graph."""

    name: str
    given: str
    label: str
    iri: str

    def __str__(self) -> str:
        return f"{self.name}={self.given} → {self.label} <{self.iri}>"


def names_parameter(query_text: str, name: str) -> bool:
    """Whether the query matches ?name against entity names (rdfs:label, skos:altLabel)."""
    path = rf"{_LABELS}(?:\s*\|\s*{_LABELS})*"
    return re.search(rf"{path}\s+\?{re.escape(name)}\b", query_text) is not None


def resolve_names(store: Store, query_text: str, values: dict[str, str]) -> list[Bound]:
    """Bind each name parameter to the one entity its value names, as reconciliation does:
    ignoring case, by any alternative name or acronym. `values` is changed in place to hold
    the entity's label, which the query matches. A value that names no entity, or several,
    is a QueryError listing the entities it comes close to."""
    wanted = [
        n for n, v in values.items() if not v.startswith("<") and names_parameter(query_text, n)
    ]
    if not wanted:
        return []
    from icegraph.link.ours import LINKABLE, linkable_entities

    entities = linkable_entities(store)
    classes = set(re.findall(r"\big:(\w+)", query_text))
    bound = []
    for name in wanted:
        given = values[name]
        keys = set(name_keys(given))
        hits = [e for e in entities if keys & {k for n in e.names for k in name_keys(n)}]
        # The query asks for a kind of thing (a ig:System): names of other kinds do not count.
        kinds = classes & set(LINKABLE)
        typed = [e for e in hits if e.types & kinds]
        if hits and kinds and not typed:
            e = hits[0]
            wanted_kinds = or_list(sorted(f"ig:{c}" for c in kinds))
            raise QueryError(
                f"--param {name}={given} names {e.label} <{e.iri}>, an ig:{e.type}; "
                f"this query asks for an {wanted_kinds}"
            )
        hits = typed or hits
        exact = [e for e in hits if e.label == given]
        if len(hits) > 1 and len(exact) == 1:
            hits = exact
        if len(hits) == 1:
            e = hits[0]
            values[name] = e.label
            bound.append(Bound(name, given, e.label, e.iri))
            continue
        if hits:
            listed = "; ".join(f"{e.label} <{e.iri}>" for e in hits)
            raise QueryError(
                f"--param {name}={given} names {len(hits)} entities: {listed}",
                fix="Give the full name of the one you mean.",
            )
        by_name: dict[str, list[str]] = {}
        for e in entities:
            if not kinds or e.types & kinds:
                for n in e.names:
                    by_name.setdefault(n.casefold(), []).append(e.iri)
        near = closest(given, list(by_name), n=5)
        near_entities = list(dict.fromkeys(i for n in near for i in by_name[n.casefold()]))
        labels = {e.iri: e.label for e in entities}
        if near_entities:
            listed = "; ".join(f"{labels[i]} <{i}>" for i in near_entities)
            raise QueryError(
                f"--param {name}={given} names no entity in the graph. Close matches: {listed}"
            )
        raise QueryError(
            f"--param {name}={given} names no entity in the graph, nor anything close to it"
        )
    return bound


# --- empty results --------------------------------------------------------------------------

# Strings and comments go; IRIs stay whole (a '#' inside one starts no comment).
_STRIP = re.compile(
    r"(?P<iri><[^<>\"{}|^`\\\s]*>)"
    r"|\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'|#[^\n]*"
)
_DECLARE = re.compile(r"PREFIX\s+([\w.-]*):\s*<([^>]*)>", re.I)
_TERM = re.compile(
    r"(?P<before>\^\^)?(?<![\w?$])(?:<(?P<iri>[^<>\s]*)>|(?P<prefix>[A-Za-z][\w.-]*)?:"
    r"(?P<local>(?:[\w-]|\\.|\.(?=[\w-]))*))(?P<call>\s*\()?"
)


def query_terms(query_text: str) -> list[str]:
    """The IRIs of vocabulary terms the query names, in order: prefixed names and <IRIs>, not
    functions, datatypes, entity ids or the PREFIX declarations themselves."""
    text = _STRIP.sub(lambda m: m.group("iri") or " ", query_text)
    prefixes = {**PREFIXES, **dict(_DECLARE.findall(text))}
    text = _DECLARE.sub(" ", text)
    found: dict[str, None] = {}
    for m in _TERM.finditer(text):
        if m.group("before") or m.group("call"):
            continue
        if m.group("iri") is not None:
            iri = m.group("iri")
        else:
            ns = prefixes.get(m.group("prefix") or "")
            if ns is None:
                continue
            iri = ns + re.sub(r"\\(.)", r"\1", m.group("local"))
        if iri.startswith(_NOT_VOCABULARY) or "://" not in iri:
            continue
        found.setdefault(iri)
    return list(found)


def _used(store: Store, iri: str) -> bool:
    ask = (
        f"ASK {{ {{ ?s <{iri}> ?o }} UNION {{ GRAPH ?g {{ ?s ?p <{iri}> }} "
        f"FILTER(?g != <{VOCABULARY_GRAPH}>) }} }}"
    )
    return bool(store.query(ask, use_default_graph_as_union=True))


def _defined(store: Store, iri: str) -> bool:
    return bool(store.query(f"ASK {{ GRAPH <{VOCABULARY_GRAPH}> {{ <{iri}> ?p ?o }} }}"))


def _known_terms(store: Store) -> list[str]:
    """Every term a query could mean: the vocabulary's, and the predicates and classes the
    graph uses."""
    rows = select(
        store,
        f"""SELECT DISTINCT ?t WHERE {{
          {{ ?s ?t ?o }} UNION {{ ?s a ?t }}
          UNION {{ GRAPH <{VOCABULARY_GRAPH}> {{ ?t ?p ?o }} FILTER(isIRI(?t)) }}
        }}""",
    )
    terms = []
    for row in rows:
        t = row["t"]
        if isinstance(t, NamedNode) and not t.value.startswith(_NOT_VOCABULARY):
            terms.append(curie(t.value))
    return sorted(t for t in terms if not t.startswith(("http:", "https:")))


def empty_result_hints(
    store: Store, query_text: str, params: dict[str, str] | None = None
) -> list[str]:
    """Why a query may have found nothing: a name parameter given an IRI, and each term it
    names that the graph never uses, with the closest terms the vocabulary and the graph have."""
    hints = [
        f"--param {n}={v} is an IRI, but the query compares ?{n} with names: give the "
        "entity's name instead."
        for n, v in (params or {}).items()
        if v.startswith("<") and names_parameter(query_text, n)
    ]
    known: list[str] | None = None
    for iri in query_terms(query_text):
        if _used(store, iri):
            continue
        name = curie(iri)
        if _defined(store, iri):
            hints.append(f"{name} is in the vocabulary, but nothing in the graph uses it.")
            continue
        if known is None:
            known = _known_terms(store)
        near = closest(name, known)
        if near:
            hints.append(f"{name} is not used in the graph; did you mean {or_list(near)}?")
        else:
            hints.append(f"{name} is not used in the graph, and no term in it is close.")
    return hints
