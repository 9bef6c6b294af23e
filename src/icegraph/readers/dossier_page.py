"""Read an entity dossier exported as page text from an investigative knowledge base.

The page has: an avatar line, the entity's name, 'kind status', role and summary; three
announced counts ('18' 'Facts', ...); Key Connections (name+kind, relation, description);
'Facts (N)' with tier groups, each fact followed by an 'Added:' line; 'All Connections (N)'
(an entry may lack its name line); 'Sources (N)'. The reader checks every announced count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from icegraph.errors import InputError, Location
from icegraph.readers import register
from icegraph.records import (
    Connection,
    Dossier,
    DossierHeader,
    DossierSource,
    Fact,
    Finding,
    KeyConnection,
)
from icegraph.textfile import read_text

KINDS = ("institution", "company", "person", "instrument")
TIERS = ("primary", "secondary", "inferential")
MARKS = ("VERIFIED", "UNVERIFIED")

_COUNT_WORDS = ("Facts", "Connections", "Sources")
_NAME_KIND = re.compile(r"^(?P<name>.+) (?P<kind>" + "|".join(KINDS) + r")$")
_GROUP = re.compile(r"^(?P<tier>Primary|Secondary|Inferential) — (?P<label>.+) \((?P<n>\d+)\)$")
_FACT = re.compile(r"^(?:(?P<mark>VERIFIED|UNVERIFIED) )?(?P<tier>[a-z]+) (?P<text>.+)$")
_ADDED = re.compile(r"^Added: (?P<date>\d{1,2} [A-Z][a-z]{2} \d{4}) (?P<method>.+)$")
_CONN = re.compile(
    r"^(?P<relation>.+) (?P<tier>" + "|".join(TIERS) + r")(?: since (?P<since>\d{4}))?$"
)
_SOURCE = re.compile(r"^(?P<year>\d{4}) (?P<middle>.+) (?P<type>[a-z_]+) (?P<status>[A-Z][a-z]+)$")
_SECTION = re.compile(r"^(?P<name>Facts|All Connections|Sources) \((?P<n>\d+)\)$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def recognises(head: str) -> bool:
    return bool(re.search(r"^Facts \(\d+\)$|^\d+\nFacts$", head, re.MULTILINE)) or (
        "\nKey Connections\n" in head and "\nConnection Map\n" in head
    )


register("dossier_page", recognises)


@dataclass
class _Lines:
    """Non-blank lines with their numbers, and a cursor that reports where the page ends."""

    file: str
    items: list[tuple[int, str]]
    pos: int = 0

    def peek(self) -> tuple[int, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def take(self, what: str) -> tuple[int, str]:
        item = self.peek()
        if item is None:
            last = self.items[-1][0] if self.items else 0
            raise InputError(
                f"the page ends where {what} was expected; is it truncated?",
                Location(self.file, last + 1),
                expected=what,
            )
        self.pos += 1
        return item

    def loc(self, line: int) -> Location:
        return Location(self.file, line)


def read_dossier(path: Path, display_name: str | None = None) -> Dossier:
    name = display_name or str(path)
    raw = read_text(path, name)
    items = [(i, ln.strip()) for i, ln in enumerate(raw.splitlines(), 1) if ln.strip()]
    lines = _Lines(name, items)
    findings: list[Finding] = []

    header, announced = _read_header(lines, findings)
    key = _read_key_connections(lines)
    facts = _read_facts(lines, announced)
    connections = _read_connections(lines)
    sources = _read_sources(lines)
    extra = lines.peek()
    if extra is not None:
        raise InputError(
            f"unexpected text after the sources: '{extra[1][:60]}'", lines.loc(extra[0])
        )
    for word, got in (("Connections", len(connections)), ("Sources", len(sources))):
        _check_count(announced, word, got, lines)
    _resolve_unnamed(connections, key, findings)
    return Dossier(header, {k: v for k, (v, _l) in announced.items()}, key, facts, connections,
                   sources, findings)  # fmt: skip


def _read_header(
    lines: _Lines, findings: list[Finding]
) -> tuple[DossierHeader, dict[str, tuple[int, int]]]:
    before: list[tuple[int, str]] = []
    announced: dict[str, tuple[int, int]] = {}
    while True:
        item = lines.peek()
        if item is None:  # the page ends here: take() says so
            item = lines.take("the counts block ('18' / 'Facts' / '11' / 'Connections' / ...)")
        nxt = lines.items[lines.pos + 1] if lines.pos + 1 < len(lines.items) else None
        if item[1].isdigit() and nxt is not None and nxt[1] in _COUNT_WORDS:
            break
        before.append(lines.take("the page header"))
    while True:
        item = lines.peek()
        nxt = lines.items[lines.pos + 1] if lines.pos + 1 < len(lines.items) else None
        if item is None or nxt is None or not item[1].isdigit() or nxt[1] not in _COUNT_WORDS:
            break
        lines.pos += 2
        announced[nxt[1]] = (int(item[1]), item[0])
    for word in _COUNT_WORDS:
        if word not in announced:
            raise InputError(
                f"the page does not announce how many {word.lower()} it has",
                lines.loc(before[-1][0] if before else 1),
                expected=f"a number followed by a line '{word}'",
            )
    if len(before) < 4:
        raise InputError(
            "the header is incomplete",
            lines.loc(before[0][0] if before else 1),
            expected="name, 'kind status', role and summary lines",
        )
    for ln, text in before[:-4]:
        findings.append(Finding(lines.loc(ln), "ignored", f"page decoration '{text}' ignored"))
    (ln_name, name), (ln_kind, kind_status), (_, role), (_, summary) = before[-4:]
    kind, _, status = kind_status.partition(" ")
    if kind not in KINDS:
        raise InputError(
            f"unknown entity kind '{kind}'",
            lines.loc(ln_kind),
            field="kind",
            expected=", ".join(KINDS),
        )
    header = DossierHeader(name, kind, status, role, summary, lines.loc(ln_name))
    return header, announced


def _skip_decoration(lines: _Lines) -> None:
    while (item := lines.peek()) is not None and (
        item[1].startswith("View on Graph") or item[1] == "Connection Map"
    ):
        lines.pos += 1


def _read_key_connections(lines: _Lines) -> list[KeyConnection]:
    _skip_decoration(lines)
    ln, text = lines.take("'Key Connections'")
    if text != "Key Connections":
        raise InputError(
            f"unexpected line '{text[:60]}'", lines.loc(ln), expected="'Key Connections'"
        )
    out = []
    while (item := lines.peek()) is not None and not _SECTION.match(item[1]):
        ln, text = lines.take("a key connection")
        m = _NAME_KIND.match(text)
        if not m:
            raise InputError(
                f"'{text[:60]}' is not a key connection's name and kind",
                lines.loc(ln),
                expected="'<name> <kind>' with kind one of " + ", ".join(KINDS),
            )
        _, relation = lines.take("the key connection's relation type")
        _, description = lines.take("the key connection's description")
        out.append(KeyConnection(m["name"], m["kind"], relation, description, lines.loc(ln)))
    return out


def _section(lines: _Lines, name: str) -> tuple[int, int]:
    ln, text = lines.take(f"'{name} (N)'")
    m = _SECTION.match(text)
    if not m or m["name"] != name:
        raise InputError(f"unexpected line '{text[:60]}'", lines.loc(ln), expected=f"'{name} (N)'")
    return int(m["n"]), ln


def _check_count(announced: dict[str, tuple[int, int]], word: str, got: int, lines: _Lines) -> None:
    want, ln = announced[word]
    if want != got:
        raise InputError(
            f"the page announces {want} {word.lower()} but {got} were read",
            lines.loc(ln),
            field=word,
            expected=f"{want} {word.lower()} listed",
        )


def _read_facts(lines: _Lines, announced: dict[str, tuple[int, int]]) -> list[Fact]:
    n_facts, section_line = _section(lines, "Facts")
    facts: list[Fact] = []
    group_tier, group_label, group_left, group_line = None, "", 0, 0
    while (item := lines.peek()) is not None and not _SECTION.match(item[1]):
        ln, text = lines.take("a fact")
        g = _GROUP.match(text)
        if g:
            if group_left:
                raise InputError(
                    f"the group before announces {group_left} more fact(s) than it lists",
                    lines.loc(group_line),
                )
            group_tier, group_label = g["tier"].lower(), text
            group_left, group_line = int(g["n"]), ln
            continue
        if group_tier is None:
            raise InputError(
                f"fact before any tier group: '{text[:60]}'",
                lines.loc(ln),
                expected="a group line such as 'Secondary — Press & Filings (14)'",
            )
        m = _FACT.match(text)
        if not m or m["tier"] not in TIERS:
            tier = m["tier"] if m else text.split(" ", 1)[0]
            raise InputError(
                f"unknown tier '{tier}'",
                lines.loc(ln),
                field="tier",
                expected="a fact line starting with primary, secondary or inferential "
                "(optionally after VERIFIED or UNVERIFIED)",
            )
        nxt = lines.peek()
        if nxt is None or not nxt[1].startswith("Added:"):
            raise InputError(
                "fact without a date",
                lines.loc(ln),
                field="Added",
                expected="a line 'Added: DD Mon YYYY <method>' after the fact",
            )
        ln_added, added = lines.take("the fact's 'Added:' line")
        a = _ADDED.match(added)
        if not a:
            raise InputError(
                f"cannot read the date in '{added[:60]}'",
                lines.loc(ln_added),
                field="Added",
                expected="'Added: DD Mon YYYY <method>', e.g. 'Added: 07 Apr 2026 AI ANALYSIS'",
            )
        date = _iso_date(a["date"], lines.loc(ln_added))
        method = a["method"]
        mark = m["mark"]
        for word in MARKS:
            if method.startswith(word + " "):
                mark = mark or word
                method = method[len(word) + 1 :]
        facts.append(
            Fact(
                text=m["text"],
                tier=m["tier"],
                tier_group=group_label,
                verification={"VERIFIED": "verified", "UNVERIFIED": "unverified"}.get(
                    mark or "", "notAssessed"
                ),
                date=date,
                method_label=method,
                location=lines.loc(ln),
                number=len(facts) + 1,
            )
        )
        group_left -= 1
    if group_left:
        raise InputError(
            f"the group announces {group_left} more fact(s) than it lists", lines.loc(group_line)
        )
    if n_facts != len(facts):
        raise InputError(
            f"'Facts ({n_facts})' but {len(facts)} facts were read",
            lines.loc(section_line),
            field="Facts",
        )
    _check_count(announced, "Facts", len(facts), lines)
    return facts


def _iso_date(text: str, loc: Location) -> str:
    day, mon, year = text.split()
    if mon not in _MONTHS:
        raise InputError(f"unknown month '{mon}'", loc, field="Added", expected="Jan … Dec")
    try:
        return date(int(year), _MONTHS[mon], int(day)).isoformat()
    except ValueError:
        raise InputError(
            f"'{text}' is not a date in the calendar",
            loc,
            field="Added",
            expected="a real date 'DD Mon YYYY', e.g. '07 Apr 2026'",
        ) from None


def _read_connections(lines: _Lines) -> list[Connection]:
    n, section_line = _section(lines, "All Connections")
    out: list[Connection] = []
    while (item := lines.peek()) is not None and not _SECTION.match(item[1]):
        ln, text = lines.take("a connection")
        name = kind = None
        c = _CONN.match(text)
        nk = _NAME_KIND.match(text)
        if nk and not c:
            name, kind = nk["name"], nk["kind"]
            ln, text = lines.take("the connection's type, tier and 'since' year")
            c = _CONN.match(text)
        if not c:
            raise InputError(
                f"'{text[:60]}' is not a connection line",
                lines.loc(ln),
                expected="'<type> <tier> since <year>' with tier primary, secondary or "
                "inferential (optionally after a '<name> <kind>' line)",
            )
        _, description = lines.take("the connection's description")
        out.append(
            Connection(name, kind, c["relation"], c["tier"], c["since"], description,
                       lines.loc(ln), number=len(out) + 1)
        )  # fmt: skip
    if n != len(out):
        raise InputError(
            f"'All Connections ({n})' but {len(out)} connections were read",
            lines.loc(section_line),
            field="Connections",
        )
    return out


def _read_sources(lines: _Lines) -> list[DossierSource]:
    n, section_line = _section(lines, "Sources")
    out: list[DossierSource] = []
    while (item := lines.peek()) is not None:
        ln, text = item
        m = _SOURCE.match(text)
        if not m:
            break
        lines.pos += 1
        middle, mark = m["middle"], ""
        for word in MARKS:
            if middle.startswith(word + " "):
                mark, middle = word, middle[len(word) + 1 :]
        out.append(
            DossierSource(m["year"], mark, middle, m["type"], m["status"], lines.loc(ln),
                          number=len(out) + 1)
        )  # fmt: skip
    if n != len(out):
        raise InputError(
            f"'Sources ({n})' but {len(out)} sources were read",
            lines.loc(section_line),
            field="Sources",
        )
    return out


def _resolve_unnamed(
    connections: list[Connection], key: list[KeyConnection], findings: list[Finding]
) -> None:
    by_description = {k.description: k for k in key}
    for c in connections:
        if c.name is not None:
            continue
        k = by_description.get(c.description)
        if k is None:
            raise InputError(
                "connection has no name and its description matches no key connection",
                c.location,
                expected="a '<name> <kind>' line before the connection",
            )
        c.name, c.kind, c.resolved_by_description = k.name, k.kind, True
        findings.append(
            Finding(
                c.location,
                "resolved",
                f"connection listed without a name; its description matches the key "
                f"connection '{k.name}' ({k.location}), so it is taken to be {k.name}",
            )
        )
