"""What a day's records came to in its Spark pass: the one owner of those counts.

Each source folder is read, validated and staged by one Spark pass; the pass counts its records
by reject reason (VALID: a valid record), the rows each staging table received, and how many
records look like another table's (a folder holding the wrong export). The record checks, the
blocking check and the step's metadata read the pass's counts from here; what the day's
transaction decides after it (unknown groups, users skipped) and what the tables hold come from
the transaction (warehouse/transaction.py), and are never written back into these counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

VALID = ""  # the reason key of a record that is valid


@dataclass
class PassCounts:
    """One staging pass: records per reject reason (VALID for the valid ones), rows per staging
    table, and records that look like another table's."""

    reasons: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    foreign: int = 0
    run_again: int = 0  # executor tasks whose accepted attempt was not their first

    def as_rows(self) -> list[tuple[str, str, int]]:
        """(kind, key, n) rows, to carry the counts of an executor task back to the driver."""
        return [
            *(("reason", k, n) for k, n in self.reasons.items()),
            *(("rows", k, n) for k, n in self.rows.items()),
            ("foreign", "", self.foreign),
            ("run_again", "", self.run_again),
        ]

    @classmethod
    def from_rows(cls, rows) -> PassCounts:
        counts = cls()
        for kind, key, n in rows:
            if kind == "foreign":
                counts.foreign += n
            elif kind == "run_again":
                counts.run_again += n
            else:
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
        """Records of `source` the pass rejected, per reason."""
        return Counter({r: n for r, n in self.passes[source].reasons.items() if r != VALID and n})

    def valid(self, source: str) -> int:
        """Records of `source` the pass found valid."""
        return self.passes[source].reasons[VALID]

    @property
    def staged(self) -> Counter:
        """Rows received per staging table, over every pass."""
        return sum((p.rows for p in self.passes.values()), Counter())
