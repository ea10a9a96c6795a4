"""The new-day sensor on a real source folder and a real (ephemeral) Dagster instance."""

import json
import os
import time
from pathlib import Path

import pytest
from dagster import AssetMaterialization, DagsterInstance, SensorResult, build_sensor_context

from groups_assets.definitions import defs
from groups_assets.names import INACTIVE_FLAGS, SYNC_DAY_JOB
from groups_assets.partitions import list_days, sync_days
from groups_assets.resources.source import SourceResource
from groups_assets.settings import build_resources

# The sensors as the code location ships them.
SHIPPED = defs()
new_day_sensor = SHIPPED.get_sensor_def("new_day_sensor")
SETTLE_ENV = "GROUPS_SENSOR_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 300


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def root(tmp_path) -> Path:
    folder = tmp_path / "source"
    folder.mkdir()
    return folder


def make_day(root: Path, day: str, marker: bool = True, age: float | None = None) -> Path:
    """A sync-<day> folder with one group file; `age` seconds: set every mtime that far back."""
    folder = root / f"sync-{day}"
    (folder / "admin_groups").mkdir(parents=True)
    (folder / "admin_groups" / "groups.json").write_text('{"group_id": 1}\n', encoding="utf-8")
    if marker:
        (folder / "_SUCCESS").touch()
    if age is not None:
        age_folder(folder, age)
    return folder


def age_folder(folder: Path, age: float) -> None:
    then = time.time() - age
    for current, _dirs, files in os.walk(folder):
        for name in files:
            os.utime(os.path.join(current, name), (then, then))
        os.utime(current, (then, then))


def evaluate(
    instance, root: Path, cursor: str | None = None, settle: float = DEFAULT_SETTLE_SECONDS
) -> SensorResult:
    """One tick of the shipped sensor, with the source resource of `root` and a settle time."""
    source = SourceResource(root=str(root), settle_seconds=settle)
    context = build_sensor_context(instance=instance, cursor=cursor, resources={"source": source})
    result = new_day_sensor(context)
    assert isinstance(result, SensorResult)
    return result


def requested(result: SensorResult) -> list[str]:
    days = [r.partition_key for r in result.run_requests or []]
    assert [r.run_key for r in result.run_requests or []] == days
    added = [k for req in result.dynamic_partitions_requests or [] for k in req.partition_keys]
    assert all(req.partitions_def_name == sync_days.name for req in result.dynamic_partitions_requests or [])
    assert added == [d for d in days if d in added], "the new partitions are requested days, in their order"
    return days


def loaded(instance, day: str) -> None:
    """The day's last asset materialized in the instance, as any door's run leaves it."""
    instance.add_dynamic_partitions(sync_days.name, [day])
    instance.report_runless_asset_event(AssetMaterialization(INACTIVE_FLAGS, partition=day))


def test_complete_folders_become_partitions_and_runs_oldest_first(instance, root):
    for day in ("day10", "day2", "day1"):
        make_day(root, day)
    result = evaluate(instance, root)
    days = requested(result)
    assert days == ["day1", "day2", "day10"]  # natural order, not text order
    assert json.loads(result.cursor)["requested"] == days


def test_folder_without_marker_waits_until_it_has_settled(instance, root):
    folder = make_day(root, "day3", marker=False)  # written just now
    result = evaluate(instance, root)
    assert requested(result) == []
    assert "waiting for day3" in result.skip_reason.skip_message

    age_folder(folder, DEFAULT_SETTLE_SECONDS - 30)  # quiet, but not long enough
    assert requested(evaluate(instance, root, result.cursor)) == []

    age_folder(folder, DEFAULT_SETTLE_SECONDS + 30)
    assert requested(evaluate(instance, root, result.cursor)) == ["day3"]


def test_a_recent_change_deep_inside_an_old_folder_keeps_it_waiting(instance, root):
    folder = make_day(root, "day4", marker=False, age=3600)
    (folder / "agents").mkdir()
    (folder / "agents" / "agents.json").write_text('{"agent_id": 1, "active": true}\n')
    os.utime(folder / "agents", (time.time() - 3600,) * 2)  # only the file itself is new
    assert requested(evaluate(instance, root)) == []


def test_marker_makes_a_folder_complete_at_once(instance, root):
    make_day(root, "day5", marker=False)
    result = evaluate(instance, root)
    assert requested(result) == []
    (root / "sync-day5" / "_SUCCESS").touch()
    assert requested(evaluate(instance, root, result.cursor)) == ["day5"]


def test_settle_time_comes_from_the_source_resource(instance, root):
    make_day(root, "day6", marker=False, age=10)
    assert requested(evaluate(instance, root)) == []
    assert requested(evaluate(instance, root, settle=5)) == ["day6"]


def test_the_settle_time_setting_is_read_from_the_environment_and_checked():
    assert build_resources({SETTLE_ENV: "5"})["source"].settle_seconds == 5
    assert build_resources({})["source"].settle_seconds == DEFAULT_SETTLE_SECONDS
    with pytest.raises(ValueError, match=SETTLE_ENV):
        build_resources({SETTLE_ENV: "soon"})


def skipped_lines(capfd) -> list[str]:
    """The sensor's "skipping folder" log lines (Dagster's sensor log writes to stderr)."""
    return [line for line in capfd.readouterr().err.splitlines() if "skipping folder" in line]


def test_bad_key_folders_are_skipped_and_logged_once(instance, root, tmp_path, capfd):
    make_day(root, "bad key")
    make_day(root, ".hidden")
    outside = tmp_path / "outside"
    make_day(outside, "x")
    (root / "sync-escape").symlink_to(outside / "sync-x", target_is_directory=True)
    make_day(root, "day1")
    (root / "notes.txt").write_text("not a day")
    (root / "other-folder").mkdir()

    capfd.readouterr()
    first = evaluate(instance, root)
    assert requested(first) == ["day1"]
    skipped = skipped_lines(capfd)
    assert len(skipped) == 3, skipped
    assert any("'sync-bad key'" in m and "not allowed" in m for m in skipped)
    assert any("'sync-escape'" in m and "outside the source root" in m for m in skipped)
    assert set(json.loads(first.cursor)["skipped"]) == {"sync-bad key", "sync-.hidden", "sync-escape"}

    second = evaluate(instance, root, first.cursor)
    assert requested(second) == []
    assert skipped_lines(capfd) == []


def test_evaluating_again_with_the_cursor_requests_nothing_twice(instance, root):
    make_day(root, "day1")
    make_day(root, "day2")
    first = evaluate(instance, root)
    assert requested(first) == ["day1", "day2"]
    # The partitions were not added (the daemon would add them): the cursor alone prevents repeats.
    second = evaluate(instance, root, first.cursor)
    assert requested(second) == []
    make_day(root, "day3")
    third = evaluate(instance, root, second.cursor)
    assert requested(third) == ["day3"]
    assert json.loads(third.cursor)["requested"] == ["day1", "day2", "day3"]


def test_a_day_already_loaded_is_not_requested(instance, root):
    make_day(root, "day1")
    make_day(root, "day2")
    loaded(instance, "day1")  # e.g. with groups-pipeline run
    assert requested(evaluate(instance, root)) == ["day2"]


def test_a_day_with_a_run_under_way_is_left_to_it_until_it_is_loaded(instance, root):
    """The daily fetch's run writes its day's folder and loads it: the sensor, ticking in between,
    does not start a second run of the day."""
    from dagster import DagsterRunStatus
    from dagster._core.test_utils import create_run_for_test

    make_day(root, "day1")
    make_day(root, "day2")
    run = create_run_for_test(
        instance, job_name="sync_day_job", tags={"dagster/partition": "day1"}, status=DagsterRunStatus.STARTED
    )
    result = evaluate(instance, root)
    assert requested(result) == ["day2"]
    instance.report_run_failed(run)  # the run ended without loading it: the day is new again
    assert requested(evaluate(instance, root, cursor=result.cursor)) == ["day1"]


def test_a_day_listed_as_a_partition_but_not_loaded_is_requested_and_not_added_again(instance, root):
    make_day(root, "day1")
    make_day(root, "day2")
    assert list_days(instance, root, settle=300) == ["day1", "day2"]  # as dev and a run list them
    result = evaluate(instance, root)
    assert requested(result) == ["day1", "day2"]
    assert result.dynamic_partitions_requests == []


def test_a_foreign_cursor_is_replaced_not_fatal(instance, root):
    make_day(root, "day1")
    loaded(instance, "day1")
    make_day(root, "day2")
    result = evaluate(instance, root, cursor="not json")
    assert requested(result) == ["day2"]
    assert json.loads(result.cursor) == {"requested": ["day2"], "skipped": []}


def test_a_missing_source_root_skips_with_a_reason(instance, tmp_path):
    result = evaluate(instance, tmp_path / "nowhere")
    assert requested(result) == []
    assert "is not a folder" in result.skip_reason.skip_message


def test_the_code_location_ships_the_sensors_off_with_their_job():
    sensors = {s.name: s for s in SHIPPED.sensors}
    assert set(sensors) == {"new_day_sensor", "check_failure_alerts", "run_failure_alerts", "alert_retries"}
    assert [t.job_name for t in sensors["new_day_sensor"].targets] == [SYNC_DAY_JOB]
    assert sensors["new_day_sensor"].minimum_interval_seconds == 30
    assert all(s.default_status.value == "STOPPED" for s in sensors.values())
