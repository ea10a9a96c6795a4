"""The warm Spark's edges: `groups-pipeline spark-server` refuses a port in use and says which URL
to use instead, and a run whose sc:// URL answers nothing fails at once with advice, its token
masked. (A day through the server, and its tables: test_ui.py, where `groups-pipeline dev`
starts one; every scale of the benchmark also compares them.)"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from groups_assets_tests.support import free_port

# A whole process per run (CLI, webserver, cluster or fault): the quick loop leaves it out.
pytestmark = pytest.mark.slow


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "groups_assets", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def test_a_port_in_use_is_refused_with_the_url_to_use(cli_env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _cli(cli_env, "spark-server", "--port", str(port))
    assert done.returncode == 1
    assert "already listens" in done.stderr
    assert f"GROUPS_SPARK_MASTER=sc://127.0.0.1:{port}" in done.stderr


def test_no_server_at_the_url_fails_the_day_at_once_with_advice(cli_env):
    url = f"sc://127.0.0.1:{free_port()}/;token=s3cret-token"
    done = _cli(cli_env | {"GROUPS_SPARK_MASTER": url}, "run", "--day", "day1")
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "no Spark Connect server answers" in out and "groups-pipeline spark-server" in out, out
    assert "s3cret-token" not in out
