"""The source resource: the folder holding sync-<day>/ folders, and when a new one is complete."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from groups_assets import formats
from groups_assets.contract.format import Format
from groups_assets.days import DayFiles, day_files
from groups_assets.variables import DEFAULT_SOURCE_ROOT


class SourceResource(ConfigurableResource):
    """Where the daily exports are and in which system's format, for the step and the new-day
    sensor."""

    root: str = Field(
        default=DEFAULT_SOURCE_ROOT,
        description="GROUPS_SOURCE_ROOT (the CLI's --source-root): holds sync-<day>/.",
    )
    format: str = Field(
        default=formats.DEFAULT,
        description="GROUPS_SOURCE_FORMAT (the CLI's --format): the system that wrote the days: "
        f"{', '.join(formats.FORMATS)}.",
    )
    settle_seconds: float = Field(
        default=300.0,
        ge=0,
        description="GROUPS_SENSOR_SETTLE_SECONDS: the new-day sensor takes a sync-<day>/ folder "
        "without _SUCCESS as complete once nothing in it has changed for this long.",
    )

    def source_format(self) -> Format:
        """The format of `format`, or ValueError naming the formats there are."""
        return formats.get(self.format)

    def day_files(self, day: str) -> DayFiles:
        """The day's files, folder by folder of the format, checked; BadDayKey says what is
        wrong and what to do."""
        return day_files(Path(self.root), day, self.source_format().folders)
