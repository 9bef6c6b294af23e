"""What a user sees: messages, exit codes, and a previous build that survives bad input."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from icegraph.cli import main
from tests.conftest import FLOWS_FILE, flows_table, only_flows, row


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def digest(out: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.iterdir())
        if p.is_file()
    }


def test_build_then_query(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    result = run("build", "--data", str(data_copy), "--out", str(out), "--quiet")
    assert result.exit_code == 0, result.output
    assert f"Built {out}/" in result.output
    q = run("query", "receives-icm-data", "--store", str(out / "store"), "--format", "csv")
    assert q.exit_code == 0
    assert q.output.splitlines()[0] == "system,name,operatorName,route"
    assert "https://w3id.org/icegraph/id/system/interpol,INTERPOL," in q.output


def test_an_optimized_build_answers_the_same(data_copy: Path, tmp_path: Path):
    plain, optimized = tmp_path / "plain", tmp_path / "optimized"
    timings = tmp_path / "timings.json"
    assert run("build", "--data", str(data_copy), "--out", str(plain), "--quiet").exit_code == 0
    result = run("build", "--data", str(data_copy), "--out", str(optimized), "--quiet",
                 "--optimize", "--timings", str(timings))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "optimize the store" in timings.read_text()
    for name in ("receives-icm-data", "verified-facts"):
        answers = [
            run("query", name, "--store", str(out / "store"), "--format", "csv").output
            for out in (plain, optimized)
        ]
        assert answers[0] == answers[1] and answers[0].count("\n") > 1


def test_bad_input_fails_clearly_and_leaves_the_previous_build(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    assert run("build", "--data", str(data_copy), "--out", str(out), "-q").exit_code == 0
    before = digest(out)
    raw = data_copy / "raw" / FLOWS_FILE
    lines = raw.read_text(encoding="utf-8").split("\n")
    lines[5] = lines[5].replace("Bureau of Consular", "Bureau of Cons\u0443lar")  # Cyrillic у
    raw.write_text("\n".join(lines), encoding="utf-8")
    result = run("build", "--data", str(data_copy), "--out", str(out), "-q")
    assert result.exit_code == 1
    assert f"error: {raw}, line 6, column " in result.output
    assert "field 'Sub-Agency'" in result.output
    assert "CYRILLIC SMALL LETTER U" in result.output
    assert digest(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]
    q = run("query", "reaches-icm", "--store", str(out / "store"), "--format", "csv")
    assert q.exit_code == 0 and "NCIC" in q.output


def test_rule_violation_fails_the_build_with_a_readable_report(data_copy: Path, tmp_path: Path):
    out = tmp_path / "build"
    assert run("build", "--data", str(data_copy), "--out", str(out), "-q").exit_code == 0
    before = digest(out)
    # Neither end is ICM, so the row describes its source; its destination, in no catalogue and
    # on no other row, has no operator at all.
    only_flows(data_copy, flows_table(row(), row(source="Mystery Box", destination="ACRIMe")))
    result = run("validate", "--data", str(data_copy), "--out", str(out), "-q")
    assert result.exit_code == 1
    assert "1 rule violation(s); the previous build" in result.output
    assert "system 'ACRIMe'" in result.output
    assert "operator: A system must name who operates it" in result.output
    assert "rule system-operator;" in result.output
    assert f"{data_copy / 'raw' / FLOWS_FILE}, line 3" in result.output
    assert digest(out) == before
    assert (out / "failed" / "report.md").exists()


def test_unknown_query_exits_1_with_the_catalogue():
    result = run("query", "nope")
    assert result.exit_code == 1
    assert "error: no query named 'nope'." in result.output
    assert "reaches-icm" in result.output


def test_missing_store_says_to_build_first(tmp_path: Path):
    result = run("query", "reaches-icm", "--store", str(tmp_path / "none"))
    assert result.exit_code == 1
    assert "no built store here. Run 'icegraph build' first" in result.output


def test_usage_error_exits_2():
    assert run("build", "--nope").exit_code == 2


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help and "Example" in command.help, name
        assert f"icegraph {name}" in readme, name


@pytest.mark.parametrize("bad", ["agency/h si", "agency/../hsi", "agency//hsi", "agency/hsi/"])
def test_a_bad_curated_table_is_named_before_any_work(data_copy: Path, tmp_path: Path, bad: str):
    entities = data_copy / "entities.csv"
    text = entities.read_text(encoding="utf-8").replace("agency/hsi,", f"{bad},", 1)
    entities.write_text(text, encoding="utf-8")
    result = run("build", "--data", str(data_copy), "--out", str(tmp_path / "out"), "-q")
    assert result.exit_code == 1
    assert f"error: {entities}, line 4: field 'id': '{bad}' cannot be part of an IRI." in (
        result.output
    )
