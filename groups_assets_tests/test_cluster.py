"""Scale-out is real: with Spark master local-cluster[2,1,1024] the executors are separate JVMs
(and separate Python workers), as on a cluster, and a failed task is run again; the day gives the
same tables as local[*]."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from groups_assets.warehouse.staging import FAULT_AFTER_STAGING
from groups_assets_tests.support import SAMPLE, dump

# A whole process per run (CLI, webserver, cluster or fault): the quick loop leaves it out.
pytestmark = pytest.mark.slow


def test_local_cluster_gives_the_same_tables_as_local_when_tasks_run_twice(cli_env, pipeline):
    """Every executor task's first attempt commits its rows to staging and then fails, so that
    Spark runs it again: the rows are staged once, and the day's checks pass."""
    env = cli_env | {
        "GROUPS_SPARK_MASTER": "local-cluster[2,1,1024]",
        FAULT_AFTER_STAGING: "admin_groups,agents",
    }
    done = subprocess.run(
        [sys.executable, "-m", "groups_assets", "run", "--day", "day1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "day day1: succeeded" in done.stdout
    # The fault fired: every task ran twice, one task per file of the folder.
    for folder in ("admin_groups", "agents"):
        tasks = sum(1 for p in (SAMPLE / "sync-day1" / folder).iterdir() if p.suffix in (".json", ".jsonl"))
        said = rf"  {folder}: read .*; {tasks} Spark task\(s\) run again, staged once"
        assert re.search(said, done.stdout), done.stdout
    assert "records_accounted           passed" in done.stdout

    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    pipeline.run("day1")  # the in-process local[2] session of the test suite

    assert dump(env["GROUPS_DATABASE_URL"], "public") == pipeline.dump()
