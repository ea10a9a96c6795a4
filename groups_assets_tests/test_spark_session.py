"""The Spark session's JVM is started with the compilers chosen for the size of the day: C1 alone
for a small day, C1 and C2 for a large one; its scratch files go with the process
(resources/spark.py, runtime/spark_session.py)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from groups_assets.days import day_bytes, list_days
from groups_assets.resources.source import SourceResource
from groups_assets.runtime.spark_session import FULL_JIT_BYTES, jit_options
from groups_assets_tests.support import SAMPLE

# The session as the step gets it: from the Spark resource, for a day of the given size.
_RESOURCE = """
from groups_assets.resources.spark import SparkResource
spark_resource = SparkResource(master="local[1]")
"""


@pytest.mark.parametrize(
    "input_bytes, c1_only",
    [(0, True), (FULL_JIT_BYTES - 1, True), (FULL_JIT_BYTES, False), (10 * FULL_JIT_BYTES, False)],
)
def test_compilers_follow_the_size_of_the_day(input_bytes, c1_only):
    options = jit_options(input_bytes).split()
    assert ("-XX:TieredStopAtLevel=1" in options) is c1_only
    assert ("-XX:-DontCompileHugeMethods" in options) is not c1_only


def test_a_session_started_for_a_day_runs_its_compilers(spark):
    """The test session was started as the step starts one, for a day of 0 bytes: its JVM runs
    with the options jit_options chose."""
    jvm = spark.sparkContext._jvm
    arguments = list(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert set(jit_options(0).split()) <= set(arguments), arguments


def test_the_cli_sizes_a_day_as_the_step_reads_it(tmp_path):
    """The CLI sizes the JVM before Dagster loads; it must count exactly the files the step reads
    (not _SUCCESS, not a stray file next to the source folders)."""
    root = tmp_path / "source"
    shutil.copytree(SAMPLE, root)
    for day in list_days(root):
        (root / f"sync-{day}" / "notes").mkdir()
        (root / f"sync-{day}" / "notes" / "extra.json").write_text("{}" * 1000)
        (root / f"sync-{day}" / "admin_groups" / "README.txt").write_text("x" * 1000)
    source = SourceResource(root=str(root))
    for day in list_days(root):
        assert day_bytes(root, day, ("admin_groups", "agents")) == source.day_files(day).size() > 0


_SCRATCH_PROBE = (
    _RESOURCE
    + """
from pathlib import Path
spark = spark_resource.session(1)
assert spark.range(1000).selectExpr("id % 7 AS k").groupBy("k").count().count() == 7
folder = Path(spark.conf.get("spark.local.dir"))
print(folder, " ".join(sorted(p.name.split("-")[0] for p in folder.iterdir())))
"""
)


@pytest.mark.slow
def test_spark_scratch_files_go_with_the_process(tmp_path):
    """PySpark kills its JVM at exit, before Spark can remove its folders: the session's scratch
    folder is one of the process's own, under $TMPDIR, removed at exit."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    env.pop("SPARK_LOCAL_DIRS", None)
    done = subprocess.run(
        [sys.executable, "-c", _SCRATCH_PROBE], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    folder, *kinds = done.stdout.split()
    assert Path(folder).parent == scratch
    assert "blockmgr" in kinds and "spark" in kinds  # Spark's folders were made there
    deadline = time.monotonic() + 30  # the killed JVM may take a moment to go
    while (left := sorted(p.name for p in scratch.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left == []


@pytest.mark.slow
def test_scratch_folders_of_gone_processes_are_swept(tmp_path):
    """A process killed with SIGKILL cannot remove its scratch folder: the next process that
    starts a Spark removes the folders whose process is gone, and only those."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = scratch / f"groups-spark-{int(gone.stdout)}-abc"
    live = scratch / f"groups-spark-{os.getpid()}-def"  # this test's own process: alive
    for folder in (dead, live):
        (folder / "blockmgr-1").mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(scratch)}
    env.pop("SPARK_LOCAL_DIRS", None)
    done = subprocess.run(
        [sys.executable, "-c", _SCRATCH_PROBE], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not dead.exists() and live.exists()


@pytest.mark.slow
def test_a_run_stopped_by_sigterm_leaves_no_scratch_folder(cli_env):
    """A SIGTERM is a normal stop (a service manager's, `kill`): the run ends as on Ctrl-C and
    its exit handlers remove its scratch folder."""
    scratch = Path(cli_env["TMPDIR"])
    run = subprocess.Popen(
        [sys.executable, "-m", "groups_assets", "run", "--day", "day1"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not list(scratch.glob("groups-spark-*")) and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert list(scratch.glob("groups-spark-*")), "the run's Spark made its scratch folder"
    run.send_signal(signal.SIGTERM)
    out, err = run.communicate(timeout=120)
    assert run.returncode in (0, 1), out + err[-3000:]
    deadline = time.monotonic() + 30  # the killed JVM may take a moment to go
    while (left := sorted(p.name for p in scratch.glob("groups-spark-*"))) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert left == []
