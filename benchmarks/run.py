"""Benchmark: the pipeline against a bare PostgreSQL COPY of the same rows, and against dlt.

    python benchmarks/run.py [--scales sample,10k,100k,1m] [--peer dlt] [--database-url URL]

For each scale, on one PostgreSQL (an embedded one started here with fsync off, unless
--database-url), every pipeline run a whole CLI process (`groups-pipeline run --day ...`), each
on a quiet server (vacuumed, no autovacuum at work, checkpointed: settle):
  first load   day 1 into empty tables (the fast path: COPY into empty tables, indexes after)
  plain path   day 1 again into other empty tables with GROUPS_FIRST_LOAD=off (the upsert path);
               its tables must equal the first load's, or the benchmark stops
  re-run       day 1 again over itself (changes no row)
  changed day  day 2 (about 10% of the groups changed)
  floor        psycopg COPY of exactly the rows day 1 left (groups, memberships, agents) into
               empty tables with the same keys (sql/schema.sql)
  warm server  day 1 into other empty tables through a Spark Connect server that this benchmark
               keeps up (`groups-pipeline spark-server`, as `groups-pipeline dev` runs one for the
               UI and the sensors) and warmed first with three runs of the sample days, as a
               deployment's server is by the days before; its tables must equal the first load's
  dlt          (--peer dlt) dlt `merge` of the same day-1 files into the same server, a whole
               process too (benchmarks/peer_dlt.py)
Scales: `sample` is the sample data's day 1 and day 2; `10k`, `100k` and `1m` are generated
(`groups-pipeline generate`: that many groups, a tenth as many agents, about 5 members a group,
depth up to 12, 1% malformed records). It prints each run's time, its ratio to the floor, the
peak memory of its process tree and where its seconds went, then a summary table.

With `--formats servicenow,zendesk`, the same generated days of each `--format-scales` scale are
also written as those systems export them (`groups-pipeline generate --format`: the same groups,
memberships and agents, 1% of the format's own garbage) and loaded the same way (first load and
changed day, each in a process with a Spark of its own and then through the warm server), each
beside the contract day of the same size: `--format-rounds` rounds (3),
each running every format once in an order turned by one, so that the ratio of each round compares
runs minutes apart on a machine whose speed drifts; it reports the median seconds and the median
of the rounds' ratios to the contract day.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from groups_assets.runtime.embedded import discard, embedded_url  # noqa: E402
from groups_assets.synthetic.generator import generate  # noqa: E402
from groups_assets.warehouse.schema import migrate  # noqa: E402
from groups_assets.warehouse.statements import statement  # noqa: E402

GENERATED = {
    "10k": dict(groups=10_000, agents=1_000, avg_members=5, max_depth=12),
    "100k": dict(groups=100_000, agents=10_000, avg_members=5, max_depth=12),
    "1m": dict(groups=1_000_000, agents=100_000, avg_members=5, max_depth=12),
}
SCALES = ["sample", *GENERATED]
TABLES = {
    "groups": "group_id, group_key, name, parent_group_id, created_at, updated_at, inactive, deleted, "
    "sync_day",
    "group_membership": "group_id, agent_id",
    "agents": "agent_id, agent_key, name, email, active, updated_at, sync_day",
}


class PeakMemory:
    """Peak resident memory of a process and all its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int):
        self.root, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                total = 0
                for p in [self.root, *self.root.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(0.2)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def settle(url: str, timeout: float = 600) -> float:
    """Seconds spent leaving the server quiet before a timed run: the loads before it leave
    autovacuum minutes of work (a 1M-group day), which would share the cores with that run.
    So the database is vacuumed here (as autovacuum would have done between two daily runs),
    autovacuum's own workers are waited for, and a checkpoint writes what is dirty."""
    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM")  # a table of another owner is skipped with a warning
        busy = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
        while conn.execute(busy).fetchone()[0]:
            if time.monotonic() - started > timeout:
                print(
                    f"  (autovacuum still at work after {timeout:.0f} s: timing the run anyway)", flush=True
                )
                break
            time.sleep(1)
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            pass  # a server of --database-url where the role may not: its checkpoints run on their own
    return time.monotonic() - started


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(seconds, peak bytes, stdout) of a whole process; exits the benchmark if it fails."""
    started = time.monotonic()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(proc.pid)
    out, err = proc.communicate()
    seconds, peak = time.monotonic() - started, memory.stop()
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{out}\n{err[-5000:]}")
    return seconds, peak, out


def stage_profile(dagster_home: Path) -> dict[str, float]:
    """Where the latest run's seconds went: the sync_day step's stages, as it recorded them."""
    from dagster import AssetKey, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(AssetKey("inactive_flags"))
        run = instance.get_run_record_by_id(event.run_id)
        stats = instance.get_run_step_stats(event.run_id)
    seconds = event.asset_materialization.metadata["seconds"].value
    profile = dict(seconds["stages"])
    profile |= {f"sql {k}": v for k, v in seconds["statements"].items() if v >= 0.05}
    profile["dagster run (all steps)"] = run.end_time - run.start_time
    profile |= {f"step {s.step_key}": s.end_time - s.start_time for s in stats if s.step_key != "sync_day"}
    return {k: round(v, 2) for k, v in profile.items()}


def run_day(url: str, day: str, env: dict[str, str]) -> tuple[dict, str]:
    """One timed CLI run of `day` on a quiet server (settle), shown as it ends: its seconds, peak
    memory and stage profile, and its output."""
    settle(url)
    seconds, peak, out = timed([sys.executable, "-m", "groups_assets", "run", "--day", day], env)
    profile = stage_profile(Path(env["DAGSTER_HOME"]))
    print(f"  {seconds:.1f} s, peak {peak / 2**30:.2f} GiB; {profile}", flush=True)
    return {"seconds": seconds, "peak": peak, "profile": profile}, out


def dump(url: str, schema: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url, options=f"-c search_path={schema}") as conn:
        return {
            table: conn.execute(
                sql.SQL("SELECT {} FROM {} ORDER BY 1, 2").format(sql.SQL(columns), sql.Identifier(table))
            ).fetchall()
            for table, columns in TABLES.items()
        }


def copy_floor(url: str, schema: str) -> tuple[float, dict[str, int]]:
    """COPY what day 1 left in `schema` (as CSV) into empty tables of sql/schema.sql."""
    dumps: dict[str, bytes] = {}
    with psycopg.connect(url) as conn:
        for table, columns in TABLES.items():
            buf = io.BytesIO()
            query = sql.SQL("COPY {}.{} ({}) TO STDOUT (FORMAT csv)").format(
                sql.Identifier(schema), sql.Identifier(table), sql.SQL(columns)
            )
            with conn.cursor().copy(query) as copy:
                for chunk in copy:
                    buf.write(chunk)
            dumps[table] = buf.getvalue()
        floor = f"floor_{schema}"
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(floor)))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(floor)))
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(floor)))
        migrate(conn)
        conn.commit()
        started = time.monotonic()
        for table, data in dumps.items():
            query = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
                sql.Identifier(table), sql.SQL(TABLES[table])
            )
            with conn.cursor().copy(query) as copy:
                view = memoryview(data)
                for i in range(0, len(view), 1 << 20):
                    copy.write(view[i : i + (1 << 20)])
        conn.commit()
        seconds = time.monotonic() - started
        rows = {
            t: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()[0]
            for t in TABLES
        }
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(floor)))
        conn.commit()
    return seconds, rows


def inactive_shapes(url: str, size: int = 100_000) -> dict[str, float]:
    """The inactive statement on one chain and on a bushy tree of `size` groups."""
    shapes = {
        # group i's parent is i-1: one chain; only the deepest group has an active agent.
        "chain": ("CASE WHEN i = 1 THEN NULL ELSE i - 1 END", f"i = {size}"),
        # group i's parent is i/8: a tree about 6 levels deep; active agents at the leaves.
        "bushy": ("CASE WHEN i = 1 THEN NULL ELSE i / 8 END", f"i > {size} - {size} / 2"),
    }
    times = {}
    with psycopg.connect(url) as conn:
        for shape, (parent, active_where) in shapes.items():
            schema = f"shape_{shape}"
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
            migrate(conn)
            columns = "group_id, group_key, name, parent_group_id, created_at, updated_at, inactive, deleted"
            conn.execute(
                f"INSERT INTO groups ({columns}, sync_day) "  # noqa: S608
                f"SELECT i, i::text, 'g' || i, {parent}, now(), now(), true, false, 'd' "
                f"FROM generate_series(1, {size}) i"
            )
            conn.execute(
                f"INSERT INTO group_membership SELECT i, i FROM generate_series(1, {size}) i "  # noqa: S608
                f"WHERE {active_where}"
            )
            conn.execute(
                "INSERT INTO agents (agent_id, agent_key, active, sync_day) "
                "SELECT i, i::text, true, 'd' FROM generate_series(1, %s) i",
                (size,),
            )
            conn.execute("ANALYZE groups, group_membership, agents")
            conn.commit()
            conn.execute("CREATE TABLE applied (group_id BIGINT, is_new BOOLEAN)")  # nothing new today
            started = time.monotonic()
            conn.execute(
                statement("apply/inactive_update", stage_applied="applied"), {"at": datetime.now(UTC)}
            ).fetchone()
            times[shape] = time.monotonic() - started
            conn.commit()
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            conn.commit()
    return times


def bad_edit_days(folder: Path, size: int = 50_000, seed: int = 5) -> int:
    """Two sync days of a `size`-group tree: day1 as it is, day2 the same export with the root put
    under its deepest descendant (one mistaken edit: the whole tree on or under a cycle).
    Returns the length of the cycle."""
    from groups_assets.synthetic.generator import deep_tree

    parent, path = deep_tree(size, window=50, seed=seed)
    deepest = path[0]

    def record(gid: int, up: int | None, updated: str) -> str:
        return json.dumps(
            {
                "group_id": gid,
                "name": f"Team {gid}",
                "parent_group_id": up,
                "agent_ids": [gid % 997 + 1],
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": updated,
            }
        )

    for day, moved in (("day1", None), ("day2", deepest)):
        (folder / f"sync-{day}" / "admin_groups").mkdir(parents=True, exist_ok=True)
        (folder / f"sync-{day}" / "agents").mkdir(parents=True, exist_ok=True)
        rows = [record(1, moved, "2026-11-02T00:00:00Z" if moved else "2026-11-01T00:00:00Z")]
        rows += [record(g, p, "2026-11-01T00:00:00Z") for g, p in parent.items() if g != 1]
        (folder / f"sync-{day}" / "admin_groups" / "groups.json").write_text("\n".join(rows) + "\n")
        agents = [json.dumps({"agent_id": a, "active": a % 3 > 0}) for a in range(1, 998)]
        (folder / f"sync-{day}" / "agents" / "agents.json").write_text("\n".join(agents) + "\n")
    return len(path)


def cli_env(url: str, schema: str, spark_master: str, home: Path, source: Path) -> dict[str, str]:
    """The environment of a CLI run: this database and schema, this Spark, a home of its own."""
    return dict(
        os.environ,
        GROUPS_DATABASE_URL=url,
        GROUPS_DB_SCHEMA=schema,
        GROUPS_SPARK_MASTER=spark_master,
        GROUPS_HOME=str(home),
        DAGSTER_HOME=str(home / "dagster_home"),
        GROUPS_SOURCE_ROOT=str(source),
    )


def bench_bad_edit(url: str, work: Path, spark_master: str) -> dict:
    """A normal day, then the day of one bad edit (a 50,000-group tree's root under its deepest
    descendant): the cycle check must not hold the day."""
    source = work / "bad_edit" / "source"
    if not (source / "sync-day2").exists():
        bad_edit_days(source)
    home = Path(tempfile.mkdtemp(prefix="groups-bench-bad-edit-", dir=work))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS bench_bad_edit CASCADE")
    env = cli_env(url, "bench_bad_edit", spark_master, home, source)
    result = {}
    for label, day in (("normal day", "day1"), ("bad-edit day", "day2")):
        print(f"[bad edit] {label} ...", flush=True)
        ran, out = run_day(url, day, env)
        cycles = [line.strip() for line in out.splitlines() if "hierarchy_cycles" in line]
        result[label] = {
            "seconds": ran["seconds"],
            "cycles": cycles,
            "check": ran["profile"].get("step groups_table_hierarchy_cycles"),
        }
        print(f"  {cycles}; cycle check {result[label]['check']} s", flush=True)
    return result


def source_for(scale: str, work: Path) -> Path:
    if scale == "sample":
        return REPO / "sample_data"
    source = work / scale / "source"
    if not (source / "sync-day2" / "_SUCCESS").exists():
        print(f"generating {scale} in {source} ...", flush=True)
        generate(source, days=2, change_ratio=0.1, malformed_ratio=0.01, seed=1, **GENERATED[scale])
    return source


def spark_server(spark_master: str, port: int) -> subprocess.Popen:
    """`groups-pipeline spark-server` on `port`, up (its first line is its URL)."""
    command = [sys.executable, "-m", "groups_assets", "spark-server", "--port", str(port)]
    env = dict(os.environ, GROUPS_SPARK_MASTER=spark_master)
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if not server.stdout.readline().startswith("sc://"):
        sys.exit(f"the Spark Connect server did not start (exit {server.wait()})")
    # Drain the rest (its JVM and Python workers share the pipe): a full pipe would block it.
    threading.Thread(target=server.stdout.read, daemon=True).start()
    return server


def warm_up(server_url: str, url: str, work: Path) -> None:
    """Three runs of the sample days through the server (day 1, day 2, day 1 again), untimed."""
    home = Path(tempfile.mkdtemp(prefix="groups-bench-warmup-", dir=work))
    env = cli_env(url, "warmup", server_url, home, source_for("sample", work))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS warmup CASCADE")
    for day in ("day1", "day2", "day1"):
        print(f"[server warm-up] {day} ...", flush=True)
        seconds, _, _ = timed([sys.executable, "-m", "groups_assets", "run", "--day", day], env)
        print(f"  {seconds:.1f} s", flush=True)


def bench_scale(
    scale: str, url: str, work: Path, peer: str | None, spark_master: str, server_url: str
) -> dict:
    source = source_for(scale, work)
    schema = f"bench_{scale}"
    with psycopg.connect(url, autocommit=True) as conn:
        for name in (schema, f"plain_{scale}", f"warm_{scale}", f"dlt_{scale}", f"dlt_{scale}_staging"):
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))
    home = Path(tempfile.mkdtemp(prefix=f"groups-bench-{scale}-", dir=work))
    env = cli_env(url, schema, spark_master, home, source)
    result: dict = {"scale": scale, "runs": {}}

    def run(label: str, day: str, run_env: dict[str, str]) -> None:
        print(f"[{scale}] {label} ...", flush=True)
        ran, _ = run_day(url, day, run_env)
        result["runs"][label] = ran

    run("first load", "day1", env)
    settle(url)
    result["floor"], result["rows"] = copy_floor(url, schema)
    print(f"  floor: COPY of {result['rows']} in {result['floor']:.2f} s", flush=True)
    plain = dict(
        env, GROUPS_DB_SCHEMA=f"plain_{scale}", GROUPS_FIRST_LOAD="off", DAGSTER_HOME=str(home / "plain")
    )
    run("plain path", "day1", plain)
    first_tables = dump(url, schema)
    if first_tables != dump(url, f"plain_{scale}"):
        sys.exit(f"[{scale}] the first-load path and the plain path left different tables")
    result["paths_agree"] = True
    run("re-run", "day1", env)
    run("changed day", "day2", env)
    result["effective"] = effective_lookup(url, schema)
    print(f"  one group's effective members: {result['effective']}", flush=True)
    warm = dict(
        env, GROUPS_DB_SCHEMA=f"warm_{scale}", GROUPS_SPARK_MASTER=server_url, DAGSTER_HOME=str(home / "warm")
    )
    run("warm server", "day1", warm)
    if dump(url, f"warm_{scale}") != first_tables:
        sys.exit(f"[{scale}] the run through the Spark Connect server left different tables")
    if peer == "dlt":
        print(f"[{scale}] dlt merge of day 1 ...", flush=True)
        settle(url)
        command = [
            sys.executable,
            str(REPO / "benchmarks" / "peer_dlt.py"),
            "--database-url",
            url,
            "--day-folder",
            str(source / "sync-day1"),
            "--dataset",
            f"dlt_{scale}",
            "--work",
            str(home / "dlt"),
        ]
        seconds, peak, _ = timed(command, dict(os.environ))
        result["dlt"] = {"seconds": seconds, "peak": peak}
        print(f"  {seconds:.1f} s, peak {peak / 2**30:.2f} GiB", flush=True)
    return result


def bench_formats(
    scale: str, url: str, work: Path, spark_master: str, server_url: str, formats: list[str], rounds: int
) -> dict:
    """The first load and the changed day of one scale in each format, the contract's too, in
    `rounds` rounds: each in a CLI process with a Spark of its own, then through the warm Spark
    Connect server (`server_url`, as the UI's and the sensors' runs go). Each round runs every
    format once, in an order turned by one each round (no format always runs first), so a ratio
    of two formats compares runs minutes apart."""
    from groups_assets.formats import get
    from groups_assets.synthetic.export import export

    sources = {"contract": source_for(scale, work)}
    clean = work / scale / "contract-clean"
    for fmt in formats:
        sources[fmt] = work / scale / fmt
        if not (sources[fmt] / "sync-day2" / "_SUCCESS").exists():
            print(f"writing {scale} as {fmt} exports in {sources[fmt]} ...", flush=True)
            if not (clean / "sync-day2" / "_SUCCESS").exists():
                generate(clean, days=2, change_ratio=0.1, malformed_ratio=0.0, seed=1, **GENERATED[scale])
            export(clean, sources[fmt], get(fmt), malformed_ratio=0.01, seed=1)
    names = list(sources)
    result: dict = {
        "bytes": {f: sum(p.stat().st_size for p in s.glob("sync-day1/*/*.json")) for f, s in sources.items()},
        "rounds": [],
    }
    for number in range(rounds):
        found: dict = {}
        for fmt in names[number % len(names) :] + names[: number % len(names)]:
            found[fmt] = {}
            for spark, prefix in ((spark_master, ""), (server_url, "warm ")):
                schema = f"format_{fmt}_{scale}{'_warm' if prefix else ''}"
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
                home = Path(tempfile.mkdtemp(prefix=f"groups-bench-{fmt}-{scale}-", dir=work))
                env = cli_env(url, schema, spark, home, sources[fmt]) | {"GROUPS_SOURCE_FORMAT": fmt}
                for label, day in ((f"{prefix}first load", "day1"), (f"{prefix}changed day", "day2")):
                    print(f"[{scale} {fmt}, round {number + 1}] {label} ...", flush=True)
                    ran, out = run_day(url, day, env)
                    found[fmt][label] = ran
                    print("  " + "\n  ".join(line for line in out.splitlines()[2:5]), flush=True)
        result["rounds"].append(found)
    return result


def format_ratios(found: dict, fmt: str, label: str) -> tuple[float, list[float]]:
    """A format's median seconds over the rounds, and its ratio to the contract day in each round."""
    seconds = [r[fmt][label]["seconds"] for r in found["rounds"]]
    ratios = [r[fmt][label]["seconds"] / r["contract"][label]["seconds"] for r in found["rounds"]]
    return statistics.median(seconds), ratios


def effective_lookup(url: str, schema: str) -> dict:
    """Milliseconds to fetch one group's effective members, today and at the instant day 1 was
    applied, for the group with the most of them among the roots (best of three each)."""
    with psycopg.connect(url, options=f"-c search_path={schema}") as conn:
        top = conn.execute(
            "SELECT group_id FROM groups WHERE parent_group_id IS NULL AND NOT deleted "
            "ORDER BY (SELECT count(*) FROM groups c WHERE c.parent_group_id = groups.group_id) DESC LIMIT 1"
        ).fetchone()[0]
        at = conn.execute("SELECT applied_at FROM applied_days WHERE sync_day = 'day1'").fetchone()[0]
        found = {"group_id": top}
        for what, query, params in (
            ("today", "SELECT count(*) FROM effective_membership WHERE group_id = %s", (top,)),
            ("at day 1", "SELECT count(*) FROM effective_membership_at(%s, %s)", (at, top)),
        ):
            best = float("inf")
            for _ in range(3):
                started = time.monotonic()
                rows = conn.execute(query, params).fetchone()[0]
                best = min(best, time.monotonic() - started)
            found[what] = {"rows": rows, "ms": round(best * 1000, 1)}
    return found


LAUNCH_RUN = """
mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
    __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }
"""
RUN_STATUS = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


def graphql(port: int, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own loopback UI
        return json.loads(response.read())["data"]


def ui_run(port: int, day: str) -> float:
    """Seconds from the UI's launch of a day (the GraphQL call its *Launch 1 run* makes: every
    asset and check of the day) to the run's end, as its user waits for it."""
    from groups_assets import names

    selector = {
        "repositoryLocationName": names.CODE_LOCATION,
        "repositoryName": "__repository__",
        "jobName": "__ASSET_JOB",
        "assetSelection": [{"path": [name]} for name in names.ASSETS],
    }
    tags = [{"key": "dagster/partition", "value": day}]
    params = {"selector": selector, "executionMetadata": {"tags": tags}}
    started = time.monotonic()
    launched = graphql(port, LAUNCH_RUN, {"params": params})["launchRun"]
    if launched["__typename"] != "LaunchRunSuccess":
        sys.exit(f"the UI's launch of {day} failed: {launched}")
    run_id = launched["run"]["runId"]
    while (status := graphql(port, RUN_STATUS, {"id": run_id})["runOrError"]["status"]) not in (
        "SUCCESS",
        "FAILURE",
        "CANCELED",
    ):
        time.sleep(0.2)
    if status != "SUCCESS":
        sys.exit(f"the UI's run of {day} ended {status}")
    return time.monotonic() - started


def bench_ui_door(url: str, work: Path) -> dict:
    """The sample days through the UI's door against the command line's, on one warm server:
    `groups-pipeline dev` started as its user starts it (its Spark server warmed as it says), day 1
    then day 2 launched as the UI launches them, and the same days from the command line, on
    dev's warm server, into other tables."""
    home = Path(tempfile.mkdtemp(prefix="groups-bench-ui-", dir=work))
    port, spark_port = 13000 + os.getpid() % 1000, 14000 + os.getpid() % 1000
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in ("ui_door", "ui_door_cli"):
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    sample = source_for("sample", work)
    env = cli_env(url, "ui_door", "", home, sample)
    env.pop("GROUPS_SPARK_MASTER")  # dev starts its own server
    env["DAGSTER_HOME"] = str(home / "ui")
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
    print("[ui door] groups-pipeline dev ...", flush=True)
    started = time.monotonic()
    dev = subprocess.Popen(
        command, env=env, cwd=REPO, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    result: dict = {}
    try:
        for line in dev.stdout:
            if line.startswith("Dagster UI at"):
                break
        else:
            sys.exit(f"groups-pipeline dev did not start (exit {dev.wait()})")
        result["dev ready"] = time.monotonic() - started
        threading.Thread(target=dev.stdout.read, daemon=True).start()
        print(f"  ready in {result['dev ready']:.1f} s", flush=True)
        cli = dict(
            env,
            GROUPS_DB_SCHEMA="ui_door_cli",
            GROUPS_SPARK_MASTER=f"sc://127.0.0.1:{spark_port}",
            DAGSTER_HOME=str(home / "cli"),
        )
        for day in ("day1", "day2"):
            settle(url)
            result[f"ui {day}"] = ui_run(port, day)
            settle(url)
            result[f"cli {day}"], _, _ = timed(
                [sys.executable, "-m", "groups_assets", "run", "--day", day], cli
            )
            ratio = result[f"ui {day}"] / result[f"cli {day}"]
            print(
                f"  {day}: UI {result[f'ui {day}']:.1f} s, command line {result[f'cli {day}']:.1f} s "
                f"on the same warm server ({ratio:.2f}x)",
                flush=True,
            )
    finally:
        os.killpg(dev.pid, signal.SIGINT)
        dev.wait(timeout=120)
    return result


def versus_dlt(seconds: float, dlt: float | None) -> str:
    if not dlt:
        return "-"
    return f"{dlt / seconds:.2f}x faster" if dlt >= seconds else f"{seconds / dlt:.2f}x slower"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default=",".join(SCALES), help=f"comma-separated, of {', '.join(SCALES)}")
    parser.add_argument("--peer", choices=["dlt"], help="also load each scale's day 1 with this tool")
    parser.add_argument("--database-url", help="an existing PostgreSQL (default: an embedded one, fsync off)")
    parser.add_argument("--spark-master", default="local[*]")
    parser.add_argument("--workdir", default=str(REPO / ".groups" / "bench"))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument(
        "--formats", default="", help="also load these formats' exports of the same days (servicenow,zendesk)"
    )
    parser.add_argument("--format-scales", default="100k", help="the scales of --formats (default 100k)")
    parser.add_argument(
        "--format-rounds", type=int, default=3, help="rounds of the format runs, in turned order"
    )
    args = parser.parse_args()
    scales = [s.strip() for s in args.scales.split(",") if s.strip()]
    if args.format_rounds < 1:
        parser.error("--format-rounds must be at least 1")
    if unknown := [s for s in scales if s not in SCALES]:
        parser.error(f"unknown scale(s) {unknown}; choose from {SCALES}")
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    folder = None  # the embedded server's, deleted when the benchmark ends
    if args.database_url:
        url = args.database_url
    else:
        folder = Path(tempfile.mkdtemp(prefix="groups-bench-pg-"))
        url = embedded_url(folder / "pgdata")
        with psycopg.connect(url, autocommit=True) as conn:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {setting} = off")
            conn.execute("ALTER SYSTEM SET max_wal_size = '8GB'")
            conn.execute("SELECT pg_reload_conf()")

    try:
        measured = measure(scales, url, work, args)
    finally:
        if folder is not None:
            discard(folder)
    report(*measured, json_path=args.json)


def measure(scales: list[str], url: str, work: Path, args: argparse.Namespace) -> tuple:
    """Every run of the benchmark on the server at `url`: (results, server peak, bad edit, shapes,
    formats)."""
    port = 15002 + os.getpid() % 1000
    server = spark_server(args.spark_master, port)
    server_memory = PeakMemory(server.pid)
    try:
        server_url = f"sc://127.0.0.1:{port}"
        warm_up(server_url, url, work)
        results = [bench_scale(s, url, work, args.peer, args.spark_master, server_url) for s in scales]
        formats = [f.strip() for f in args.formats.split(",") if f.strip()]
        by_format = {
            scale: bench_formats(scale, url, work, args.spark_master, server_url, formats, args.format_rounds)
            for scale in (s.strip() for s in args.format_scales.split(",") if s.strip())
            if formats
        }
    finally:
        server.terminate()
        server.wait()
    server_peak = server_memory.stop()
    ui_door = bench_ui_door(url, work) if "sample" in scales else {}
    bad_edit = bench_bad_edit(url, work, args.spark_master)
    shapes = inactive_shapes(url)
    return results, server_peak, bad_edit, shapes, by_format, ui_door


def report(
    results: list[dict],
    server_peak: int,
    bad_edit: dict,
    shapes: dict,
    by_format: dict,
    ui_door: dict,
    json_path: str | None,
) -> None:
    """The summary table and figures, written as JSON to `json_path` if given (first: nothing
    measured is lost to a failure in printing), then printed."""
    if json_path:
        Path(json_path).write_text(
            json.dumps(
                {
                    "results": results,
                    "server_peak": server_peak,
                    "shapes": shapes,
                    "bad_edit": bad_edit,
                    "formats": by_format,
                    "ui_door": ui_door,
                },
                indent=2,
            )
        )
    print()
    print(
        f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"{platform.platform()}, Python {platform.python_version()}"
    )
    head = (
        "| scale | floor | first load | plain path | re-run | changed day | warm server | dlt merge "
        "| first load vs dlt | warm server vs dlt |"
    )
    print(head)
    print("|---" * (head.count("|") - 1) + "|")
    for r in results:
        floor = r["floor"]
        cells = [
            f"{r['runs'][k]['seconds']:.1f} s ({r['runs'][k]['seconds'] / floor:.1f}x)"
            for k in ("first load", "plain path", "re-run", "changed day", "warm server")
        ]
        dlt = r.get("dlt", {}).get("seconds")
        versus = [versus_dlt(r["runs"][k]["seconds"], dlt) for k in ("first load", "warm server")]
        print(
            f"| {r['scale']} | {floor:.2f} s | "
            + " | ".join(cells)
            + f" | {f'{dlt:.1f} s' if dlt else '-'} | "
            + " | ".join(versus)
            + " |"
        )
    for r in results:
        peak = max(run["peak"] for run in r["runs"].values())
        print(
            f"{r['scale']}: rows {r['rows']}; peak memory {peak / 2**30:.2f} GiB; "
            f"paths agree: {r['paths_agree']}"
        )
        for label in ("first load", "changed day"):
            run = r["runs"][label]
            history = sum(v for k, v in run["profile"].items() if "history" in k and k.startswith("sql "))
            print(
                f"  {label}: history statements {history:.2f} s = "
                f"{100 * history / run['seconds']:.1f}% of the run (memberships' versions are written "
                "by the membership statements themselves)"
            )
        print(f"  one group's effective members: {r.get('effective')}")
    print(
        f"Spark Connect server (JVM and Python workers, over the scales' and the formats' warm runs): "
        f"peak memory {server_peak / 2**30:.2f} GiB"
    )
    sample = next((r for r in results if r["scale"] == "sample"), None)
    if sample:
        for label in ("first load", "warm server"):
            print(f"sample day, {label}, seconds by stage:", json.dumps(sample["runs"][label]["profile"]))
    if ui_door:
        print(
            f"the UI's door (sample days, groups-pipeline dev ready in {ui_door['dev ready']:.1f} s): "
            + "; ".join(
                f"{day} UI {ui_door[f'ui {day}']:.1f} s, command line {ui_door[f'cli {day}']:.1f} s "
                f"({ui_door[f'ui {day}'] / ui_door[f'cli {day}']:.2f}x)"
                for day in ("day1", "day2")
            )
        )
    print(
        f"inactive statement, 100,000 groups: chain {shapes['chain']:.2f} s, "
        f"bushy tree {shapes['bushy']:.2f} s "
        f"(chain/bushy = {shapes['chain'] / shapes['bushy']:.2f})"
    )
    normal, bad = bad_edit["normal day"]["seconds"], bad_edit["bad-edit day"]["seconds"]
    print(
        f"bad edit (50,000-group tree, root under its deepest descendant): normal day {normal:.1f} s, "
        f"bad-edit day {bad:.1f} s = {bad / normal:.2f}x; {bad_edit['bad-edit day']['cycles']}"
    )
    for scale, found in by_format.items():
        rounds = len(found["rounds"])
        print(
            f"formats at {scale} (whole CLI runs, {rounds} rounds in turned order; median seconds, and "
            "the median of the rounds' ratios to the contract day, with their range):"
        )
        labels = ("first load", "changed day", "warm first load", "warm changed day")
        print("| format | day-1 bytes | " + " | ".join(labels) + " |")
        print("|---" * (len(labels) + 2) + "|")
        for fmt, size in found["bytes"].items():
            cells = []
            for label in labels:
                seconds, ratios = format_ratios(found, fmt, label)
                spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
                cells.append(f"{seconds:.1f} s ({statistics.median(ratios):.2f}x, {spread})")
            print(f"| {fmt} | {size / 1e6:.0f} MB | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
