"""The sync-day partition, defined once and imported everywhere (keys follow days.py), and the days
of a source root listed as partitions without running them."""

from __future__ import annotations

import time
from pathlib import Path

from dagster import DagsterInstance, DynamicPartitionsDefinition

from groups_assets.days import complete_days

sync_days = DynamicPartitionsDefinition(name="sync_days")


def list_days(instance: DagsterInstance, source_root: Path, settle: float) -> list[str]:
    """Add every complete sync-<day> folder of `source_root` that is not a partition yet as one
    (nothing runs: the launch dialog lists them); the days added, in day order."""
    known = set(instance.get_dynamic_partitions(sync_days.name))
    new = [day for day in complete_days(source_root, settle, time.time()) if day not in known]
    if new:
        instance.add_dynamic_partitions(sync_days.name, new)
    return new
