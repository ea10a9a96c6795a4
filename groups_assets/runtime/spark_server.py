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

While it serves, it announces itself in the project's home (GROUPS_HOME/spark-server-<port>.json):
a run of the same home with no GROUPS_SPARK_MASTER of its own uses it (resources/spark.py).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from groups_assets import formats
from groups_assets.runtime.spark_session import (
    AUTO_MASTER,
    FULL_JIT_BYTES,
    LOCAL_MASTER,
    alive,
    is_remote,
    process_master,
    session,
    spark_config,
)
from groups_assets.runtime.warm_up import warm

ANNOUNCEMENTS = "spark-server-*.json"


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
    """The URL of a server that announced itself in `home` and still runs and answers (the
    newest announcement first); None when there is none."""
    notes = sorted(home.glob(ANNOUNCEMENTS), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in notes:
        try:
            note = json.loads(path.read_text())
            pid, host, port = int(note["pid"]), note["host"], int(note["port"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if alive(pid) and listening(host, port):
            return url(host, port)
    return None


def target(master: str, home: Path) -> str:
    """The master a session of this process takes: the one it has, `master` when it names one,
    else (AUTO_MASTER) the warm server announced in `home` if it answers, else LOCAL_MASTER."""
    if found := process_master():
        return found
    if master != AUTO_MASTER:
        return master
    return announced(home) or LOCAL_MASTER


def _announce(home: Path, host: str, port: int) -> Path:
    """Write this server's announcement, whole or not at all (a reader never sees half)."""
    home.mkdir(parents=True, exist_ok=True)
    note = home / ANNOUNCEMENTS.replace("*", str(port))
    partial = note.with_suffix(f".{os.getpid()}.part")
    partial.write_text(json.dumps({"host": host, "port": port, "pid": os.getpid()}))
    os.replace(partial, note)
    return note


def serve(
    master: str,
    cache_dir: Path,
    home: Path,
    host: str,
    port: int,
    ready: Callable[[str], None],
    warm_with: str | None = None,
    log: Callable[[str], None] = print,
    warmed: Callable[[str], None] = print,
) -> None:
    """Run the server until SIGINT or SIGTERM. `ready` gets its URL once clients can connect; the
    server then runs synthetic days of the `warm_with` format through a client of its own, as the
    runs will (warm_up.py), and `warmed` gets what that did, in words."""
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
    note = None
    try:
        if not listening(host, port):
            raise ServerNotStarted(f"Spark started but does not listen on {host}:{port}; see its log.")
        # Clients of the same machine connect to the loopback address when it binds them all.
        local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
        note = _announce(home, local, port)
        ready(url(host, port))
        if warm_with and master.startswith("local"):  # a cluster's executors cannot read our temp folder
            warmed(_warm_through(url(local, port), warm_with))
        else:
            warmed("not warmed (no format, or a cluster's master)")
        while not stop.wait(1.0):
            pass
    finally:
        if note is not None and _announced_by_me(note):
            note.unlink()
        spark.stop()


def _warm_through(server_url: str, format_name: str) -> str:
    """Warm the server as its runs use it: through a Spark Connect client of its own, so that the
    server's side of Connect (the planning of clients' plans) is warm too, not only Spark."""
    from pyspark.sql import SparkSession

    try:
        said = []
        for _ in range(2):  # a second client finds the first one's work done, as a second run does
            client = SparkSession.builder.remote(server_url).create()
            try:
                said.append(warm(client, formats.get(format_name)))
            finally:
                client.stop()
        return f"{said[0]}, then again in {said[1].rsplit(' in ', 1)[1]}"
    except Exception as err:  # noqa: BLE001 - a warm-up is an optimisation: the server still serves
        return f"warm-up skipped: {type(err).__name__}: {err}"


def _announced_by_me(note: Path) -> bool:
    try:
        return json.loads(note.read_text()).get("pid") == os.getpid()
    except (OSError, ValueError):
        return False
