"""Input text read as UTF-8, with a plain, located error when it is not.

Spreadsheet programs and editors save text with a byte-order mark, or as UTF-16; both are
common in files handed over by others. A UTF-8 byte-order mark is accepted and dropped;
UTF-16 and invalid UTF-8 stop with the file, the line and the byte where the problem is, and
what to do about it. Unreadable files say which path and why, instead of a traceback.
"""

from __future__ import annotations

import codecs
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

from icegraph.errors import IcegraphError, InputError, Location

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
SAVE_AS_UTF8 = "Save it as UTF-8 (from a spreadsheet: 'CSV UTF-8')."


def looks_like_utf16(head: bytes) -> bool:
    """A UTF-16 byte-order mark, or a zero in every other byte of mostly-ASCII text."""
    if head.startswith(_UTF16_BOMS):
        return True
    sample = head[:512]
    return len(sample) >= 8 and sample.count(0) >= len(sample) // 3


def check_head(head: bytes, name: str, error: type[IcegraphError] = InputError) -> None:
    """Stop on a file that is UTF-16 (checked on its first bytes)."""
    if looks_like_utf16(head):
        raise error(
            "the file looks like UTF-16 text, not UTF-8",
            Location(name, 1),
            expected="UTF-8 text",
            fix=SAVE_AS_UTF8,
        )


def read_bytes(path: Path, name: str, error: type[IcegraphError] = InputError) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise unreadable(exc, name, error) from None


def unreadable(exc: OSError, name: str, error: type[IcegraphError] = InputError) -> IcegraphError:
    """An OSError while reading, as a located error naming the reason."""
    reason = exc.strerror or type(exc).__name__
    return error(f"cannot read this file: {reason.lower()}", Location(name))


def decode(data: bytes, name: str, error: type[IcegraphError] = InputError) -> str:
    """The text of a whole file: UTF-8, with or without a byte-order mark."""
    check_head(data[:512], name, error)
    start = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid_utf8(data, start + exc.start, name, error) from None


def read_text(path: Path, name: str, error: type[IcegraphError] = InputError) -> str:
    return decode(read_bytes(path, name, error), name, error)


def invalid_utf8(
    data: bytes, offset: int, name: str, error: type[IcegraphError] = InputError
) -> IcegraphError:
    """The error for the first byte at `offset` that is not UTF-8, with its line."""
    line = data.count(b"\n", 0, offset) + 1
    return error(
        f"invalid UTF-8: byte 0x{data[offset]:02X} at byte offset {offset} of the file",
        Location(name, line),
        expected="UTF-8 text",
        fix=SAVE_AS_UTF8,
    )


def lines(
    path: Path, name: str, error: type[IcegraphError] = InputError
) -> Generator[str, None, None]:
    """The file's lines as they are read (newlines kept as written), for large files.

    A decoding error is located afterwards by a second, binary pass: the common case, a
    good file, pays nothing for it.
    """
    try:
        with path.open("rb") as raw:
            head = raw.read(512)
        check_head(head, name, error)
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise unreadable(exc, name, error) from None
    with fh:
        try:
            yield from fh
        except UnicodeDecodeError:
            raise _locate(path, name, error) from None


@contextmanager
def open_lines(
    path: Path, name: str, error: type[IcegraphError] = InputError
) -> Iterator[Iterator[str]]:
    """`lines` for a `with` block: the file is closed when the block ends."""
    it = lines(path, name, error)
    try:
        yield it
    finally:
        it.close()


def _locate(path: Path, name: str, error: type[IcegraphError]) -> IcegraphError:
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # of the chunk being decoded, in the file
    newlines = 0  # before it
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            pending = decoder.getstate()[0]  # an unfinished character from the last chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                at = offset - len(pending) + exc.start
                line = newlines + data[: exc.start].count(b"\n") + 1
                return error(
                    f"invalid UTF-8: byte 0x{data[exc.start]:02X} at byte offset {at} of the file",
                    Location(name, line),
                    expected="UTF-8 text",
                    fix=SAVE_AS_UTF8,
                )
            newlines += chunk.count(b"\n")
            offset += len(chunk)
    return error(
        f"invalid UTF-8: the file ends inside a character, at byte offset {offset}",
        Location(name, newlines + 1),
        expected="UTF-8 text",
        fix=SAVE_AS_UTF8,
    )
