"""A Spark Connect server with this project's Spark settings: one warm JVM for many runs.

A run that starts its own JVM pays seconds of start-up and of cold code (class loading, the JIT
compilers, Spark's code generation) before its first record; on a small day that is most of
the run. A long-running deployment (the UI and the daemon of `groups-pipeline dev`) keeps one
JVM up instead: each run connects to it as a Spark Connect client, and finds its code already
compiled from the runs before.

The server is a Spark session of this process (the plugin serves it over gRPC), started like
any other (class archive, local or cluster master) with both JIT compilers: it lives long
enough for C2 to pay off. It listens on the loopback address unless told otherwise and has no
authentication, like the Dagster UI beside it.

While it serves, it announces itself in the project's home (GROUPS_HOME/spark-server.json): a
run of the same home with no GROUPS_SPARK_MASTER of its own uses it (resources/spark.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from groups_assets.runtime.spark_session import FULL_JIT_BYTES, is_remote, session, spark_config

ANNOUNCEMENT = "spark-server.json"


class ServerNotStarted(Exception):
    """The server could not start (a port in use, an sc:// master); the message says what to do."""


def url(host: str, port: int) -> str:
    return f"sc://{host}:{port}"


def listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


def announced(home: Path) -> str | None:
    """The URL of the server that announced itself in `home`, if it still runs and answers."""
    try:
        note = json.loads((home / ANNOUNCEMENT).read_text())
        os.kill(int(note["pid"]), 0)
        host, port = note["host"], int(note["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url(host, port) if listening(host, port) else None


def serve(
    master: str, cache_dir: Path, home: Path, host: str, port: int, ready: Callable[[str], None]
) -> None:
    """Run the server until SIGINT or SIGTERM; `ready` gets its URL once clients can connect."""
    if is_remote(master):
        raise ServerNotStarted(
            f"GROUPS_SPARK_MASTER is {master}, a Spark Connect URL: the server needs a master to "
            "run on (unset it for local[*], or give a cluster's master URL)."
        )
    if listening(host, port):
        raise ServerNotStarted(
            f"something already listens on {host}:{port} (another spark-server?). Use it with "
            f"GROUPS_SPARK_MASTER={url(host, port)}, or pass --port to start one elsewhere."
        )
    config = spark_config(master, cache_dir) | {
        "spark.app.name": "groups-pipeline spark-server",
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.address": host,
        "spark.connect.grpc.binding.port": str(port),
        "spark.connect.grpc.port.maxRetries": "0",  # the asked port or none: clients know that one
    }
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    spark = session(config, FULL_JIT_BYTES)  # long-lived: both compilers
    note = home / ANNOUNCEMENT
    try:
        if not listening(host, port):
            raise ServerNotStarted(f"Spark started but does not listen on {host}:{port}; see its log.")
        # Clients of the same machine connect to the loopback address when it binds them all.
        client_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
        home.mkdir(parents=True, exist_ok=True)
        note.write_text(json.dumps({"host": client_host, "port": port, "pid": os.getpid()}))
        ready(url(host, port))
        while not stop.wait(1.0):
            pass
    finally:
        if _announced_by_me(note):
            note.unlink()
        spark.stop()


def _announced_by_me(note: Path) -> bool:
    try:
        return json.loads(note.read_text()).get("pid") == os.getpid()
    except (OSError, ValueError):
        return False
