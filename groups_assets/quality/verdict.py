"""A check's outcome without Dagster: what the checks in quality/ return, and what the definitions
in defs/ turn into Dagster's check results."""

from __future__ import annotations

from dataclasses import dataclass, field

WARN, ERROR = "WARN", "ERROR"


class Markdown(str):
    """Metadata shown as markdown (a sample of rows as a table)."""


@dataclass(frozen=True)
class Verdict:
    """One check's outcome: passed or not, in words, with its evidence (counts, a sample)."""

    check: str
    asset: str
    passed: bool
    description: str
    severity: str = WARN
    metadata: dict[str, int | float | str] = field(default_factory=dict)

    def dated(self, day: str) -> Verdict:
        """The verdict with its day, in its description and its metadata (the UI's check page
        shows both; an alert names the day too)."""
        return Verdict(
            check=self.check,
            asset=self.asset,
            passed=self.passed,
            description=f"day {day}: {self.description}",
            severity=self.severity,
            metadata={"day": day, **self.metadata},
        )
