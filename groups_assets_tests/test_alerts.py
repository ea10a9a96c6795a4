"""Alerts against a real HTTP server on 127.0.0.1 and real runs in an ephemeral Dagster instance."""

import json
import logging
import time

import pytest
from dagster import (
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    DagsterInstance,
    Definitions,
    MetadataValue,
    asset,
    asset_check,
    build_run_status_sensor_context,
    build_sensor_context,
    define_asset_job,
)

from groups_assets.alerts import ALERTED_TAG, PENDING_SINCE_TAG, PENDING_TAG, Alert, scrub, send
from groups_assets.defs.sensors.alerts import alert_retries, check_failure_alerts, run_failure_alerts
from groups_assets.names import SYNC_DAY_JOB
from groups_assets.partitions import sync_days
from groups_assets.resources.alert_webhook import AlertWebhook, post_json

UI = "http://dagster.example:3000"
LOG = logging.getLogger("test_alerts")


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


def an_alert(**overrides) -> Alert:
    fields = dict(
        kind="check_failed",
        severity="WARN",
        run_id="0123456789abcdef",
        run_url=f"{UI}/runs/0123456789abcdef",
        job="sync_day_job",
        day="day2",
        asset="validated_groups",
        check="malformed_groups",
        description="13 malformed group record(s)",
        counts={"rejected": 13, "invalid_json": 1, "duplicate_group_id": 0},
    )
    fields.update(overrides)
    return Alert(**fields)


# --- posting ---------------------------------------------------------------------------------


def test_an_alert_is_delivered_as_slack_compatible_json(server):
    webhook = AlertWebhook(url=server.url, ui_base_url=UI)
    assert send(webhook, an_alert(), LOG) is True
    (post,) = server.posts
    assert post["path"] == server.path
    assert post["content_type"].startswith("application/json")
    body = post["json"]
    assert body["day"] == "day2"
    assert body["asset"] == "validated_groups"
    assert body["check"] == "malformed_groups"
    assert body["severity"] == "WARN"
    assert body["counts"] == {"rejected": 13, "invalid_json": 1, "duplicate_group_id": 0}
    assert body["run_url"] == f"{UI}/runs/0123456789abcdef"
    text = body["text"]
    assert "malformed_groups" in text and "day day2" in text and "WARN" in text
    assert "rejected 13" in text and "duplicate_group_id" not in text  # zero counts stay out of the text
    assert f"<{UI}/runs/0123456789abcdef|run 01234567>" in text


def test_a_server_error_is_retried_a_bounded_number_of_times_then_given_up(server):
    server.status = 500
    started = time.monotonic()
    assert post_json(server.url, {"text": "x"}, attempts=3, backoff=0.05) is False
    assert len(server.posts) == 3
    assert time.monotonic() - started < 2


def test_a_slow_server_times_out_and_is_given_up(server):
    server.delay = 1.0
    started = time.monotonic()
    assert post_json(server.url, {"text": "x"}, timeout=0.2, attempts=2, backoff=0.05) is False
    assert len(server.posts) == 2
    assert time.monotonic() - started < 1.5  # two 0.2 s timeouts and a 0.05 s wait, not the 1 s sleeps


def test_a_refused_request_is_not_retried(server):
    server.status = 400
    assert post_json(server.url, {"text": "x"}, attempts=3, backoff=0.05) is False
    assert len(server.posts) == 1


def test_a_webhook_nobody_listens_on_is_given_up_quickly(server):
    url = server.url
    server.shutdown()
    server.server_close()  # the port is closed now: connection refused
    started = time.monotonic()
    assert post_json(url, {"text": "x"}, timeout=1, attempts=2, backoff=0.05) is False
    assert time.monotonic() - started < 2


def test_after_a_give_up_the_webhook_rests_and_alerts_are_only_logged(server, caplog):
    server.status = 503
    webhook = AlertWebhook(url=server.url, attempts=2, backoff_seconds=0.01, cooldown_seconds=60)
    assert send(webhook, an_alert(), LOG) is False
    assert send(webhook, an_alert(check="malformed_agents"), LOG) is False
    assert len(server.posts) == 2, "the second alert is not posted while the webhook rests"
    err = caplog.text
    assert "check=malformed_agents" in err and "not posted" in err
    assert "not-a-real-secret" not in err, "the webhook's path (its secret) is never logged"


def test_without_a_webhook_alerts_are_logged_only(caplog):
    caplog.set_level(logging.INFO)
    assert send(AlertWebhook(), an_alert(), LOG) is False
    assert "GROUPS_ALERT_WEBHOOK_URL is not set" in caplog.text
    err = caplog.text
    assert "ALERT check_failed severity=WARN day=day2 asset=validated_groups check=malformed_groups" in err


def test_passwords_never_reach_an_alert():
    text = scrub(
        "cannot reach postgresql://loader:s3cret@db.internal:5432/wh "
        "(host=db user=loader password=hunter2 dbname=wh)"
    )
    assert "s3cret" not in text and "hunter2" not in text
    assert "postgresql://loader:***@db.internal:5432/wh" in text
    assert len(scrub("x" * 5000)) <= 600


# --- alerts from real runs -------------------------------------------------------------------


@asset(partitions_def=sync_days)
def thing() -> int:
    return 1


@asset_check(asset=thing)
def thing_rows_rejected() -> AssetCheckResult:
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.WARN,
        description="3 malformed record(s)",
        metadata={"rejected": 3, "invalid_json": 0, "ratio": 0.5, "sample": MetadataValue.md("| a |")},
    )


@asset_check(asset=thing)
def thing_cycles() -> AssetCheckResult:
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR, metadata={"count": 2})


@asset_check(asset=thing)
def thing_fine() -> AssetCheckResult:
    return AssetCheckResult(passed=True, metadata={"count": 0})


@asset(partitions_def=sync_days)
def broken() -> int:
    raise RuntimeError("could not connect to postgresql://loader:hunter2@db.internal:5432/wh")


def run_day(instance, assets, day="day7", raise_on_error=True):
    """A run of these assets under the job name the alert sensors watch (the CLI's job)."""
    if not instance.has_dynamic_partition(sync_days.name, day):
        instance.add_dynamic_partitions(sync_days.name, [day])
    checks = [a for a in assets if isinstance(a, AssetChecksDefinition)]
    job = Definitions(
        assets=[a for a in assets if a not in checks],
        asset_checks=checks,
        jobs=[define_asset_job(SYNC_DAY_JOB, partitions_def=sync_days)],
    ).resolve_job_def(SYNC_DAY_JOB)
    return job.execute_in_process(instance=instance, partition_key=day, raise_on_error=raise_on_error)


def test_each_failed_check_of_a_green_run_alerts_once(server, instance):
    result = run_day(instance, [thing, thing_rows_rejected, thing_cycles, thing_fine])
    assert result.success, "non-blocking failed checks leave the run green"
    run_id = result.run_id
    webhook = AlertWebhook(url=server.url, ui_base_url=UI)

    def evaluate():
        context = build_run_status_sensor_context(
            sensor_name=check_failure_alerts.name,
            dagster_event=result.get_run_success_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"alerts": webhook},
        )
        check_failure_alerts(context)

    evaluate()
    bodies = sorted(server.bodies(), key=lambda b: b["check"])
    assert [(b["asset"], b["check"], b["severity"], b["day"]) for b in bodies] == [
        ("thing", "thing_cycles", "ERROR", "day7"),
        ("thing", "thing_rows_rejected", "WARN", "day7"),
    ]
    assert bodies[1]["counts"] == {"rejected": 3, "invalid_json": 0, "ratio": 0.5}
    assert bodies[1]["description"] == "3 malformed record(s)"
    assert {b["run_url"] for b in bodies} == {f"{UI}/runs/{run_id}"}
    assert instance.get_run_by_id(run_id).tags[ALERTED_TAG] == "thing:thing_cycles,thing:thing_rows_rejected"

    evaluate()
    assert len(server.posts) == 2, "evaluating the same run again posts nothing more"


def test_the_sensor_tick_alerts_each_run_once_even_with_a_stale_cursor(server, instance):
    """Through Dagster's own run-status cursoring, as the daemon evaluates it."""
    resources = {"alerts": AlertWebhook(url=server.url, ui_base_url=UI)}
    start = check_failure_alerts.evaluate_tick(build_sensor_context(instance=instance, resources=resources))
    run_day(instance, [thing, thing_rows_rejected])

    first = check_failure_alerts.evaluate_tick(
        build_sensor_context(instance=instance, cursor=start.cursor, resources=resources)
    )
    assert [b["check"] for b in server.bodies()] == ["thing_rows_rejected"]
    check_failure_alerts.evaluate_tick(
        build_sensor_context(instance=instance, cursor=first.cursor, resources=resources)
    )
    # A tick whose cursor was lost (timed out, reset) sees the run again: the run's tag stops a repeat.
    check_failure_alerts.evaluate_tick(
        build_sensor_context(instance=instance, cursor=start.cursor, resources=resources)
    )
    assert len(server.posts) == 1


def test_a_failed_run_alerts_once_without_its_password(server, instance):
    result = run_day(instance, [broken], raise_on_error=False)
    assert not result.success
    webhook = AlertWebhook(url=server.url, ui_base_url=UI)

    def evaluate():
        context = build_run_status_sensor_context(
            sensor_name=run_failure_alerts.name,
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"alerts": webhook},
        )
        run_failure_alerts(context)

    evaluate()
    evaluate()
    (post,) = server.posts
    body = post["json"]
    assert body["kind"] == "run_failed" and body["severity"] == "ERROR" and body["day"] == "day7"
    assert body["check"] is None and body["run_url"] == f"{UI}/runs/{result.run_id}"
    assert (
        "step broken: RuntimeError: could not connect to postgresql://loader:***@db.internal:5432/wh"
        in body["text"]
    )
    assert "hunter2" not in json.dumps(body)


def check_context(result, instance, webhook):
    return build_run_status_sensor_context(
        sensor_name=check_failure_alerts.name,
        dagster_event=result.get_run_success_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"alerts": webhook},
    )


def retry_tick(instance, webhook):
    return alert_retries(build_sensor_context(instance=instance, resources={"alerts": webhook}))


def test_a_webhook_that_is_down_does_not_break_the_sensor_and_loses_nothing(server, instance, capfd):
    server.status = 500
    result = run_day(instance, [thing, thing_rows_rejected, thing_cycles])
    webhook = AlertWebhook(url=server.url, attempts=3, backoff_seconds=0.01, cooldown_seconds=0)
    check_failure_alerts(check_context(result, instance, webhook))  # does not raise
    assert len(server.posts) == 6, "three tries for each alert"
    err = capfd.readouterr().err
    assert "check=thing_cycles" in err and "check=thing_rows_rejected" in err, "both alerts are logged"
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags[PENDING_TAG] == "true" and tags[ALERTED_TAG] == "", "nothing is marked as sent"

    server.status = 200  # the receiver is back: the next retry tick delivers both, once
    skip = retry_tick(instance, webhook)
    assert "2 delivered" in skip.skip_message
    assert sorted(b["check"] for b in server.bodies()[6:]) == ["thing_cycles", "thing_rows_rejected"]
    assert instance.get_run_by_id(result.run_id).tags[PENDING_TAG] == "false"
    retry_tick(instance, webhook)
    check_failure_alerts(check_context(result, instance, webhook))
    assert len(server.posts) == 8, "delivered alerts are never sent again"


def test_an_alert_undelivered_past_the_retry_time_is_logged_as_lost(server, instance, capfd):
    server.status = 503
    result = run_day(instance, [thing, thing_rows_rejected])
    webhook = AlertWebhook(url=server.url, attempts=1, cooldown_seconds=0, retry_hours=6)
    check_failure_alerts(check_context(result, instance, webhook))
    instance.add_run_tags(result.run_id, {PENDING_SINCE_TAG: str(int(time.time()) - 5 * 3600)})
    assert "0 lost" in retry_tick(instance, webhook).skip_message, "within the webhook's retry hours"
    instance.add_run_tags(result.run_id, {PENDING_SINCE_TAG: str(int(time.time()) - 7 * 3600)})
    skip = retry_tick(instance, webhook)
    assert "1 lost" in skip.skip_message
    err = capfd.readouterr().err
    assert "alert LOST after 6 h undelivered" in err and "check=thing_rows_rejected" in err
    assert instance.get_run_by_id(result.run_id).tags[PENDING_TAG] == "lost"
    posts = len(server.posts)
    retry_tick(instance, webhook)
    assert len(server.posts) == posts, "a lost alert is not tried again"
