"""The README and docs/ name only commands and options that exist, and link only to files
that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from icegraph.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
_SPAN = re.compile(r"`(icegraph [^`]+)`")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """Each fenced code block: its language and its lines."""
    found: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("```"):
            if current is None:
                current = []
                found.append((line[3:].strip(), current))
            else:
                current = None
        elif current is not None:
            current.append(line)
    return found


def commands(text: str) -> list[str]:
    """Every `icegraph …` command line in shell code blocks and in code spans."""
    found = [
        line.strip()
        for language, lines in blocks(text)
        if language in ("sh", "bash")
        for line in lines
        if line.strip().startswith("icegraph ")
    ]
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    return found + _SPAN.findall(prose)


def _resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The command the words name, and the words left for its options."""
    command: click.Command = main
    rest = words[1:]
    while isinstance(command, click.Group) and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        assert sub is not None, f"no command '{rest[0]}' in {' '.join(words)}"
        command, rest = sub, rest[1:]
    return command, rest


def _options(command: click.Command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def test_the_readme_names_its_commands() -> None:
    found = commands(README.read_text(encoding="utf-8"))
    named = {_resolve(shlex.split(line, comments=True))[0].name for line in found}
    assert {"build", "query", "serve", "publish", "link"} <= named


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_and_option_named_exists(page: Path) -> None:
    for line in commands(page.read_text(encoding="utf-8")):
        words = shlex.split(line.replace("…", ""), comments=True)
        command, rest = _resolve(words)
        known = _options(command)
        for word in rest:
            if word.startswith("--"):
                assert word.split("=")[0] in known, f"{page.name}: {line}: no option {word}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    targets = _LINK.findall(page.read_text(encoding="utf-8"))
    assert page != README or targets, "the README links to its docs"
    for target in targets:
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{page.name} links to {target}, which does not exist"


def test_the_readme_stays_short_and_starts_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    _language, first = blocks(text)[0]
    assert [line.split()[:2] for line in first] == [
        ["make", "run"],
        ["make", "test"],
    ]


def test_the_readme_states_the_licences_the_package_and_the_data_carry() -> None:
    from icegraph.publish.metadata import LICENSE

    text = README.read_text(encoding="utf-8")
    assert LICENSE in text  # the data licence, as the dataset description states it
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
