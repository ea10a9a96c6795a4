"""The source resource: the folder holding sync-<day>/ folders, and when a new one is complete."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from groups_assets.days import DayFiles, day_files, day_folder, list_days


class SourceResource(ConfigurableResource):
    """Where the daily exports are, for the step and the new-day sensor."""

    root: str = Field(description="GROUPS_SOURCE_ROOT (the CLI's --source-root): holds sync-<day>/.")
    settle_seconds: float = Field(
        default=300.0,
        description="GROUPS_SENSOR_SETTLE_SECONDS: the new-day sensor takes a sync-<day>/ folder "
        "without _SUCCESS as complete once nothing in it has changed for this long.",
    )

    def day_folder(self, day: str) -> Path:
        return day_folder(Path(self.root), day)

    def days(self) -> list[str]:
        return list_days(Path(self.root))

    def day_files(self, day: str) -> DayFiles:
        """The day's files, checked; BadDayKey says what is wrong and what to do."""
        return day_files(Path(self.root), day)
