"""Possible duplicates: scored with evidence, proposed to a person, decisions kept."""

from __future__ import annotations

import random
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from icegraph.cli import main
from icegraph.errors import CatalogueError
from icegraph.pipeline import BuildResult, build
from icegraph.resolve.same_as import (
    COLUMNS,
    SameAsRow,
    accepted_pairs,
    decided_pairs,
    merge,
    open_proposals,
    read_same_as,
    write_same_as,
)
from icegraph.resolve.similar import Named, Proposal, propose, type_group
from tests.conftest import flows_table, row

HEADER = ",".join(COLUMNS) + "\n"
ATS = Named("system/ats", "System", "ATS", (), ("agency/cbp",))
ATS_LONG = Named(
    "system/automated-targeting-system", "System", "Automated Targeting System", (), ("agency/cbp",)
)


# Scoring


def test_an_acronym_and_its_expansion_are_proposed_with_the_evidence():
    assert propose([ATS_LONG, ATS]) == [
        Proposal(
            "system/ats",
            "ATS",
            "system/automated-targeting-system",
            "Automated Targeting System",
            0.82,
            "acronym 'ATS' = initials of 'Automated Targeting System'; same operator agency/cbp",
        )
    ]


def test_shared_words_propose_a_misspelt_agency():
    cbp = Named("agency/cbp", "Agency", "U.S. Customs and Border Protection")
    patrol = Named("agency/customs-and-border-patrol", "Agency", "Customs and Border Patrol")
    assert propose([patrol, cbp]) == [
        Proposal(
            "agency/cbp",
            "U.S. Customs and Border Protection",
            "agency/customs-and-border-patrol",
            "Customs and Border Patrol",
            0.5,
            "2 of 4 words shared (customs, border): 'U.S. Customs and Border Protection' ~ "
            "'Customs and Border Patrol'",
        )
    ]


def test_a_misspelt_word_counts_as_shared():
    typo = Named("system/automated-targetting-system", "System", "Automated Targetting System")
    [p] = propose([ATS_LONG, typo])
    assert p.score == 1.0
    assert p.evidence.startswith(
        "3 of 3 words shared (automated, system, targeting ~ targetting): "
        "'Automated Targeting System' ~ 'Automated Targetting System'"
    )


def test_unrelated_acronyms_are_not_proposed():
    tecs = Named("system/tecs", "System", "TECS", ("Treasury Enforcement Communications System",))
    eid = Named("system/eid", "System", "EID", ("Enforcement Integrated Database",))
    assert propose([tecs, eid]) == []


def test_a_person_and_a_system_are_never_compared():
    person = Named("person/ats", "Person", "ATS")
    assert propose([person, ATS_LONG]) == []
    assert len(propose([Named("system/ats", "System", "ATS"), ATS_LONG])) == 1


def test_organisations_of_different_kinds_are_compared():
    company = Named("org/palantir", "Company", "Palantir Technologies")
    private = Named("org/palantir-2", "PrivateOrganization", "Palantir Technologies Inc")
    [p] = propose([company, private])
    assert (p.entity, p.same_as, p.score) == ("org/palantir", "org/palantir-2", 0.84)


def test_the_same_name_is_not_a_proposal():
    one = Named("agency/cbp", "Agency", "U.S. Customs & Border Protection")
    two = Named("agency/us-cbp", "Agency", "United States Customs and Border Protection")
    assert propose([one, two]) == []
    both = Named("system/ats-2", "System", "Automated Targeting System (ATS)")
    assert propose([ATS, both]) == []


def test_evidence_against_lowers_the_score():
    eid = Named(
        "system/eid", "System", "EID", ("Enforcement Integrated Database",), ("agency/ice",)
    )
    other = Named("system/eid-2", "System", "Enforcement Integrated Data Base", (), ("agency/cbp",))
    [p] = propose([eid, other])
    assert p.score == 0.66
    assert p.evidence.endswith("; different operators agency/ice and agency/cbp")


def test_two_catalogue_entities_are_not_compared_and_the_catalogue_one_is_kept():
    curated = Named("system/ats", "System", "ATS", curated=True)
    long_curated = Named(ATS_LONG.id, "System", ATS_LONG.label, curated=True)
    assert propose([curated, long_curated]) == []
    [p] = propose([Named("system/zz", "System", "Automated Targeting System"), curated])
    assert (p.entity, p.same_as) == ("system/ats", "system/zz")


def test_decided_pairs_are_not_proposed_in_either_order():
    assert propose([ATS, ATS_LONG], {frozenset((ATS_LONG.id, ATS.id))}) == []


def _generated(n: int, seed: int = 7) -> tuple[list[Named], set[frozenset[str]]]:
    """Entities with invented names, 1 in 50 followed by a near duplicate of itself."""
    rng = random.Random(seed)
    syllables = [a + b for a in "kmrst" for b in ("a", "e", "i", "o", "u", "an", "or")]
    common = ["system", "data", "information", "national", "service", "center", "office"]
    vocab = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(3000)})
    kinds = ["System", "Agency", "Company", "Person"]
    out: list[Named] = []
    twins: set[frozenset[str]] = set()
    for i in range(n):
        kind = kinds[i % 4]
        words = [rng.choice(vocab) for _ in range(2 if kind == "Person" else 3)]
        if kind != "Person" and rng.random() < 0.5:
            words.append(rng.choice(common))
        label = " ".join(w.capitalize() for w in words)
        out.append(Named(f"{kind.lower()}/e{i}", kind, label))
        if i % 50 == 0:
            twin = label[:-2] if kind == "Person" else " ".join(label.split()[:-1])
            out.append(Named(f"{kind.lower()}/t{i}", kind, twin))
            twins.add(frozenset((f"{kind.lower()}/e{i}", f"{kind.lower()}/t{i}")))
    return out, twins


def test_blocking_finds_the_near_duplicates_among_thousands():
    entities, twins = _generated(3000)
    kinds = {e.id: type_group(e.type) for e in entities}
    found = propose(entities)
    assert twins <= {p.pair for p in found}
    assert all(kinds[p.entity] == kinds[p.same_as] for p in found)
    assert {kinds[p.entity] for p in found} == {"System", "organisation", "Person"}
    assert len(found) < 3 * len(twins)  # invented names rarely resemble each other


# The review file


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "same-as.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


ACCEPTED = "system/ats,ATS,system/ats-2,ATS 2,0.80,why,accepted,Ana,2026-11-30,checked"
REJECTED = "agency/cbp,CBP,agency/usbp,Border Patrol,0.55,why,rejected,Ana,2026-11-30,a part"
OPEN = "system/tecs,TECS,system/tecs-2,TECS 2,0.60,old,proposed,,,look again"


def _error(path: Path) -> str:
    with pytest.raises(CatalogueError) as exc:
        read_same_as(path)
    return str(exc.value)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "system/ats,ATS,system/ats-2,ATS 2,0.8,why,maybe,,,",
            "line 2: field 'status': unknown status 'maybe'. Expected proposed or accepted or "
            "rejected.",
        ),
        (
            "system/ats,ATS,system/ats-2,ATS 2,0.8,why,accepted,,2026-11-30,",
            "line 2: field 'reviewer': a row marked accepted must say who decided. Expected the "
            "reviewer's name.",
        ),
        (
            "system/ats,ATS,system/ats-2,ATS 2,0.8,why,rejected,Ana,2026-02-31,",
            "line 2: field 'reviewed_on': '2026-02-31' is not a date. Expected a real date "
            "YYYY-MM-DD, e.g. 2026-12-01.",
        ),
        (
            "system/ats,ATS,system/ats-2,ATS 2,0.8,why,accepted,Ana,,",
            "line 2: field 'reviewed_on': a row marked accepted must say when it was decided.",
        ),
        (
            "https://w3id.org/icegraph/id/system/ats,ATS,system/ats-2,ATS 2,0.8,why,proposed,,,",
            "line 2: field 'entity': 'https://w3id.org/icegraph/id/system/ats' is not an "
            "entity id.",
        ),
        (
            "system/ats,ATS,system/ats,ATS,0.8,why,proposed,,,",
            "line 2: field 'same_as': 'system/ats' is paired with itself.",
        ),
        (
            "system/ats,ATS,system/ats-2,ATS 2,high,why,proposed,,,",
            "line 2: field 'score': 'high' is not a score.",
        ),
        (
            "system/ats,ATS,system/ats-2,ATS 2,0.8,why,proposed,,",
            "line 2: field 'row': the row has 9 cells.",
        ),
    ],
)
def test_a_bad_row_is_named_by_line_and_field(tmp_path: Path, line: str, message: str):
    path = _write(tmp_path, line)
    assert _error(path).startswith(f"{path}, {message}")


def test_an_entity_folded_into_two_canonicals_is_refused(tmp_path: Path):
    path = _write(
        tmp_path, ACCEPTED, "system/atz,ATZ,system/ats-2,ATS 2,0.7,why,accepted,Bo,2026-12-01,"
    )
    assert _error(path) == (
        f"{path}, line 3: field 'same_as': system/ats-2 is folded into system/atz here and "
        "into system/ats on line 2. Expected each entity folded into one canonical entity; "
        "reject one of the rows."
    )


def test_a_chain_of_folds_is_refused(tmp_path: Path):
    path = _write(
        tmp_path, ACCEPTED, "system/ats-2,ATS 2,system/ats-3,ATS 3,0.7,why,accepted,Bo,2026-12-01,"
    )
    assert _error(path) == (
        f"{path}, line 3: field 'entity': system/ats-2 keeps system/ats-3 here but is itself "
        "folded into system/ats on line 2. Expected the canonical entity: write system/ats as "
        "entity of this row."
    )


def test_a_pair_twice_is_refused_whichever_way_round(tmp_path: Path):
    path = _write(tmp_path, ACCEPTED, "system/ats-2,ATS 2,system/ats,ATS,0.7,why,proposed,,,")
    assert _error(path) == (
        f"{path}, line 3: field 'same_as': the pair system/ats-2 and system/ats is already on "
        "line 2. Expected one row per pair, whichever way round."
    )


def test_the_header_must_be_exact(tmp_path: Path):
    path = tmp_path / "same-as.csv"
    path.write_text(HEADER.replace("same_as,", "duplicate,"), encoding="utf-8")
    assert _error(path).startswith(f"{path}, line 1: field 'header': the header is ")


def test_a_quoted_cell_over_two_lines_keeps_the_line_numbers(tmp_path: Path):
    path = _write(
        tmp_path, 'system/a,A,system/b,B,0.6,"two\nlines",proposed,,,', "system/c,C,x,X,0.6,,,,,"
    )
    assert _error(path).startswith(f"{path}, line 4: field 'same_as': 'x' is not an entity id")


def test_helpers_for_the_build(tmp_path: Path):
    rows = read_same_as(_write(tmp_path, REJECTED, ACCEPTED, OPEN))
    assert accepted_pairs(rows) == {"system/ats-2": "system/ats"}
    assert decided_pairs(rows) == {
        frozenset(("system/ats", "system/ats-2")),
        frozenset(("agency/cbp", "agency/usbp")),
    }
    assert [r.entity for r in open_proposals(rows)] == ["system/tecs"]
    assert read_same_as(tmp_path / "missing.csv") == []


def test_written_sorted_and_read_back(tmp_path: Path):
    path = tmp_path / "same-as.csv"
    rows = read_same_as(_write(tmp_path, OPEN, REJECTED, ACCEPTED))
    write_same_as(path, rows)
    assert path.read_text(encoding="utf-8") == HEADER + f"{REJECTED}\n{ACCEPTED}\n{OPEN}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same-as.csv"]


def test_a_refresh_keeps_decisions_and_never_reproposes_a_rejected_pair(tmp_path: Path):
    existing = read_same_as(_write(tmp_path, ACCEPTED, REJECTED, OPEN))
    fresh = [
        Proposal("agency/usbp", "Border Patrol", "agency/cbp", "CBP", 0.9, "again"),
        Proposal("system/ats", "ATS", "system/ats-2", "ATS 2", 0.99, "again"),
        Proposal("system/tecs-2", "TECS 2", "system/tecs", "TECS", 0.7, "new words"),
        Proposal("system/eid", "EID", "system/eid-2", "EID 2", 0.5, "acronym"),
    ]
    merged = merge(existing, fresh)
    assert merged.rows == [
        existing[1],  # rejected, untouched
        existing[0],  # accepted, untouched
        SameAsRow("system/eid", "EID", "system/eid-2", "EID 2", "0.50", "acronym", "proposed"),
        SameAsRow(
            "system/tecs",
            "TECS",
            "system/tecs-2",
            "TECS 2",
            "0.70",
            "new words",
            "proposed",
            note="look again",
        ),
    ]
    assert merged.summary() == "1 new proposal, 1 refreshed, 0 dropped, 2 decided kept"
    again = merge(merged.rows, [])
    assert [r.status for r in again.rows] == ["rejected", "accepted"]
    assert again.summary() == "0 new proposals, 0 refreshed, 2 dropped, 2 decided kept"


# The command


def test_the_command_on_the_seeds_keeps_decisions_and_drops_stale_proposals(
    seed_build: BuildResult, tmp_path: Path
):
    review = _write(tmp_path, ACCEPTED, OPEN)
    result = CliRunner().invoke(
        main, ["same-as", "--store", str(seed_build.out_dir / "store"), "--review", str(review)]
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "51 entities compared; pairs scoring 0.5 or more are proposed.\n"
        f"{review}: 0 new proposals, 0 refreshed, 1 dropped, 1 decided kept; 0 open for review.\n"
    )
    assert review.read_text(encoding="utf-8") == HEADER + ACCEPTED + "\n"


def test_the_shipped_review_file_is_what_the_command_writes(seed_build: BuildResult, tmp_path):
    shipped = Path(__file__).resolve().parents[1] / "data" / "same-as.csv"
    review = tmp_path / "same-as.csv"
    shutil.copy(shipped, review)
    result = CliRunner().invoke(
        main, ["same-as", "--store", str(seed_build.out_dir / "store"), "--review", str(review)]
    )
    assert result.exit_code == 0, result.output
    assert review.read_text(encoding="utf-8") == shipped.read_text(encoding="utf-8")


def test_a_new_document_with_near_duplicates_gets_proposals(data_copy: Path, tmp_path: Path):
    (data_copy / "raw" / "010_more.txt").write_text(
        flows_table(
            row(source="Automated Targetting System", full_name="Automated Targetting System"),
            row(
                source="Treasury Enforcement Comms System",
                full_name="Treasury Enforcement Communication System",
            ),
        ),
        encoding="utf-8",
    )
    out = build(data_copy, tmp_path / "build")
    review = tmp_path / "same-as.csv"
    args = ["same-as", "--store", str(out.out_dir / "store"), "--review", str(review)]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert f"{review}: 2 new proposals, 0 refreshed, 0 dropped, 0 decided kept" in first.output
    rows = read_same_as(review)
    assert [(r.entity, r.same_as, r.score, r.status) for r in rows] == [
        ("system/ats", "system/automated-targetting-system", "1.00", "proposed"),
        ("system/tecs", "system/treasury-enforcement-comms-system", "1.00", "proposed"),
    ]
    assert rows[0].evidence.endswith("; same operator agency/cbp")
    decided = replace(rows[1], status="rejected", reviewer="Ana", reviewed_on="2026-12-01")
    write_same_as(review, [rows[0], decided])
    second = CliRunner().invoke(main, args)
    assert f"{review}: 0 new proposals, 1 refreshed, 0 dropped, 1 decided kept" in second.output
    assert read_same_as(review) == [rows[0], decided]
    folded = replace(rows[0], status="accepted", reviewer="Ana", reviewed_on="2026-12-01")
    write_same_as(review, [folded, decided])
    third = CliRunner().invoke(main, args)
    # the folded entity is a name of system/ats now: compared no more
    assert third.output == (
        "52 entities compared; pairs scoring 0.5 or more are proposed.\n"
        f"{review}: 0 new proposals, 0 refreshed, 0 dropped, 2 decided kept; 0 open for review.\n"
    )


def test_the_command_names_a_bad_review_file(seed_build: BuildResult, tmp_path: Path):
    review = _write(tmp_path, ACCEPTED.replace("2026-11-30", "30/11/2026"))
    result = CliRunner().invoke(
        main, ["same-as", "--store", str(seed_build.out_dir / "store"), "--review", str(review)]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"error: {review}, line 2: field 'reviewed_on': '30/11/2026' is not a date. Expected a "
        "real date YYYY-MM-DD, e.g. 2026-12-01.\n"
    )
    assert (
        review.read_text(encoding="utf-8")
        == HEADER + ACCEPTED.replace("2026-11-30", "30/11/2026") + "\n"
    )
