"""Where a day's files come from: the day's folder when it is there, or else the source system's
API (fetching/, for the formats that have one). Dagster-free: the step (defs/assets/sync_day.py)
reports the result as the source_day asset."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from groups_assets.contract.format import Format
from groups_assets.days import DAY_FOLDER_PREFIX
from groups_assets.fetching import Bounds, Fetched


@dataclass(frozen=True)
class SourceDay:
    """The day's folder, and what a fetch wrote into it (empty when it was there already)."""

    folder: Path
    fetched: tuple[Fetched, ...] = field(default_factory=tuple)
    seconds: float = 0.0


def source_day(fmt: Format, root: Path, day: str, settings: Mapping[str, Any], bounds: Bounds) -> SourceDay:
    """The day's folder under `root`: kept as it is when it exists (an export, or an earlier
    fetch); fetched whole from the API of `fmt` when it does not and the format has one
    (`settings`: the API resource's fields). FetchFailed and MissingSetting say why not; a
    missing day of a format without an API is left to the day's own checks to name."""
    folder = root / f"{DAY_FOLDER_PREFIX}{day}"
    if folder.exists() or fmt.fetch is None:
        return SourceDay(folder)
    started = time.monotonic()
    fetched = fmt.fetch(settings, root, day, bounds=bounds)
    return SourceDay(folder, tuple(fetched), time.monotonic() - started)
