"""The Dagster UI, as a user opens it: `groups-pipeline dev` (the webserver and the daemon on the
repository's workspace.yaml, and a Spark Connect server that the UI's runs use), its GraphQL API
showing the asset graph, a partition added and day 1 materialized from there, a backfill of both
sample days run by the daemon, then a clean shutdown. Real webserver, real code server, real
daemon, real run workers, real Spark and PostgreSQL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from groups_assets_tests.support import ASSETS, SAMPLE, dump, free_port

# A whole process per run (CLI, webserver, cluster or fault): the quick loop leaves it out.
pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CHECKS = {
    ("validated_groups", "malformed_groups"),
    ("validated_memberships", "malformed_memberships"),
    ("validated_groups", "reject_ratio"),
    ("validated_agents", "malformed_agents"),
    ("groups_table", "orphan_parents"),
    ("groups_table", "hierarchy_cycles"),
    ("groups_table", "records_accounted"),
    ("membership_table", "orphan_memberships"),
    ("group_history", "history_versions"),
    ("membership_history", "membership_history_versions"),
    ("agent_history", "agent_history_versions"),
}
JOB = "sync_day_job"
# (resource, field) of every setting of README's configuration table that changes a run.
SETTINGS_SHOWN = {
    ("source", "root"),
    ("source", "format"),
    ("source", "settle_seconds"),
    ("postgres", "url"),
    ("postgres", "schema_name"),
    ("postgres", "first_load"),
    ("spark", "master"),
    ("spark", "home"),
    ("spark", "cache_dir"),
    ("checks", "max_reject_ratio"),
    ("checks", "timeout_seconds"),
    ("alerts", "ui_base_url"),
    ("alerts", "retry_hours"),
}
DAY = "day1"
BACKFILL_DAYS = ["day1", "day2"]
PASSWORD = "Ui-s3cret:p@ss"

# Runs go through the daemon's queue, one at a time and polled every second: a backfill's days
# then apply in the order their runs started, which the test reads back to replay them.
INSTANCE_YAML = """\
run_coordinator:
  module: dagster.core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: 1
    dequeue_interval_seconds: 1
telemetry:
  enabled: false
"""

WORKSPACE_QUERY = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""
GRAPH_QUERY = """
{ repositoriesOrError { __typename ... on RepositoryConnection { nodes {
    name location { name }
    jobs { name isAssetJob }
    assetNodes {
      assetKey { path }
      isPartitioned
      partitionDefinition { type name }
      partitionKeys
      assetChecksOrError { __typename ... on AssetChecks { checks { name } } }
    }
} } } }
"""
ADD_PARTITION = """
mutation($repo: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $repo, partitionsDefName: $name, partitionKey: $key) {
    __typename
    ... on AddDynamicPartitionSuccess { partitionsDefName partitionKey }
    ... on PythonError { message }
  }
}
"""
LAUNCH_RUN = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId status } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on InvalidSubsetError { message }
    ... on PipelineNotFoundError { message }
  }
}
"""
LAUNCH_BACKFILL = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
  }
}
"""
BACKFILL_QUERY = """
query($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename ... on PartitionBackfill {
    status runs { runId status startTime tags { key value } } } } }
"""
RESOURCES_QUERY = """
query($repo: RepositorySelector!) { allTopLevelResourceDetailsOrError(repositorySelector: $repo) {
    __typename ... on ResourceDetailsList { results { name configuredValues { key value type } } } } }
"""
RUN_QUERY = """
query($runId: ID!) { runOrError(runId: $runId) { __typename ... on Run {
    status tags { key value } runConfigYaml
    eventConnection(limit: 500) { events { __typename
        ... on MessageEvent { message level }
        ... on ExecutionStepFailureEvent { error { message } } } }
} } }
"""
AFTER_RUN_QUERY = """
{ assetNodes { assetKey { path }
    assetPartitionStatuses { __typename ... on DefaultPartitionStatuses { materializedPartitions } }
    assetChecksOrError { ... on AssetChecks { checks { name
        executionForLatestMaterialization { runId status partition evaluation { severity } } } } }
} }
"""


class _DevLogs:
    """What `dev` showed its user, then its log file (the processes' output), for diagnostics."""

    def __init__(self, terminal: Path, folder: Path) -> None:
        self.terminal, self.folder = terminal, folder

    def read_text(self) -> str:
        files = sorted(self.folder.glob("dev-*.log"))
        return self.terminal.read_text() + "".join(p.read_text(errors="replace") for p in files)


def _graphql(port: int, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer = json.loads(response.read())
    assert not answer.get("errors"), answer["errors"]
    return answer["data"]


def _wait_loaded(port: int, server: subprocess.Popen, log: Path, deadline: float) -> None:
    """Wait until the webserver answers and the code location is LOADED (not an error)."""
    while True:
        assert server.poll() is None, f"webserver exited {server.returncode}:\n{log.read_text()[-4000:]}"
        assert time.monotonic() < deadline, f"webserver not ready in time:\n{log.read_text()[-4000:]}"
        try:
            entries = _graphql(port, WORKSPACE_QUERY, timeout=5)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
            continue
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            for entry in entries:
                loaded = entry["locationOrLoadError"]
                assert loaded["__typename"] == "RepositoryLocation", loaded
            return
        time.sleep(0.5)


def _listening(root: psutil.Process) -> list[tuple[str, int, int]]:
    """(address, port, pid) of every TCP socket listening in the process or its descendants."""
    found = []
    for proc in [root, *root.children(recursive=True)]:
        try:
            conns = proc.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        found += [
            (c.laddr.ip.removeprefix("::ffff:"), c.laddr.port, proc.pid)  # IPv4 on an IPv6 socket
            for c in conns
            if c.status == psutil.CONN_LISTEN
        ]
    return found


TERMINAL = ("SUCCESS", "FAILURE", "CANCELED")


def _finished_in_process(port: int, run_id: str, log: Path) -> dict:
    """The run, once it has ended: it succeeded, ran every step in one process (so one Spark
    session), and shows the password nowhere."""
    deadline = time.monotonic() + 150
    while True:
        run = _graphql(port, RUN_QUERY, {"runId": run_id})["runOrError"]
        if run["status"] in TERMINAL:
            break
        assert time.monotonic() < deadline, f"run {run_id} still {run['status']}"
        time.sleep(1)
    failures = [
        (e.get("error") or {}).get("message") or e.get("message")
        for e in run["eventConnection"]["events"]
        if e["__typename"] in ("ExecutionStepFailureEvent", "RunFailureEvent")
    ]
    assert run["status"] == "SUCCESS", failures or log.read_text()[-4000:]
    messages = [e.get("message") or "" for e in run["eventConnection"]["events"]]
    assert any("Executing steps in process" in m for m in messages), messages[:20]
    assert not any("multiprocess" in m for m in messages)
    assert PASSWORD not in json.dumps(run)
    return run


@pytest.fixture
def ui_env(cli_env) -> dict[str, str]:
    """A user's environment (conftest.cli_env) whose Dagster instance runs one run at a time
    (INSTANCE_YAML), with a password in the database URL (the test server trusts local
    connections, so any will do)."""
    dagster_home = Path(cli_env["DAGSTER_HOME"])
    dagster_home.mkdir(parents=True)
    (dagster_home / "dagster.yaml").write_text(INSTANCE_YAML)
    return cli_env | {"GROUPS_DATABASE_URL": make_conninfo(cli_env["GROUPS_DATABASE_URL"], password=PASSWORD)}


def test_ui_shows_the_graph_and_materializes_a_day(ui_env, tmp_path, pipeline):
    started = time.monotonic()
    port, spark_port = free_port(), free_port()
    terminal = tmp_path / "dev.out"  # what `dev` shows its user
    log = _DevLogs(terminal, Path(ui_env["GROUPS_HOME"]) / "logs")
    command = [sys.executable, "-m", "groups_assets", "dev", "--port", str(port)]
    command += ["--spark-port", str(spark_port)]
    with terminal.open("w") as out:
        # A session of its own, as a terminal's foreground job: Ctrl-C reaches every process of it.
        server = subprocess.Popen(
            command, cwd=REPO, env=ui_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_loaded(port, server, log, deadline=started + 120)
        loaded_in = time.monotonic() - started

        # Loopback only: the webserver, its code server and anything else it started.
        listening = _listening(psutil.Process(server.pid))
        assert any(port_ == port for _, port_, _ in listening), listening
        assert {ip for ip, _, _ in listening} <= {"127.0.0.1"}, listening

        # The asset graph, its checks and the job, as the UI sees them.
        (repo,) = _graphql(port, GRAPH_QUERY)["repositoriesOrError"]["nodes"]
        nodes = {n["assetKey"]["path"][-1]: n for n in repo["assetNodes"]}
        assert set(nodes) == ASSETS
        assert all(n["isPartitioned"] for n in nodes.values())
        assert {n["partitionDefinition"]["name"] for n in nodes.values()} == {"sync_days"}
        assert {n["partitionDefinition"]["type"] for n in nodes.values()} == {"DYNAMIC"}
        assert all(n["partitionKeys"] == [] for n in nodes.values())  # a fresh instance: no days yet
        checks = {
            (asset, check["name"])
            for asset, n in nodes.items()
            for check in n["assetChecksOrError"].get("checks", [])
        }
        assert checks == CHECKS
        assert JOB in {j["name"] for j in repo["jobs"]}
        selector = {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"]}

        # Add the day as a partition, as "Add partition" in the materialize dialog does.
        added = _graphql(port, ADD_PARTITION, {"repo": selector, "name": "sync_days", "key": DAY})
        assert added["addDynamicPartition"] == {
            "__typename": "AddDynamicPartitionSuccess",
            "partitionsDefName": "sync_days",
            "partitionKey": DAY,
        }
        (repo,) = _graphql(port, GRAPH_QUERY)["repositoriesOrError"]["nodes"]
        assert all(n["partitionKeys"] == [DAY] for n in repo["assetNodes"])

        # The resource page shows every setting of a run (README's configuration table), and no
        # secret: the database URL is shown as the name of its environment variable.
        resources = _graphql(port, RESOURCES_QUERY, {"repo": selector})["allTopLevelResourceDetailsOrError"]
        shown = {r["name"]: {v["key"]: v for v in r["configuredValues"]} for r in resources["results"]}
        assert {(name, key) for name, values in shown.items() for key in values} >= SETTINGS_SHOWN, shown
        assert shown["postgres"]["url"]["type"] == "ENV_VAR", shown["postgres"]
        assert shown["postgres"]["url"]["value"] == "GROUPS_DATABASE_URL"
        assert PASSWORD not in json.dumps(resources)
        assert shown["source"]["root"]["value"] == json.dumps(ui_env["GROUPS_SOURCE_ROOT"])
        # The UI's runs use the warm Spark that `dev` started; its alerts link to this UI's port.
        assert shown["spark"]["master"]["value"] == json.dumps(f"sc://127.0.0.1:{spark_port}"), shown["spark"]
        assert shown["alerts"]["ui_base_url"]["value"] == json.dumps(f"http://127.0.0.1:{port}")

        # *Materialize* from the lineage page: the implicit asset job over every asset, one day.
        params = {
            "selector": {
                **selector,
                "jobName": "__ASSET_JOB",
                "assetSelection": [{"path": [name]} for name in sorted(ASSETS)],
                "assetCheckSelection": [
                    {"assetKey": {"path": [asset]}, "name": check} for asset, check in sorted(CHECKS)
                ],
            },
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": DAY}]},
        }
        launched = _graphql(port, LAUNCH_RUN, {"params": params})["launchRun"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        launched_at = time.monotonic()

        run = _finished_in_process(port, run_id, log)
        assert {"key": "dagster/partition", "value": DAY} in run["tags"]

        # Every asset of the day is materialized, and every check ran on it.
        after = {n["assetKey"]["path"][-1]: n for n in _graphql(port, AFTER_RUN_QUERY)["assetNodes"]}
        for name in ASSETS:
            assert after[name]["assetPartitionStatuses"]["materializedPartitions"] == [DAY], name
        executions = {
            (asset, c["name"]): c["executionForLatestMaterialization"]
            for asset, n in after.items()
            for c in n["assetChecksOrError"].get("checks", [])
        }
        assert set(executions) == CHECKS
        # WARN checks may fail on the sample data (it has bad rows on purpose); none may crash.
        assert all(
            e and e["runId"] == run_id and e["status"] in ("SUCCEEDED", "FAILED") for e in executions.values()
        ), executions
        ran_in = time.monotonic() - launched_at
        with psycopg.connect(ui_env["GROUPS_DATABASE_URL"]) as conn:
            assert conn.execute("SELECT count(*) FROM groups").fetchone()[0] == 31

        # A backfill of both days from the asset graph (Materialize, a range of partitions): the
        # daemon launches a run per day, each in process, as the UI's own runs.
        backfill_started = time.monotonic()
        added = _graphql(port, ADD_PARTITION, {"repo": selector, "name": "sync_days", "key": "day2"})
        assert added["addDynamicPartition"]["__typename"] == "AddDynamicPartitionSuccess", added
        backfill = {
            "partitionNames": BACKFILL_DAYS,
            "assetSelection": [{"path": [name]} for name in sorted(ASSETS)],
            "fromFailure": False,
        }
        launched = _graphql(port, LAUNCH_BACKFILL, {"params": backfill})["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]
        deadline = time.monotonic() + 300  # the daemon looks for new backfills every 30 s
        while True:
            runs = _graphql(port, BACKFILL_QUERY, {"id": backfill_id})["partitionBackfillOrError"]["runs"]
            if len(runs) == len(BACKFILL_DAYS) and all(r["status"] in TERMINAL for r in runs):
                break
            assert time.monotonic() < deadline, f"backfill {backfill_id}: {runs}\n{log.read_text()[-4000:]}"
            time.sleep(1)
        for backfill_run in runs:
            run = _finished_in_process(port, backfill_run["runId"], log)
            assert {"key": "dagster/backfill", "value": backfill_id} in run["tags"]
        # One run at a time (INSTANCE_YAML): the order they started is the order the days applied.
        backfill_order = [
            t["value"]
            for r in sorted(runs, key=lambda r: r["startTime"])
            for t in r["tags"]
            if t["key"] == "dagster/partition"
        ]
        assert sorted(backfill_order) == BACKFILL_DAYS
        after = {n["assetKey"]["path"][-1]: n for n in _graphql(port, AFTER_RUN_QUERY)["assetNodes"]}
        for name in ASSETS:
            assert sorted(after[name]["assetPartitionStatuses"]["materializedPartitions"]) == BACKFILL_DAYS
        backfill_in = time.monotonic() - backfill_started

        # The command line of the same project home, with no Spark master of its own, runs on the
        # warm server that `dev` started, and says so.
        cli = subprocess.run(
            [sys.executable, "-m", "groups_assets", "run", "--day", DAY],
            env=ui_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert cli.returncode == 0, cli.stdout + cli.stderr[-3000:]
        assert f"spark: the Spark Connect server at sc://127.0.0.1:{spark_port}" in cli.stdout, cli.stdout
        assert "(the warm server of this project's home)" in cli.stdout
        children = psutil.Process(server.pid).children(recursive=True)
    finally:
        # A clean stop: Ctrl-C (SIGINT to every process of the terminal's job), and everything must
        # be gone soon.
        stop = time.monotonic()
        os.killpg(server.pid, signal.SIGINT)
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
            code = None
    assert code is not None, f"dev ignored Ctrl-C for 60 s:\n{log.read_text()[-4000:]}"
    stopped_in = time.monotonic() - stop
    assert code == 0, (code, log.read_text()[-4000:])
    # A quiet dev: where the UI and the logs are, the warm Spark, nothing else (the processes'
    # output is in the log file), not even after Ctrl-C.
    shown_to_user = terminal.read_text()
    assert f"Dagster UI at http://127.0.0.1:{port}" in shown_to_user and "logs: " in shown_to_user
    assert f"Spark: sc://127.0.0.1:{spark_port}, warm" in shown_to_user
    for noise in (
        "Traceback",
        "KeyboardInterrupt",
        "PreviewWarning",
        "fork_posix",
        " - DEBUG - ",
        "virtual environment",
    ):
        assert noise not in shown_to_user, (noise, shown_to_user)
    assert "warmed with a synthetic contract day" in log.read_text(), (
        "the server ran a day before it was ready"
    )
    # Nothing it started outlives it (the code server, the run worker, the Spark server's JVM).
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.cmdline() for p in alive]

    # The days through the warm server, in the order they ran (the UI's run, the backfill, the
    # CLI's run), give the tables that a Spark of its own gives (the test suite's local[2]).
    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    for day in [DAY, *backfill_order, DAY]:
        pipeline.run(day)
    with psycopg.connect(ui_env["GROUPS_DATABASE_URL"]) as conn:
        days = conn.execute("SELECT DISTINCT sync_day FROM groups ORDER BY 1").fetchall()
    assert days == [("day1",), ("day2",)]  # both days left rows
    assert dump(ui_env["GROUPS_DATABASE_URL"], "public") == pipeline.dump()

    print(
        f"\nUI: code location loaded in {loaded_in:.1f} s, run {run_id} succeeded in {ran_in:.1f} s, "
        f"backfill {backfill_order} in {backfill_in:.1f} s, dev stopped in {stopped_in:.1f} s; "
        f"{time.monotonic() - started:.1f} s in all"
    )
    for key, execution in sorted(executions.items()):
        print(f"  check {key[0]}.{key[1]}: {execution}")
