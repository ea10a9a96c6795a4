"""Speculation for real: days loaded on a Spark standalone cluster whose speculation is forced
give the tables of the same days loaded on local[*].

    python benchmarks/cluster_speculation.py [--groups 100000] [--days 3]

The cluster (standalone.py): a master and two one-core workers on 127.0.0.2 and 127.0.0.3, with
`spark.speculation` on in its spark-defaults.conf (quantile 0.1, multiplier 1.0, a minimum task
runtime of 10 ms, efficiency off), so that every task that runs longer than the median of those
done gets a copy on the other host. The days are generated, then made uneven: in every folder one
file holds most of the records and the others a few, so that one task runs long. Each day is
loaded on the cluster (`groups-pipeline run`, as a user runs it) and on local[*], into two
databases of one embedded PostgreSQL; then every table is compared, and the script reports the
speculative attempts that started (Spark's event logs) and the tasks whose speculative copy won
(the runs' summaries) and the attempts that found their partition staged by another (PostgreSQL's
log: the claim refused). Exit status 1 if the tables differ or no attempt was speculative.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from standalone import Cluster  # noqa: E402

from groups_assets.contract.reader import is_array_file  # noqa: E402
from groups_assets.runtime.embedded import discard, embedded_url  # noqa: E402
from groups_assets_tests.support import dump  # noqa: E402

SPECULATION = {
    "spark.speculation": "true",
    "spark.speculation.quantile": "0.1",
    "spark.speculation.multiplier": "1.0",
    "spark.speculation.minTaskRuntime": "10ms",
    "spark.speculation.interval": "10ms",
    "spark.speculation.efficiency.enabled": "false",
}


def generate(source: Path, days: int, groups: int) -> None:
    """`days` generated days, each folder made uneven: its first JSON Lines file takes the
    records of all the others but the last three (a JSON array file is left as it is)."""
    command = [sys.executable, "-m", "groups_assets", "generate", "--out", str(source), "--days", str(days)]
    command += ["--groups", str(groups), "--agents", str(max(10, groups // 10)), "--files-per-day", "8"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    for folder in sorted(p for p in source.glob("sync-day*/*") if p.is_dir()):
        files = sorted(p for p in folder.iterdir() if p.is_file() and not is_array_file(p))
        big, merged = files[0], files[1:-3]
        with big.open("ab") as out:
            for part in merged:
                data = part.read_bytes()
                out.write(data if data.endswith(b"\n") or not data else data + b"\n")
                part.unlink()


def database(url: str, name: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return psycopg.conninfo.make_conninfo(url, dbname=name)


def refused_claims(pgdata: Path) -> int:
    """Claims PostgreSQL refused (its log): task attempts that reached their commit after another
    attempt of the partition had staged it, and rolled their own rows back."""
    log = (pgdata / "log").read_text(errors="replace")
    return len(re.findall(r'duplicate key value violates unique constraint "_stage_claims_\w+_pkey"', log))


def run(day: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "groups_assets", "run", "--day", day], env=env, capture_output=True, text=True
    )
    seconds = time.monotonic() - start
    if done.returncode != 0:
        raise SystemExit(f"day {day} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def environment(url: str, home: Path, source: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GROUPS_", "DAGSTER_", "SPARK_"))}
    return env | {
        "GROUPS_DATABASE_URL": url,
        "GROUPS_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster_home"),
        "GROUPS_SOURCE_ROOT": str(source),
        **extra,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="groups-speculation-"))
    pg = work / "pg"
    url = embedded_url(pg / "pgdata")
    cluster = Cluster(work / "cluster", conf=SPECULATION)
    try:
        source = work / "source"
        generate(source, args.days, args.groups)
        cluster.start()
        cluster_url, local_url = database(url, "on_cluster"), database(url, "on_local")
        on_cluster = environment(cluster_url, work / "home-cluster", source, **cluster.env())
        on_local = environment(local_url, work / "home-local", source, GROUPS_SPARK_MASTER="local[*]")
        run_again = 0
        for n in range(1, args.days + 1):
            day = f"day{n}"
            seconds, out = run(day, on_cluster)
            again = [int(k) for k in re.findall(r"; (\d+) Spark task\(s\) run again", out)]
            run_again += sum(again)
            local_seconds, _ = run(day, on_local)
            print(
                f"{day}: cluster {seconds:.1f} s ({sum(again)} task(s) whose accepted attempt was not "
                f"the first), local {local_seconds:.1f} s",
                flush=True,
            )
        speculative = cluster.speculative_attempts()
        executor_lines = cluster.executor_log_lines(r"Running task \d+\.[1-9] in stage")
        refused = refused_claims(pg / "pgdata")
        same = dump(cluster_url, "public") == dump(local_url, "public")
        cluster.stop()
        scratch = cluster.scratch_left()
        print(
            f"{args.days} day(s) of {args.groups} groups on 2 one-core workers: {speculative} speculative "
            f"attempt(s) started (event logs), {executor_lines} attempt(s) past the first in the executors' "
            f"logs, {run_again} task(s) whose accepted attempt was not the first, {refused} attempt(s) "
            f"that found their partition staged and rolled back; tables equal local[*]'s: {same}; "
            f"scratch left on the workers: {scratch or 'none'}"
        )
        return 0 if same and speculative and not scratch else 1
    finally:
        cluster.stop()
        discard(pg)
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    sys.exit(main())
