"""A deployment as its users meet it, on the real parts, with one `groups-pipeline dev` (the UI, the
daemon, a warm Spark Connect server: its start is the costly part, paid once):

- a real browser (Debian's Chromium, driven by Playwright) follows the UI directions of
  docs/operating.md in their own words: it runs a day, reads its plots, a check's result with its
  day, the resources, a sensor's skipped tick and a blocked day's failure;
- the UI's GraphQL API shows the graph, the days already there and the resources without a
  secret, and launches a backfill that the daemon runs;
- the command line beside it runs on dev's warm server; a good day and a blocked one run at once,
  and every failed check and failed run is alerted once to a real webhook receiver;
- two launches of one day through the UI's GraphQL `launchRun` wait for each other in the run queue;
- Ctrl-C stops everything, quietly; the tables equal a Spark of the test's own.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest
from psycopg.conninfo import make_conninfo

from groups_assets import names
from groups_assets_tests.support import ASSETS, SAMPLE, dump, free_port, lines

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "Ui-s3cret:p@ss"
CHECKS = (
    {(names.VALIDATED[kind], names.MALFORMED[kind]) for kind in names.MALFORMED}
    | {
        (names.VALIDATED["groups"], names.REJECT_RATIO),
        (names.TABLE["groups"], names.RECORDS_ACCOUNTED),
        (names.TABLE["groups"], names.ORPHAN_PARENTS),
        (names.TABLE["groups"], names.HIERARCHY_CYCLES),
        (names.TABLE["members"], names.ORPHAN_MEMBERSHIPS),
    }
    | {(names.HISTORY[kind], names.HISTORY_VERSIONS[kind]) for kind in names.HISTORY}
)
TERMINAL = ("SUCCESS", "FAILURE", "CANCELED")
CHROMIUM = "/usr/bin/chromium"

GRAPH = """
{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name }
    assetNodes { assetKey { path } isPartitioned partitionKeys
      assetChecksOrError { ... on AssetChecks { checks { name } } } } } } } }
"""
RESOURCES = """
query($repo: RepositorySelector!) { allTopLevelResourceDetailsOrError(repositorySelector: $repo) {
    ... on ResourceDetailsList { results { name configuredValues { key value type } } } } }
"""
BACKFILL = """
mutation($params: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $params) {
    __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }
"""
LAUNCH = """
mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }
"""
BACKFILL_RUNS = """
query($id: String!) { partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill {
    runs { runId status tags { key value } } } } }
"""
RUNS = """
{ runsOrError { ... on Runs { results { runId status startTime endTime jobName
    tags { key value } } } } }
"""
RUN = """
query($id: ID!) { runOrError(runId: $id) { ... on Run { status tags { key value }
    eventConnection(limit: 500) { events { __typename ... on MessageEvent { message }
        ... on ExecutionStepFailureEvent { error { message stack } } } } } } }
"""
STATUSES = """
{ assetNodes { assetKey { path }
    assetPartitionStatuses { ... on DefaultPartitionStatuses { materializedPartitions failedPartitions } } } }
"""


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert not answer.get("errors"), answer["errors"]
    return answer["data"]


def until(what: str, condition, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def _screenshot_on_failure(folder: Path):
    """The browser's page as a PNG beside the test's files when a step fails (where it stood)."""
    pages: list = []
    try:
        yield pages
    except BaseException:
        for page in pages:
            page.screenshot(path=str(folder / "failed.png"))
            print(f"the page when the test failed: {folder / 'failed.png'}")
        raise


def latest_run(port: int, day: str) -> str | None:
    """The newest run the UI launched for `day` (its implicit asset job, not a backfill's), if any."""
    runs = graphql(port, RUNS)["runsOrError"]["results"]
    found = [
        r
        for r in runs
        if r["jobName"] == "__ASSET_JOB"
        and {"key": "dagster/partition", "value": day} in r["tags"]
        and not any(t["key"] == "dagster/backfill" for t in r["tags"])
    ]
    return found[0]["runId"] if found else None


def ended(port: int, run_id: str) -> dict | None:
    run = graphql(port, RUN, {"id": run_id})["runOrError"]
    return run if run["status"] in TERMINAL else None


def directions() -> str:
    page = (REPO / "docs" / "operating.md").read_text()
    return page.split("In the UI (the words in italics", 1)[1].split("## A warm Spark", 1)[0]


class Browser:
    """The UI in Chromium. `words` records every UI word clicked or read, to hold the test to the
    directions' words and the directions to the test's."""

    def __init__(self, page, port: int) -> None:
        self.page, self.base, self.words = page, f"http://127.0.0.1:{port}", set()

    def click(self, word: str, exact: bool = True) -> None:
        self.words.add(word)
        self.page.get_by_text(word, exact=exact).filter(visible=True).first.click()
        self.page.wait_for_timeout(700)

    def tab(self, word: str) -> None:
        """A tab of the page (not the navigation's item of the same name)."""
        self.words.add(word)
        self.page.get_by_role("tab", name=word).first.click()
        self.page.wait_for_timeout(1000)

    def menu(self, word: str) -> None:
        """A menu's item (its shortcut key is part of its name)."""
        self.words.add(word)
        self.page.get_by_role("menuitem", name=word).first.click()
        self.page.wait_for_timeout(700)

    def see(self, word: str, timeout: float = 15_000) -> None:
        self.words.add(word)
        self.page.get_by_text(word, exact=False).filter(visible=True).first.wait_for(timeout=timeout)

    def expect(self, text: str, timeout: float = 15_000) -> None:
        """Text of the data, not a UI word: not recorded."""
        self.page.get_by_text(text, exact=False).filter(visible=True).first.wait_for(timeout=timeout)

    def open(self, path: str) -> None:
        self.page.goto(self.base + path, wait_until="networkidle")
        self.page.wait_for_timeout(700)


@pytest.fixture
def deployment(cli_env, tmp_path, server):
    """`groups-pipeline dev` on a fresh database (with a password), a source root holding the
    sample days (complete) and two folders still being written (`bad`, mostly garbage, and
    `day3`), the alert sensors on and sending to the test's webhook receiver."""
    root = tmp_path / "exports"
    shutil.copytree(SAMPLE, root)
    for day in ("bad", "day3"):
        (root / f"sync-{day}" / "admin_groups").mkdir(parents=True)
    garbage = lines(*["not json"] * 9, {"group_id": 5, "name": "x"})
    (root / "sync-bad" / "admin_groups" / "g.json").write_text(garbage)
    (root / "sync-day3" / "admin_groups" / "g.json").write_text("")
    env = cli_env | {
        "GROUPS_DATABASE_URL": make_conninfo(cli_env["GROUPS_DATABASE_URL"], password=PASSWORD),
        "GROUPS_SOURCE_ROOT": str(root),
        "GROUPS_ALERT_WEBHOOK_URL": server.url,
        "GROUPS_SENSOR_SETTLE_SECONDS": "3600",  # bad and day3 have no _SUCCESS: they wait
    }
    alerts = [str(BIN / "groups-pipeline"), "sensors", "start", "check_failure_alerts", "run_failure_alerts"]
    started = subprocess.run(alerts, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stdout + started.stderr
    port, spark_port = free_port(), free_port()
    terminal = tmp_path / "dev.out"
    command = [
        sys.executable,
        "-m",
        "groups_assets",
        "dev",
        "--port",
        str(port),
        "--spark-port",
        str(spark_port),
    ]
    with terminal.open("w") as out:
        # A session of its own, as a terminal's foreground job: Ctrl-C reaches every process of it.
        dev = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    yield env, dev, port, spark_port, terminal
    if dev.poll() is None:
        os.killpg(dev.pid, signal.SIGKILL)
        dev.wait()


def test_a_deployment_as_its_users_meet_it(deployment, server, pipeline, tmp_path):
    env, dev, port, spark_port, terminal = deployment

    def log():
        return terminal.read_text() + "".join(
            p.read_text(errors="replace") for p in (Path(env["GROUPS_HOME"]) / "logs").glob("dev-*.log")
        )

    until("dev to say the UI is ready", lambda: "Dagster UI at" in terminal.read_text() or dev.poll(), 240)
    assert dev.poll() is None, log()[-4000:]
    said = terminal.read_text()
    assert re.search(r"Spark: sc://127\.0\.0\.1:\d+ is up", said) and "warmed with a synthetic" in said, said
    # Loopback only: the webserver, its code server, the Spark server and anything else dev started.
    listening = [
        (c.laddr.ip.removeprefix("::ffff:"), c.laddr.port)
        for proc in [psutil.Process(dev.pid), *psutil.Process(dev.pid).children(recursive=True)]
        for c in proc.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert (("127.0.0.1", port) in listening) and {ip for ip, _ in listening} <= {"127.0.0.1"}, listening

    selector = the_graph_and_the_days_already_there(port)
    the_resources_show_every_setting_and_no_secret(port, selector, env, spark_port)
    # The daemon takes up a backfill within 30 s: it runs while the browser goes through the UI.
    backfill_id = launch_a_backfill_of_both_days(port)

    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, _screenshot_on_failure(tmp_path) as shoot:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        shoot.append(page)
        ui = Browser(page, port)
        # Dagster's first-visit dialog, whenever it appears (late on a busy machine), is skipped
        # before the next action.
        skip = page.get_by_role("button", name="Skip", exact=True)
        page.add_locator_handler(skip, lambda button: button.first.click())
        ui.open("/")
        alert_sensors_ticked(env)
        first_run = run_a_day(ui, port)
        backfill = the_backfills_runs(port, backfill_id, log)  # (a check running shows no result yet)
        numbers_across_days(ui)
        a_checks_result(ui)
        the_settings_of_a_run(ui)

        the_command_line_on_the_warm_server(env, spark_port)
        launches = two_launches_of_one_day(port, selector)  # queued while the next two runs go on
        blocked_run = a_good_day_and_a_blocked_one_at_once(env)
        the_launches_queued(env, launches)

        a_sensors_skipped_tick(ui, log)
        a_failed_day(ui, port, blocked_run)
        chromium.close()
    every_failed_check_and_run_is_alerted_once(server, port, {first_run, *backfill, blocked_run})

    # The directions' words are the ones the browser clicked and read, and no other.
    written = set(re.findall(r"(?<!\*)\*([^*\n]+?)\*(?!\*)", directions().replace("\n  ", " ")))
    assert written == ui.words, {
        "written, not followed": written - ui.words,
        "followed, not written": ui.words - written,
    }

    stopped_cleanly(dev, terminal, log)
    # The days through the warm server give the tables a Spark of the test's own gives.
    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    for day in ("day1", "day2"):
        pipeline.run(day)
    assert dump(env["GROUPS_DATABASE_URL"], "public") == pipeline.dump()


def alert_sensors_ticked(env: dict) -> None:
    """The run-status sensors alert the runs that end after their first tick: wait for it."""
    from dagster import DagsterInstance
    from dagster._core.definitions.run_request import InstigatorType

    def ticked(instance) -> bool:
        states = instance.all_instigator_state(instigator_type=InstigatorType.SENSOR)
        cursors = {s.name: s.instigator_data.cursor if s.instigator_data else None for s in states}
        return all(cursors.get(name) for name in ("check_failure_alerts", "run_failure_alerts"))

    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        until("the alert sensors' first tick", lambda: ticked(instance), 90, every=1)


def the_graph_and_the_days_already_there(port: int) -> dict:
    (repo,) = graphql(port, GRAPH)["repositoriesOrError"]["nodes"]
    nodes = {n["assetKey"]["path"][-1]: n for n in repo["assetNodes"]}
    assert set(nodes) == ASSETS and all(n["isPartitioned"] for n in nodes.values())
    checks = {(a, c["name"]) for a, n in nodes.items() for c in n["assetChecksOrError"]["checks"]}
    assert checks == CHECKS
    # dev listed the complete day folders as partitions, without running them; not the others.
    assert all(n["partitionKeys"] == ["day1", "day2"] for n in nodes.values())
    return {"repositoryLocationName": repo["location"]["name"], "repositoryName": repo["name"]}


def the_resources_show_every_setting_and_no_secret(
    port: int, selector: dict, env: dict, spark_port: int
) -> None:
    from groups_assets.variables import VARIABLES

    found = graphql(port, RESOURCES, {"repo": selector})["allTopLevelResourceDetailsOrError"]["results"]
    shown = {r["name"]: {v["key"]: v for v in r["configuredValues"]} for r in found}
    for fields in VARIABLES.values():
        for field in fields:
            key, name = field.split(".")
            assert name in shown[key], field
    assert shown["postgres"]["url"] | {"value": None} == {"key": "url", "type": "ENV_VAR", "value": None}
    assert shown["postgres"]["url"]["value"] == "GROUPS_DATABASE_URL"
    assert PASSWORD not in json.dumps(found)
    assert shown["postgres"]["first_load"]["value"] == '"auto"'
    assert shown["source"]["root"]["value"] == json.dumps(env["GROUPS_SOURCE_ROOT"])
    assert shown["spark"]["master"]["value"] == json.dumps(f"sc://127.0.0.1:{spark_port}")


def run_a_day(ui: Browser, port: int) -> str:
    """Lineage, every asset, Materialize all..., day 1 from the days listed, Launch 1 run."""
    ui.click("Lineage")
    # The gear at the graph's lower right (the navigation's Settings has the same icon, above it).
    ui.page.locator("button").filter(has=ui.page.get_by_role("img", name="settings")).last.click()
    ui.menu("Expand all groups")
    ui.page.keyboard.press("Escape")
    for asset in (
        "raw_groups",
        "validated_groups",
        "groups_table",
        "inactive_flags",
        "group_history",
        "raw_agents",
    ):
        ui.expect(asset)  # every asset drawn (the longest names are shortened on the graph)
    ui.click("Materialize all…")
    ui.click("Select a partition or create one")
    ui.see("Add a partition")
    ui.page.get_by_text("day2", exact=True).first.wait_for()  # the days already there are listed
    ui.page.get_by_text("day1", exact=True).first.click()
    ui.page.keyboard.press("Escape")
    ui.click("Launch 1 run")
    run_id = until("the UI's run", lambda: latest_run(port, "day1"), 30)
    run = until("the UI's run to end", lambda: ended(port, run_id), 180)
    assert run["status"] == "SUCCESS", run
    messages = [e.get("message") or "" for e in run["eventConnection"]["events"]]
    assert any("Executing steps in process" in m for m in messages)  # one process, one Spark
    ui.words.add("Launch backfill")  # the dialog's button for several days: launched below through the API
    return run_id


def numbers_across_days(ui: Browser) -> None:
    ui.click("Catalog")
    ui.page.get_by_text("inactive_flags", exact=True).filter(visible=True).first.click()
    ui.page.wait_for_timeout(1000)
    ui.tab("Overview")
    ui.see("Metadata")
    ui.see("Table")
    ui.click("Plots")
    ui.expect("became_inactive")
    ui.expect("groups_flipped")


def a_checks_result(ui: Browser) -> None:
    ui.open("/assets/groups_table")
    ui.tab("Checks")
    ui.page.get_by_text(names.RECORDS_ACCOUNTED, exact=True).first.click()
    ui.see("Partition")
    ui.see("Target materialization")
    ui.expect(re.compile(r"day day[12]: read = loaded \+ rejected"))  # the backfill's day2 may be newer


def the_settings_of_a_run(ui: Browser) -> None:
    ui.click("Deployment")
    ui.page.get_by_text(names.CODE_LOCATION, exact=True).filter(visible=True).first.click()
    ui.page.wait_for_timeout(1000)
    ui.tab("Definitions")
    ui.click("Resources")
    ui.page.get_by_text("postgres", exact=True).first.click()
    ui.page.wait_for_timeout(1000)
    text = ui.page.inner_text("body")
    assert "GROUPS_DATABASE_URL" in text and PASSWORD not in text
    assert '"auto"' in text  # first_load, in the words of the docs


def launch_a_backfill_of_both_days(port: int) -> str:
    params = {
        "partitionNames": ["day1", "day2"],
        "assetSelection": [{"path": [name]} for name in sorted(ASSETS)],
        "fromFailure": False,
    }
    launched = graphql(port, BACKFILL, {"params": params})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def the_backfills_runs(port: int, backfill_id: str, log) -> list[str]:
    def done():
        runs = graphql(port, BACKFILL_RUNS, {"id": backfill_id})["partitionBackfillOrError"]["runs"]
        return runs if len(runs) == 2 and all(r["status"] in TERMINAL for r in runs) else None

    runs = until("the backfill", done, 300, every=1)  # the daemon looks for new backfills every 30 s
    assert {r["status"] for r in runs} == {"SUCCESS"}, log()[-4000:]
    return [r["runId"] for r in runs]


def the_command_line_on_the_warm_server(env: dict, spark_port: int) -> None:
    """The command line of the same home, with no Spark master of its own, runs on dev's server."""
    done = subprocess.run(
        [str(BIN / "groups-pipeline"), "run", "--day", "day2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert f"spark: the Spark Connect server at sc://127.0.0.1:{spark_port}" in done.stdout
    assert "(the warm server of this project's home)" in done.stdout


def a_good_day_and_a_blocked_one_at_once(env: dict) -> str:
    commands = [[str(BIN / "groups-pipeline"), "run", "--day", day] for day in ("day1", "bad")]
    procs = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    (good_out, good_err), (bad_out, bad_err) = (p.communicate(timeout=600) for p in procs)
    assert procs[0].returncode == 0, good_out + good_err
    assert procs[1].returncode == 1, bad_out + bad_err
    assert "no valid group record in admin_groups/ (10 records read there" in bad_out, bad_out
    assert "Traceback" not in bad_out + bad_err
    return re.search(r"run (\S+) in the UI", bad_out)[1]


def two_launches_of_one_day(port: int, selector: dict) -> list[str]:
    """Day 2's sync_day_job launched twice at once through the UI's GraphQL `launchRun`."""
    tags = [{"key": "dagster/partition", "value": "day2"}]
    params = {"selector": selector | {"jobName": names.SYNC_DAY_JOB}, "executionMetadata": {"tags": tags}}
    launched = [graphql(port, LAUNCH, {"params": params})["launchRun"] for _ in (1, 2)]
    assert all(run["__typename"] == "LaunchRunSuccess" for run in launched), launched
    return [run["run"]["runId"] for run in launched]


def the_launches_queued(env: dict, run_ids: list[str]) -> None:
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        records = lambda: instance.get_run_records(RunsFilter(run_ids=run_ids))  # noqa: E731
        done = (DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE)
        until(
            "both day2 launches",
            lambda: len(rs := records()) == 2 and all(r.dagster_run.status in done for r in rs),
            300,
        )
        first, second = sorted(records(), key=lambda r: r.start_time)
        assert {r.dagster_run.status for r in (first, second)} == {DagsterRunStatus.SUCCESS}
        assert second.start_time >= first.end_time, "runs of the same day never overlap"


def a_sensors_skipped_tick(ui: Browser, log) -> None:
    ui.click("Automation")
    ui.page.get_by_text("new_day_sensor", exact=True).filter(visible=True).first.click()
    ui.page.wait_for_timeout(1000)
    ui.see("Running")
    ui.page.get_by_role("checkbox").first.evaluate("e => e.parentElement.click()")  # the switch
    ui.page.wait_for_timeout(1000)
    idle = ui.page.get_by_role("button", name="0 runs requested")
    until("an idle tick of the new-day sensor", lambda: idle.count() >= 1, 120, every=2)
    idle.first.click()
    ui.words.add("0 runs requested")
    ui.see("Skip reason")
    ui.expect("no new complete sync-<day> folder; waiting for bad, day3")
    ui.page.get_by_role("button", name="Close").first.click()


def a_failed_day(ui: Browser, port: int, run_id: str) -> None:
    """The blocked day's run says why and what to do, without stack frames; none of its assets
    is materialized for it, and its checks say why."""
    ui.click("Runs")
    ui.page.get_by_role("link", name=run_id[:8]).first.click()
    ui.page.wait_for_timeout(1500)
    ui.expect("no valid group record in admin_groups/")
    assert "Stack Trace" not in ui.page.inner_text("body")
    (failure,) = [
        e
        for e in graphql(port, RUN, {"id": run_id})["runOrError"]["eventConnection"]["events"]
        if e["__typename"] == "ExecutionStepFailureEvent"
    ]
    assert (
        failure["error"]["stack"] == []
        and "fix the export and run the day again" in failure["error"]["message"]
    )
    statuses = {
        n["assetKey"]["path"][-1]: n["assetPartitionStatuses"] for n in graphql(port, STATUSES)["assetNodes"]
    }
    assert all("bad" not in s["materializedPartitions"] for s in statuses.values()), statuses


def every_failed_check_and_run_is_alerted_once(server, port: int, runs: set[str]) -> None:
    """Every run of a sync day, from every door, alerted: its failed checks and, for the blocked
    day, the run; none twice; no password in any."""

    def all_alerted():
        alerted = {b["run_id"] for b in server.bodies()}
        return server.bodies() if runs <= alerted else None

    bodies = until("the alerts of every run", all_alerted, 150, every=2)
    assert len(bodies) == len({(b["run_id"], b["kind"], b["check"]) for b in bodies}), "no alert twice"
    by_run: dict[str, set] = {}
    for body in bodies:
        by_run.setdefault(body["run_id"], set()).add((body["kind"], body["check"]))
    warned = {
        "hierarchy_cycles",
        "malformed_agents",
        "malformed_groups",
        "orphan_memberships",
        "orphan_parents",
    }
    loaded = [
        alerted for run, alerted in by_run.items() if run in runs and ("run_failed", None) not in alerted
    ]
    assert len(loaded) == len(runs) - 1 and all({c for _, c in alerted} == warned for alerted in loaded), (
        by_run
    )
    (blocked,) = [alerted for alerted in by_run.values() if ("run_failed", None) in alerted]
    assert blocked == {
        ("run_failed", None),
        ("check_failed", "malformed_groups"),
        ("check_failed", "reject_ratio"),
    }
    assert PASSWORD not in json.dumps(bodies)


def stopped_cleanly(dev: subprocess.Popen, terminal: Path, log) -> None:
    children = psutil.Process(dev.pid).children(recursive=True)
    os.killpg(dev.pid, signal.SIGINT)
    assert dev.wait(timeout=90) == 0, log()[-4000:]
    shown = terminal.read_text()
    for noise in ("Traceback", "KeyboardInterrupt", "PreviewWarning", " - DEBUG - ", "virtual environment"):
        assert noise not in shown, (noise, shown)
    _, alive = psutil.wait_procs(children, timeout=15)
    assert not alive, [p.cmdline() for p in alive]
