"""HTML from the templates only, escaped by Jinja: pages, SPARQL answers, previews.

Data reaches a browser as text, never as markup: the raw citations hold HTML, and a query can
make up any string. Links are made only to our own pages and to http(s) addresses, so an IRI
such as `javascript:…` is shown, never followed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from icegraph.namespaces import IG
from icegraph.serve.describe import safe_href

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@cache
def templates() -> Environment:
    env = Environment(loader=PackageLoader("icegraph.serve", "templates"), autoescape=True)
    env.filters["local"] = lambda iri: safe_href(iri) or ""
    env.filters["kind_href"] = kind_href
    return env


def kind_href(iri: str | None) -> str:
    """The directory's listing of a kind of ours ('/directory?kind=System'), else ''."""
    if iri and iri.startswith(IG) and iri[len(IG) :].isidentifier():
        return "/directory?kind=" + iri[len(IG) :]
    return ""


def render(name: str, **context: object) -> str:
    return templates().get_template(name).render(**context)


@dataclass(frozen=True)
class Cell:
    text: str
    href: str | None = None
    note: str = ""


def cell(term: object) -> Cell:
    if term is None:
        return Cell("")
    if isinstance(term, NamedNode):
        return Cell(term.value, safe_href(term.value))
    if isinstance(term, BlankNode):
        return Cell("_:" + term.value)
    if isinstance(term, Literal):
        if term.language:
            return Cell(term.value, note="@" + term.language)
        dt = term.datatype.value
        return Cell(term.value, note="" if dt == XSD_STRING else dt)
    return Cell(str(term))


def solutions_page(names: list[str], rows: Iterable[Iterable[object]]) -> bytes:
    table = [[cell(t) for t in r] for r in rows]
    return render("results.html", names=names, rows=table).encode()


def boolean_page(value: bool) -> bytes:
    rows = [[Cell("yes" if value else "no")]]
    return render("results.html", names=["answer"], rows=rows).encode()


def triples_page(triples: Iterable[Triple]) -> bytes:
    table = [[cell(t.subject), cell(t.predicate), cell(t.object)] for t in triples]
    return render("results.html", names=["subject", "predicate", "object"], rows=table).encode()
