"""A run stopped from outside (Ctrl-C, SIGTERM): the exit status and the words the user reads."""

from __future__ import annotations

import os
import subprocess
import sys

from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._utils.error import serializable_error_info_from_exc_info

from groups_assets.errors import user_message

# A run whose stop lands in code that Dagster generates with exec() (its records' constructors):
# CPython would end such a process by SIGINT whatever status main returns. Run as a module, as
# `python -m groups_assets` and the console script run main.
_STOPPED_IN_GENERATED_CODE = """
import sys
from groups_assets.cli import main as cli

def run(args):
    exec("raise KeyboardInterrupt")

cli.run = run
sys.exit(cli.main(["run", "--day", "day1"]))
"""


def test_a_stopped_run_exits_1_wherever_the_stop_lands(tmp_path):
    (tmp_path / "stopped_run.py").write_text(_STOPPED_IN_GENERATED_CODE)
    done = subprocess.run(
        [sys.executable, "-m", "stopped_run"],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert done.stderr == "groups-pipeline: stopped; the day's tables are as they were before it\n"


def test_a_step_stopped_from_outside_reads_as_a_stop_not_as_a_class():
    try:
        raise DagsterExecutionInterruptedError()
    except DagsterExecutionInterruptedError:
        error = serializable_error_info_from_exc_info(sys.exc_info())
    assert user_message(error) == "stopped (Ctrl-C or SIGTERM) before it finished"
