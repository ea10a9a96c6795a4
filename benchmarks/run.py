"""Benchmark: the pipeline against a bare PostgreSQL COPY of the same rows, in one run.

    python benchmarks/run.py --scale small|large [--workdir DIR] [--database-url URL]

On one PostgreSQL (an embedded one started here with fsync off, unless --database-url):
  (a) the floor: psycopg COPY of exactly the rows that end up in groups, group_membership and
      agents after day 1, as flat CSV, into empty tables with the same keys;
  (b) day 1 through the CLI into empty tables, (c) day 1 again, (d) day 2 (about 10% changed);
  (e) the inactive statement on one chain of 100,000 groups and on a bushy tree of 100,000.
It prints each time, its ratio to the floor, the peak memory of the pipeline's whole process
tree, the time of each Dagster step, and last `ratio_vs_copy=<first load / floor>`.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from groups_assets.warehouse.statements import statement  # noqa: E402
from groups_assets.cli.generate import generate  # noqa: E402
from groups_assets.resources.embedded import embedded_url  # noqa: E402

SCALES = {
    # groups, agents, avg members, max depth
    "tiny": dict(groups=10_000, agents=2_000, avg_members=5, max_depth=12),
    "small": dict(groups=100_000, agents=20_000, avg_members=5, max_depth=12),
    "large": dict(groups=1_000_000, agents=100_000, avg_members=5, max_depth=12),
}
TABLES = {
    "groups": "group_id BIGINT PRIMARY KEY, name TEXT NOT NULL, parent_group_id BIGINT, "
    "created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL, inactive BOOLEAN NOT NULL, "
    "deleted BOOLEAN NOT NULL, sync_day TEXT NOT NULL",
    "group_membership": "group_id BIGINT, agent_id BIGINT, PRIMARY KEY (group_id, agent_id)",
    "agents": "agent_id BIGINT PRIMARY KEY, name TEXT, email TEXT, active BOOLEAN NOT NULL, "
    "updated_at TIMESTAMPTZ, sync_day TEXT NOT NULL",
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
                procs = [self.root, *self.root.children(recursive=True)]
                total = 0
                for p in procs:
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


def run_cli(day: str, env: dict[str, str], source: Path) -> tuple[float, int, str]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "groups_assets", "run", "--day", day, "--source-root", str(source)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    memory = PeakMemory(proc.pid)
    out, err = proc.communicate()
    seconds, peak = time.monotonic() - started, memory.stop()
    if proc.returncode != 0:
        sys.exit(f"day {day} failed:\n{out}\n{err[-5000:]}")
    return seconds, peak, out


def step_times(dagster_home: Path) -> dict[str, float]:
    """Seconds per Dagster step of the latest run in the instance."""
    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        stats = instance.get_run_step_stats(run.run_id)
    return {s.step_key: (s.end_time or 0) - (s.start_time or 0) for s in stats}


def apply_split(dagster_home: Path) -> dict[str, float]:
    """Inside the apply step: the executors' staging COPY, the transaction and its statements."""
    from dagster import AssetKey, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(AssetKey("inactive_flags"))
    metadata = event.asset_materialization.metadata if event and event.asset_materialization else {}
    return {f"  {k.removeprefix('seconds_')}": v.value for k, v in metadata.items() if k.startswith("seconds_")}


def copy_floor(url: str) -> tuple[float, dict[str, int]]:
    """Dump what day 1 left in the pipeline's tables as CSV, then COPY it into empty tables."""
    dumps: dict[str, bytes] = {}
    with psycopg.connect(url) as conn:
        for table in TABLES:
            buf = io.BytesIO()
            with conn.cursor().copy(
                sql.SQL("COPY bench.{} TO STDOUT (FORMAT csv)").format(sql.Identifier(table))
            ) as copy:
                for chunk in copy:
                    buf.write(chunk)
            dumps[table] = buf.getvalue()
        conn.execute("DROP SCHEMA IF EXISTS floor CASCADE")
        conn.execute("CREATE SCHEMA floor")
        for table, columns in TABLES.items():
            conn.execute(sql.SQL("CREATE TABLE floor.{} ({})").format(sql.Identifier(table), sql.SQL(columns)))
        conn.commit()
        started = time.monotonic()
        for table, data in dumps.items():
            with conn.cursor().copy(
                sql.SQL("COPY floor.{} FROM STDIN (FORMAT csv)").format(sql.Identifier(table))
            ) as copy:
                view = memoryview(data)
                for i in range(0, len(view), 1 << 20):
                    copy.write(view[i : i + (1 << 20)])
        conn.commit()
        seconds = time.monotonic() - started
        rows = {t: conn.execute(sql.SQL("SELECT count(*) FROM floor.{}").format(sql.Identifier(t))).fetchone()[0]
                for t in TABLES}
        conn.execute("DROP SCHEMA floor CASCADE")
        conn.commit()
    return seconds, rows


def inactive_shapes(url: str, size: int = 100_000) -> dict[str, float]:
    """The inactive statement on one chain and on a bushy tree of `size` groups."""
    shapes = {
        # group i's parent is i-1: one chain; only the deepest group has an active agent.
        "chain": ("CASE WHEN i = 1 THEN NULL ELSE i - 1 END", f"{size}"),
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
            conn.execute(statement("schema"))
            conn.execute(
                f"INSERT INTO groups SELECT i, 'g' || i, {parent}, now(), now(), true, false, 'd' "  # noqa: S608
                f"FROM generate_series(1, {size}) i"
            )
            where = "i = " + active_where if shape == "chain" else active_where
            conn.execute(f"INSERT INTO group_membership SELECT i, i FROM generate_series(1, {size}) i WHERE {where}")  # noqa: S608
            conn.execute("INSERT INTO agents SELECT i, NULL, NULL, true, NULL, 'd' FROM generate_series(1, %s) i", (size,))
            conn.execute("ANALYZE groups, group_membership, agents")
            conn.commit()
            conn.execute("CREATE TEMP TABLE applied_groups (group_id BIGINT, is_new BOOLEAN) ON COMMIT DROP")
            started = time.monotonic()
            conn.execute(statement("inactive")).fetchone()
            times[shape] = time.monotonic() - started
            inactive = conn.execute("SELECT count(*) FILTER (WHERE inactive) FROM groups").fetchone()[0]
            assert (shape == "chain" and inactive == 0) or shape == "bushy", (shape, inactive)
            conn.commit()
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            conn.commit()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--workdir", default=str(REPO / ".groups" / "bench"))
    parser.add_argument("--database-url", help="an existing PostgreSQL (default: an embedded one, fsync off)")
    parser.add_argument("--spark-master", default="local[*]")
    args = parser.parse_args()

    work = Path(args.workdir) / args.scale
    source = work / "source"
    if not (source / "sync-day2" / "_SUCCESS").exists():
        print(f"generating {args.scale} data in {source} ...", flush=True)
        started = time.monotonic()
        generate(source, days=2, change_ratio=0.1, seed=1, **SCALES[args.scale])
        print(f"  generated in {time.monotonic() - started:.1f} s", flush=True)

    if args.database_url:
        url = args.database_url
    else:
        url = embedded_url(Path(tempfile.mkdtemp(prefix="groups-bench-pg-")) / "pgdata")
        with psycopg.connect(url, autocommit=True) as conn:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                conn.execute(f"ALTER SYSTEM SET {setting} = off")
            conn.execute("ALTER SYSTEM SET max_wal_size = '8GB'")
            conn.execute("SELECT pg_reload_conf()")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS bench CASCADE")

    dagster_home = Path(tempfile.mkdtemp(prefix="groups-bench-dagster-"))
    env = dict(os.environ, GROUPS_DATABASE_URL=url, GROUPS_DB_SCHEMA="bench",
               GROUPS_SPARK_MASTER=args.spark_master, DAGSTER_HOME=str(dagster_home),
               GROUPS_STAGING_DIR=str(work / "staging"))

    results: list[tuple[str, float, int, dict[str, float]]] = []
    for label, day in (("first load (day 1, empty tables)", "day1"), ("re-run of day 1", "day1"),
                       ("day 2 (10% changed)", "day2")):
        print(f"running {label} ...", flush=True)
        seconds, peak, out = run_cli(day, env, source)
        print(out, flush=True)
        steps = step_times(dagster_home) | apply_split(dagster_home)
        print("  steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in sorted(steps.items(), key=lambda kv: -kv[1])))
        results.append((label, seconds, peak, steps))
        if len(results) == 1:
            floor, rows = copy_floor(url)
            print(f"floor: COPY of {rows} in {floor:.2f} s", flush=True)
    shapes = inactive_shapes(url)

    print()
    print(f"machine: {platform.node()} {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.platform()}")
    print(f"scale: {args.scale} {SCALES[args.scale]}; rows after day 1: {rows}")
    print(f"floor (psycopg COPY into empty tables with keys): {floor:.2f} s")
    for label, seconds, peak, steps in results:
        print(f"{label}: {seconds:.1f} s = {seconds / floor:.2f}x floor, peak memory {peak / 2**30:.2f} GiB")
        print("    steps: " + ", ".join(f"{k} {v:.1f}s" for k, v in sorted(steps.items(), key=lambda kv: -kv[1])))
    print(f"inactive statement, 100,000 groups: chain {shapes['chain']:.2f} s, bushy tree {shapes['bushy']:.2f} s "
          f"(chain/bushy = {shapes['chain'] / shapes['bushy']:.2f})")
    print(f"ratio_vs_copy={results[0][1] / floor:.2f}")


if __name__ == "__main__":
    main()
