"""Whether a text is a date in the calendar: 2026-02-31 looks like one and is not."""

from __future__ import annotations

import re
from datetime import date

_FORMS = {
    "day": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "month": re.compile(r"\d{4}-\d{2}"),
    "year": re.compile(r"\d{4}"),
}


def is_date(value: str, precisions: tuple[str, ...] = ("day",)) -> bool:
    """An ISO date at one of `precisions`: "day" (YYYY-MM-DD), "month" (YYYY-MM), "year"."""
    for precision in precisions:
        if _FORMS[precision].fullmatch(value):
            full = {"day": value, "month": value + "-01", "year": value + "-01-01"}[precision]
            try:
                date.fromisoformat(full)
            except ValueError:
                return False
            return True
    return False
