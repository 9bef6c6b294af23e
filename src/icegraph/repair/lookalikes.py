"""Fold letters from other scripts that look like Latin ones, but only into known names.

A name such as 'ІСМ' (Cyrillic І, С, М) reads as ICM on screen but matches nothing in a
query. Folding is safe only when the result is a name we already know; anything else is
reported with the exact column so a person can look.
"""

from __future__ import annotations

import unicodedata

from icegraph.errors import InputError, Location

# Cyrillic and Greek capitals and small letters whose glyphs match a Latin letter.
CONFUSABLES: dict[str, str] = {
    "А": "A",
    "В": "B",
    "С": "C",
    "Е": "E",
    "Н": "H",
    "І": "I",
    "Ј": "J",
    "К": "K",
    "М": "M",
    "О": "O",
    "Р": "P",
    "Ѕ": "S",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "Ԛ": "Q",
    "Ԝ": "W",
    "а": "a",
    "с": "c",
    "е": "e",
    "і": "i",
    "ј": "j",
    "о": "o",
    "р": "p",
    "ѕ": "s",
    "х": "x",
    "у": "y",
    "ԁ": "d",
    "һ": "h",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ζ": "Z",
    "Η": "H",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Υ": "Y",
    "Χ": "X",
    "ο": "o",
    "ν": "v",
}


def foreign_letters(text: str) -> list[tuple[int, str]]:
    """Positions (0-based) and characters of letters outside the Latin script."""
    if text.isascii():
        return []  # nearly every cell: skip the per-letter Unicode lookup
    out = []
    for i, ch in enumerate(text):
        if ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN"):
            out.append((i, ch))
    return out


def fold(text: str) -> str:
    if text.isascii():
        return text  # no look-alike is ASCII; nearly every name is
    return "".join(CONFUSABLES.get(ch, ch) for ch in text)


def fold_known(text: str, known: set[str], where: Location, field: str) -> str | None:
    """The folded text when `text` has foreign letters and folds into a known name.

    Returns None when the text has no foreign letters. Raises InputError pointing at the
    first foreign letter when folding does not give a known name.
    """
    foreign = foreign_letters(text)
    if not foreign:
        return None
    folded = fold(text)
    if " ".join(folded.split()).casefold() in known and not foreign_letters(folded):
        return folded
    pos, ch = foreign[0]
    column = (where.column or 1) + pos
    raise InputError(
        f"'{text}' contains {unicodedata.name(ch, 'an unnamed character')} ('{ch}'), "
        "a letter from another script, and does not read as any known name",
        Location(where.file, where.line, column),
        field=field,
        expected="a name in Latin letters, or one listed in data/entities.csv",
        fix="If the cell is garbled, add a row for it to data/corrections.csv.",
    )
