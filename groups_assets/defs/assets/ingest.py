"""raw_groups, raw_agents: the day's files, checked, and every record in them (Spark)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dagster import AssetSpec, Failure
from pyspark.sql import DataFrame, SparkSession

from groups_assets.contract.reader import read_records
from groups_assets.days import SOURCES, BadDayKey
from groups_assets.resources.source import SourceResource

SPECS = (
    AssetSpec(
        "raw_groups",
        kinds={"spark", "json"},
        group_name="groups",
        description="Every record of the day's admin_groups/*.json (JSON Lines or arrays), with its "
        "file, line and raw text, parsed as JSON where it parses.",
    ),
    AssetSpec(
        "raw_agents",
        kinds={"spark", "json"},
        group_name="agents",
        description="Every record of the day's agents/*.json (optional folder: absent means no "
        "agent changes that day).",
    ),
)


@dataclass(frozen=True)
class DayFiles:
    """The files of one day that were checked, per source: exactly these are read."""

    day: str
    files: dict[str, list[Path]]

    def size(self, source: str | None = None) -> int:
        return sum(p.stat().st_size for s in ([source] if source else SOURCES) for p in self.files[s])


def day_files(source: SourceResource, day: str) -> DayFiles:
    """The day's `*.json` files, or a Failure that says what is wrong and what to do."""
    try:
        folder = source.day_folder(day)
        if not (folder / "admin_groups").is_dir():
            raise Failure(
                f"day {day}: {folder / 'admin_groups'} is missing. Every sync day needs an "
                "admin_groups/ folder of *.json files; nothing was written for this day.",
                allow_retries=False,
            )
        return DayFiles(day, {s: source.day_files(day, s) for s in SOURCES})
    except BadDayKey as err:
        raise Failure(str(err), allow_retries=False) from None


def read(spark: SparkSession, files: DayFiles, source: str) -> DataFrame:
    """Every record of the checked files of one source (lazy: nothing is read yet)."""
    return read_records(spark, files.files[source], source)
