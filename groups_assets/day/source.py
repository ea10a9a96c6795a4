"""Where a day's files come from: the day's folder when it is there, or else, for today's day,
the source system's API (fetching/, for the formats that have one). Dagster-free: the step
(defs/assets/sync_day.py) reports the result as the source_day asset."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from groups_assets.contract.format import Format
from groups_assets.days import DAY_FOLDER_PREFIX
from groups_assets.fetching import Bounds, DayExists, Fetched, FetchFailed


@dataclass(frozen=True)
class SourceDay:
    """The day's folder, and what a fetch wrote into it (empty when it was there already)."""

    folder: Path
    fetched: tuple[Fetched, ...] = field(default_factory=tuple)
    seconds: float = 0.0


def today() -> str:
    """Today's day key: the date in UTC, as the daily schedule names its partitions."""
    return datetime.now(UTC).date().isoformat()


def source_day(fmt: Format, root: Path, day: str, settings: Mapping[str, Any], bounds: Bounds) -> SourceDay:
    """The day's folder under `root`: kept as it is when it exists (an export, or an earlier
    fetch); fetched whole from the API of `fmt` when it does not, the format has one and the day
    is today's (an API answers with its state now: fetched for an earlier day, that state would be
    filed under the wrong day). FetchFailed and MissingSetting say why not; a missing day of a
    format without an API is left to the day's own checks to name."""
    folder = root / f"{DAY_FOLDER_PREFIX}{day}"
    if folder.exists() or fmt.fetch is None:
        return SourceDay(folder)
    if day != today():
        raise FetchFailed(
            f"no {folder.name}/ under {root}, and only today's day ({today()}, UTC) is fetched here: "
            f"{fmt.name}'s API answers with its state now, not as it was on day {day}. Put the day's "
            f"export there, or, to file today's state under this key, run groups-pipeline fetch --day {day}"
        )
    started = time.monotonic()
    try:
        fetched = fmt.fetch(settings, root, day, bounds=bounds)
    except DayExists:  # another fetch of the day finished first
        return SourceDay(folder)
    return SourceDay(folder, tuple(fetched), time.monotonic() - started)
