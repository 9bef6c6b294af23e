"""SHA-256 whose state can be kept and taken up again later, in another process.

A continued build's dumps begin with the bytes of the earlier build's (publish/dumps.py).
Their checksums would need those bytes hashed again, 13 GB at a million records, unless the
hash's state where they end is kept with the earlier build. Python's `hashlib` cannot give
its state. OpenSSL's `SHA256_Init`, `SHA256_Update` and `SHA256_Final` work on a struct its
public header defines (eight words of hash, the length in bits, the last partial block),
the same since OpenSSL 0.9.8; they are called here, through ctypes, in the libcrypto that
Python's own `hashlib` has loaded, and checked against `hashlib` before they are trusted.
Where that cannot be done (another system than Linux, a Python with OpenSSL built in, a
libcrypto built without those functions), `Sha256` is `hashlib`'s and has no state to
give: the caller hashes the bytes again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import sys
from functools import cache
from typing import Any


class _Context(ctypes.Structure):
    # SHA256_CTX of openssl/sha.h; SHA_LONG is 32 bits wherever Python runs
    _fields_ = (
        ("h", ctypes.c_uint32 * 8),
        ("low_bits", ctypes.c_uint32),
        ("high_bits", ctypes.c_uint32),
        ("data", ctypes.c_uint32 * 16),
        ("num", ctypes.c_uint),
        ("md_len", ctypes.c_uint),
    )


class Sha256:
    """`update` with bytes, then `hexdigest`; `state` says where it is, for `resumed`."""

    def __init__(self, lib: Any = None, context: _Context | None = None) -> None:
        # `lib`: a libcrypto as `_libcrypto` sets it up (by default its own, hashlib where it
        # has none); `context`: a state to go on from
        self._lib = lib if lib is not None else _libcrypto()
        self._plain: Any = hashlib.sha256() if self._lib is None else None
        self._context = context if context is not None else _Context()
        if self._lib is not None and context is None:
            self._lib.SHA256_Init(ctypes.byref(self._context))

    @classmethod
    def resumed(cls, state: str | None, length: int) -> Sha256 | None:
        """The hash after the `length` bytes whose `state` an earlier `state()` gave; None
        when it cannot be taken up here, or is not a state after that many bytes."""
        return cls._resumed(_libcrypto(), state, length)

    @classmethod
    def _resumed(cls, lib: Any, state: str | None, length: int) -> Sha256 | None:
        if state is None or lib is None:
            return None
        try:
            raw = bytes.fromhex(state)
        except ValueError:
            return None
        if len(raw) != ctypes.sizeof(_Context):
            return None
        context = _Context.from_buffer_copy(raw)
        bits = context.high_bits << 32 | context.low_bits
        if bits != 8 * length or context.num != length % 64 or context.md_len != 32:
            return None
        return cls(lib, context)

    def update(self, data: bytes) -> None:
        # ctypes lets go of the interpreter's lock for the call, as hashlib does
        if self._lib is None:
            self._plain.update(data)
        else:
            self._lib.SHA256_Update(ctypes.byref(self._context), data, len(data))

    def state(self) -> str | None:
        """Where the hash is, as text to keep; None where it cannot be taken up again."""
        return None if self._lib is None else bytes(self._context).hex()

    def hexdigest(self) -> str:
        if self._lib is None:
            return str(self._plain.hexdigest())
        # on a copy: finishing clears the state, and the hash may go on
        context = _Context.from_buffer_copy(bytes(self._context))
        out = ctypes.create_string_buffer(32)
        self._lib.SHA256_Final(out, ctypes.byref(context))
        return out.raw.hex()


@cache
def _libcrypto() -> Any:
    """OpenSSL's libcrypto with the SHA256_* functions set up, once it has given what
    `hashlib` gives; None where it cannot be had."""
    if not sys.platform.startswith("linux"):
        # elsewhere, the system's unversioned libcrypto may end the process when loaded
        return None
    try:
        lib = ctypes.CDLL(_loaded_libcrypto() or ctypes.util.find_library("crypto") or "")
        lib.SHA256_Init.argtypes = (ctypes.c_void_p,)
        lib.SHA256_Update.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t)
        lib.SHA256_Final.argtypes = (ctypes.c_char_p, ctypes.c_void_p)
        for function in (lib.SHA256_Init, lib.SHA256_Update, lib.SHA256_Final):
            function.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return lib if _agrees_with_hashlib(lib) else None


def _loaded_libcrypto() -> str | None:
    """The libcrypto that Python's hashlib uses, from this process's mapped files."""
    import _hashlib  # noqa: F401 - loads it

    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rstrip("\n").split(None, 5)[-1]
                if "/libcrypto.so" in path:
                    return path
    except OSError:
        return None
    return None


def _agrees_with_hashlib(lib: Any) -> bool:
    """Whether these functions, with a state saved and taken up midway, give hashlib's
    digest (a struct laid out otherwise would not)."""
    text = bytes(range(256)) * 3 + b"icegraph"
    first = Sha256(lib)
    first.update(text[:101])
    rest = Sha256._resumed(lib, first.state(), 101)
    if rest is None:
        return False
    rest.update(text[101:])
    return rest.hexdigest() == hashlib.sha256(text).hexdigest()
