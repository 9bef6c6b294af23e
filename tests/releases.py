"""Two releases of the seeds, made once for the release and citation tests.

Release 1.0 is the seeds plus a small document naming a system 'AutoTarget'. Release 1.1
adds a document with a new system (NEWSYS → ICM), edits the data description of the
ATF → ICM row, and accepts in data/same-as.csv that AutoTarget is ATS (a merge).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from icegraph.pipeline import build
from icegraph.publish.release import make_release
from tests.conftest import DATA, FLOWS_FILE, flows_table, row

ATF_OLD = (
    "Provides information on lookouts by name/DOB and firearm purchase data by firearm serial "
    "number."
)
ATF_NEW = "Provides information on lookouts by name and date of birth."
MERGE_ROW = (
    "system/ats,ATS,system/autotarget,AutoTarget,,,accepted,A. Reviewer,2026-12-01,"
    "AutoTarget is the project name of ATS\n"
)


@dataclass
class Series:
    releases: Path
    data: Path  # the data of the newest release, for further releases


def write_first(data: Path) -> None:
    (data / "raw" / "002_earlier.txt").write_text(
        flows_table(
            row(
                source="AutoTarget",
                full_name="Auto Targeting Platform",
                description="ICM users may query AutoTarget for cargo records.",
            )
        ),
        encoding="utf-8",
    )


def write_second(data: Path) -> None:
    (data / "raw" / "001_added.txt").write_text(
        flows_table(
            row(
                source="NEWSYS",
                full_name="New Surveillance System",
                description="ICM users may query NEWSYS for licence plate reads.",
            )
        ),
        encoding="utf-8",
    )
    flows = data / "raw" / FLOWS_FILE
    text = flows.read_text(encoding="utf-8")
    assert ATF_OLD in text
    flows.write_text(text.replace(ATF_OLD, ATF_NEW), encoding="utf-8")
    with (data / "same-as.csv").open("a", encoding="utf-8") as fh:
        fh.write(MERGE_ROW)


@pytest.fixture(scope="session", name="two_releases")
def two_releases_fixture(tmp_path_factory: pytest.TempPathFactory) -> Series:
    root = tmp_path_factory.mktemp("two-releases")
    data = root / "data"
    shutil.copytree(DATA, data)
    releases = root / "releases"
    write_first(data)
    make_release(data, releases, "1.0", build, notes="The seeds and one more table.")
    write_second(data)
    make_release(data, releases, "1.1", build, notes="Adds NEWSYS; ATF edited; AutoTarget is ATS.")
    return Series(releases, data)
