"""A warm Spark for many runs: `groups-pipeline spark-server` keeps one Spark Connect server up,
runs use it with GROUPS_SPARK_MASTER=sc://..., and the days give the same tables as with a Spark
of their own. (`groups-pipeline dev` starts one for the UI: test_ui.py.)"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys

import pytest

from groups_assets_tests.support import SAMPLE, dump

# A whole process per run (CLI, webserver, cluster or fault): the quick loop leaves it out.
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "groups_assets", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_a_day_through_a_spark_server_gives_the_same_tables(cli_env, pipeline, tmp_path):
    port = _free_port()
    url = f"sc://127.0.0.1:{port}"
    command = [sys.executable, "-m", "groups_assets", "spark-server", "--port", str(port)]
    log = tmp_path / "spark-server.log"
    with log.open("w") as err:
        server = subprocess.Popen(command, env=cli_env, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        # Its first line, once clients can connect: the URL to use.
        assert server.stdout.readline().strip() == url, log.read_text()[-3000:]

        env = cli_env | {"GROUPS_SPARK_MASTER": url}
        done = _cli(env, "run", "--day", "day1")
        assert done.returncode == 0, done.stdout + done.stderr[-3000:]
        assert "day day1: succeeded" in done.stdout

        # A second server on the same port is refused, and says which URL to use instead.
        again = _cli(cli_env, "spark-server", "--port", str(port))
        assert again.returncode == 1
        assert "already listens" in again.stderr and f"GROUPS_SPARK_MASTER={url}" in again.stderr

        # SIGTERM, as a service manager stops it: a clean exit, and the port is free again.
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()[-3000:]
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    shutil.copytree(SAMPLE, pipeline.root, dirs_exist_ok=True)
    pipeline.run("day1")  # the in-process local[2] session of the test suite
    assert dump(cli_env["GROUPS_DATABASE_URL"], "public") == pipeline.dump()


def test_no_server_at_the_url_fails_the_day_at_once_with_advice(cli_env):
    url = f"sc://127.0.0.1:{_free_port()}/;token=s3cret-token"
    done = _cli(cli_env | {"GROUPS_SPARK_MASTER": url}, "run", "--day", "day1")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "no Spark Connect server answers" in out and "groups-pipeline spark-server" in out, out
    assert "s3cret-token" not in out
