"""Where documents disagree: gathered while the claims are mapped, published at the end.

Each mapper tells the tracker what a claim says about a subject (a system's operator, the
way data moves between two systems, a relationship's type or date). Two claims that say
different things about the same subject and aspect make a contradiction: a node in the derived
graph naming the subject, the aspect, and each claim with its value, file and line, plus a
section of the build report. A contradiction is information, never an error.

Memory grows with the number of subjects, not of claims: per subject and aspect, the first
claim of each distinct value is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from icegraph.digests import short_digest as _digest
from icegraph.mapping.terms import (
    LABEL,
    TYPE,
    Q,
    Term,
    Triple,
    entity,
    graph,
    ig,
    integer,
    iri,
    text,
)
from icegraph.namespaces import DCTERMS

DERIVED_GRAPH = graph("derived")
SUBJECT = iri(DCTERMS + "subject")

# What each aspect is called in the report and on the entity page.
ASPECTS = {
    "operator": "operator",
    "full-name": "full name",
    "direction": "direction of the data",
    "sharing-type-vs-columns": "sharing type against the row's own columns",
    "relation-type": "kind of relationship",
    "since": "start date",
    "confidence": "confidence",
}


class Said(NamedTuple):
    """One claim's value for one aspect of one subject: a tuple, made for every row (a frozen
    dataclass took twice as long), kept by the tracker as a plain one."""

    claim: Term
    value: str
    shown: str  # the value as a reader sees it
    file: str
    line: int


class Subject(NamedTuple):
    """What the claims disagree about: a key, the entities it is about, and a label."""

    key: str
    about: tuple[Term, ...]
    label: str


@dataclass(frozen=True, slots=True)
class Contradiction:
    subject: Subject
    aspect: str
    said: tuple[Said, ...]

    @property
    def subject_label(self) -> str:
        return self.subject.label

    @property
    def path(self) -> str:
        """Named by what it is about, not by what is said: a claim added later joins the same
        contradiction, whose IRI stays."""
        return f"contradiction/{self.aspect}-{_digest(self.subject.key)}"

    @property
    def node(self) -> Term:
        return entity(self.path)

    @property
    def title(self) -> str:
        if len({s.claim for s in self.said}) == 1:
            return f"One statement disagrees with itself on the {ASPECTS[self.aspect]}: " + (
                self.subject.label
            )
        return f"Sources disagree on the {ASPECTS[self.aspect]}: {self.subject.label}"

    def rows(self) -> list[dict[str, str | int]]:
        """The report's rows: one per position."""
        return [
            {"about": self.subject.label, "what": ASPECTS[self.aspect], "says": s.shown,
             "claim": s.claim[1:-1], "where": f"{s.file}:{s.line}"}
            for s in self.said
        ]  # fmt: skip


def _position(s: Said) -> tuple[str, int, str]:
    return s.file, s.line, s.value


class Contradictions:
    """Collects what claims say; `found()` lists the disagreements."""

    def __init__(self) -> None:
        # as plain tuples (a Said's, a Subject's less its key): what an incremental build
        # reads back from the state is then made by the unpickler alone, in C
        self._said: dict[tuple[str, str], dict[str, tuple[Term, str, str, str, int]]] = {}
        self._subjects: dict[str, tuple[tuple[Term, ...], str]] = {}
        self._within: list[Contradiction] = []

    def __getstate__(self) -> tuple:
        within = [(tuple(c.subject), c.aspect, [tuple(s) for s in c.said]) for c in self._within]
        return self._said, self._subjects, within

    def __setstate__(self, state: tuple) -> None:
        self._said, self._subjects, within = state
        self._within = [
            Contradiction(Subject(*subject), aspect, tuple(Said(*s) for s in said))
            for subject, aspect, said in within
        ]

    def say(self, subject: Subject, aspect: str, said: Said) -> None:
        values = self._said.setdefault((subject.key, aspect), {})
        if said.value not in values:
            values[said.value] = said.claim, said.value, said.shown, said.file, said.line
        if subject.key not in self._subjects:
            self._subjects[subject.key] = subject.about, subject.label

    def within(self, subject: Subject, aspect: str, *said: Said) -> None:
        """A claim that disagrees with itself (a row whose columns and sharing type differ):
        a contradiction of its own, named after the claim too."""
        own = Subject(f"{subject.key} {said[0].claim}", subject.about, subject.label)
        self._within.append(Contradiction(own, aspect, said))

    def found(self) -> list[Contradiction]:
        out = list(self._within)
        for (key, aspect), values in self._said.items():
            if len(values) > 1:
                said = sorted(map(Said._make, values.values()), key=_position)
                subject = Subject(key, *self._subjects[key])
                out.append(Contradiction(subject, aspect, tuple(said)))
        return sorted(out, key=lambda c: (c.subject.label.casefold(), c.aspect, c.path))

    def quads(self, found: list[Contradiction]) -> Iterator[Triple]:
        """Each subject's triples together (the build checks them in blocks of whole
        subjects): a contradiction's own, then each of its positions'."""
        q = Q(DERIVED_GRAPH)
        for c in found:
            node = c.node
            parts = [(entity(f"{c.path}/{_digest(s.claim + s.value)}"), s) for s in c.said]
            yield q(node, TYPE, ig("Contradiction"))
            yield q(node, LABEL, text(c.title))
            for about in c.subject.about:
                yield q(node, SUBJECT, about)
            yield q(node, ig("aspect"), text(ASPECTS[c.aspect]))
            for part, _s in parts:
                yield q(node, ig("hasPosition"), part)
            for part, s in parts:
                yield q(part, TYPE, ig("Position"))
                yield q(part, LABEL, text(s.shown))
                yield q(part, ig("statedBy"), s.claim)
                yield q(part, ig("sourceFile"), text(s.file))
                yield q(part, ig("sourceLine"), integer(s.line))
