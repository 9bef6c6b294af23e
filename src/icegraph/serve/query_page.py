"""The query page for learning: a short starter query, each catalogue question with a plain
explanation, its planner notes folded away, its parameters as form fields (resolved to
entities as the command line resolves them), and syntax errors told at the asker's own line
and column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pyoxigraph import Store

from icegraph.errors import QueryError
from icegraph.namespaces import PREFIXES
from icegraph.queries import CatalogueQuery, adhoc_query, check_syntax
from icegraph.query_help import QuerySyntaxError, mask, resolve_names
from icegraph.result_text import PAGE  # the page the command line shows first, too
from icegraph.serve.query_limits import check_nesting

# Short enough to read at a glance, and every line is one idea: the name finds ICM, the
# flow's two ends, how sure the sources are, the sending system's name.
STARTER = """\
# Which systems send data to ICM, and how sure are the sources?
SELECT ?system ?name ?confidence WHERE {
  ?icm rdfs:label "ICM" .
  ?flow ig:dataTo ?icm ;
        ig:dataFrom ?system ;
        ig:strongestConfidence ?confidence .
  ?system rdfs:label ?name .
}
ORDER BY ?name
"""
_COMMENT = re.compile(r"^\s*#")
_PREFIX_LINE = re.compile(r"^\s*PREFIX\s+([\w.-]*):\s*<([^>]*)>\s*$", re.I)
_CLI_PARAM = re.compile(r"(?:with )?--param (\w+)=NAME")
# What may close a SELECT query and leaves no room for a LIMIT of the page's own: its own
# LIMIT or OFFSET, or a VALUES block after the WHERE clause (LIMIT must come before it).
_CLOSED = re.compile(r"\b(?:LIMIT|OFFSET)\s+\d+\s*$|\bVALUES\b[^{}]*\{[^{}]*\}\s*$", re.I)
# the prologue's IRIs are blanked out by `mask`
_SELECT = re.compile(r"^\s*(?:(?:PREFIX\s+[\w.-]*:|BASE)\s*)*SELECT\b", re.I)


@dataclass
class Shown:
    """A catalogue question as the page shows it."""

    name: str
    question: str
    explanation: str
    text: str  # the query as the editor holds it: bound, planner notes taken out
    notes: list[str]  # the comments taken out of the query's body
    params: list[tuple[str, str]]  # (name, value in the field)
    bound: list[str] = field(default_factory=list)  # "system=tecs → TECS"
    error: str = ""


def question_and_explanation(q: CatalogueQuery) -> tuple[str, str]:
    """The header comment's first sentence is the question; the rest explains it, in the
    page's words rather than the command line's."""
    head, sep, rest = q.question.partition("? ")
    question = head + "?" if sep else q.question
    explanation = _CLI_PARAM.sub(lambda m: f"in the “{m.group(1)}” field", rest if sep else "")
    return question, explanation.strip()


def readable(text: str) -> tuple[str, list[str]]:
    """The query without its comment lines (header and planner notes) and without PREFIX
    lines the server declares anyway, and the notes."""
    lines = text.splitlines()
    start = 0
    while start < len(lines) and (_COMMENT.match(lines[start]) or not lines[start].strip()):
        start += 1
    kept, notes = [], []
    for line in lines[start:]:
        known = _PREFIX_LINE.match(line)
        if known and PREFIXES.get(known.group(1)) == known.group(2):
            continue  # the server knows this prefix: one line less to read past
        if _COMMENT.match(line):
            notes.append(line.strip().lstrip("#").strip())
        else:
            kept.append(line)
    return "\n".join(kept).strip() + "\n", notes


def show(store: Store, q: CatalogueQuery, given: dict[str, str]) -> Shown:
    """The question with the parameter values given (the query's own defaults otherwise)."""
    question, explanation = question_and_explanation(q)
    values = {k: v.strip() for k, v in given.items() if k in q.params and v.strip()}
    bound: list[str] = []
    error = ""
    try:
        # names resolve as the command line resolves them: case, other names, acronyms
        bound = [f"{b.name}={b.given} → {b.label}" for b in resolve_names(store, q.text, values)]
        text = q.bound(values)
    except QueryError as exc:
        # the command line's wording ("--param system=…") is not this page's
        error = str(exc).replace("--param ", "")
        text = q.bound()
    body, notes = readable(text)
    params = [(k, given.get(k, "").strip() or v) for k, v in q.params.items()]
    return Shown(q.name, question, explanation, body, notes, params, bound, error)


def check(text: str) -> str:
    """'' when SPARQL can read the query; otherwise one sentence about the asker's own line
    and column (the known prefixes are given to the parser, not added as lines)."""
    check_nesting(text)  # the parser recurses: refuse what would run it out of stack
    try:
        check_syntax(adhoc_query(text, "query"))
    except QuerySyntaxError as exc:
        return str(exc)
    except QueryError as exc:
        return str(exc)
    return ""


def pageable(text: str) -> bool:
    """Whether the page may ask for the answer a page at a time by adding `LIMIT … OFFSET …`
    to the query: a SELECT query that sets neither itself nor ends in a VALUES block. Such a
    query's first rows come without the store serialising, sending and the browser drawing
    the whole answer; one that sets its own LIMIT is shown as it is."""
    masked, open_quote = mask(text)
    if open_quote is not None:
        return False
    return bool(_SELECT.match(masked)) and not _CLOSED.search(masked)


def page_of(text: str, offset: int, size: int = PAGE) -> str:
    """The query asking for `size` rows from `offset`, and one more: whether a next page
    exists is known without counting the answer."""
    return f"{text.rstrip()}\nLIMIT {size + 1} OFFSET {max(0, offset)}\n"
