"""Name normalisation: when two spellings are the same name.

Two names are the same when their keys are equal. A key ignores case, punctuation, spacing,
letters from other scripts that look like Latin ones, '&' against 'and', a leading 'the', and
the ways of writing the United States ('U.S.', 'US', 'USA', 'United States of America').
'Name (ACRONYM)' is read as both the name and the acronym. Nothing here guesses: names that
merely resemble each other are scored elsewhere and proposed to a person.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from icegraph.repair.lookalikes import fold

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_PARENTHESES = re.compile(r"^(?P<name>.*\S)\s*\((?P<inner>[^()]+)\)$")
_NOT_WORD = re.compile(r"[^\w]+")
_UNITED_STATES = re.compile(r"\b(?:u s a|u s|usa|us|united states of america)\b(?=\s|$)")


# The functions below are asked several times of every row's names. A million rows give
# about 128,000 different ones: caches of 65,536 were missed on most calls (name_key 1.1
# million times in 1.4 million in the names' first pass alone, and again while mapping).
_EVERY_NAME = 1 << 18


@lru_cache(maxsize=_EVERY_NAME)
def name_key(name: str) -> str:
    """The comparison key of one name: 'U.S. Customs & Border Protection' and
    'us customs and border protection' have the same key."""
    text = unicodedata.normalize("NFKC", fold(name)).casefold().replace("&", " and ")
    text = " ".join(_NOT_WORD.sub(" ", text.replace("'", "")).split())
    text = _UNITED_STATES.sub("united states", text)
    if text.startswith("the "):
        text = text[4:]
    return text


@lru_cache(maxsize=_EVERY_NAME)
def name_parts(name: str) -> tuple[str, str | None]:
    """'Automated Targeting System (ATS)' → ('Automated Targeting System', 'ATS'); a name
    without a trailing parenthesis → (name, None). Only a short, one-word parenthesis counts
    as an acronym: 'MOSAIC (Migrant Operational Support and Information Center)' is a name
    and its expansion, both kept as names."""
    m = _PARENTHESES.match(name.strip())
    if not m:
        return name.strip(), None
    return m["name"].strip(), m["inner"].strip()


def name_keys(name: str) -> list[str]:
    """Every key a name answers to: its own, and for 'Name (X)' those of 'Name' and 'X'."""
    keys = [name_key(name)]
    base, inner = name_parts(name)
    if inner is not None:
        keys += [name_key(base), name_key(inner)]
    return [k for k in dict.fromkeys(keys) if k]


@lru_cache(maxsize=_EVERY_NAME)
def ordered_keys(name: str) -> tuple[str, ...]:
    """A name's keys, most specific first. 'Automated Targeting System (ATS)' is first the
    whole, then the name, then the acronym; 'MOSAIC (Migrant Operational Support and
    Information Center)' is first the whole, then the expansion, then the short name."""
    keys = [name_key(name)]
    base, inner = name_parts(name)
    if inner is not None:
        pair = (base, inner) if acronym_of(name) else (inner, base)
        keys += [name_key(p) for p in pair]
    return tuple(k for k in dict.fromkeys(keys) if k)


@lru_cache(maxsize=_EVERY_NAME)
def acronym_of(name: str) -> str | None:
    """The acronym a name carries in parentheses, when it looks like one ('ATS', 'FALCON-SA')."""
    _base, inner = name_parts(name)
    if inner is not None and looks_like_acronym(inner):
        return inner
    return None


def looks_like_acronym(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return (
        1 < len(text) <= 16
        and " " not in text.strip()
        and bool(letters)
        and sum(c.isupper() for c in letters) >= max(2, len(letters) // 2)
    )


@lru_cache(maxsize=65536)  # system names recur on many records
def slug(value: str) -> str:
    """Readable, stable IRI segment: ASCII, lower case, words joined by hyphens."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    out = _NOT_SLUG.sub("-", folded.lower()).strip("-")
    return out or "unnamed"
