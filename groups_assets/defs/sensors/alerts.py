"""The alert sensors: every failed asset check and every failed run, logged and sent to the
webhook (alerts.py decides what a run deserves and keeps what was delivered).

A failed WARN check leaves its run green, so run-failure sensors never see it (dagster#29896):
check_failure_alerts reads the ASSET_CHECK_EVALUATION events of each successful run.

No `from __future__ import annotations` here: Dagster reads the sensors' `context` annotations.
"""

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)

from groups_assets.alerts import failure_text, retry_pending, send_run_alerts
from groups_assets.names import CODE_LOCATION, SYNC_DAY_JOB
from groups_assets.resources.alert_webhook import AlertWebhook

# The job the UI's *Materialize* runs (Dagster's implicit asset job; not public API by name).
IMPLICIT_ASSET_JOB_NAME = "__ASSET_JOB"


def ours(context: RunStatusSensorContext) -> bool:
    """A run of this code location's sync: its job or the UI's implicit asset job, launched from
    this location or run in process (the CLI's runs carry no location)."""
    run = context.dagster_run
    if run.job_name not in (SYNC_DAY_JOB, IMPLICIT_ASSET_JOB_NAME):
        return False
    origin = run.remote_job_origin
    return origin is None or origin.location_name == CODE_LOCATION


# The sensors watch every code location (monitor_all_code_locations) because runs executed in
# process, like the CLI's, carry no location and a location's own sensors would skip them;
# `ours` keeps the runs of this location's jobs. The functions return None on purpose: a
# run-status sensor that returns a value stops the tick after that run, None lets one tick
# handle every run that finished since the last.
@run_status_sensor(
    run_status=DagsterRunStatus.SUCCESS,
    name="check_failure_alerts",
    minimum_interval_seconds=30,
    monitor_all_code_locations=True,
    description=(
        "Alerts (log + GROUPS_ALERT_WEBHOOK_URL) on every failed asset check of a successful run, "
        "from any door (UI, sensor, CLI): non-blocking checks that fail leave the run green, so "
        "failure sensors never see them."
    ),
)
def check_failure_alerts(context: RunStatusSensorContext, alerts: AlertWebhook) -> None:
    if ours(context):
        send_run_alerts(context.instance, context.dagster_run.run_id, alerts, context.log)


@run_failure_sensor(
    name="run_failure_alerts",
    minimum_interval_seconds=30,
    monitor_all_code_locations=True,
    description="Alerts (log + GROUPS_ALERT_WEBHOOK_URL) on a failed run, and on its failed checks.",
)
def run_failure_alerts(context: RunFailureSensorContext, alerts: AlertWebhook) -> None:
    if ours(context):
        send_run_alerts(
            context.instance, context.dagster_run.run_id, alerts, context.log, failure=failure_text(context)
        )


@sensor(
    name="alert_retries",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Every minute: alerts the webhook did not take are tried again, until delivered or "
    "GROUPS_ALERT_RETRY_HOURS (default 24) have passed; then each is logged as lost.",
)
def alert_retries(context: SensorEvaluationContext, alerts: AlertWebhook) -> SkipReason:
    return SkipReason(retry_pending(context.instance, alerts, context.log, alerts.retry_hours))
