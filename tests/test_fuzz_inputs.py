"""Mutated seeds: no input, however broken, gives a traceback or a partial build.

Each case takes a real input file (a curated table, the flows table, the dossier page) and
breaks it a few ways at random: bytes dropped, inserted (quotes, commas, tabs, line ends,
bytes that are not UTF-8, a byte-order mark, NUL), lines repeated, swapped or cut. The
readers and loaders may refuse it, with an IcegraphError; anything else fails the test.
The seed is fixed, so a failure can be replayed.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from icegraph.catalogue import load_catalogue
from icegraph.errors import IcegraphError
from icegraph.link.review import read_review
from icegraph.pipeline import build
from icegraph.readers import reader_for
from icegraph.readers.dossier_page import read_dossier
from icegraph.readers.flows_table import read_flows
from icegraph.readers.statements_csv import read_statements
from icegraph.repair.flows import repair_flows
from icegraph.report import Report
from tests.conftest import DATA, DOSSIER_FILE, FLOWS_FILE

CASES = 120
INSERTS = [b'"', b",", b"\t", b"\n", b"\r", b"\r\n", b"\xff", b"\xc3", b"\x00", b"\xef\xbb\xbf",
           b"|", b" ", b'""', b"\xe2\x80\x8b", b"\xd0\xae"]  # fmt: skip


def mutate(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 3)):
        if not data:
            return rng.choice(INSERTS)
        i = rng.randrange(len(data))
        kind = rng.randrange(6)
        if kind == 0:
            data = data[:i] + data[i + rng.randint(1, 20) :]
        elif kind == 1:
            data = data[:i] + rng.choice(INSERTS) + data[i:]
        elif kind == 2:
            data = data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
        elif kind == 3:
            lines = data.split(b"\n")
            j = rng.randrange(len(lines))
            lines[j:j] = [lines[j]] * rng.randint(1, 3)
            data = b"\n".join(lines)
        elif kind == 4:
            lines = data.split(b"\n")
            a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            data = b"\n".join(lines)
        else:
            data = data[:i]
    return data


@pytest.mark.parametrize("table", sorted(p.name for p in DATA.glob("*.csv")))
def test_curated_tables_broken_at_random(tmp_path: Path, table: str):
    rng = random.Random(f"tables-{table}")
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    seed = (DATA / table).read_bytes()
    for case in range(CASES):
        broken = mutate(seed, rng)
        (data / table).write_bytes(broken)
        try:
            if table == "wikidata-links.csv":
                read_review(data / table)
            else:
                load_catalogue(data)
        except IcegraphError:
            pass
        except Exception as exc:  # the failure message is the point: the case, replayable
            pytest.fail(f"case {case} of {table}: {type(exc).__name__}: {exc}\n{broken!r}")


@pytest.mark.parametrize("name", [FLOWS_FILE, DOSSIER_FILE])
def test_raw_files_broken_at_random(tmp_path: Path, name: str):
    rng = random.Random(f"raw-{name}")
    cat = load_catalogue(DATA)
    seed = (DATA / "raw" / name).read_bytes()
    path = tmp_path / name
    for case in range(CASES):
        broken = mutate(seed, rng)
        path.write_bytes(broken)
        cat.used_corrections.clear()

        def read() -> None:
            reader = reader_for(path)
            if reader == "flows_table":
                list(repair_flows(read_flows(path, name), cat, name, Report()))
            elif reader == "dossier_page":
                read_dossier(path, name)

        try:
            read()
        except IcegraphError:
            pass
        except Exception as exc:
            pytest.fail(f"case {case} of {name}: {type(exc).__name__}: {exc}\n{broken!r}")


def test_builds_of_broken_inputs_publish_whole_or_nothing(tmp_path: Path):
    """A few whole builds: each broken input is refused with a message, or builds; the
    folder always shows one whole build (the first, or the last that passed)."""
    rng = random.Random("builds")
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    out = tmp_path / "out"
    build(data, out)
    targets = [data / "raw" / FLOWS_FILE, data / "raw" / DOSSIER_FILE, data / "corrections.csv"]
    for case in range(len(targets)):
        target = targets[case % len(targets)]
        seed = (DATA / target.relative_to(data)).read_bytes()
        target.write_bytes(mutate(seed, rng))
        before = _published(out)
        try:
            build(data, out)
        except IcegraphError:
            assert _published(out) == before, f"case {case}: a refused build changed the output"
        except Exception as exc:
            pytest.fail(f"case {case}: {type(exc).__name__}: {exc}")
        builds = sorted(p.name for p in (out / ".builds").iterdir())
        assert [f".builds/{b}" for b in builds] == [str((out / "current").readlink())]
        target.write_bytes(seed)


def _published(out: Path) -> dict[str, bytes]:
    return {n: (out / n).read_bytes() for n in ("icegraph.ttl", "report.md", "report.json")}


def test_hand_entered_statements_broken_at_random(tmp_path: Path):
    """The hand-entered CSV: read at random breakage, and a few whole builds that must end in
    a message or a whole build."""
    rng = random.Random("statements")
    seed = (Path(__file__).parent / "fixtures" / "convergence" / "entered.csv").read_bytes()
    path = tmp_path / "entered.csv"
    for case in range(CASES):
        broken = mutate(seed, rng)
        path.write_bytes(broken)
        try:
            if reader_for(path) == "statements_csv":
                list(read_statements(path, path.name))
        except IcegraphError:
            pass
        except Exception as exc:
            pytest.fail(f"case {case}: {type(exc).__name__}: {exc}\n{broken!r}")
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    for case in range(4):
        broken = mutate(seed, rng)
        (data / "raw" / "entered.csv").write_bytes(broken)
        try:
            build(data, tmp_path / "out")
        except IcegraphError:
            pass
        except Exception as exc:
            pytest.fail(f"build case {case}: {type(exc).__name__}: {exc}\n{broken!r}")
