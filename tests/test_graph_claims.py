"""Claims with provenance on the real build: who says so, on what evidence, how sure."""

from __future__ import annotations

from icegraph.pipeline import BuildResult
from tests.conftest import rows

ID = "https://w3id.org/icegraph/id/"
IG = "https://w3id.org/icegraph/ns#"
D = "004-5faac12a7c82fa76"


def test_every_flow_and_relationship_has_a_claim_and_every_claim_a_source_or_activity(seed_store):
    unsupported = rows(
        seed_store,
        """SELECT ?x WHERE {
        { ?x a ig:InformationFlow } UNION { ?x a ig:Relationship }
        FILTER NOT EXISTS { ?c a ig:Claim ; ig:asserts ?x } }""",
    )
    assert unsupported == []
    baseless = rows(
        seed_store,
        """SELECT ?c WHERE { ?c a ig:Claim .
        FILTER NOT EXISTS { ?c prov:wasDerivedFrom ?s }
        FILTER NOT EXISTS { ?c prov:wasGeneratedBy ?a } }""",
    )
    assert baseless == []
    claims = rows(seed_store, "SELECT (COUNT(?c) AS ?n) WHERE { ?c a ig:Claim }")
    assert claims == [("50",)]  # 21 flows + 18 facts + 11 connections


def test_dossier_counts_tiers_and_verification(seed_store):
    got = rows(
        seed_store,
        f"""SELECT ?tier ?ver (COUNT(?c) AS ?n) WHERE {{
        ?c a ig:Claim ; ig:sourceFile "raw/004_5faac12a7c82fa76.txt" ;
           ig:confidence/skos:prefLabel ?tier ; ig:verification/skos:prefLabel ?ver .
        FILTER(STRSTARTS(STR(?c), "{ID}claim/{D}/fact-")) }}
        GROUP BY ?tier ?ver ORDER BY ?tier ?ver""",
    )
    assert got == [
        ("inferential", "not assessed", "4"),
        ("secondary", "not assessed", "9"),
        ("secondary", "unverified", "4"),
        ("secondary", "verified", "1"),
    ]
    sources = rows(seed_store, f"SELECT ?s WHERE {{ ?s a ig:Source . "
                               f"FILTER(STRSTARTS(STR(?s), '{ID}source/{D}/')) }}")  # fmt: skip
    assert len(sources) == 5


def test_fact_claims_carry_method_activity_agent_date_and_raw_tier(seed_store):
    got = rows(
        seed_store,
        """SELECT ?method ?class ?agentType ?date ?raw ?source WHERE {
        ?fact rdfs:label "Fact 8 of the dossier US Immigration and Customs Enforcement (ICE)" ;
            ig:method ?method ; prov:wasGeneratedBy ?a ;
            prov:generatedAtTime ?date ; ig:rawConfidence ?raw ; prov:wasDerivedFrom ?source .
        ?a a ?class ; prov:wasAssociatedWith/a ?agentType .
        FILTER(?class != prov:Activity) }""",
    )
    assert got == [(
        IG + "automatedAnalysis", IG + "AutomatedAnalysis", "http://www.w3.org/ns/prov#SoftwareAgent",
        "2026-04-07", "Secondary — Press & Filings (14)",
        f"{ID}source/{D}/government-disclosure-be4e6ab62b",
    )]  # fmt: skip
    research = rows(
        seed_store,
        """SELECT ?method ?ver WHERE {
        ?fact rdfs:label "Fact 11 of the dossier US Immigration and Customs Enforcement (ICE)" ;
        ig:method ?method ; ig:verification ?ver }""",
    )
    assert research == [(IG + "recordsSearch", IG + "unverified")]


def test_connections_two_claims_one_relationship(seed_store):
    got = rows(
        seed_store,
        """SELECT ?rel (COUNT(?c) AS ?claims) WHERE {
        ?rel a ig:Relationship . ?c ig:asserts ?rel } GROUP BY ?rel ORDER BY ?rel""",
    )
    by_rel = {r.rsplit("/", 1)[-1]: int(n) for r, n in got}
    assert by_rel["ice--parentagency--dhs"] == 2
    assert by_rel["ice--contractor--palantir"] == 2
    assert len(by_rel) == 9
    assert sum(by_rel.values()) == 11
    since = rows(
        seed_store,
        f"SELECT DISTINCT ?y WHERE {{ ?c ig:asserts <{ID}relationship/ice--parentagency--dhs> ; "
        "ig:since ?y }",
    )
    assert since == [("2003",)]


def test_relation_types_are_a_scheme_with_raw_labels_kept(seed_store):
    got = rows(
        seed_store,
        f"""SELECT ?raw WHERE {{ ?c ig:asserts <{ID}relationship/ice--contractor--palantir> ;
        ig:rawLabel ?raw . <{ID}relationship/ice--contractor--palantir> ig:relationType ?t .
        ?t skos:inScheme ig:RelationTypeScheme }} ORDER BY ?raw""",
    )
    assert got == [("CONTRACTOR",), ("technology_contractor",)]


def test_same_entity_in_both_seeds_is_one_iri(seed_store):
    for path in ("agency/ice", "agency/dhs", "org/palantir", "system/icm", "system/falcon"):
        n = rows(seed_store, f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c ig:about <{ID}{path}> }}")
        assert int(n[0][0]) > 0, path
    types = rows(seed_store, f"SELECT ?t WHERE {{ <{ID}system/immigrationos> a ?t }}")
    assert types == [(IG + "System",)]
    people = rows(seed_store, "SELECT ?l WHERE { ?p a ig:Person ; rdfs:label ?l } ORDER BY ?l")
    assert ("Stephen Miller",) in people and ("Palmer Luckey",) in people


def test_mosaic_ambiguity_is_recorded_not_resolved(seed_store):
    got = rows(seed_store, f"SELECT ?c WHERE {{ <{ID}system/mosaic> ig:candidate ?c }} ORDER BY ?c")
    assert got == [(f"{ID}system/mosaic-anti-terrorism",), (f"{ID}system/mosaic-migrant-support",)]
    note = rows(seed_store, f"SELECT ?n WHERE {{ <{ID}system/mosaic> ig:ambiguity ?n }}")
    assert "two different programmes" in note[0][0]


def test_inferential_claims_name_their_basis_where_the_page_does(seed_store):
    got = rows(
        seed_store,
        """SELECT ?basis WHERE { ?c ig:confidence ig:inferential ;
        ig:inferredFrom ?basis } ORDER BY ?basis""",
    )
    assert got == [
        ("ImmigrationOS appears in the known entities database",),
        ("the presence of ImmigrationOS in the known entities database",),
        ("the shared principal",),
    ]


def test_ai_only_verified_claim_is_a_warning_not_a_failure(seed_build: BuildResult):
    (warning,) = seed_build.warnings
    assert warning.severity == "Warning"
    assert warning.focus.startswith(f"{ID}claim/{D}/fact-")
    assert warning.rule == "AutomatedClaimStrengthShape"
    assert warning.where.endswith("004_5faac12a7c82fa76.txt, line 56")
    md = (seed_build.out_dir / "report.md").read_text(encoding="utf-8")
    assert "Marked verified, but produced only by automated (AI) analysis" in md
    assert "| raw/004_5faac12a7c82fa76.txt | secondary | verified | 1 |" in md


def test_dossier_queries(seed_store):
    from icegraph.queries import find_query, run_select

    def names(q):
        return [
            [v.value if v is not None else "" for v in r]
            for r in run_select(seed_store, find_query(q))[1]
        ]

    assert len(names("ai-only-claims-about-ice")) == 14
    (verified,) = names("verified-facts")
    assert verified[2] == "automated analysis"
    inferential = {r[1].split(" — ")[1] for r in names("inferential-only-relationships")}
    assert inferential == {"Indirect connection → Thiel Capital", "Uses the system → ImmigrationOS"}
    verdicts = {r[1].split(" — ")[1]: (r[2], r[5], r[6], r[7])
                for r in names("repeated-or-disagreeing")}  # fmt: skip
    assert verdicts == {
        "Contractor → Palantir Technologies": ("2", "primary", "inferential", "disagree"),
        "Parent agency → U.S. Department of Homeland Security": (
            "2", "primary", "primary", "repeat"),
    }  # fmt: skip
    weakest = {r[1]: r[3] for r in names("weakest-link-to-icm")}
    assert weakest["NCIC → ACRIMe → ICM"] == "primary"
    palantir = names("palantir-evidence")
    assert {r[0] for r in palantir} >= {"names Palantir", "relationship with Palantir"}


def test_support_counts_each_flow_apart_when_flows_share_their_documents():
    """Flows cited by the same documents share one copy of them; a document added to one
    flow's support is not added to the other's."""
    from icegraph.mapping.support import Support

    a, b = "<https://example.org/a>", "<https://example.org/b>"
    d1, d2, d3 = "<https://example.org/d1>", "<https://example.org/d2>", "<https://example.org/d3>"
    support = Support({d1: "<https://example.org/dhs>", d2: "<https://example.org/dhs>"})
    support.add([a, b], [d1, d2], "secondary")
    support.add([a], [d3, d1], "primary")
    support.add([b], [d2], "inferential")
    got: dict[str, dict[str, str]] = {}
    for s, p, o in support.quads():
        got.setdefault(s, {})[p.rsplit("#", 1)[-1].rstrip(">")] = o.split('"')[1] if '"' in o else o
    assert got[a]["claimCount"] == "2" and got[b]["claimCount"] == "2"
    assert got[a]["documentCount"] == "3" and got[b]["documentCount"] == "2"
    assert got[a]["publisherCount"] == "2" and got[b]["publisherCount"] == "1"
    assert got[a]["strongestConfidence"].endswith("primary>")
    assert got[a]["weakestConfidence"].endswith("secondary>")
    assert got[b]["strongestConfidence"].endswith("secondary>")
    assert got[b]["weakestConfidence"].endswith("inferential>")
