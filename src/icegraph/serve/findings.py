"""The build's validation findings, read from report.json beside the store, by focus node, so
a claim's page shows the warning the build gave about it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BuildFinding:
    severity: str
    message: str
    rule: str
    where: str


def findings_by_focus(build_dir: Path) -> dict[str, list[BuildFinding]]:
    """Every validation finding of the build that names its focus node; empty without a
    report (a store copied without its build folder)."""
    try:
        report = json.loads((build_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[str, list[BuildFinding]] = {}
    for item in report.get("validation", []) if isinstance(report, dict) else []:
        focus = item.get("focus") if isinstance(item, dict) else None
        if isinstance(focus, str):
            out.setdefault(focus, []).append(
                BuildFinding(
                    str(item.get("severity", "")),
                    str(item.get("message", "")),
                    str(item.get("rule", "")),
                    _relative(str(item.get("where", ""))),
                )
            )
    return out


def _relative(where: str) -> str:
    # The report names the build machine's files; a reader needs the project's own path
    # ("raw/004_….txt, line 56"), as the claims give it.
    head, sep, tail = where.partition("/raw/")
    return "raw/" + tail if sep else where
