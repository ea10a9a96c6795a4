"""The Spark resource: what hands a run its Spark session.

A resource of our own rather than dagster-pyspark's: the session depends on the day (the JIT
compilers of a JVM are chosen by the size of its input before it starts), and on whether this
project's warm server is up; both are decided here and in runtime/, so the step only asks for a
session.
"""

from __future__ import annotations

import threading
from pathlib import Path

from dagster import ConfigurableResource
from pydantic import Field

from groups_assets.redact import redact
from groups_assets.runtime import spark_server, spark_session
from groups_assets.runtime.spark_session import AUTO_MASTER, LOCAL_MASTER, SparkUnavailable, is_remote
from groups_assets.variables import DEFAULT_HOME

__all__ = ["SparkResource", "SparkUnavailable"]


class SparkResource(ConfigurableResource):
    """The run's Spark session. One session serves a whole process, whatever asks for it."""

    master: str = Field(
        default=AUTO_MASTER,
        description="GROUPS_SPARK_MASTER: local[N], a cluster's master URL, or a Spark Connect "
        f"server's sc:// URL. {AUTO_MASTER} (unset): the warm server that `groups-pipeline dev` "
        f"or `spark-server` announced in `home`, if it answers, else {LOCAL_MASTER} in the run's "
        "own process.",
    )
    home: str = Field(
        default=DEFAULT_HOME, description="GROUPS_HOME: where this project's warm server announces itself."
    )
    cache_dir: str = Field(
        default="",
        description="GROUPS_CACHE_DIR: the JVM's class archive. Empty: groups-pipeline in the user's "
        "cache folder (XDG_CACHE_HOME, else ~/.cache).",
    )

    def cache(self) -> Path:
        """The folder of the JVM's class archive."""
        return spark_session.cache_folder(self.cache_dir)

    def target(self) -> str:
        """The master a session of this process takes: the one it has, or the one it would start
        on now."""
        return spark_server.target(self.master, Path(self.home))

    def session(self, input_bytes: int):
        """The process's session, started for a day of `input_bytes` of input if it is not up
        yet; SparkUnavailable when an sc:// server does not answer."""
        started = spark_session.process_session(self.target(), self.cache(), input_bytes)
        return spark_session.sized_for(started, input_bytes)

    def start_in_background(self, input_bytes: int) -> threading.Thread:
        """Start the session in a thread while the caller does other work (the CLI, while
        Dagster loads); `session` then returns it."""
        return spark_session.start_in_background(self.target(), self.cache(), input_bytes)

    def describe(self) -> str:
        """Which Spark the process's session runs on, for the run's summary (secrets masked)."""
        target = self.target()
        if not is_remote(target):
            return f"a JVM of this process ({target})"
        owner = " (the warm server of this project's home)" if self.master == AUTO_MASTER else ""
        return f"the Spark Connect server at {redact(target)}{owner}"
