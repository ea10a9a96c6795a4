"""What came of one sync day: typed, for the asset that reports it and for tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from groups_assets.contract.format import Format
from groups_assets.counts import DayCounts
from groups_assets.days import DayFiles
from groups_assets.quality.verdict import Verdict
from groups_assets.warehouse.transaction import Applied


class DayRefused(Exception):
    """A day that cannot be loaded as it is, refused before anything was written: the message says
    what is wrong, where, and what to do. Running it again unchanged would fail the same way."""


@dataclass(frozen=True)
class DayOutcome:
    """A day read, validated and staged (`counts`), judged by the step's checks (`verdicts`), and
    applied (`applied`), or blocked by the blocking check before any write (`applied` None)."""

    day: str
    format: Format
    spark: str  # which Spark ran the pass, in words
    files: DayFiles
    counts: DayCounts
    verdicts: tuple[Verdict, ...]
    applied: Applied | None
    seconds: dict[str, float] = field(default_factory=dict)  # per stage, in the order they ran

    @property
    def blocked(self) -> bool:
        return self.applied is None

    def verdict(self, check: str) -> Verdict:
        return next(v for v in self.verdicts if v.check == check)
