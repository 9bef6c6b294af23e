"""Shared fixtures: the real seeds built once, and copies of data/ to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import Store

from icegraph.pipeline import BuildResult, build
from icegraph.store import open_store, select

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FLOWS_FILE = "000_f18490aef763a0b3.txt"
DOSSIER_FILE = "004_5faac12a7c82fa76.txt"
HEADER = (
    "Source\tDestination\tFull name\tSource Database Classification\tInformation Sharing Types\t"
    "Agency/Owner\tSub-Agency\tInformation Collected/Provided\tReference"
)


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    out = tmp_path_factory.mktemp("seed") / "build"
    return build(DATA, out)


@pytest.fixture(scope="session")
def seed_store(seed_build: BuildResult) -> Store:
    return open_store(seed_build.out_dir / "store", read_only=True)


def rows(store: Store, sparql: str) -> list[tuple[str | None, ...]]:
    """Plain values of a SELECT over the union of graphs, with the usual prefixes."""
    from icegraph.namespaces import PREFIXES

    solutions = select(store, sparql, prefixes=PREFIXES)
    names = [v.value for v in solutions.variables]
    return [tuple(s[n].value if s[n] is not None else None for n in names) for s in solutions]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may edit."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def flows_table(*lines: str) -> str:
    """A hand-made flows table: header, then the given tab-separated rows."""
    return "\n".join((HEADER, *lines)) + "\n"


def row(
    source: str = "ATS",
    destination: str = "ICM",
    full_name: str = "Automated Targeting System",
    classification: str = "Government",
    sharing: str = "Inbound",
    agency: str = "Department of Homeland Security",
    sub_agency: str = "Customs and Border Patrol",
    description: str = "ICM users may query ATS from within ICM.",
    reference: str = "ICE Investigative Case Management DHS/ICE/PIA-045",
) -> str:
    return "\t".join(
        (source, destination, full_name, classification, sharing, agency, sub_agency,
         description, reference)
    )  # fmt: skip


def only_flows(data_dir: Path, text: str, name: str = FLOWS_FILE) -> Path:
    """Replace data_dir/raw with one flows file holding `text`; returns its path."""
    raw = data_dir / "raw"
    for p in raw.iterdir():
        p.unlink()
    path = raw / name
    path.write_text(text, encoding="utf-8")
    # Corrections for lines of the real file would match nothing in a hand-made one, which
    # stops the build; the corrections that hold in every file stay.
    corrections = data_dir / "corrections.csv"
    kept = [
        line
        for i, line in enumerate(corrections.read_text(encoding="utf-8").splitlines(True))
        if i == 0 or line.startswith("*,")
    ]
    corrections.write_text("".join(kept), encoding="utf-8")
    return path


def pytest_terminal_summary(terminalreporter) -> None:
    """How the fast validator fared on the W3C SHACL Core suite, when that test ran."""
    try:
        from tests.test_shacl_suite import OUTCOMES
    except ImportError:
        return
    total = sum(len(v) for v in OUTCOMES.values())
    if total:
        terminalreporter.write_line(
            f"W3C SHACL Core suite, fast validator: {len(OUTCOMES['passed'])} passed, "
            f"{len(OUTCOMES['refused'])} refused (unsupported), {len(OUTCOMES['failed'])} failed"
        )
