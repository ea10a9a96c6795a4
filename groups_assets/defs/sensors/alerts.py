"""Alerts: every failed asset check and every failed run, logged and sent to the webhook.

A failed WARN check leaves its run green, so run-failure sensors never see it (dagster#29896):
check_failure_alerts reads the ASSET_CHECK_EVALUATION events of each successful run.

No `from __future__ import annotations` here: Dagster reads the sensors' `context` annotations.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    RunFailureSensorContext,
    RunStatusSensorContext,
    SensorDefinition,
    run_failure_sensor,
    run_status_sensor,
)

from groups_assets.redact import redact
from groups_assets.resources.alert_webhook import AlertWebhook, Log

TEXT_MAX = 600  # characters of a description or error message kept in an alert


def scrub(text: str | None, limit: int = TEXT_MAX) -> str:
    """`text` safe to send: passwords masked, white space collapsed, cut to `limit` characters."""
    if not text:
        return ""
    text = " ".join(redact(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def numeric_counts(metadata: Mapping[str, Any]) -> dict[str, int | float]:
    """The numeric entries of a check's metadata (Dagster MetadataValues or plain values)."""
    counts: dict[str, int | float] = {}
    for key, entry in metadata.items():
        value = getattr(entry, "value", entry)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if isinstance(value, float) and not math.isfinite(value):
            continue
        counts[key] = value
    return counts


@dataclass(frozen=True)
class Alert:
    """One alert: a failed check of a run, or a failed run."""

    kind: str  # "check_failed" or "run_failed"
    severity: str  # "WARN" or "ERROR"
    run_id: str
    run_url: str
    job: str
    day: str | None = None
    asset: str | None = None
    check: str | None = None
    description: str = ""
    counts: dict[str, int | float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What makes the alert unique within its run (used to send it once)."""
        return f"{self.asset}:{self.check}" if self.kind == "check_failed" else "run"

    def headline(self) -> str:
        day = f"day {self.day}" if self.day else f"job {self.job}"
        if self.kind == "check_failed":
            return f"groups {day}: check {self.check} on {self.asset} failed ({self.severity})"
        return f"groups {day}: run of {self.job} failed"

    def text(self) -> str:
        """Slack mrkdwn: headline, what happened, the non-zero counts, a link to the run."""
        icon = ":warning:" if self.severity == "WARN" else ":rotating_light:"
        parts = [f"{icon} *{self.headline()}*"]
        if self.description:
            parts.append(self.description)
        nonzero = [f"{k} {v}" for k, v in self.counts.items() if v]
        if nonzero:
            parts.append("counts: " + ", ".join(nonzero))
        parts.append(f"<{self.run_url}|run {self.run_id[:8]}>")
        return "\n".join(parts)

    def payload(self) -> dict[str, Any]:
        """The JSON body: Slack's `text`, then the same facts as fields for other receivers."""
        return {
            "text": self.text(),
            "kind": self.kind,
            "day": self.day,
            "asset": self.asset,
            "check": self.check,
            "severity": self.severity,
            "description": self.description,
            "counts": self.counts,
            "job": self.job,
            "run_id": self.run_id,
            "run_url": self.run_url,
        }

    def log_line(self) -> str:
        counts = " ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        return (
            f"ALERT {self.kind} severity={self.severity} day={self.day or '-'} asset={self.asset or '-'} "
            f"check={self.check or '-'} run={self.run_url}"
            + (f" counts: {counts}" if counts else "")
            + (f" - {self.description}" if self.description else "")
        )





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


def send(webhook: AlertWebhook, alert: "Alert", log: Log) -> bool:
    """Log the alert, then post it. True when the webhook took it; never raises."""
    (log.warning if alert.severity == "WARN" else log.error)(alert.log_line())
    if not webhook.url:
        log.info("GROUPS_ALERT_WEBHOOK_URL is not set: alert logged only")
        return False
    return webhook.post(alert.payload(), log)


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
        send(webhook, alert, log)
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
