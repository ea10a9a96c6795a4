"""A Spark standalone cluster on this machine, from the pip `pyspark`: a master on 127.0.0.1 and
workers of one core each, every worker on a loopback host of its own (127.0.0.2, 127.0.0.3, ...),
so that Spark sees distinct hosts (a speculative copy goes to another host than its original).

The pipeline runs against it as a cluster user's would: `GROUPS_SPARK_MASTER=spark://...`, and
the cluster's own settings in `spark-defaults.conf` (`SPARK_CONF_DIR`). Used by
cluster_speculation.py and cluster_chaos.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent
_EXECUTOR = "CoarseGrainedExecutorBackend"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """start() brings it up; stop() ends every process of it. Its folders are under `folder`:
    conf/ (spark-defaults.conf), work/ (the workers' application folders and executor logs),
    local-<n>/ (each worker's scratch), events/ (Spark's event logs)."""

    def __init__(self, folder: Path, workers: int = 2, conf: dict[str, str] | None = None):
        self.folder = folder
        self.port, self.web_port = _free_port(), _free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.hosts = [f"127.0.0.{2 + n}" for n in range(workers)]
        self.conf = {
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.executor.memory": "1g",
            "spark.eventLog.enabled": "true",
            "spark.eventLog.dir": str(folder / "events"),
            "spark.eventLog.compress": "false",
            **(conf or {}),
        }
        self.master: subprocess.Popen | None = None
        self.workers: dict[str, subprocess.Popen] = {}

    def _spawn(self, args: list[str], host: str, log: str, **env: str) -> subprocess.Popen:
        environment = os.environ | {"SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": host, **env}
        with open(self.folder / log, "ab") as out:
            return subprocess.Popen(
                [str(SPARK_HOME / "bin" / "spark-class"), *args],
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start(self) -> Cluster:
        for name in ("conf", "work", "events"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        lines = [f"{k} {v}" for k, v in self.conf.items()]
        (self.folder / "conf" / "spark-defaults.conf").write_text("\n".join(lines) + "\n")
        master = "org.apache.spark.deploy.master.Master"
        self.master = self._spawn(
            [master, "--host", "127.0.0.1", "--port", str(self.port), "--webui-port", str(self.web_port)],
            "127.0.0.1",
            "master.log",
        )
        for host in self.hosts:
            self.start_worker(host)
        self.wait_for_workers(len(self.hosts))
        return self

    def start_worker(self, host: str) -> None:
        local = self.folder / f"local-{host}"
        local.mkdir(exist_ok=True)
        self.workers[host] = self._spawn(
            [
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                host,
                "--cores",
                "1",
                "--memory",
                "1536m",
                "--work-dir",
                str(self.folder / "work"),
                "--webui-port",
                "0",
                self.url,
            ],
            host,
            f"worker-{host}.log",
            SPARK_LOCAL_DIRS=str(local),
            PYSPARK_PYTHON=sys.executable,
        )

    def state(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/json/", timeout=5) as answer:
            return json.load(answer)

    def wait_for_workers(self, n: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if sum(w["state"] == "ALIVE" for w in self.state()["workers"]) >= n:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{n} worker(s) did not register in {timeout:.0f} s: see {self.folder}")

    def env(self) -> dict[str, str]:
        """What a run on this cluster needs in its environment."""
        return {"GROUPS_SPARK_MASTER": self.url, "SPARK_CONF_DIR": str(self.folder / "conf")}

    def executor_pids(self) -> list[int]:
        """The executor JVMs of this cluster (its workers' children), none of another Spark."""
        pids = []
        for worker in self.workers.values():
            found = subprocess.run(
                ["pgrep", "-P", str(worker.pid), "-f", _EXECUTOR], capture_output=True, text=True
            )
            pids += [int(p) for p in found.stdout.split()]
        return pids

    def speculative_attempts(self) -> int:
        """Speculative task attempts that started, over every application's event log."""
        started = 0
        for log in (p for p in (self.folder / "events").rglob("*") if p.is_file()):
            for line in log.read_text(errors="replace").splitlines():
                if '"Event":"SparkListenerTaskStart"' in line and '"Speculative":true' in line:
                    started += 1
        return started

    def executor_log_lines(self, pattern: str) -> int:
        """Lines of the executors' logs (work/app-*/<n>/stderr) that match `pattern`."""
        regex = re.compile(pattern)
        return sum(
            bool(regex.search(line))
            for log in (self.folder / "work").glob("app-*/*/stderr")
            for line in log.read_text(errors="replace").splitlines()
        )

    def scratch_left(self) -> list[str]:
        """What the applications left in the workers' scratch folders (none, once they ended)."""
        return sorted(str(p) for host in self.hosts for p in (self.folder / f"local-{host}").iterdir())

    def stop(self) -> None:
        executors = self.executor_pids()
        for process in [*self.workers.values(), self.master]:
            if process and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers.values(), self.master]:
            if process:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        for pid in executors:  # they end with their worker; any left are killed
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
