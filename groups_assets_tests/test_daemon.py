"""The operator's deployment, on the real parts: the Dagster daemon with the project's sensors on,
a real webhook receiver, runs from the command line and through the run queue.

- runs of the CLI (in process, no code location) are alerted like any other, once;
- two runs launched for the same day wait for each other in the run queue;
- the new-day sensor's idle ticks carry their reason (what the UI shows for a tick).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter
from dagster._core.definitions.run_request import InstigatorType
from dagster._core.scheduler.instigation import TickStatus

from groups_assets_tests.support import SAMPLE, lines

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ALERT_SENSORS = ("check_failure_alerts", "run_failure_alerts")


def _until(what: str, condition, timeout: float, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def _at_once(commands: list[list[str]], env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    """Run the commands at the same time (from the repository), for 10 minutes at most; their
    results, in order."""
    procs = [
        subprocess.Popen(c, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    deadline = time.monotonic() + 600
    try:
        outputs = [proc.communicate(timeout=max(1, deadline - time.monotonic())) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return [
        subprocess.CompletedProcess(c, p.returncode, out, err)
        for c, p, (out, err) in zip(commands, procs, outputs, strict=True)
    ]


@pytest.fixture
def deployment(cli_env, tmp_path, server):
    root = tmp_path / "source"
    shutil.copytree(SAMPLE, root, copy_function=shutil.copy)  # fresh mtimes: the folders look new
    for marker in root.glob("sync-*/_SUCCESS"):
        marker.unlink()  # ... and still being written: the new-day sensor waits for them
    garbage = lines(*["not json"] * 9, {"group_id": 5, "name": "x"})
    (root / "sync-bad" / "admin_groups").mkdir(parents=True)
    (root / "sync-bad" / "admin_groups" / "g.json").write_text(garbage)
    env = cli_env | {
        "GROUPS_SOURCE_ROOT": str(root),
        "GROUPS_ALERT_WEBHOOK_URL": server.url,
        "GROUPS_SENSOR_SETTLE_SECONDS": "3600",  # the sample folders have no _SUCCESS: they wait
    }
    start = [str(BIN / "groups-pipeline"), "sensors", "start"]
    started = subprocess.run(start, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stdout + started.stderr
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    try:
        with DagsterInstance.get() as instance:
            yield env, instance, daemon
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        try:
            daemon.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
        log.close()


def _sensor_cursors(instance: DagsterInstance) -> dict[str, str | None]:
    return {
        state.name: state.instigator_data.cursor if state.instigator_data else None
        for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
    }


def test_every_door_is_alerted_and_a_day_runs_one_at_a_time(deployment, server):
    env, instance, daemon = deployment
    # The run-status sensors alert runs that finish after their first tick: wait for it.
    first_tick = lambda: all(_sensor_cursors(instance).get(s) for s in ALERT_SENSORS)  # noqa: E731
    _until("the alert sensors' first tick", first_tick, 90)

    # A good day and a blocked one, run from the command line at the same time.
    good, blocked = _at_once(
        [[str(BIN / "groups-pipeline"), "run", "--day", day] for day in ("day1", "bad")], env
    )
    assert good.returncode == 0, good.stdout + good.stderr
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "Traceback" not in blocked.stdout + blocked.stderr and "Telemetry" not in blocked.stderr

    def alerts():
        bodies = server.bodies()
        return bodies if len(bodies) >= 8 else None

    # day1: its 5 failed WARN checks; the blocked day: the failed run, malformed_groups, reject_ratio.
    bodies = _until("8 alerts", alerts, 120)
    by_day: dict[str, list[tuple[str, str | None]]] = {}
    for body in bodies:
        by_day.setdefault(body["day"], []).append((body["kind"], body["check"]))
    day1_checks = (
        "hierarchy_cycles",
        "malformed_agents",
        "malformed_groups",
        "orphan_memberships",
        "orphan_parents",
    )
    assert sorted(by_day["day1"]) == [("check_failed", c) for c in day1_checks]
    assert ("run_failed", None) in by_day["bad"] and ("check_failed", "reject_ratio") in by_day["bad"]
    assert len(bodies) == len({(b["run_id"], b["kind"], b["check"]) for b in bodies}), "no alert twice"

    # Two launches of one day through the run queue: the second starts after the first ends.
    instance.add_dynamic_partitions("sync_days", ["day2"])
    command = [sys.executable, "-m", "dagster", "job", "launch", "-w", "workspace.yaml"]
    command += ["-j", "sync_day_job", "--tags", json.dumps({"dagster/partition": "day2"})]
    for launched in _at_once([command, command], env):
        assert launched.returncode == 0, launched.stdout + launched.stderr

    def finished():
        records = instance.get_run_records(RunsFilter(tags={"dagster/partition": "day2"}))
        ended = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE)
        done = [r for r in records if r.dagster_run.status in ended]
        return records if len(records) == 2 and len(done) == 2 else None

    first, second = sorted(_until("both day2 runs", finished, 300, every=2), key=lambda r: r.start_time)
    assert {r.dagster_run.status for r in (first, second)} == {DagsterRunStatus.SUCCESS}
    assert second.start_time >= first.end_time, "runs of the same day never overlap"

    # The new-day sensor's idle ticks say why they requested nothing (a tick still being
    # evaluated has no outcome yet).
    states = instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
    (state,) = [s for s in states if s.name == "new_day_sensor"]
    ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=20)
    ticks = [t for t in ticks if t.status != TickStatus.STARTED]
    assert ticks and {t.status for t in ticks} == {TickStatus.SKIPPED}, [(t.status, t.error) for t in ticks]
    reasons = [t.skip_reason or "" for t in ticks]
    assert all(r.startswith("no new complete sync-<day> folder") for r in reasons), reasons
    assert any("waiting for" in r and "day2" in r for r in reasons), reasons
    assert daemon.poll() is None, "the daemon is still up"
