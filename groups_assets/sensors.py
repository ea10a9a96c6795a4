"""Sensors: start a run for each new complete sync-<day> folder; alert on failed checks and runs.

No `from __future__ import annotations` here: Dagster reads the sensors' `context` annotations.
"""

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dagster import (
    AssetCheckEvaluation,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)

from groups_assets.alerts import Alert, AlertWebhook, Log, numeric_counts, scrub
from groups_assets.partitions import DAY_FOLDER_PREFIX, BadDayKey, day_folder, natural_key, sync_days
from groups_assets.resources.source import SourceResource
from groups_assets.settings import number_from_env

# ---------------------------------------------------------------------------------------------
# New days
# ---------------------------------------------------------------------------------------------

SUCCESS_MARKER = "_SUCCESS"
SETTLE_ENV = "GROUPS_SENSOR_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 300.0
NEW_DAY_SENSOR_NAME = "new_day_sensor"


def settle_seconds() -> float:
    """GROUPS_SENSOR_SETTLE_SECONDS: quiet time after which a folder without _SUCCESS is complete."""
    return number_from_env(SETTLE_ENV, DEFAULT_SETTLE_SECONDS)


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


def newest_change(folder: Path) -> float:
    """The latest mtime of the folder, its sub-folders and files (a file vanishing = a change now)."""
    newest = 0.0
    try:
        for current, _dirs, files in os.walk(folder):
            newest = max(newest, os.stat(current, follow_symlinks=False).st_mtime)
            for name in files:
                newest = max(newest, os.stat(os.path.join(current, name), follow_symlinks=False).st_mtime)
    except FileNotFoundError:
        return time.time()
    return newest


def folder_readiness(folder: Path, settle: float, now: float) -> tuple[bool, str]:
    """(complete?, why): a _SUCCESS marker, or nothing in the folder changed for `settle` seconds."""
    if (folder / SUCCESS_MARKER).is_file():
        return True, f"has {SUCCESS_MARKER}"
    quiet = now - newest_change(folder)
    if quiet >= settle:
        return True, f"no {SUCCESS_MARKER}, unchanged for {quiet:.0f} s"
    return False, (
        f"still being written? last change {max(quiet, 0):.0f} s ago; waiting for {SUCCESS_MARKER} "
        f"or {settle:.0f} s without change"
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
    known = set(context.instance.get_dynamic_partitions(sync_days.name))
    ready: list[str] = []
    waiting: list[str] = []
    for entry in sorted(source_root.iterdir()):
        if not entry.name.startswith(DAY_FOLDER_PREFIX) or not entry.is_dir():
            continue
        day = entry.name[len(DAY_FOLDER_PREFIX) :]
        if day in state.requested or day in known or entry.name in state.skipped:
            continue
        try:
            folder = day_folder(source_root, day)
        except BadDayKey as err:
            log.warning(f"new-day sensor: skipping folder {entry.name!r}: {err}")
            state.skipped.add(entry.name)
            continue
        complete, why = folder_readiness(folder, settle, now)
        if complete:
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
    return SensorResult(
        run_requests=[RunRequest(run_key=day, partition_key=day) for day in ready],
        dynamic_partitions_requests=[sync_days.build_add_request(ready)],
        cursor=state.dump(),
    )


def build_new_day_sensor(
    job_name: str,
    *,
    settle: float | None = None,
    name: str = NEW_DAY_SENSOR_NAME,
    minimum_interval_seconds: int = 30,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
) -> SensorDefinition:
    """The new-day sensor for the job named `job_name` (definitions.JOB_NAME, passed in: importing
    it here would be circular).

    `settle` None: GROUPS_SENSOR_SETTLE_SECONDS, read at each evaluation (default 300 s).
    """

    @sensor(
        name=name,
        job_name=job_name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description=(
            "Every 30 s: each sync-<day>/ folder under the source root that is complete (has a "
            "_SUCCESS file, or nothing in it changed for GROUPS_SENSOR_SETTLE_SECONDS, default 300) "
            "and is not yet a partition becomes a partition and gets one run, oldest day first."
        ),
    )
    def _new_day_sensor(context: SensorEvaluationContext, source: SourceResource) -> SensorResult:
        return new_day_requests(context, Path(source.root), settle_seconds() if settle is None else settle)

    return _new_day_sensor


# ---------------------------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------------------------

ALERTED_TAG = "groups/alerted"  # on a run: the alerts already sent for it, comma separated
CHECK_ALERT_SENSOR_NAME = "check_failure_alerts"
RUN_FAILURE_ALERT_SENSOR_NAME = "run_failure_alerts"


def failed_checks(instance: DagsterInstance, run_id: str) -> list[AssetCheckEvaluation]:
    """The failed asset-check evaluations of a run (WARN and ERROR), last one per check."""
    latest: dict[tuple[str, str], AssetCheckEvaluation] = {}
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.get_dagster_event().asset_check_evaluation_data
        latest[(evaluation.asset_key.to_user_string(), evaluation.check_name)] = evaluation
    return [e for e in latest.values() if not e.passed]


def step_errors(context: RunFailureSensorContext) -> list[str]:
    """Each failed step's error message, from the innermost user error."""
    messages = []
    for event in context.get_step_failure_events():
        error = event.step_failure_data.error if event.step_failure_data else None
        while error is not None and error.cause is not None and "Failure" not in error.cls_name:
            error = error.cause
        if error is not None:
            messages.append(f"step {event.step_key}: {error.message.strip()}")
    return messages


def run_alerts(
    instance: DagsterInstance, run: DagsterRun, webhook: AlertWebhook, failure: str | None = None
) -> list[Alert]:
    """The alerts a finished run deserves: the run failure (if `failure`), then each failed check."""
    day = run.tags.get("dagster/partition")
    url = webhook.run_url(run.run_id)
    alerts = []
    if failure is not None:
        alerts.append(
            Alert(
                kind="run_failed",
                severity="ERROR",
                run_id=run.run_id,
                run_url=url,
                job=run.job_name,
                day=day,
                description=scrub(failure),
            )
        )
    for evaluation in failed_checks(instance, run.run_id):
        alerts.append(
            Alert(
                kind="check_failed",
                severity=evaluation.severity.value,
                run_id=run.run_id,
                run_url=url,
                job=run.job_name,
                day=evaluation.partition or day,
                asset=evaluation.asset_key.to_user_string(),
                check=evaluation.check_name,
                description=scrub(evaluation.description),
                counts=numeric_counts(evaluation.metadata),
            )
        )
    return alerts


def send_run_alerts(
    instance: DagsterInstance, run_id: str, webhook: AlertWebhook, log: Log, failure: str | None = None
) -> list[Alert]:
    """Send each alert of a finished run that was not sent before; returns those sent now.

    Dagster's run-status cursor hands each run to a sensor once. The ALERTED_TAG on the run also
    keeps a re-evaluation (a tick that timed out, a reset cursor) from alerting twice. An alert
    the webhook did not take is logged and counted as sent: the log is the record.
    """
    run = instance.get_run_by_id(run_id)  # fresh: the context's copy may predate our tag
    if run is None:
        log.warning(f"alerts: run {run_id} is not in this instance; nothing sent")
        return []
    done = {key for key in run.tags.get(ALERTED_TAG, "").split(",") if key}
    sent = []
    for alert in run_alerts(instance, run, webhook, failure):
        if alert.key in done:
            continue
        webhook.send(alert, log)
        done.add(alert.key)
        sent.append(alert)
        instance.add_run_tags(run_id, {ALERTED_TAG: ",".join(sorted(done))})
    if not sent:
        log.info(f"alerts: nothing to send for run {run_id}")
    return sent


def _failure_text(context: RunFailureSensorContext) -> str:
    parts = [context.failure_event.message or "the run failed", *step_errors(context)]
    return " | ".join(p.strip() for p in parts if p and p.strip())


# The functions return None on purpose: a run-status sensor that returns a value stops the tick
# after that run, None lets one tick handle every run that finished since the last.
@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    name=CHECK_ALERT_SENSOR_NAME,
    minimum_interval_seconds=30,
    description=(
        "Alerts (log + GROUPS_ALERT_WEBHOOK_URL) on every failed asset check of a successful run: "
        "non-blocking checks that fail leave the run green, so failure sensors never see them."
    ),
)
def check_failure_alerts(context: RunStatusSensorContext, alerts: AlertWebhook) -> None:
    send_run_alerts(context.instance, context.dagster_run.run_id, alerts, context.log)


@run_failure_sensor(
    name=RUN_FAILURE_ALERT_SENSOR_NAME,
    minimum_interval_seconds=30,
    description="Alerts (log + GROUPS_ALERT_WEBHOOK_URL) on a failed run, and on its failed checks.",
)
def run_failure_alerts(context: RunFailureSensorContext, alerts: AlertWebhook) -> None:
    send_run_alerts(
        context.instance, context.dagster_run.run_id, alerts, context.log, failure=_failure_text(context)
    )


ALERT_SENSORS: Sequence[SensorDefinition] = (check_failure_alerts, run_failure_alerts)
