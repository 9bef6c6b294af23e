"""Names settled into entities: order never matters, curated entities are never merged,
and only the same name (after normalisation) joins two mentions."""

from __future__ import annotations

import itertools

from icegraph.catalogue import load_catalogue
from icegraph.resolve.identity import Identities
from icegraph.resolve.names import name_key, name_keys
from tests.conftest import DATA

MENTIONS = [
    ("ATS", "System", ["Automated Targeting System"]),
    ("Automated Targeting System", "System", []),
    ("US Customs & Border Protection (CBP)", "Agency", []),
    ("Tecs", "System", []),
    ("TECS", "System", ["Treasury Enforcement Communications System"]),
    ("MOSAIC (Migrant Operational Support and Information Center)", "System", []),
]


def settle(mentions) -> dict[str, tuple[str, frozenset[str]]]:
    ids = Identities(load_catalogue(DATA))
    for name, etype, also in mentions:
        ids.mention(name, etype, also)
    ids.finish()
    return {
        name: (ids.resolve(name, etype).id, frozenset(ids.resolve(name, etype).aliases))
        for name, etype, _also in mentions
    }


def test_names_that_are_the_same_name():
    assert name_key("U.S. Customs & Border Protection") == name_key(
        "united states customs and border protection"
    )
    assert name_key("ІСМ") == "icm"  # Cyrillic look-alikes
    assert name_keys("Automated Targeting System (ATS)") == [
        "automated targeting system ats", "automated targeting system", "ats",
    ]  # fmt: skip


def test_every_order_of_the_documents_gives_the_same_entities():
    first = settle(MENTIONS)
    assert first["ATS"] == ("system/ats", frozenset({"system/automated-targeting-system"}))
    assert first["Automated Targeting System"][0] == "system/ats"
    assert first["US Customs & Border Protection (CBP)"][0] == "agency/cbp"
    assert first["Tecs"][0] == first["TECS"][0] == "system/tecs"
    # the expansion, not the ambiguous short name, says which MOSAIC is meant
    assert first["MOSAIC (Migrant Operational Support and Information Center)"][0] == (
        "system/mosaic-migrant-support"
    )
    for order in itertools.permutations(MENTIONS):
        assert settle(order) == first


def test_a_name_shared_beside_two_entities_joins_neither():
    got = settle([
        ("AAA", "System", ["Shared Records System"]),
        ("BBB", "System", ["Shared Records System"]),
        ("Shared Records System", "System", []),
    ])  # fmt: skip
    assert {got[n][0] for n in ("AAA", "BBB", "Shared Records System")} == {
        "system/aaa", "system/bbb", "system/shared-records-system",
    }  # fmt: skip


def test_names_that_differ_but_would_share_an_iri_stay_apart():
    got = settle([("Café System", "System", []), ("Cafe System", "System", [])])
    assert got["Cafe System"][0] == "system/cafe-system"
    assert got["Café System"][0].startswith("system/cafe-system-")


def test_curated_entities_are_never_merged_by_a_name_they_share():
    ids = Identities(load_catalogue(DATA))
    ids.mention("MOSAIC", "System")
    ids.finish()
    assert ids.resolve("MOSAIC", "System").id == "system/mosaic"
    assert {"system/mosaic-migrant-support", "system/mosaic-anti-terrorism"} <= set(ids.entities)


def test_an_accepted_fold_keeps_the_old_iri_as_an_alias():
    ids = Identities(load_catalogue(DATA))
    ids.mention("Anduril Industries, Inc.", "Company")
    ids.mention("Anduril", "Company")
    ids.finish({"org/anduril-industries-inc": "org/anduril"})
    kept = ids.resolve("Anduril Industries, Inc.", "Company")
    assert kept.id == "org/anduril"
    assert kept.aliases == {"org/anduril-industries-inc"}
    assert "Anduril Industries, Inc." in kept.folded


def test_a_name_repeated_on_many_rows_settles_as_if_said_once():
    once = settle(MENTIONS)
    # a table repeats each system's names on every row that names it, in any order
    assert settle(MENTIONS * 3) == once
    assert settle([m for m in MENTIONS for _ in range(3)]) == once


def test_a_name_read_as_two_curated_entities_is_reported_at_each_mention():
    ids = Identities(load_catalogue(DATA))
    for _ in range(2):
        ids.mention("ICM (FALCON)", "System")
    assert (
        ids.conflicts
        == [
            "'ICM (FALCON)' reads as two curated entities (system/icm, system/falcon); "
            "it is taken as the first"
        ]
        * 2
    )
    ids.finish()
    assert ids.resolve("ICM (FALCON)", "System").id == "system/icm"
