"""Serialising SPARQL answers in every protocol format, with a cap on their size."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph
from pyoxigraph import BlankNode, Literal, NamedNode, QueryBoolean, QuerySolutions, Triple

from icegraph.namespaces import PREFIXES
from icegraph.serve import conneg, rendering

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_RDF_FORMATS = {
    conneg.TURTLE: pyoxigraph.RdfFormat.TURTLE,
    conneg.NTRIPLES: pyoxigraph.RdfFormat.N_TRIPLES,
    conneg.JSONLD: pyoxigraph.RdfFormat.JSON_LD,
    conneg.RDFXML: pyoxigraph.RdfFormat.RDF_XML,
}


class TooManyResults(Exception):
    def __init__(self, cap: int) -> None:
        super().__init__(
            f"The answer has more than {cap:,} rows or triples, the most this server returns. "
            "Add LIMIT, or narrow the query."
        )
        self.cap = cap


def serialize_answer(answer: object, media: str, cap: int) -> bytes:
    if isinstance(answer, QueryBoolean):
        return serialize_boolean(bool(answer), media)
    if isinstance(answer, QuerySolutions):
        names = [v.value for v in answer.variables]
        rows = []
        for i, solution in enumerate(answer):
            if i >= cap:
                raise TooManyResults(cap)
            rows.append([solution[n] for n in names])
        return serialize_solutions(names, rows, media)
    triples = []
    for i, t in enumerate(answer):  # type: ignore[attr-defined]
        if i >= cap:
            raise TooManyResults(cap)
        triples.append(t)
    return serialize_triples(triples, media)


def serialize_triples(triples: Iterable[Triple], media: str) -> bytes:
    if media == conneg.HTML:
        return rendering.triples_page(triples)
    fmt = _RDF_FORMATS[media]
    prefixes = (
        PREFIXES if fmt in (pyoxigraph.RdfFormat.TURTLE, pyoxigraph.RdfFormat.RDF_XML) else None
    )
    return pyoxigraph.serialize(triples, format=fmt, prefixes=prefixes)


def serialize_boolean(value: bool, media: str) -> bytes:
    if media == conneg.HTML:
        return rendering.boolean_page(value)
    if media == conneg.RESULTS_XML:
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    if media in (conneg.CSV, conneg.TSV):
        return (
            ("_askResult\r\n" if media == conneg.CSV else "?_askResult\n").encode()
            + (b"true" if value else b"false")
            + b"\n"
        )
    return json.dumps({"head": {}, "boolean": value}).encode()


def serialize_solutions(names: list[str], rows: list[list[object]], media: str) -> bytes:
    if media == conneg.HTML:
        return rendering.solutions_page(names, rows)
    if media == conneg.RESULTS_XML:
        return _xml(names, rows)
    if media == conneg.CSV:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(names)
        for r in rows:
            w.writerow(["" if t is None else _csv_value(t) for t in r])
        return buf.getvalue().encode()
    if media == conneg.TSV:
        lines = ["\t".join("?" + n for n in names)]
        lines += ["\t".join("" if t is None else _nt(t) for t in r) for r in rows]
        return ("\n".join(lines) + "\n").encode()
    bindings = [
        {n: _json_term(t) for n, t in zip(names, r, strict=True) if t is not None} for r in rows
    ]
    return json.dumps(
        {"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False
    ).encode()


def _csv_value(t: object) -> str:
    if isinstance(t, BlankNode):
        return "_:" + t.value
    return t.value  # type: ignore[attr-defined]


def _nt(t: object) -> str:
    return str(t)  # pyoxigraph terms print in N-Triples syntax


def _json_term(t: object) -> dict[str, str]:
    if isinstance(t, NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            out["datatype"] = t.datatype.value
        return out
    return {"type": "triple", "value": str(t)}


def _xml(names: list[str], rows: list[list[object]]) -> bytes:
    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
    out += [f"<variable name={quoteattr(n)}/>" for n in names]
    out.append("</head><results>")
    for r in rows:
        out.append("<result>")
        for n, t in zip(names, r, strict=True):
            if t is None:
                continue
            out.append(f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>")
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode()


def _xml_term(t: object) -> str:
    if isinstance(t, NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    assert isinstance(t, Literal)
    if t.language:
        return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
    if t.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
    return f"<literal>{escape(t.value)}</literal>"
