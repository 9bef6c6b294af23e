"""What a build read, repaired, warned about and counted, as Markdown and JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from icegraph.records import Finding, Repair

# Beyond this many, repairs and findings are counted but not listed one by one: a
# million-row input must not turn the report into a second copy of the data.
LIST_LIMIT = 500


@dataclass
class Report:
    title: str = "icegraph build report"
    counts: Counter[str] = field(default_factory=Counter)
    repairs: list[Repair] = field(default_factory=list)
    repairs_by_rule: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    findings_by_kind: Counter[str] = field(default_factory=Counter)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    validation: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    # how this build was made: full or incremental, why, which inputs were reused or redone
    build: dict[str, Any] = field(default_factory=dict)
    # Seconds per build stage; kept out of report.md and report.json so builds stay
    # byte-identical, and returned to callers (the benchmark) instead.
    timings: dict[str, float] = field(default_factory=dict)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n

    def add_repair(self, repair: Repair) -> None:
        self.repairs_by_rule[repair.rule] += 1
        if len(self.repairs) < LIST_LIMIT:
            self.repairs.append(repair)

    def add_finding(self, finding: Finding) -> None:
        self.findings_by_kind[finding.kind] += 1
        if len(self.findings) < LIST_LIMIT:
            self.findings.append(finding)

    def merge(self, other: Report) -> None:
        """Take in what another stage (the mapping process) recorded."""
        self.counts.update(other.counts)
        for r in other.repairs:
            if len(self.repairs) < LIST_LIMIT:
                self.repairs.append(r)
        self.repairs_by_rule.update(other.repairs_by_rule)
        for f in other.findings:
            if len(self.findings) < LIST_LIMIT:
                self.findings.append(f)
        self.findings_by_kind.update(other.findings_by_kind)
        for name, rows in other.tables.items():
            self.tables.setdefault(name, []).extend(rows)
        self.inputs.extend(other.inputs)
        self.timings.update(other.timings)

    def set_table(self, name: str, rows: list[dict[str, Any]]) -> None:
        self.tables[name] = rows

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "inputs": self.inputs,
            "counts": dict(sorted(self.counts.items())),
            "repairs_by_rule": dict(sorted(self.repairs_by_rule.items())),
            "repairs": [_repair_json(r) for r in self.repairs],
            "findings_by_kind": dict(sorted(self.findings_by_kind.items())),
            "findings": [_finding_json(f) for f in self.findings],
            "tables": self.tables,
            "validation": self.validation,
            "build": self.build,
        }

    def dumps_json(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        out = [f"# {self.title}", ""]
        if self.build:
            b = self.build
            mapped = "every input" if b["mode"] == "full" else ", ".join(b["redone"]) or "none"
            out.append(f"This build: {b['mode']} ({b['why']}); inputs reused: ")
            out[-1] += f"{len(b['reused'])}; mapped: {mapped}."
            out.append("")
        if self.inputs:
            out += ["## Inputs", ""]
            out += [f"- `{i['file']}` ({i['reader']}): {i['records']} records" for i in self.inputs]
            out.append("")
        if self.counts:
            out += ["## Counts", "", "| what | count |", "|---|---:|"]
            out += [f"| {_cell(k)} | {v} |" for k, v in sorted(self.counts.items())]
            out.append("")
        for name, rows in self.tables.items():
            out += [f"## {name}", ""]
            if rows:
                cols = list(rows[0])
                out.append("| " + " | ".join(cols) + " |")
                out.append("|" + "---|" * len(cols))
                out += ["| " + " | ".join(_cell(r.get(c, "")) for c in cols) + " |" for r in rows]
            else:
                out.append("(none)")
            out.append("")
        out += ["## Repairs", ""]
        if self.repairs_by_rule:
            out += [f"- {rule}: {n}" for rule, n in sorted(self.repairs_by_rule.items())]
            out += ["", "| where | field | raw value | corrected value | rule | why |"]
            out.append("|---|---|---|---|---|---|")
            out += [
                f"| {_cell(str(r.location))} | {_cell(r.field)} | {_cell(r.raw)} | "
                f"{_cell(r.corrected or '(no value)')} | {r.rule} | {_cell(r.why)} |"
                for r in self.repairs
            ]
            if sum(self.repairs_by_rule.values()) > len(self.repairs):
                out.append(f"\n(first {len(self.repairs)} listed)")
        else:
            out.append("(none)")
        out += ["", "## Warnings and notes", ""]
        if self.findings:
            out += [f"- {n} × {kind}" for kind, n in sorted(self.findings_by_kind.items())]
            out.append("")
            out += [f"- **{f.kind}** ({f.location or 'graph'}): {f.message}" for f in self.findings]
        else:
            out.append("(none)")
        out += ["", "## Validation", ""]
        if self.validation:
            out += [
                f"- **{v['severity']}**: {v['entity']} — {v['field']}: {v['message']} "
                f"(rule {v['rule']}; {v['where']})"
                for v in self.validation
            ]
        else:
            out.append("Every shape passed with no warnings.")
        return "\n".join(out) + "\n"


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _repair_json(r: Repair) -> dict[str, Any]:
    d = asdict(r)
    d["location"] = str(r.location)
    return d


def _finding_json(f: Finding) -> dict[str, Any]:
    return {
        "location": str(f.location) if f.location else None,
        "kind": f.kind,
        "message": f.message,
    }
