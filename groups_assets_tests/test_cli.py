"""groups-pipeline from the command line, as a user runs it: a fresh database and Dagster home,
day 1 then day 2 of the sample data, the summary, exit codes and the tables."""

from __future__ import annotations

import gc
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from groups_assets_tests.support import free_port

# A whole process per run (CLI, webserver, cluster or fault): the quick loop leaves it out.
pytestmark = pytest.mark.slow


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "groups_assets", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_bad_day_keys_and_a_missing_source_root_exit_2_with_advice(cli_env, monkeypatch, capsys):
    """Refused before anything starts: the command line's own main(), in this process."""
    from groups_assets.cli.main import main

    for name in [k for k in os.environ if k.startswith(("GROUPS_", "DAGSTER_"))]:
        monkeypatch.delenv(name)
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    for args, advice in (
        (["--day", "../etc"], "not allowed"),
        (["--day", "day9"], "Days found under"),
        (["--day", "a/b"], "not allowed"),
        (["--day", ".hidden"], "not allowed"),
        (["run", "--day", "day1", "--source-root", "/nowhere"], "source root /nowhere is not a folder"),
        (["run", "--day", "day1", "--format", "jira"], "--format: source format 'jira' is not one of"),
    ):
        sigterm = signal.getsignal(signal.SIGTERM)
        try:
            assert main(args) == 2, args
        finally:  # what main() sets for a process of its own
            signal.signal(signal.SIGTERM, sigterm)
            gc.unfreeze()
        assert advice in capsys.readouterr().err, args


def test_day1_then_all_then_nothing_left(cli_env, tmp_path):
    """Day 1, a run refused for another schema's home, then --all (day 2 only), then --all with
    nothing left."""
    # A machine's first JVM records the class archive as it exits (the clean-up of the run's
    # scratch folder must let it); every later JVM maps it.
    cache = tmp_path / "cache"
    cli_env = cli_env | {"GROUPS_CACHE_DIR": str(cache)}
    first = (
        subprocess.run(
            ["groups-pipeline", "run", "--day", "day1"],
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if _on_path("groups-pipeline")
        else cli("--day", "day1", env=cli_env)
    )
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert "day day1: succeeded" in first.stdout
    assert first.stderr == ""  # the summary and nothing else, to its exit included
    assert "spark: a JVM of this process (local[*])" in first.stdout  # no warm server in this home
    assert "admin_groups: read 43, loaded 31, rejected 12" in first.stdout
    assert "memberships: 61 added, 0 removed" in first.stdout
    assert "history: 31 versions opened, 0 closed" in first.stdout
    archives = sorted(p.name for p in cache.iterdir())
    assert len(archives) == 1 and archives[0].endswith(".jsa"), archives
    assert sorted(Path(cli_env["TMPDIR"]).glob("groups-spark-*")) == []

    # Each database and schema has a Dagster home of its own by default; a home given for
    # another's tables is refused before any work, so a UI never shows a day failed that its
    # tables hold.
    refused = cli("run", "--day", "day2", env=cli_env | {"GROUPS_DB_SCHEMA": "elsewhere"})
    assert refused.returncode == 2
    assert f"the Dagster home {cli_env['DAGSTER_HOME']} records the runs of" in refused.stderr
    assert "schema public; this run writes" in refused.stderr and "schema elsewhere" in refused.stderr
    assert "unset DAGSTER_HOME" in refused.stderr

    # --all loads the days not yet loaded: day 2 only. With -Xshare:on a JVM that cannot map its
    # archive does not start: it proves the archive maps.
    second = cli("run", "--all", env=cli_env | {"JAVA_TOOL_OPTIONS": "-Xshare:on"})
    assert second.returncode == 0, second.stdout + second.stderr[-3000:]
    assert "day day2: succeeded" in second.stdout and "day day1" not in second.stdout
    assert second.stderr == ""
    assert "5 became inactive" in second.stdout
    # 1008, 1009, 1018, 1021 and 1022 flip to inactive; 1019 moves under 1006.
    assert (
        "history: 6 versions opened, 6 closed (groups); 3 versions opened, 2 closed (agents)" in second.stdout
    )
    assert re.search(r"records_accounted +passed", second.stdout), second.stdout
    assert "memberships: 1 added, 1 removed; 1 versions opened, 1 closed" in second.stdout

    with psycopg.connect(cli_env["GROUPS_DATABASE_URL"]) as conn:
        inactive = {r[0] for r in conn.execute("SELECT group_id FROM groups WHERE inactive")}
        rejects = conn.execute("SELECT count(*) FROM rejects").fetchone()[0]
    assert inactive == {1008, 1009, 1011, 1018, 1021, 1022, 1028}
    assert rejects == 39

    # Both days are materialized in the Dagster instance: --all has nothing left to do, and
    # starts no JVM for it.
    done = cli("run", "--all", env=cli_env)
    assert done.returncode == 0 and "nothing to do" in done.stdout
    logs = sorted((Path(cli_env["GROUPS_HOME"]) / "logs").glob("run-all-*.log"))
    assert len(logs) == 2
    assert ["jdk.incubator.vector" in log.read_text() for log in logs] == [True, False]  # the JVM's words


def _on_path(command: str) -> bool:
    return any((Path(p) / command).exists() for p in os.environ.get("PATH", "").split(os.pathsep))


def test_a_bad_setting_exits_2_naming_the_variable(cli_env):
    done = cli("run", "--day", "day1", env=cli_env | {"GROUPS_MAX_REJECT_RATIO": "lots"})
    assert done.returncode == 2
    assert "GROUPS_MAX_REJECT_RATIO='lots' is refused: Input should be a valid number" in done.stderr
    assert "checks.max_reject_ratio" in done.stderr


def test_the_log_a_failure_names_holds_the_failure(cli_env):
    """A run against a database that does not answer fails; the log file its summary names holds
    the error, the step's log, and Spark's and PostgreSQL's messages."""
    url = f"postgresql://loader:Log-s3cret@127.0.0.1:{free_port()}/warehouse"
    done = cli("run", "--day", "day2", env=cli_env | {"GROUPS_DATABASE_URL": url})
    assert done.returncode == 1
    (named,) = re.findall(r"details: (\S+\.log)", done.stdout)
    log = Path(named).read_text()
    assert "cannot connect to PostgreSQL at postgresql://loader:***@127.0.0.1" in log
    assert "Connection refused" in log  # PostgreSQL's client library's own words
    assert 'STEP_FAILURE - Execution of step "sync_day" failed' in log  # the step's log
    assert "jdk.incubator.vector" in log  # the Spark JVM's own messages from the run
    assert "Log-s3cret" not in log + done.stdout + done.stderr
    assert "dagster._core" not in done.stdout, "the summary gives the sentence, not the class"
