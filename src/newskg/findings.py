"""Findings: one report of everything wrong or doubtful, from every check, by severity."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import Location

SEVERITY_ORDER = ("error", "warning", "info")


@dataclass(frozen=True, order=True)
class Finding:
    """One thing a check found, with where in the fact sheets it comes from."""

    severity: str
    location: Location
    message: str
    hint: str = ""
    check: str = ""
    """Which check found it: schema, shacl, owl, or a stored check's name."""

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text + (f" [{self.check}]" if self.check else "")

    def as_json(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "file": self.location.path,
            "line": self.location.line,
            "column": self.location.column,
            "message": self.message,
            "hint": self.hint,
            "check": self.check,
        }


@dataclass
class Report:
    """Every finding of a run, and what ran."""

    findings: list[Finding] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _seen: set[Finding] = field(default_factory=set, repr=False, compare=False)

    def add(self, finding: Finding) -> None:
        """Add a finding unless it is already there (a set: a list lookup per finding
        took 25 s for the 6,000 warnings of 10,000 articles)."""
        if finding not in self._seen:
            self._seen.add(finding)
            self.findings.append(finding)

    def fails(self, fail_on: str) -> bool:
        """True when a finding at or above `fail_on` exists."""
        worst = SEVERITY_ORDER.index(fail_on)
        return any(SEVERITY_ORDER.index(f.severity) <= worst for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in SEVERITY_ORDER}

    def text(self) -> str:
        lines = []
        for severity in SEVERITY_ORDER:
            group = sorted(f for f in self.findings if f.severity == severity)
            if group:
                lines.append(
                    f"{severity}s ({len(group)}):"
                    if severity != "info"
                    else f"info ({len(group)}):"
                )
                lines += [f"  {f}" for f in group]
        lines += [f"note: {n}" for n in self.notes]
        counts = self.counts()
        errors, warnings = counts["error"], counts["warning"]
        lines.append(
            f"checked: {', '.join(self.ran)}; {errors} error{'s' if errors != 1 else ''}, "
            f"{warnings} warning{'s' if warnings != 1 else ''}, {counts['info']} info"
        )
        return "\n".join(lines) + "\n"

    def json(self) -> str:
        return (
            json.dumps(
                {
                    "findings": [f.as_json() for f in sorted(self.findings)],
                    "checked": self.ran,
                    "notes": self.notes,
                    "counts": self.counts(),
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
