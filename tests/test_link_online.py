"""`icegraph link --online` against a local server replaying Wikidata's answers."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from icegraph.cli import main
from icegraph.link.review import read_review
from icegraph.pipeline import BuildResult
from tests.servers import free_port
from tests.wikidata_replay import ReplayServer


def link(seed_build: BuildResult, tmp_path: Path, api: str, *extra: str):
    empty = tmp_path / "no-files"
    empty.mkdir(exist_ok=True)
    return CliRunner().invoke(
        main,
        [
            "link",
            "--online",
            "--api",
            api,
            "--rate",
            "0.05",
            "--cache",
            str(tmp_path / "cache"),
            "--store",
            str(seed_build.out_dir / "store"),
            "--review",
            str(tmp_path / "links.csv"),
            "--wikidata-dir",
            str(empty),
            *extra,
        ],
    )


def test_online_linking_searches_fetches_and_caches(seed_build: BuildResult, tmp_path: Path):
    with ReplayServer() as api:
        first = link(seed_build, tmp_path, api.url)
        assert first.exit_code == 0, first.output
        actions = [r["action"] for r in api.requests]
        assert actions.count("wbgetentities") == 1
        assert actions.count("wbsearchentities") > 40  # one per entity
        assert all(r.get("format") == "json" for r in api.requests)
        rows = {(r.entity, r.qid): r for r in read_review(tmp_path / "links.csv")}
        cbp = rows[("agency/cbp", "Q368804")]
        assert cbp.status == "proposed" and float(cbp.score) >= 0.7
        assert ("agency/dea", "Q622899") in rows
        n = len(api.requests)
        second = link(seed_build, tmp_path, api.url)
        assert second.exit_code == 0
        assert len(api.requests) == n  # everything came from the cache
        assert "0 request(s)" in second.output


def test_online_without_a_reachable_api_is_a_clear_error(seed_build: BuildResult, tmp_path: Path):
    result = link(seed_build, tmp_path, f"http://127.0.0.1:{free_port()}/w/api.php")
    assert result.exit_code == 1
    assert "error: cannot reach the Wikidata API at http://127.0.0.1:" in result.output
    assert "Are you offline?" in result.output
