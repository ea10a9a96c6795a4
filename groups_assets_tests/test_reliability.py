"""Faults at the edges: an unreachable database, path tricks in the source, two days at once."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from groups_assets.days import BadDayKey, day_folder
from groups_assets_tests.oracle import loadable
from groups_assets_tests.support import SAMPLE, free_port, group, lines


def test_unreachable_database_fails_fast_names_host_and_hides_password(pipeline):
    pipeline.url = f"postgresql://loader:s3cret-pw@127.0.0.1:{free_port()}/warehouse"
    pipeline.write("d1", {"admin_groups/g.json": lines(group(1))})
    started = time.monotonic()
    result = pipeline.run("d1", expect_success=False)
    assert time.monotonic() - started < 60
    failures = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
    assert failures and "127.0.0.1" in failures[0] and "loader:***@" in failures[0]
    assert "GROUPS_DATABASE_URL" in failures[0]
    assert not result.get_asset_materialization_events(), "nothing may be written"
    every_message = " ".join(str(e) for e in result.all_events)
    assert "s3cret-pw" not in every_message


def test_day_keys_and_symlinks_cannot_leave_the_source_root(tmp_path):
    root = tmp_path / "root"
    (root / "sync-day1" / "admin_groups").mkdir(parents=True)
    outside = tmp_path / "outside"
    (outside / "admin_groups").mkdir(parents=True)
    (root / "sync-evil").symlink_to(outside, target_is_directory=True)
    for key in ("../outside", "/etc", "day1/../../outside", "evil"):
        with pytest.raises(BadDayKey):
            day_folder(root, key)
    assert day_folder(root, "day1") == root / "sync-day1"


def test_a_file_linked_from_outside_the_root_is_refused(pipeline, tmp_path):
    secret = tmp_path / "elsewhere.json"
    secret.write_text(lines(group(1)))
    folder = pipeline.write("d1", {"admin_groups/g.json": lines(group(2))})
    (folder / "admin_groups" / "linked.json").symlink_to(secret)
    result = pipeline.run("d1", expect_success=False)
    failures = [e.step_failure_data.error.message for e in result.all_events if e.is_step_failure]
    assert any("outside the source root" in m for m in failures)


def _dump_without_sync_day(url: str, schema: str) -> dict[str, list[tuple]]:
    import psycopg

    with psycopg.connect(url, options=f"-c search_path={schema}") as conn:
        return {
            "groups": conn.execute(
                "SELECT group_id, name, parent_group_id, updated_at, inactive, deleted FROM groups ORDER BY 1"
            ).fetchall(),
            "members": conn.execute("SELECT * FROM group_membership ORDER BY 1, 2").fetchall(),
            "agents": conn.execute(
                "SELECT agent_id, name, email, active, updated_at FROM agents ORDER BY 1"
            ).fetchall(),
            "rejects": conn.execute(
                "SELECT sync_day, source, source_file, record_no, reason FROM rejects ORDER BY 1, 2, 3, 4"
            ).fetchall(),
        }


@pytest.mark.slow
def test_runs_at_once_serialise_and_never_mix(cli_env, pipeline, tmp_path):
    """Three CLI runs started at the same moment:
    - day 2 and day 1 on one schema: no deadlock, no lost update, and the end state is that of
      running them one after the other (sync_day aside, which tells the order);
    - day 1 twice from the same GROUPS_HOME, with two source roots and two schemas (each schema
      its own Dagster home, the default): each schema gets exactly its own root's records."""
    other_root = tmp_path / "other"
    shutil.copytree(SAMPLE, other_root)
    (other_root / "sync-day1" / "agents" / "agents-2026-11-01-002.json").unlink()  # fewer agents
    agents = {
        schema: len(loadable(root / "sync-day1" / "agents", "agents")[0])
        for schema, root in (("concurrent", SAMPLE), ("other", other_root))
    }
    assert agents["concurrent"] != agents["other"]
    home = {"GROUPS_HOME": str(tmp_path / "home_day2"), "DAGSTER_HOME": str(tmp_path / "dagster_day2")}
    runs = {
        "day2": dict(cli_env, GROUPS_DB_SCHEMA="concurrent", **home),
        "day1": dict(cli_env, GROUPS_DB_SCHEMA="concurrent"),
        "day1 other": {k: v for k, v in cli_env.items() if k != "DAGSTER_HOME"}
        | {"GROUPS_DB_SCHEMA": "other", "GROUPS_SOURCE_ROOT": str(other_root)},
    }
    procs = {
        name: subprocess.Popen(
            [sys.executable, "-m", "groups_assets", "run", "--day", name.split()[0]],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, env in runs.items()
    }
    outputs = {name: proc.communicate(timeout=600) for name, proc in procs.items()}
    for name, proc in procs.items():
        out, err = outputs[name]
        assert proc.returncode == 0, name + ": " + out + err[-3000:]
    for name, schema in (("day1", "concurrent"), ("day1 other", "other")):
        out = outputs[name][0]
        assert f"loaded {agents[schema]}," in out.split("agents:")[1].splitlines()[0], out

    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    pipeline.run("day1")
    pipeline.run("day2")
    url = cli_env["GROUPS_DATABASE_URL"]
    assert _dump_without_sync_day(url, "concurrent") == _dump_without_sync_day(pipeline.url, pipeline.schema)
    assert len(_dump_without_sync_day(url, "other")["agents"]) == agents["other"]
