"""A Spark Connect server with this project's Spark settings: one warm JVM for many runs.

A run that starts its own JVM pays seconds of start-up and of cold code (class loading, the JIT
compilers, Spark's code generation) before its first record; on a small day that is most of
the run. A long-running deployment (the UI and the daemon of `groups-pipeline dev`) keeps one
JVM up instead: each run connects to it as a Spark Connect client (GROUPS_SPARK_MASTER=sc://...),
and finds its code already compiled from the runs before.

The server is a Spark session of this process (the plugin serves it over gRPC), started like
any other (class archive, local or cluster master) with both JIT compilers: it lives long
enough for C2 to pay off. It listens on the loopback address unless told otherwise and has no
authentication, like the Dagster UI beside it.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable

from groups_assets.resources.spark import FULL_JIT_BYTES, is_remote, session, spark_config
from groups_assets.settings import Settings


class ServerNotStarted(Exception):
    """The server could not start (a port in use, an sc:// master); the message says what to do."""


def url(host: str, port: int) -> str:
    return f"sc://{host}:{port}"


def _listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=2).close()
        return True
    except OSError:
        return False


def serve(settings: Settings, host: str, port: int, ready: Callable[[str], None]) -> None:
    """Run the server until SIGINT or SIGTERM; `ready` gets its URL once clients can connect."""
    if is_remote(settings.spark_master):
        raise ServerNotStarted(
            f"GROUPS_SPARK_MASTER is {settings.spark_master}, a Spark Connect URL: the server "
            "needs a master to run on (unset it for local[*], or give a cluster's master URL)."
        )
    if _listening(host, port):
        raise ServerNotStarted(
            f"something already listens on {host}:{port} (another spark-server?). Use it with "
            f"GROUPS_SPARK_MASTER={url(host, port)}, or pass --port to start one elsewhere."
        )
    config = spark_config(settings.spark_master, settings.cache_dir) | {
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
    try:
        if not _listening(host, port):
            raise ServerNotStarted(f"Spark started but does not listen on {host}:{port}; see its log.")
        ready(url(host, port))
        while not stop.wait(1.0):
            pass
    finally:
        spark.stop()
