"""Chaos on a cluster: days loaded on a Spark standalone cluster, each run hit at a random moment,
end with the tables of a clean local run, and nothing left behind.

    python benchmarks/cluster_chaos.py [--groups 20000] [--days 10] [--seed 7]

The cluster is standalone.py's (a master, two one-core workers on their own loopback hosts,
speculation on as in cluster_speculation.py). `--days` generated days of a `--groups`-group
forest are loaded in an order with replays (an older day after newer ones, a day over itself);
every run of that order is hit, at a random moment, by one of:
  executor  SIGKILL of an executor JVM (CoarseGrainedExecutorBackend)
  worker    SIGKILL of a worker JVM (its executors go with it); the worker is started again
  postgres  a fast PostgreSQL restart while the run's executors COPY into staging
  driver    SIGKILL of the run's process group (the CLI and its driver JVM)
A run that fails is run again, without a hit, up to 4 runs of the day; a failure that is not the
killed driver's is reported and fails the script. Then the tables must equal those
of the same order loaded on local[*] without faults, and there must be no staging table, no
advisory lock, no scratch folder of a driver and no byte in the workers' scratch folders (the
empty folders that a standalone Worker made for an executor killed with SIGKILL are listed).
Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from cluster_speculation import SPECULATION, database, environment, refused_claims  # noqa: E402
from standalone import Cluster  # noqa: E402

from groups_assets.runtime.embedded import discard, embedded_url  # noqa: E402
from groups_assets_tests.support import dump, restart_embedded  # noqa: E402

HITS = ("executor", "worker", "postgres", "driver")


def order(days: int) -> list[int]:
    """Every day in turn, and after every third one a replay of an earlier day; the last day twice."""
    found: list[int] = []
    for n in range(1, days + 1):
        found.append(n)
        if n % 3 == 0:
            found.append(n - 1 - (n // 3) % 2)
    return [*found, days]


class Hit(threading.Thread):
    """One hit of `kind` on a running day, at a random moment within `window` seconds (the
    postgres hit waits for the run's staging COPY instead). `landed` says whether it struck
    while the run was alive."""

    def __init__(self, kind: str, proc: subprocess.Popen, cluster: Cluster, pgdata: Path, url: str, rng):
        super().__init__(daemon=True)
        self.kind, self.proc, self.cluster, self.pgdata, self.url = kind, proc, cluster, pgdata, url
        self.rng, self.delay = rng, rng.uniform(2, 30)
        self.landed = False

    def _alive_after(self, seconds: float) -> bool:
        try:
            self.proc.wait(timeout=seconds)
            return False
        except subprocess.TimeoutExpired:
            return True

    def run(self) -> None:
        if self.kind == "postgres":
            self._restart_during_copy()
            return
        if not self._alive_after(self.delay):
            return
        if self.kind == "driver":
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.landed = True
        elif self.kind == "executor":
            while self.proc.poll() is None and not (pids := self.cluster.executor_pids()):
                time.sleep(0.1)
            if self.proc.poll() is None:
                os.kill(self.rng.choice(pids), signal.SIGKILL)
                self.landed = True
        elif self.kind == "worker":
            host = self.rng.choice(self.cluster.hosts)
            os.kill(self.cluster.workers[host].pid, signal.SIGKILL)
            self.landed = self.proc.poll() is None
            self.cluster.workers[host].wait()
            time.sleep(2)
            self.cluster.start_worker(host)
            self.cluster.wait_for_workers(len(self.cluster.hosts))

    def _restart_during_copy(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while self.proc.poll() is None:
                # A task's connection shows its COPY from its start until the claim that ends it.
                copying = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'groups-pipeline' "
                    "AND query LIKE '%COPY \"\\_stage\\_%'"
                ).fetchone()[0]
                if copying:
                    break
                time.sleep(0.002)
        if self.proc.poll() is None:
            restart_embedded(self.pgdata)
            self.landed = True


def run(day: int, env: dict[str, str], make_hit=None) -> tuple[bool, str, Hit | None]:
    """One CLI run of the day (hit by `make_hit(proc)`, if given): whether it succeeded, why not,
    and the hit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "groups_assets", "run", "--day", f"day{day}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    hit = make_hit(proc) if make_hit else None
    if hit:
        hit.start()
    out, _ = proc.communicate()
    if hit:
        hit.join()
    if proc.returncode == -signal.SIGKILL:
        return False, "killed", hit
    errors = [line.strip() for line in out.splitlines() if line.strip().startswith("error:")]
    return proc.returncode == 0, (errors or [out.strip()[-300:]])[0], hit


def retries(home: Path) -> Counter:
    """The step's own tries again inside runs (their warning in the run logs), by reason."""
    found = Counter()
    for log in (home / "logs").glob("*.log"):
        for line in log.read_text(errors="replace").splitlines():
            if "the day runs again in" in line:
                found[line.split(" - ")[-1].split(" (")[0][:120]] += 1
    return found


def leftovers(url: str, tmp: Path, cluster: Cluster) -> dict[str, list]:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(r"SELECT relname FROM pg_class WHERE relname LIKE '\_stage\_%'")]
        locks = conn.execute("SELECT objid FROM pg_locks WHERE locktype = 'advisory'").fetchall()
    return {
        "staging tables": tables,
        "advisory locks": locks,
        "driver scratch": sorted(p.name for p in tmp.iterdir()),
        "worker scratch": [f"{p} ({_size(p)} bytes: {_names(p)})" for p in map(Path, cluster.scratch_left())],
    }


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))[:6]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)  # noqa: S311 (a reproducible order of hits)

    work = Path(tempfile.mkdtemp(prefix="groups-chaos-"))
    pgdata = work / "pg" / "pgdata"
    url = embedded_url(pgdata)
    cluster = Cluster(work / "cluster", conf=SPECULATION)
    try:
        source = work / "source"
        command = [sys.executable, "-m", "groups_assets", "generate", "--out", str(source)]
        command += ["--days", str(args.days), "--groups", str(args.groups)]
        command += ["--agents", str(args.groups // 10), "--seed", str(args.seed)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        cluster.start()
        tmp = work / "tmp"
        tmp.mkdir()
        chaos_url = database(url, "chaos")
        on_cluster = environment(chaos_url, work / "home-cluster", source, TMPDIR=str(tmp), **cluster.env())
        clean_url = database(url, "clean")
        on_local = environment(clean_url, work / "home-local", source, GROUPS_SPARK_MASTER="local[*]")

        hits, landed, runs, failures = Counter(), Counter(), 0, []
        started = time.monotonic()
        for day in order(args.days):
            kind = rng.choice(HITS)
            own = random.Random(rng.random())  # noqa: S311 (the hit's own choices, whatever its timing)
            ok, error, struck = run(
                day, on_cluster, lambda proc, kind=kind, own=own: Hit(kind, proc, cluster, pgdata, url, own)
            )
            runs += 1
            hits[kind] += 1
            landed[kind] += struck.landed
            errors = []
            while not ok:
                errors.append(error)
                if len(errors) == 4:
                    raise SystemExit(f"day{day} failed {len(errors)} times in a row: {errors}")
                ok, error, _ = run(day, on_cluster)
                runs += 1
            failures += [(day, kind, e) for e in errors]
            when = "during the COPY" if kind == "postgres" else f"after {struck.delay:.0f} s"
            said = f"; failed: {errors}" if errors else ""
            print(
                f"day{day}: hit by {kind} {when} (landed: {struck.landed}); {1 + len(errors)} run(s){said}",
                flush=True,
            )
        chaos_seconds = time.monotonic() - started
        for day in order(args.days):
            assert run(day, on_local), f"the clean local run of day{day} failed"
        same = dump(chaos_url, "public") == dump(clean_url, "public")
        time.sleep(5)  # the master tells the workers that the last application ended
        left = leftovers(chaos_url, tmp, cluster)
        refused = refused_claims(pgdata)
        again = retries(work / "home-cluster")
        # A failure is expected of a killed driver only: any other means a hit the run did not survive.
        unexpected = [f for f in failures if f[2] != "killed"]
        print(
            f"{len(order(args.days))} scheduled runs of {args.days} days of {args.groups} groups in "
            f"{chaos_seconds:.0f} s; {runs} runs in all, {len(failures)} failed and were run again "
            f"({len(unexpected)} not killed: {unexpected}); the step tried again inside a run "
            f"{sum(again.values())} time(s): {dict(again)}; hits by kind {dict(hits)}, of which landed "
            f"while the run was alive {dict(landed)}; {refused} task attempt(s) found their partition "
            f"staged and rolled back; tables equal a clean local run's: {same}; left behind: {left}"
        )
        # A SIGKILLed executor or worker JVM leaves the empty folder its standalone Worker made
        # for it (spark-<uuid>/executor-<uuid>): reported above; no byte of a day may be left.
        data_left = sum(_size(Path(p)) for p in cluster.scratch_left())
        mine = (left["staging tables"], left["advisory locks"], left["driver scratch"])
        return 0 if same and not any(mine) and not data_left and not unexpected else 1
    finally:
        cluster.stop()
        discard(pgdata.parent)
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    sys.exit(main())
