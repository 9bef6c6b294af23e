"""Digests: short ones that name things by what they say (a claim by its row's cells or its
text), and files' SHA-256 for checksums and fingerprints."""

from __future__ import annotations

import hashlib
from pathlib import Path


def short_digest(text: str, size: int = 5) -> str:
    """`size` bytes of BLAKE2b as hex: 10 characters by default, enough to tell apart the
    statements of one document."""
    return hashlib.blake2b(text.encode(), digest_size=size).hexdigest()


def file_sha256(path: Path) -> str:
    """The file's SHA-256 as hex, read a megabyte at a time."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
