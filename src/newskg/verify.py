"""`newskg verify`: stored checks, as in ROBOT's verify -- a check's rows are violations."""

from __future__ import annotations

from dataclasses import dataclass, field

from .queries import SEVERITIES, StoredQuery
from .querying import QueryContext, checks, run
from .results import Table, as_table, render_table


@dataclass
class CheckResult:
    """One check and the rows it returned."""

    check: StoredQuery
    table: Table

    @property
    def passed(self) -> bool:
        return not self.table.rows


@dataclass
class VerifyReport:
    """Every check's result, and the text to print."""

    results: list[CheckResult] = field(default_factory=list)
    prefixes: dict[str, str] = field(default_factory=dict)

    def fails(self, fail_on: str) -> bool:
        """True when a check at or above `fail_on` returned rows."""
        floor = [str(s) for s in SEVERITIES].index(fail_on)
        return any(
            not r.passed and SEVERITIES.index(r.check.severity or "error") >= floor
            for r in self.results
        )

    @property
    def text(self) -> str:
        lines = []
        for result in self.results:
            severity = result.check.severity or "error"
            if result.passed:
                lines.append(f"ok      {result.check.name}: {result.check.title}\n")
            else:
                count = len(result.table.rows)
                lines.append(
                    f"{severity.upper():<7} {result.check.name}: {result.check.title} "
                    f"({count} row{'s' if count != 1 else ''})\n"
                )
                lines.append(render_table(result.table, self.prefixes))
        failed = sum(not r.passed for r in self.results)
        lines.append(f"{len(self.results) - failed} of {len(self.results)} checks passed\n")
        return "".join(lines)


def verify(context: QueryContext) -> VerifyReport:
    """Run every stored check in `context`."""
    report = VerifyReport(prefixes=context.prefixes)
    for check in checks(context).values():
        report.results.append(CheckResult(check, as_table(run(check, {}, context))))
    return report
