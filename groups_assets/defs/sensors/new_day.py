"""The new-day sensor: a run of sync_day_job for each complete sync-<day> folder not yet loaded.

A day is loaded when its last asset (inactive_flags) has a materialization for it in the
instance, whatever door loaded it. Days listed as partitions without a run (days.py's complete
folders, added when `dev` starts and when a run loads) are still new to it. A day with a run
queued or running (the daily fetch's, one launched in the UI) is left to that run.

No `from __future__ import annotations` here: Dagster reads the sensors' `context` annotations.
"""

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    AssetKey,
    DagsterInstance,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from groups_assets.days import DAY_FOLDER_PREFIX, BadDayKey, day_folder, folder_readiness, natural_key
from groups_assets.names import INACTIVE_FLAGS, SYNC_DAY_JOB
from groups_assets.partitions import sync_days
from groups_assets.resources.alert_webhook import Log
from groups_assets.resources.source import SourceResource


@dataclass
class NewDayCursor:
    """The new-day sensor's memory: days it requested, folders it refused (each logged once)."""

    requested: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, raw: str | None, log: Log) -> "NewDayCursor":
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            return cls(requested=set(data.get("requested", [])), skipped=set(data.get("skipped", [])))
        except (ValueError, TypeError, AttributeError):
            # Existing partitions and run keys still keep a day from being requested twice.
            log.warning(f"new-day sensor: cursor {raw[:200]!r} is not this sensor's JSON; starting afresh")
            return cls()

    def dump(self) -> str:
        return json.dumps(
            {"requested": sorted(self.requested, key=natural_key), "skipped": sorted(self.skipped)},
            separators=(",", ":"),
        )


def new_day_requests(
    context: SensorEvaluationContext, source_root: Path, settle: float, now: float | None = None
) -> SensorResult:
    """The new-day sensor's evaluation: add a partition and request a run per new complete day."""
    log = context.log
    now = time.time() if now is None else now
    state = NewDayCursor.load(context.cursor, log)
    if not source_root.is_dir():
        return SensorResult(
            skip_reason=f"source root {source_root} is not a folder (set GROUPS_SOURCE_ROOT)",
            cursor=state.dump(),
        )
    loaded = context.instance.get_materialized_partitions(AssetKey(INACTIVE_FLAGS))
    ready: list[str] = []
    waiting: list[str] = []
    for entry in sorted(source_root.iterdir()):
        if not entry.name.startswith(DAY_FOLDER_PREFIX) or not entry.is_dir():
            continue
        day = entry.name[len(DAY_FOLDER_PREFIX) :]
        if day in state.requested or day in loaded or entry.name in state.skipped:
            continue
        try:
            folder = day_folder(source_root, day)
        except BadDayKey as err:
            log.warning(f"new-day sensor: skipping folder {entry.name!r}: {err}")
            state.skipped.add(entry.name)
            continue
        complete, why = folder_readiness(folder, settle, now)
        if complete and _running(context.instance, day):
            log.info(f"new-day sensor: {entry.name} is complete; a run of day {day} is under way already")
        elif complete:
            log.info(f"new-day sensor: {entry.name} is complete ({why}); requesting a run of day {day}")
            ready.append(day)
        else:
            log.info(f"new-day sensor: {entry.name} not complete yet: {why}")
            waiting.append(day)
    ready.sort(key=natural_key)
    state.requested.update(ready)
    if not ready:
        note = f"; waiting for {', '.join(sorted(waiting, key=natural_key))}" if waiting else ""
        return SensorResult(skip_reason=f"no new complete sync-<day> folder{note}", cursor=state.dump())
    partitions = set(context.instance.get_dynamic_partitions(sync_days.name))
    new = [day for day in ready if day not in partitions]
    return SensorResult(
        run_requests=[RunRequest(run_key=day, partition_key=day) for day in ready],
        dynamic_partitions_requests=[sync_days.build_add_request(new)] if new else [],
        cursor=state.dump(),
    )


_UNDER_WAY = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
]


def _running(instance: DagsterInstance, day: str) -> bool:
    """A run of `day` is queued or running."""
    under_way = RunsFilter(statuses=_UNDER_WAY, tags={"dagster/partition": day})
    return bool(instance.get_run_records(filters=under_way, limit=1))


@sensor(
    job_name=SYNC_DAY_JOB,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.STOPPED,
    description=(
        "Every 30 s: each sync-<day>/ folder under the source root that is complete (has a "
        "_SUCCESS file, or nothing in it changed for GROUPS_SENSOR_SETTLE_SECONDS, default 300) "
        "and not yet loaded gets one run (its partition added if new), oldest day first."
    ),
)
def new_day_sensor(context: SensorEvaluationContext, source: SourceResource) -> SensorResult:
    return new_day_requests(context, Path(source.root), source.settle_seconds)
