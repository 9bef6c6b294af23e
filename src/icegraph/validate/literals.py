"""Literal terms in N-Triples text: their parts, whether they are well formed, how they compare."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

XSD = "http://www.w3.org/2001/XMLSchema#"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_UNESCAPE = re.compile(r'\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[tbnrf"\'\\])')
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}

# Lexical forms of the datatypes whose ill-formed values sh:datatype must reject.
_LEXICAL = {
    "integer": r"[+-]?[0-9]+",
    "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    "double": r"([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?INF|NaN)",
    "boolean": r"true|false|1|0",
    "date": r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?",
    "dateTime": r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?",
}
_LEXICAL["float"] = _LEXICAL["double"]
_INTEGER_RANGES = {
    "byte": (-128, 127),
    "short": (-32768, 32767),
    "int": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
    "unsignedByte": (0, 255),
    "unsignedShort": (0, 65535),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedLong": (0, 2**64 - 1),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "integer": (None, None),
}
_COMPILED = {k: re.compile(v) for k, v in _LEXICAL.items()}
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# How many answers a remembered test keeps: the values it is asked about again and again
# (counts, years, confidence levels) are few; unique text is never worth keeping.
REMEMBERED = 4096
_NUMERIC = {"decimal", "double", "float", *_INTEGER_RANGES}


def _unescape(m: re.Match) -> str:
    s = m.group(1)
    if s[0] in "uU":
        return chr(int(s[1:], 16))
    return _SIMPLE[s]


def parts(literal: str) -> tuple[str, str, str]:
    """(lexical form, datatype IRI, language) of a literal term."""
    end = literal.rindex('"')
    lexical = literal[1:end]
    if "\\" in lexical:
        lexical = _UNESCAPE.sub(_unescape, lexical)
    rest = literal[end + 1 :]
    if rest.startswith("@"):
        return lexical, LANG_STRING, rest[1:]
    if rest.startswith("^^<"):
        return lexical, rest[3:-1], ""
    return lexical, XSD + "string", ""


def lexical(t: str) -> str:
    """STR() of a term: an IRI's text, a literal's lexical form, a blank node's label."""
    if t[0] == "<":
        return t[1:-1]
    if t[0] == '"':
        if t[-1] == '"' and "\\" not in t:
            return t[1:-1]  # a plain string with nothing escaped: most text
        return parts(t)[0]
    return t[2:]


def well_formed(lex: str, datatype: str) -> bool:
    local = datatype.removeprefix(XSD)
    if datatype == local:
        return True  # not an XSD type: nothing to check
    if local in _INTEGER_RANGES:
        if not _COMPILED["integer"].fullmatch(lex):
            return False
        low, high = _INTEGER_RANGES[local]
        n = int(lex)
        return (low is None or n >= low) and (high is None or n <= high)
    pattern = _COMPILED.get(local)
    if pattern is None:
        return True
    if not pattern.fullmatch(lex):
        return False
    try:
        _value(lex, local)
    except ValueError:
        return False
    return True


def _value(lex: str, local: str) -> Any:
    """The Python value of a lexical form (float, Decimal, date, datetime, bool or str); `compare`
    only ever orders two values of the same kind."""
    if local in ("double", "float"):
        return float(lex)
    if local in _NUMERIC:
        try:
            return Decimal(lex)
        except InvalidOperation as exc:
            raise ValueError(lex) from exc
    if local == "date":
        return date.fromisoformat(lex[:10])
    if local == "dateTime":
        return datetime.fromisoformat(lex.replace("Z", "+00:00"))
    if local == "boolean":
        return lex in ("true", "1")
    return lex


def compare(a: str, op: str, b: str) -> bool:
    """SPARQL's `a op b` on two literal terms; False when they cannot be compared."""
    if a[0] != '"' or b[0] != '"':
        return False
    la, da, _ = parts(a)
    lb, db, _ = parts(b)
    ka, kb = da.removeprefix(XSD), db.removeprefix(XSD)
    if ka in _NUMERIC and kb in _NUMERIC:
        try:
            x, y = _value(la, ka), _value(lb, kb)
            if isinstance(x, float) or isinstance(y, float):
                x, y = float(x), float(y)
        except ValueError:
            return False
    elif ka == kb and ka in ("string", "date", "dateTime", "boolean"):
        try:
            x, y = _value(la, ka), _value(lb, kb)
        except ValueError:
            return False
        if ka == "dateTime" and (x.tzinfo is None) != (y.tzinfo is None):
            return False  # a zoned and an unzoned time are not ordered
    else:
        return False
    return bool(_ORDER[op](x, y))


def remembered(test: Callable[[str], bool], limit: int = REMEMBERED) -> Callable[[str], bool]:
    """`test`, a pure function of one term, answering again from memory for the first `limit`
    terms it was asked about."""
    known: dict[str, bool] = {}

    def check(term: str) -> bool:
        answer = known.get(term)
        if answer is None:
            answer = test(term)
            if len(known) < limit:
                known[term] = answer
        return answer

    return check


def has_datatype(datatype: str, term: str) -> bool:
    """sh:datatype: the term is a literal of that datatype, well formed."""
    if term[0] != '"':
        return False
    lex, dt, _lang = parts(term)
    return dt == datatype and well_formed(lex, datatype)


def datatype_test(datatype: str) -> Callable[[str], bool]:
    """`has_datatype(datatype, term)` as a test of the term alone. A plain string literal, the
    most common term there is, is told by its closing quote; other literals are parsed, and the
    answers for the few values that recur (counts, dates) remembered."""
    slow = remembered(lambda term: has_datatype(datatype, term))
    slow.__qualname__ = f"datatype_test({datatype!r})"
    if datatype != XSD + "string":
        return slow

    def check(term: str) -> bool:
        # "…" with nothing after the closing quote: an xsd:string, always well formed
        if term[-1] == '"' and term[0] == '"':
            return True
        return slow(term)

    check.__qualname__ = slow.__qualname__
    return check


def comparer(op: str, bound: str) -> Callable[[str], bool]:
    """`compare(term, op, bound)` as a test of the term alone, its answers remembered (the
    bounds of sh:minInclusive and the like are met by counts and dates, few and recurring)."""
    check = remembered(lambda term: compare(term, op, bound))
    check.__qualname__ = f"comparer({op!r}, {bound!r})"
    return check
