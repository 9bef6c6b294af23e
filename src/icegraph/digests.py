"""Short digests that name things by what they say: a claim by its row's cells or its text."""

from __future__ import annotations

import hashlib


def short_digest(text: str, size: int = 5) -> str:
    """`size` bytes of BLAKE2b as hex: 10 characters by default, enough to tell apart the
    statements of one document."""
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()
