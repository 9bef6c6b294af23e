"""Citations: an answer cited on release 1.0, re-checked on 1.1 (tests/releases.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner

from icegraph.cli import main
from icegraph.publish.citation import answer_hash, check
from tests.releases import Series, two_releases_fixture  # noqa: F401

ID = "https://w3id.org/icegraph/id/"


def cite(series: Series, out: Path, *args: str) -> tuple[dict, Path]:
    result = CliRunner().invoke(
        main, ["cite", *args, "--releases", str(series.releases), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    path = Path(result.output.split("Cited: ", 1)[1].splitlines()[0])
    return json.loads(path.read_text(encoding="utf-8")), path


def recheck(series: Series, path: Path, *args: str):
    return CliRunner().invoke(
        main, ["cite", "--check", str(path), "--releases", str(series.releases), *args]
    )


def test_a_citation_records_the_answer_of_that_release(two_releases: Series, tmp_path: Path):
    data, path = cite(two_releases, tmp_path, "reaches-icm", "--release", "1.0")
    assert data["release"]["version"] == "1.0"
    meta = json.loads((two_releases.releases / "1.0" / "release.json").read_text("utf-8"))
    assert data["release"]["issued"] == meta["issued"]
    assert data["query"]["name"] == "reaches-icm"
    assert data["query"]["text"].startswith("# Which systems' data can reach ICM")
    assert data["columns"] == ["system", "name", "route"]
    # the same rows as `icegraph query` on that release's store
    store = str(two_releases.releases / "1.0" / "store")
    queried = CliRunner().invoke(
        main, ["query", "reaches-icm", "--store", store, "--format", "json"]
    )
    assert [[r["system"], r["name"], r["route"]] for r in json.loads(queried.stdout)] == data[
        "rows"
    ]
    assert ID + "system/newsys" not in {r[0] for r in data["rows"]}
    assert data["answer_sha256"] == answer_hash(data["columns"], data["terms"])
    assert path.name.startswith("reaches-icm-1-0-") and path.with_suffix(".html").is_file()
    # cited again: the same answer, the same hash
    again, _ = cite(two_releases, tmp_path / "again", "reaches-icm", "--release", "1.0")
    assert again["answer_sha256"] == data["answer_sha256"]


def test_the_hash_does_not_depend_on_row_order():
    rows = [[f'"{n}"', f"<{ID}system/{n}>"] for n in ("a", "b", "c", "d")]
    shuffled = rows[:]
    random.Random(4).shuffle(shuffled)
    assert shuffled != rows
    assert answer_hash(["x", "y"], rows) == answer_hash(["x", "y"], shuffled)
    assert answer_hash(["x", "y"], rows) != answer_hash(["x", "y"], rows[:3])
    # a number and its text are different answers
    assert answer_hash(["n"], [['"1"']]) != answer_hash(
        ["n"], [['"1"^^<http://www.w3.org/2001/XMLSchema#integer>']]
    )


def test_an_untouched_answer_still_holds(two_releases: Series, tmp_path: Path):
    _, path = cite(two_releases, tmp_path, "verified-facts", "--release", "1.0")
    result = recheck(two_releases, path, "--release", "1.1")
    assert result.exit_code == 0, result.output
    assert "Still holds" in result.output and "1.0" in result.output and "1.1" in result.output
    assert recheck(two_releases, path).exit_code == 0  # the latest release by default


def test_an_answer_the_new_document_changes_names_the_claim(two_releases: Series, tmp_path: Path):
    _, path = cite(two_releases, tmp_path, "reaches-icm", "--release", "1.0")
    result = recheck(two_releases, path, "--release", "1.1")
    assert result.exit_code == 1
    assert "Changed: release 1.1 answers differently from 1.0." in result.output
    gained = result.output.split("Rows gained (1):\n", 1)[1].splitlines()[0]
    assert gained.strip() == f"{ID}system/newsys | NEWSYS | direct"
    # AutoTarget folded into ATS: one row fewer
    assert "Rows lost (1):" in result.output and f"{ID}system/autotarget" in result.output

    found = check(path, two_releases.releases, "1.1")
    assert not found.holds and found.columns == ["system", "name", "route"]
    touching = {(t["kind"], t["iri"].rsplit("-", 1)[0]) for t in found.touching}
    assert ("claim added", ID + "claim/001-added/newsys--icm") in touching
    assert ("entity added", ID + "system/newsys") in touching
    assert ("entity merged", ID + "system/autotarget") in touching
    assert all(t["release"] == "1.1" for t in found.touching)


def test_a_question_with_a_parameter(two_releases: Series, tmp_path: Path):
    data, path = cite(
        two_releases, tmp_path, "reaches-system", "--param", "system=TECS", "--release", "1.1"
    )
    assert data["parameters"] == {"system": "TECS"}
    assert data["bound"] and "system/tecs" in data["bound"][0]
    assert data["rows"]
    assert recheck(two_releases, path, "--release", "1.1").exit_code == 0


def test_the_permalink_page_is_escaped_and_says_how_to_recheck(
    two_releases: Series, tmp_path: Path
):
    rq = tmp_path / "mine.rq"
    rq.write_text(
        "# Which systems are named <script>alert(1)</script>?\n"
        "PREFIX ig: <https://w3id.org/icegraph/ns#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        'SELECT ?name ?tag WHERE { ?s a ig:System ; rdfs:label ?name FILTER(?name = "ICM") '
        'BIND("<b>bold</b>" AS ?tag) }\n',
        encoding="utf-8",
    )
    data, path = cite(two_releases, tmp_path / "out", str(rq), "--release", "1.0")
    assert data["rows"] == [["ICM", "<b>bold</b>"]]
    page = path.with_suffix(".html").read_text(encoding="utf-8")
    assert "<script>" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert data["answer_sha256"] in page
    assert f"icegraph cite --check {path.name}" in page
    assert "<strong>1.0</strong>" in page
    assert "<link" not in page and "src=" not in page  # self-contained


def test_a_citation_file_that_is_not_one_is_refused(two_releases: Series, tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"query": 3}', encoding="utf-8")
    result = recheck(two_releases, bad)
    assert result.exit_code == 1
    assert str(bad) in result.output and "not a citation file" in result.output
    missing = CliRunner().invoke(
        main, ["cite", "reaches-icm", "--release", "9.9", "--releases",
               str(two_releases.releases), "--out", str(tmp_path)],
    )  # fmt: skip
    assert missing.exit_code == 1
    assert "no release 9.9" in missing.output and "1.0, 1.1" in missing.output
    assert not list(tmp_path.glob("reaches-icm-*"))
