"""The pages in-process: dossier layout, who says so for curated facts, contradictions,
support, build warnings, redirects, the directory, the graph view and the 404 page."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from icegraph.catalogue import load_catalogue
from icegraph.errors import CatalogueError
from icegraph.pipeline import build
from icegraph.serve.app import ServeConfig, create_app
from tests.conftest import DATA

FIXTURES = Path(__file__).parent / "fixtures" / "convergence"
HTML = {"Accept": "text/html"}
SAME_AS = (
    "entity,entity_label,same_as,same_as_label,score,evidence,status,reviewer,reviewed_on,note\n"
    'org/anduril,Anduril Industries,org/anduril-industries-inc,"Anduril Industries, Inc.",'
    "0.80,shared words,accepted,Desk editor,2026-11-30,same company\n"
)


def build_grown(root: Path) -> Path:
    """The seeds plus a second flows table, a second dossier, hand-entered statements and an
    accepted same-as (so an IRI of an earlier build is replaced); the store's path."""
    data = root / "data"
    shutil.copytree(DATA, data)
    for fixture, target in (
        ("second-flows.txt", "000_0000-second-flows.txt"),
        ("cbp-dossier.txt", "005_cbp.txt"),
        ("entered.csv", "entered.csv"),
    ):
        shutil.copy(FIXTURES / fixture, data / "raw" / target)
    (data / "same-as.csv").write_text(SAME_AS, encoding="utf-8")
    build(data, root / "out")
    return root / "out" / "store"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    store = build_grown(tmp_path_factory.mktemp("pages"))
    app = create_app(ServeConfig(store, timeout=5, workers=1))
    with TestClient(app) as c:
        yield c


def text(html: str) -> str:
    """The page as a reader sees it: tags gone, white space folded."""
    folded = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return unescape(re.sub(r" ([,:;])", r"\1", folded)).strip()


def page(client: TestClient, path: str) -> str:
    r = client.get(path, headers=HTML)
    assert r.status_code == 200, path
    return r.text


def test_contradiction_marked_on_the_entity_and_on_the_claims(client):
    ice = text(page(client, "/id/agency/ice"))
    assert (
        "Sources disagree on the kind of relationship: U.S. Immigration and Customs "
        "Enforcement and ImmigrationOS “Uses the system”, says Connection 3 of the dossier US "
        "Immigration and Customs Enforcement (ICE) raw/004_5faac12a7c82fa76.txt, line 86 "
        "“Contracted platform”, says Connection 9 of the dossier US Immigration and Customs "
        "Enforcement (ICE) raw/004_5faac12a7c82fa76.txt, line 104"
    ) in ice
    falcon = text(page(client, "/id/system/falcon-sa"))
    assert (
        "Sources disagree on the direction of the data: FALCON-SA and ICM “FALCON-SA → ICM”"
    ) in falcon
    rel = text(page(client, "/id/relationship/ice--contractor--palantir"))
    assert "Sources disagree on the confidence: U.S. Immigration and Customs Enforcement" in rel


def test_contradiction_shown_on_the_page_of_a_claim_involved(client):
    html = page(client, "/id/agency/ice")
    claim = re.search(r'says <a href="(/id/claim/[^"]+)">Connection 3 of', html)
    assert claim is not None
    assert "Sources disagree on the kind of relationship" in text(page(client, claim[1]))


def test_flow_page_shows_its_support(client):
    flow = text(page(client, "/id/flow/tecs--icm"))
    assert (
        "3 claims from 5 documents by 3 independent publishers; strongest primary, "
        "weakest secondary"
    ) in flow
    one = text(page(client, "/id/flow/icm--eid"))
    assert re.search(r"2 claims from \d+ documents? by \d+ independent publishers?;", one)


def test_replaced_iri_redirects_permanently_in_the_format_asked(client):
    r = client.get("/id/org/anduril-industries-inc", headers=HTML, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, "/id/org/anduril")
    r = client.get("/id/org/anduril-industries-inc?format=turtle", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, "/id/org/anduril?format=turtle")
    followed = client.get("/id/org/anduril-industries-inc?format=turtle")
    assert followed.headers["content-type"].startswith("text/turtle")
    assert "Anduril" in followed.text


def test_curated_facts_show_their_source(client):
    icm = text(page(client, "/id/system/icm"))
    assert (
        "developed by Palantir Technologies Who's Behind ICE? The Tech and Data Companies "
        "Fueling Deportations"
    ) in icm
    assert (
        "operated by U.S. Immigration and Customs Enforcement Who's Behind ICE? The Tech and "
        "Data Companies Fueling Deportations"
    ) in icm
    ice = text(page(client, "/id/agency/ice"))
    assert (
        "part of the organisation U.S. Department of Homeland Security curated by the "
        "icegraph maintainers, 2026-11-25"
    ) in ice
    # the description and its figures: from the dossier page they were read from
    assert re.search(
        r"Congress authorized \$45B for ICE detention through 2029\. .*? source: Dossier page: "
        r"US Immigration and Customs Enforcement \(ICE\)",
        ice,
    )


def test_labels_one_wikidata_link_and_sorted_groups(client):
    html = page(client, "/id/agency/ice")
    assert html.count("wikidata.org/entity/Q943091") == 1
    assert "Wikidata: Q943091" in text(html)
    assert "skos:altLabel" not in text(html) and "also called" in text(html)
    assert 'title="org:subOrganizationOf">part of the organisation</th>' in html
    dhs = text(page(client, "/id/agency/dhs"))
    referred = dhs[dhs.index("Referred to by") :]
    groups = re.findall(r"(Government agency|Source|System|Relationship) \((\d+)\)", referred)
    assert [g for g, _ in groups] == sorted(g for g, _ in groups)


def test_dossier_layout_counts_tiers_and_sources(client):
    ice = text(page(client, "/id/agency/ice"))
    counts = re.search(r"(\d+) claims (\d+) connections (\d+) sources", ice)
    assert counts is not None and int(counts[1]) >= 29
    tiers = re.findall(r"(Primary|Secondary|Inferential) \(\d+\) statement", ice)
    assert tiers == ["Primary", "Secondary", "Inferential"]
    assert "Key connections Contractor → Palantir Technologies" in ice
    assert "Sources (" in ice and "Knowledge base entry" in ice


def test_no_claim_section_where_claims_cannot_apply(client):
    for path in ("/dataset", "/id/source/dhs-ice-pia-045"):
        assert "Who says so: claims" not in page(client, path)
    # a person, an organisation or a system has them, even with no claim yet
    assert "Who says so: claims" in page(client, "/id/person/peter-thiel")
    assert "Who says so: claims (0) No claim names this entity." in text(
        page(client, "/id/agency/ero")
    )


def test_build_warning_on_the_claim_it_concerns(client):
    claim = text(page(client, "/id/claim/004-5faac12a7c82fa76/fact-db8fc01c0e"))
    assert (
        "The build warns about this Warning: Marked verified, but produced only by automated "
        "(AI) analysis with no named reviewer and no document source: treat it as unverified "
        "until a person checks it against a document. AutomatedClaimStrengthShape; "
        "raw/004_5faac12a7c82fa76.txt, line 56"
    ) in claim
    assert "The build warns" not in page(client, "/id/agency/ice")


def test_directory_lists_every_kind_with_counts(client):
    d = text(page(client, "/directory"))
    assert re.search(r"System \(\d+\) · Government agency \(\d+\)", d)
    assert "ICM" in d and "Palantir Technologies" in d


def test_directory_name_filter_uses_alternative_names(client):
    found = text(page(client, "/directory?q=Investigative+Case+Management"))
    assert "1 entity shown" in found and "ICM" in found
    acronym = text(page(client, "/directory?q=ice&kind=Agency"))
    assert "U.S. Immigration and Customs Enforcement" in acronym
    assert "No entity matches" in text(page(client, "/directory?q=zzzz"))


def test_directory_filters_by_operator_and_confidence(client):
    html = page(client, "/directory?operator=agency/cbp")
    rows = re.findall(r'<tr><td><a href="(/id/[^"]+)">', html)
    assert rows and "/id/system/tecs" in rows and "/id/system/icm" not in rows
    primary = page(client, "/directory?kind=Person&confidence=inferential")
    people = re.findall(r'<tr><td><a href="(/id/person/[^"]+)">', primary)
    everyone = re.findall(
        r'<tr><td><a href="(/id/person/[^"]+)">', page(client, "/directory?kind=Person")
    )
    assert set(people) < set(everyone)


def test_graph_view_is_svg_with_edges_linked_to_their_claims(client):
    html = page(client, "/graph/system/icm")
    assert "<svg" in html and "<script" not in html
    assert (
        '<a href="/id/flow/tecs--icm" class="edge edge-primary"><title>TECS → ICM: 3 claims' in html
    )
    assert "FBI Joint Terrorism Task Forces</text>" in html  # whole, not cut
    two = page(client, "/graph/agency/ice?hops=2")
    assert two.count('class="node ring-2"') > 0
    assert 'href="/graph/agency/ice"' in page(client, "/id/agency/ice")


def test_not_found_is_a_page_with_a_search_box_for_browsers(client):
    r = client.get("/id/system/no-such-thing", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert '<input id="not-found-q" name="q" type="search" value="no such thing">' in r.text
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    plain = client.get("/id/system/no-such-thing")
    assert plain.status_code == 404 and plain.text == (
        "Nothing is known about <https://w3id.org/icegraph/id/system/no-such-thing>.\n"
    )
    assert client.get("/no/such/page", headers=HTML).status_code == 404


def test_source_column_accepts_a_document_or_a_dated_curator(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    table = data / "entities.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    icm = next(i for i, line in enumerate(lines) if line.startswith("system/icm,"))
    lines[icm] = lines[icm].replace(",mijente-whos-behind-ice,", ",someone said so,")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(data)
    assert "'someone said so' is neither a source id nor 'curated by <reviewer>, <date>'" in str(
        err.value
    )
    cat = load_catalogue(DATA)
    assert cat.entities["system/icm"].source == "mijente-whos-behind-ice"
    assert (cat.entities["agency/ice"].curated_by, cat.entities["agency/ice"].curated_on) == (
        "the icegraph maintainers",
        "2026-11-25",
    )


def test_query_page_starts_with_a_short_readable_query(client):
    html = page(client, "/")
    editor = re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', html, re.S)
    assert editor is not None
    starter = unescape(editor[1])
    assert starter.startswith("# Which systems send data to ICM, and how sure are the sources?")
    assert len(starter.splitlines()) <= 10 and "hash" not in starter and "PREFIX" not in starter
    assert '<label for="query" class="editor-label">SPARQL query</label>' in html


def test_catalogue_question_with_its_explanation_parameter_field_and_folded_notes(client):
    html = page(client, "/?q=reaches-system&system=tecs")
    shown = text(html)
    assert (
        "Whose data can reach a given system, directly or through others? Name the system in "
        "the “system” field (its label or any alternative name)."
    ) in shown
    assert '<input id="param-system" name="system" value="tecs">' in html
    assert "system=tecs → TECS" in shown
    editor = unescape(re.search(r'<textarea id="query"[^>]*>(.*?)</textarea>', html, re.S)[1])
    assert 'VALUES ?system { "TECS" }' in editor
    assert editor.startswith("SELECT ?source ?name ?route WHERE {")  # the server knows prefixes
    assert not [line for line in editor.splitlines() if line.lstrip().startswith("#")]
    notes = re.search(r'<details class="planner-notes">(.*?)</details>', html, re.S)
    assert notes is not None and "compared in memory" in notes[1]


def test_catalogue_parameter_that_names_nothing_says_what_is_close(client):
    shown = text(page(client, "/?q=reaches-system&system=tecz"))
    assert (
        "system=tecz names no entity in the graph. Close matches: TECS "
        "<https://w3id.org/icegraph/id/system/tecs>."
    ) in shown


def test_syntax_check_counts_the_askers_own_lines(client):
    r = client.post("/check", data={"query": "SELECT * WHERE { ?s ig:foo ?o . FILTER(?o = ) }"})
    assert r.json() == {
        "error": "query, line 1, column 47: SPARQL does not expect '}' here.\n"
        "  SELECT * WHERE { ?s ig:foo ?o . FILTER(?o = ) }\n"
        "                                                ^",
        "page": 0,
    }
    # a SELECT without a LIMIT of its own is fetched a page at a time
    assert client.post("/check", data={"query": "SELECT * WHERE { ?s ?p ?o }"}).json() == {
        "error": "",
        "page": 100,
    }
    deep = "SELECT * WHERE { " + "{ " * 300 + "}" * 300 + " }"
    assert client.post("/check", data={"query": deep}).status_code == 400


def test_network_diagram_holds_its_longest_names_whole(client):
    svg = client.get("/diagram.svg").text
    assert "FBI Joint Terrorism Task Forces</text>" in svg and "…</text></a>" not in svg
    left, _top, width, _height = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg)[1].split())
    for x, name in re.findall(
        r'<text x="([-\d.]+)" y="[-\d.]+" text-anchor="end" font-size="13">([^<]+)<', svg
    ):
        assert float(x) - len(unescape(name)) * 13 * 0.6 >= left, name
    for x, name in re.findall(
        r'<text x="([-\d.]+)" y="[-\d.]+" text-anchor="start" font-size="13">([^<]+)<', svg
    ):
        assert float(x) + len(unescape(name)) * 13 * 0.6 <= left + width, name
