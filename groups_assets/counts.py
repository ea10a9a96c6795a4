"""What a day's records came to, as the staging pass counted them: the one owner of those counts.

Each source folder is read, validated and staged by one Spark pass; the pass counts its records
by reject reason (no reason: a valid record) and the rows each staging table received. The
record checks, the blocking check, the step's metadata and the run's summary all read the day's
counts from here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

VALID = ""  # the reason key of a record that is not rejected


@dataclass
class PassCounts:
    """One staging pass: records per reject reason (VALID for the loaded ones), rows per staging
    table."""

    reasons: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)

    def __add__(self, other: PassCounts) -> PassCounts:
        return PassCounts(self.reasons + other.reasons, self.rows + other.rows)

    def as_rows(self) -> list[tuple[str, str, int]]:
        """(kind, key, n) rows, to carry the counts of an executor task back to the driver."""
        return [("reason", k, n) for k, n in self.reasons.items()] + [
            ("rows", k, n) for k, n in self.rows.items()
        ]

    @classmethod
    def from_rows(cls, rows) -> PassCounts:
        counts = cls()
        for kind, key, n in rows:
            (counts.reasons if kind == "reason" else counts.rows)[key] += n
        return counts


@dataclass(frozen=True)
class DayCounts:
    """The passes of one day, by source folder."""

    passes: dict[str, PassCounts]

    @property
    def sources(self) -> list[str]:
        return list(self.passes)

    def read(self, source: str) -> int:
        return sum(self.passes[source].reasons.values())

    def rejected(self, source: str) -> Counter:
        """Rejected records of `source` per reason."""
        return Counter({r: n for r, n in self.passes[source].reasons.items() if r != VALID})

    def valid(self, source: str) -> int:
        return self.passes[source].reasons[VALID]

    @property
    def staged(self) -> Counter:
        """Rows received per staging table, over every pass."""
        return sum((p.rows for p in self.passes.values()), Counter())
