"""What a day's records came to, as the staging pass counted them: the one owner of those counts.

Each source folder is read, validated and staged by one Spark pass; the pass counts its records
by reject reason (no reason: a valid record) and the rows each staging table received, and how
many records look like another table's (a folder holding the wrong export). The day's
transaction then decides two outcomes the pass cannot: membership rows whose group is nowhere
(unknown_group) and users that are not agents (skipped). The record checks, the blocking check,
the step's metadata and the run's summary all read the day's counts from here.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field

from groups_assets.contract.format import AGENTS, MEMBERS, Format

VALID = ""  # the reason key of a record that is loaded
SKIPPED = "skipped"  # a user that is not an agent: neither loaded nor rejected (CONTRACT.md 7)
UNKNOWN_GROUP = "unknown_group"


@dataclass
class PassCounts:
    """One staging pass: records per reject reason (VALID for the loaded ones), rows per staging
    table, and records that look like another table's."""

    reasons: Counter = field(default_factory=Counter)
    rows: Counter = field(default_factory=Counter)
    foreign: int = 0

    def as_rows(self) -> list[tuple[str, str, int]]:
        """(kind, key, n) rows, to carry the counts of an executor task back to the driver."""
        return [
            *(("reason", k, n) for k, n in self.reasons.items()),
            *(("rows", k, n) for k, n in self.rows.items()),
            ("foreign", "", self.foreign),
        ]

    @classmethod
    def from_rows(cls, rows) -> PassCounts:
        counts = cls()
        for kind, key, n in rows:
            if kind == "foreign":
                counts.foreign += n
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
        """Rejected records of `source` per reason."""
        return Counter({r: n for r, n in self.passes[source].reasons.items() if r not in (VALID, SKIPPED)})

    def valid(self, source: str) -> int:
        """Records of `source` that are loaded."""
        return self.passes[source].reasons[VALID]

    def skipped(self, source: str) -> int:
        return self.passes[source].reasons[SKIPPED]

    @property
    def staged(self) -> Counter:
        """Rows received per staging table, over every pass."""
        return sum((p.rows for p in self.passes.values()), Counter())

    def after_apply(self, fmt: Format, unknown_group: int, users_skipped: int) -> DayCounts:
        """The counts once the day's transaction has judged the membership rows against the
        stored groups and the users against the stored agents."""
        moved = {MEMBERS: (UNKNOWN_GROUP, unknown_group), AGENTS: (SKIPPED, users_skipped)}
        passes = dict(self.passes)
        for kind, (outcome, n) in moved.items():
            table = fmt.table(kind)
            if table is None or not n:
                continue
            reasons = Counter(passes[table.folder].reasons)
            reasons[VALID] -= n
            reasons[outcome] += n
            passes[table.folder] = dataclasses.replace(passes[table.folder], reasons=reasons)
        return DayCounts(passes)
