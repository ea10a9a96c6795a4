"""The process's Spark session, as runtime/ builds it: a JVM of this process (local, or the
driver of a cluster) or a client of a Spark Connect server (`sc://`, a warm JVM).

One session serves a whole process (every door runs in process; a process of several days
reuses it). The resource that hands it out is resources/spark.py. A JVM of this process starts
from a class archive (class_archive.py), keeps its scratch files in a folder of this process,
and runs the JIT compilers that suit the size of the day, chosen before it starts: a small day's
JVM time is mostly cold Spark code run a few times, where the quick C1 compiler alone is fastest
and the optimising C2 compiler's threads would only take the cores; a large day spends its time
in a few hot loops over millions of records, which C2 makes two to three times faster.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit

from groups_assets.redact import redact
from groups_assets.runtime.class_archive import finish_recording, jvm_options

log = logging.getLogger(__name__)

# Every file read by the pipeline is its own partition, so a record's position in its file is
# exact (CONTRACT.md breaks duplicate ties by file order) without a second pass over the data.
ONE_FILE_PER_PARTITION = str(1 << 40)
# From this much input (the day's files, days.day_bytes) the JVM runs C2 as well as C1: below it,
# C1 alone finishes a day sooner on 2 cores; above it the hot loops over many records pay for C2
# (benchmarks/RESULTS.md has the figures).
FULL_JIT_BYTES = 32 << 20
_C1_ONLY = "-XX:TieredStopAtLevel=1"
# Spark's generated code for validation has methods over the JVM's 8,000-byte "huge" limit, which
# would otherwise stay interpreted.
_FULL_JIT = "-XX:-DontCompileHugeMethods"


AUTO_MASTER = "auto"  # the project's warm server if one is up, else LOCAL_MASTER
LOCAL_MASTER = "local[*]"


def cache_folder(cache_dir: str) -> Path:
    """The folder of the JVM's class archive: `cache_dir`, or groups-pipeline in the user's cache
    folder (XDG_CACHE_HOME, else ~/.cache) when it is empty."""
    if cache_dir:
        return Path(cache_dir)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "groups-pipeline"


class SparkUnavailable(Exception):
    """No Spark Connect server answers at the configured sc:// URL."""


def is_remote(master: str) -> bool:
    """True for a Spark Connect URL (sc://host:port/;params): the session is a client of that
    server, whose JVM, master and executors are already up."""
    return master.startswith("sc://")


def jit_options(input_bytes: int) -> str:
    return _FULL_JIT if input_bytes >= FULL_JIT_BYTES else _C1_ONLY


def spark_config(master: str, cache_dir: Path) -> dict[str, str]:
    """Spark settings sized for a small machine; a cluster overrides them with spark-defaults."""
    # Executors must run this interpreter (it has psycopg and pyarrow for the COPY); Spark
    # reads PYSPARK_PYTHON when it starts Python workers. A cluster may set its own.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master.startswith("local"):
        # Loopback only: executors (separate JVMs under local-cluster) and the driver meet here.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return {
        "spark.master": master,
        "spark.app.name": "groups-pipeline",
        # A Connect server's JVM is its own: only this process's JVM takes the class archive.
        "spark.driver.extraJavaOptions": "" if is_remote(master) else jvm_options(cache_dir),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "true",
        "spark.sql.shuffle.partitions": str(max(2, (os.cpu_count() or 2) * 2)),
        "spark.sql.files.maxPartitionBytes": ONE_FILE_PER_PARTITION,
        "spark.sql.files.openCostInBytes": ONE_FILE_PER_PARTITION,
        "spark.sql.execution.arrow.maxRecordsPerBatch": "65536",
        # Validation computes each field once into a column and builds rules on those columns;
        # collapsing the projections would inline (and repeat) the costly expressions again.
        "spark.sql.optimizer.excludedRules": "org.apache.spark.sql.catalyst.optimizer.CollapseProject",
        # A day's validated records are cached for one re-read (the duplicate check, then the
        # staging): choosing a compression per column costs more than it saves on that re-read.
        "spark.sql.inMemoryColumnarStorage.compressed": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.log.level": "ERROR",
        "spark.driver.memory": "2g",
    }


def session(config: dict[str, str], input_bytes: int):
    """The process's one session: started with `config` and the compilers for `input_bytes` of
    input if it is not up yet (a session already up, from `start_in_background` or an earlier
    day of the run, is returned as it is). With an sc:// master, a client session of that Spark
    Connect server, with the SQL settings of `config` (the server's own JVM settings stay)."""
    from pyspark.sql import SparkSession

    if is_remote(config["spark.master"]):
        return _remote_session(config)
    config = dict(config)
    scratch = _scratch_folder()
    jvm = [config.get("spark.driver.extraJavaOptions", ""), jit_options(input_bytes)]
    jvm.append(f"-Djava.io.tmpdir={scratch}")  # the JVM's own temporary files go there too
    config["spark.driver.extraJavaOptions"] = " ".join(jvm).strip()
    config.setdefault("spark.local.dir", scratch)
    builder = SparkSession.builder
    for key, value in config.items():
        builder = builder.config(key, value)
    started = builder.getOrCreate()
    if not _quiet_exit:
        # Registered after PySpark's own exit handler, so it runs before it: PySpark kills the
        # JVM at exit, and the driver's accumulator server, still reading from it, would print
        # an EOFError to the terminal. Stopped first, it has nothing left to read.
        _quiet_exit.append(started)
        atexit.register(_stop_accumulator_server, started)
    return started


_quiet_exit: list = []


def _stop_accumulator_server(started) -> None:
    server = getattr(started.sparkContext, "_accumulatorServer", None)
    if server is not None:
        server.shutdown()


_scratch: list[str] = []
_scratch_lock = threading.Lock()
SCRATCH_PREFIX = "groups-spark-"
_OWNED = re.compile(rf"^{SCRATCH_PREFIX}(\d+)-")


def _scratch_folder() -> str:
    """The folder of this process for Spark's scratch files (block manager, shuffle, user files),
    under $TMPDIR, removed with the JVM when the process exits (_remove): a JVM ended at exit
    skips Spark's own clean-up, so Spark's folders would otherwise stay in the temporary folder
    after every run. SPARK_LOCAL_DIRS, where set, still takes precedence (Spark's rule).
    One per process, whichever thread asks first (the CLI's background start or the step). Its
    name carries the process id: a process killed before its exit handlers ran (SIGKILL) leaves
    its folder, and the next process to make one removes it (sweep)."""
    with _scratch_lock:
        if not _scratch:
            sweep(Path(tempfile.gettempdir()))
            _scratch.append(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
            # Registered before the JVM starts, so it runs after the handlers registered by
            # PySpark and by session() (exit handlers run last-registered first).
            atexit.register(_remove, _scratch[0])
        return _scratch[0]


def _remove(folder: str) -> None:
    """At exit: end the JVM this process started, then remove its scratch folder. A JVM recording
    the class archive is let exit on its own first, writing it; any other is killed (its stdin
    closing at exit would end it too, but only after the folder is gone, and one still starting,
    a run stopped early, would go on writing into it)."""
    # A session still starting in another thread (the CLI's background start) is let finish
    # first, and none starts after: a JVM launched after the kill would outlive the process.
    _exiting.set()
    _process_lock.acquire(timeout=60)
    finish_recording()
    _disconnect()
    kill_children()
    shutil.rmtree(folder, ignore_errors=True)


def kill_children() -> None:
    """Kill (SIGKILL) and reap every child process of this one: the JVM it started."""
    for pid in _children():
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _disconnect() -> None:
    """Close py4j's side of a JVM that is still up, so that no command (py4j's own clean-up of
    Java objects, at exit) goes to it while it is killed: py4j would print each failure."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    proc = getattr(gateway, "proc", None)
    if gateway is not None and proc is not None and proc.poll() is None:
        gateway.shutdown()


def _children() -> list[int]:
    """The process ids of this process's children (Linux: /proc), none where unknown."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        try:
            found += [int(pid) for pid in task.read_text().split()]
        except OSError:
            continue
    return found


def sweep(temp: Path) -> list[str]:
    """Remove the scratch folders whose process is gone; returns their names."""
    removed = []
    for folder in temp.glob(f"{SCRATCH_PREFIX}*"):
        owner = _OWNED.match(folder.name)
        if owner is None or alive(int(owner[1])):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder.name)
    return removed


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except PermissionError:  # another user's process
        return True
    except OSError:
        return False
    return True


def _remote_session(config: dict[str, str]):
    from pyspark.sql import SparkSession

    url = config["spark.master"]
    parts = urlsplit(url.split(";", 1)[0])
    try:  # the client would retry a closed port for minutes: ask once, briefly, first
        socket.create_connection((parts.hostname or "localhost", parts.port or 15002), timeout=5).close()
    except OSError as err:
        raise SparkUnavailable(
            f"no Spark Connect server answers at {redact(url)} ({err}). Start one with "
            "`groups-pipeline spark-server`, or unset GROUPS_SPARK_MASTER to run Spark in this process."
        ) from None
    builder = SparkSession.builder.remote(url)
    for key, value in config.items():
        if key.startswith("spark.sql."):  # the settings a client session may set
            builder = builder.config(key, value)
    return builder.getOrCreate()


_process_lock = threading.Lock()
_exiting = threading.Event()  # set by the exit handler: no session starts after it
_process_master: list[str] = []  # the master of the process's session, once it has one


def process_session(master: str, cache_dir: Path, input_bytes: int):
    """The process's one session. The first caller (the CLI's background start, or the step)
    starts it on `master`, sized for `input_bytes` of input; every later caller gets that same
    session, on the master it started with, whatever it asks (a warm server that appeared or
    went away meanwhile does not make a second session)."""
    with _process_lock:
        if _exiting.is_set():
            raise SparkUnavailable("the process is ending: no Spark session starts now")
        master = _process_master[0] if _process_master else master
        started = session(spark_config(master, cache_dir), input_bytes)
        if not _process_master:
            _process_master.append(master)
        return started


# Below this much input (the sample day, 10,000 groups), Spark evaluates the day's expressions
# as they are instead of generating and compiling Java code for them (Janino), and plans each
# query once instead of adaptively: compiling and re-planning cost seconds that a day of few
# records never earns back. From here up, both pay for themselves.
INTERPRETED_BYTES = 8 << 20


def sized_for(spark, input_bytes: int):
    """The session, set for a day of `input_bytes` (a session serves days of any size: a run of
    several days, a warm server's clients)."""
    small = input_bytes < INTERPRETED_BYTES
    spark.conf.set("spark.sql.codegen.wholeStage", "false" if small else "true")
    spark.conf.set("spark.sql.codegen.factoryMode", "NO_CODEGEN" if small else "FALLBACK")
    spark.conf.set("spark.sql.adaptive.enabled", "false" if small else "true")
    return spark


def process_master() -> str | None:
    """The master of the process's session, or None before it has one."""
    return _process_master[0] if _process_master else None


def start_in_background(master: str, cache_dir: Path, input_bytes: int) -> threading.Thread:
    """Start the process's session in a thread (without importing Dagster), sized for
    `input_bytes` of input; the step's request then waits for it (process_session)."""
    # Imported here, before the thread: pyspark imported by two threads at once (this one and
    # Dagster's loading of the definitions) can see a partly initialised module and fail.
    import pyspark.sql  # noqa: F401

    if is_remote(master):
        import pyspark.sql.connect.session  # noqa: F401

    def start() -> None:
        try:
            process_session(master, cache_dir, input_bytes)
        except Exception as err:  # noqa: BLE001
            # The step asks again and fails with its own error, where the run shows it. A run
            # stopped while its Spark starts ends here too, quietly.
            log.debug("Spark did not start in the background (the step starts it): %s", err)

    thread = threading.Thread(target=start, name="spark-start", daemon=True)
    thread.start()
    return thread
