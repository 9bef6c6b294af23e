"""A whole number that sorts as a label's lower-cased first characters do (ig:sortKey).

A store sorts numbers far faster than text: Oxigraph 0.5 reads and lower-cases both labels
again at every comparison of `ORDER BY STR(LCASE(?label))`. A question sorts on the key
first and on the label itself only where two keys are equal, so its rows and their order are
exactly those of sorting on the label.

The key is a function of the label alone, never of the other labels of the graph: a rank
among all labels would move when a document adds one, and an incremental build would have to
rewrite every later key.

Each of the first characters of the lower-cased label (Python's `str.lower`, the full Unicode
mapping that SPARQL's LCASE also uses) becomes a digit in base 44: 0 for "no more
characters", then one digit for each of space, the ten digits, the 26 letters and the arrow
of flow labels, and one for each stretch of code points between them. Digits grow with the
code point, so a label sorting before another never gets a larger key. The key ends at the
first character that is not listed (what follows it is not compared), so labels alike up to
there get the same key, and the labels themselves settle their order.
"""

from __future__ import annotations

from bisect import bisect_right

# the first code point of each stretch, in order; each listed character alone is a stretch
# (the one after it starts at the next code point)
_SINGLES = " 0123456789abcdefghijklmnopqrstuvwxyz→"
_STARTS: list[int] = sorted({0} | {ord(c) for c in _SINGLES} | {ord(c) + 1 for c in _SINGLES})
BASE = len(_STARTS) + 1  # digit 0 ends a label shorter than LENGTH
# characters: BASE ** LENGTH stays below 10 ** 20, the whole numbers Oxigraph's xsd:decimal
# holds exactly (published as xsd:decimal: Virtuoso keeps an xsd:integer beyond 2 ** 31 only
# as a decimal, so the graph it serves would not be the graph published)
LENGTH = 11
assert BASE**LENGTH < 10**20


def _digit(char: str) -> int:
    return bisect_right(_STARTS, ord(char))  # 1 for the first stretch, which starts at 0


_LISTED = {c: _digit(c) for c in _SINGLES}  # every flow's label goes through here: kept short
_SCALE = [BASE**n for n in range(LENGTH + 1)]


def sort_key(label: str) -> int:
    """The label's sort key: a label sorting before another (lower-cased, by code point)
    never has a larger one."""
    key, used = 0, 0
    for char in label.lower()[:LENGTH]:
        used += 1
        digit = _LISTED.get(char)
        if digit is None:
            # a stretch holds characters of different order: what follows one of them can
            # no longer be told apart, so labels alike up to here share the key
            key = key * BASE + _digit(char)
            break
        key = key * BASE + digit
    return key * _SCALE[LENGTH - used]
