"""A class archive for the driver JVM (Java's AppCDS), so that Spark starts in seconds.

Loading and verifying the ~15,000 classes Spark needs is most of a small day's start-up on
2 cores. The first run on a machine records the classes it loaded into an archive as its JVM
exits; every later run maps that archive instead, and its session is up in about a third of the
time. The archive is keyed by the java binary and the Spark jars, so an upgrade of either
records a new one.

A recording becomes the archive only after its JVM has exited cleanly (exit code 0): a JVM that
maps a truncated archive crashes, so a recording cut short (a killed JVM) is never used. The
process's exit handler that ends its JVM (spark_session.py) calls `finish_recording` first.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import time
import uuid
from pathlib import Path

log = logging.getLogger(__name__)
_STALE_SECONDS = 3600  # a recording this old was abandoned by a JVM that never exited cleanly


def _key() -> str:
    """What an archive depends on: the java binary and the Spark jars."""
    import pyspark

    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home, "bin", "java") if java_home else Path(shutil.which("java") or "java")
    java = java.resolve()
    jars = Path(pyspark.__file__).parent / "jars"
    parts = [str(java), str(java.stat().st_mtime_ns) if java.exists() else "?", str(jars)]
    parts += sorted(p.name for p in jars.glob("*.jar"))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@functools.cache
def jvm_options(cache_dir: Path) -> str:
    """The driver JVM's options: map the archive if there is one, else record it at exit."""
    quiet = "-Xlog:cds=off -Xlog:cds+dynamic=off"
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        archive = cache_dir / f"spark-{_key()}.jsa"
    except OSError as err:  # a read-only home: run without the archive, only slower
        log.warning("no class archive for the JVM (%s): Spark starts without it", err)
        return quiet
    if archive.exists():
        return f"-XX:SharedArchiveFile={archive} {quiet}"
    _sweep(cache_dir)
    recording = cache_dir / f"{archive.stem}.{uuid.uuid4().hex[:8]}.part"
    _recordings.append((recording, archive))
    return f"-XX:ArchiveClassesAtExit={recording} {quiet}"


def _sweep(cache_dir: Path) -> None:
    for old in cache_dir.glob("*.part"):
        try:
            if time.time() - old.stat().st_mtime > _STALE_SECONDS:
                old.unlink()
        except OSError:
            pass


_recordings: list[tuple[Path, Path]] = []


def finish_recording() -> None:
    """At exit, before the JVM of this process is ended: if it records the archive, let it exit
    cleanly, writing the recording, then keep it. Nothing to do otherwise."""
    from pyspark import SparkContext

    if not _recordings:
        return
    recording, archive = _recordings.pop()
    gateway = getattr(SparkContext, "_gateway", None)
    proc = getattr(gateway, "proc", None)
    if proc is None:  # this process never started Spark
        return
    try:
        if SparkContext._active_spark_context is not None:
            SparkContext._active_spark_context.stop()
        proc.stdin.close()  # the gateway JVM exits when its stdin closes, writing the recording
        code = proc.wait(timeout=120)
    except Exception as err:  # noqa: BLE001 - at exit: never fail the process for an optimisation
        log.info("class archive not kept: %s", err)
        return
    if code == 0 and recording.exists():
        os.replace(recording, archive)
