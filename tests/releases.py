"""Two releases of the seeds, made once for the release and citation tests.

Release 1.0 is the seeds plus a small document naming a system 'AutoTarget'. Release 1.1
adds a document with a new system (NEWSYS → ICM), edits the data description of the
ATF → ICM row, accepts in data/same-as.csv that AutoTarget is ATS (a merge), and retracts a
dossier fact in data/retractions.csv.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from icegraph.namespaces import PREFIXES
from icegraph.pipeline import build
from icegraph.publish.release import make_release, open_release
from icegraph.store import select
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


RETRACTION_REASON = "The dossier's page for this fact was taken down; not confirmed elsewhere"


@dataclass
class Series:
    releases: Path
    data: Path  # the data of the newest release, for further releases
    retracted: str  # the claim of release 1.0 that release 1.1 withdraws


def retract_a_fact(data: Path, releases: Path) -> str:
    """Withdraw, in data/retractions.csv, a dossier fact of release 1.0 that no contradiction
    cites: its withdrawal is then the only change it makes to the log."""
    store = open_release(releases, "1.0")
    found = select(store, """
        SELECT ?claim WHERE {
          ?claim a ig:Claim . FILTER(CONTAINS(STR(?claim), "/fact-"))
          FILTER NOT EXISTS { ?position ig:statedBy ?claim }
        } ORDER BY ?claim LIMIT 1""", prefixes=PREFIXES)  # fmt: skip
    claim = next(iter(found))["claim"].value
    del store
    (data / "retractions.csv").write_text(
        f"claim,reason,who,when\n{claim},{RETRACTION_REASON},Desk editor,2026-12-01\n",
        encoding="utf-8",
    )
    return claim


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
    retracted = retract_a_fact(data, releases)
    make_release(data, releases, "1.1", build, notes="Adds NEWSYS; ATF edited; AutoTarget is ATS.")
    return Series(releases, data, retracted)
