"""A SHA-256 kept midway and taken up again, in another process, gives hashlib's digest of
the whole; where it cannot be kept, it is hashlib's and says so."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from icegraph import resumable_sha256
from icegraph.resumable_sha256 import Sha256

TEXT = b"".join(b"<https://w3id.org/icegraph/id/flow/f%d> a <Flow> .\n" % n for n in range(5_000))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kept only on Linux")
@pytest.mark.parametrize("cut", [0, 1, 63, 64, 65, 100_001])
def test_a_hash_taken_up_in_another_process_is_the_whole_texts(cut: int):
    first = Sha256()
    first.update(TEXT[:cut])
    state = first.state()
    assert state is not None
    assert first.hexdigest() == hashlib.sha256(TEXT[:cut]).hexdigest()
    first.update(b"the hash goes on after a digest")  # a digest does not end it
    go_on = (
        "import sys; from icegraph.resumable_sha256 import Sha256; "
        f"h = Sha256.resumed({state!r}, {cut}); h.update(sys.stdin.buffer.read()); "
        "print(h.hexdigest())"
    )
    rest = subprocess.run(
        [sys.executable, "-c", go_on], input=TEXT[cut:], capture_output=True, check=True
    )
    assert rest.stdout.decode().strip() == hashlib.sha256(TEXT).hexdigest()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kept only on Linux")
def test_a_state_is_taken_up_only_after_as_many_bytes_as_it_holds():
    h = Sha256()
    h.update(TEXT[:1000])
    state = h.state()
    assert Sha256.resumed(state, 1000) is not None
    assert Sha256.resumed(state, 999) is None
    assert Sha256.resumed(state, 1064) is None
    assert Sha256.resumed("not hex", 1000) is None
    assert Sha256.resumed(None, 1000) is None
    assert Sha256.resumed("00" * 10, 1000) is None


def test_without_openssls_functions_it_is_hashlibs_with_no_state(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(resumable_sha256, "_libcrypto", lambda: None)
    h = Sha256()
    h.update(TEXT[:77])
    h.update(TEXT[77:])
    assert h.hexdigest() == hashlib.sha256(TEXT).hexdigest()
    assert h.state() is None
    assert Sha256.resumed("00" * 112, 0) is None
