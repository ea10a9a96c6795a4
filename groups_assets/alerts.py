"""Alerts: what a finished run deserves (its failure, each failed check), delivered once.

The alert sensors (defs/sensors/alerts.py) call this for every run of this code location that
ends; what was delivered is kept on the run as tags, so nothing goes out twice and what the
webhook did not take is tried again until it is delivered or given up.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    AssetCheckEvaluation,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    RunFailureSensorContext,
    RunsFilter,
)

from groups_assets.errors import user_message
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


ALERTED_TAG = "groups/alerted"  # on a run: the alerts delivered (or logged) for it, comma separated
PENDING_TAG = "groups/alerts_pending"  # "true": some alert not delivered yet; "false"; "lost"
PENDING_SINCE_TAG = "groups/alerts_pending_since"  # epoch seconds of the first failed delivery
FAILURE_TAG = "groups/failure"  # a failed run's error, kept for the retries of its alert


def failed_checks(instance: DagsterInstance, run_id: str) -> list[AssetCheckEvaluation]:
    """The failed asset-check evaluations of a run (WARN and ERROR), last one per check."""
    latest: dict[tuple[str, str], AssetCheckEvaluation] = {}
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.get_dagster_event().asset_check_evaluation_data
        latest[(evaluation.asset_key.to_user_string(), evaluation.check_name)] = evaluation
    return [e for e in latest.values() if not e.passed]


def step_errors(context: RunFailureSensorContext) -> list[str]:
    """Each failed step's error, as its user would say it."""
    return [
        f"step {event.step_key}: {user_message(event.step_failure_data.error)}"
        for event in context.get_step_failure_events()
        if event.step_failure_data and event.step_failure_data.error
    ]


def failure_text(context: RunFailureSensorContext) -> str:
    """A failed run's message and its steps' errors, in one line."""
    parts = [context.failure_event.message or "the run failed", *step_errors(context)]
    return " | ".join(p.strip() for p in parts if p and p.strip())


def send(webhook: AlertWebhook, alert: Alert, log: Log) -> bool:
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


def _tags(run: DagsterRun) -> tuple[set[str], str]:
    return {key for key in run.tags.get(ALERTED_TAG, "").split(",") if key}, run.tags.get(PENDING_TAG, "")


def send_run_alerts(
    instance: DagsterInstance, run_id: str, webhook: AlertWebhook, log: Log, failure: str | None = None
) -> list[Alert]:
    """Send each alert of a finished run that was not delivered before; returns those delivered
    now (or logged, when no webhook is set).

    What was delivered is kept on the run (ALERTED_TAG), so no alert goes out twice. An alert the
    webhook did not take stays pending (PENDING_TAG): `alert_retries` tries it again on later
    ticks until it is delivered, or for GROUPS_ALERT_RETRY_HOURS, after which it is logged as lost.
    """
    run = instance.get_run_by_id(run_id)  # fresh: the context's copy may predate our tags
    if run is None:
        log.warning(f"alerts: run {run_id} is not in this instance; nothing sent")
        return []
    done, _ = _tags(run)
    failure = failure if failure is not None else run.tags.get(FAILURE_TAG)
    sent, undelivered = [], []
    for alert in run_alerts(instance, run, webhook, failure):
        if alert.key in done:
            continue
        if send(webhook, alert, log) or not webhook.url:
            done.add(alert.key)
            sent.append(alert)
        else:
            undelivered.append(alert)
    tags = {ALERTED_TAG: ",".join(sorted(done)), PENDING_TAG: "true" if undelivered else "false"}
    if undelivered:
        tags.setdefault(PENDING_SINCE_TAG, run.tags.get(PENDING_SINCE_TAG) or str(int(time.time())))
        if failure is not None:
            tags[FAILURE_TAG] = scrub(failure)
        log.warning(
            f"alerts: {len(undelivered)} alert(s) of run {run_id} not delivered; "
            "alert_retries tries them again on its next ticks"
        )
    instance.add_run_tags(run_id, tags)
    return sent


def retry_pending(instance: DagsterInstance, webhook: AlertWebhook, log: Log, give_up_hours: float) -> str:
    """One pass over the runs with undelivered alerts: deliver them, or give up on those pending
    longer than `give_up_hours` (each is logged as lost). Returns what was done, for the tick."""
    runs = instance.get_runs(filters=RunsFilter(tags={PENDING_TAG: "true"}), limit=200)
    delivered = lost = 0
    for run in runs:
        since = float(run.tags.get(PENDING_SINCE_TAG) or time.time())
        if time.time() - since > give_up_hours * 3600:
            done, _ = _tags(run)
            for alert in run_alerts(instance, run, webhook, run.tags.get(FAILURE_TAG)):
                if alert.key not in done:
                    log.error(f"alert LOST after {give_up_hours:g} h undelivered: {alert.log_line()}")
                    lost += 1
            instance.add_run_tags(run.run_id, {PENDING_TAG: "lost"})
            continue
        delivered += len(send_run_alerts(instance, run.run_id, webhook, log))
    still = len(instance.get_runs(filters=RunsFilter(tags={PENDING_TAG: "true"}), limit=200))
    return (
        f"{len(runs)} run(s) had undelivered alerts: {delivered} delivered, {lost} lost, "
        f"{still} run(s) still pending"
    )
