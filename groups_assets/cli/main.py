"""groups-pipeline: load sync days from the command line, or open the Dagster UI on them."""

from __future__ import annotations

import argparse
import ctypes
import gc
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

# Dagster is imported where it is needed: `run` starts the Spark JVM first (_early_spark).
from groups_assets import formats, variables
from groups_assets.cli import generate
from groups_assets.contract.format import Format
from groups_assets.days import BadDayKey, check_key, day_bytes, day_folder, list_days

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # pyproject.toml, workspace.yaml
COMMANDS = ("run", "fetch", "dev", "spark-server", "sensors", "generate")
DEFAULT_SPARK_PORT = 15002


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="groups-pipeline",
        description="Load daily admin-group exports (sync-<day>/ folders) into PostgreSQL.",
        epilog="Configuration comes from the environment: GROUPS_DATABASE_URL (unset: an "
        "embedded PostgreSQL under .groups/), GROUPS_DB_SCHEMA, GROUPS_SPARK_MASTER, "
        "GROUPS_SOURCE_ROOT, DAGSTER_HOME. See README.md.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="materialize the whole asset graph for one day, or for every day not yet loaded",
        description="Adds the day as a partition if it is new and materializes every asset and "
        "check for it in the Dagster instance at DAGSTER_HOME (so the run shows in the UI).",
    )
    which = run.add_mutually_exclusive_group(required=True)
    which.add_argument("--day", help="the day key: sync-<DAY>/ under the source root, e.g. day1")
    which.add_argument("--all", action="store_true", help="every day not yet loaded, in day order")
    run.add_argument(
        "--source-root", help="folder holding sync-<day>/ (default: GROUPS_SOURCE_ROOT or ./sample_data)"
    )
    run.add_argument(
        "--format",
        help="the system that wrote the days: contract, servicenow or zendesk "
        "(default: GROUPS_SOURCE_FORMAT or contract; README: Source formats)",
    )
    run.add_argument(
        "-v", "--verbose", action="store_true", help="print Dagster's step logs and Spark's output too"
    )
    fetch = sub.add_parser(
        "fetch",
        help="write one day from ServiceNow's or Zendesk's API into sync-<DAY>/",
        description="Writes <source root>/sync-<DAY>/ from the system's API, whole or not at all, in "
        "the shape the format reads, so that `run --day DAY` loads it. The URL and credentials come "
        "from GROUPS_SERVICENOW_* or GROUPS_ZENDESK_* (docs/configuration.md).",
    )
    fetch.add_argument("--day", required=True, help="the day key of the folder to write, e.g. 2026-12-01")
    fetch.add_argument(
        "--format", help="the system to fetch from: servicenow or zendesk (default: GROUPS_SOURCE_FORMAT)"
    )
    fetch.add_argument(
        "--source-root", help="folder to write sync-<DAY>/ in (default: GROUPS_SOURCE_ROOT or ./sample_data)"
    )
    fetch.add_argument("--force", action="store_true", help="replace the day if it exists")
    gen = sub.add_parser(
        "generate",
        help="write synthetic sync days (for tests and benchmarks)",
        description="Writes sync-day1..N folders in the contract's layout: forests with deep chains, "
        "day-to-day changes, malformed lines. Deterministic for a seed; streams to disk.",
    )
    generate.add_arguments(gen)
    sensors = sub.add_parser(
        "sensors",
        help="start or stop the sensors in this project's instance (the daemon runs them)",
        description="Starts (or stops) the named sensors, or all of them, in the Dagster instance at "
        "DAGSTER_HOME. They run while a daemon runs: `groups-pipeline dev`, or `dagster-daemon run`.",
    )
    sensors.add_argument("action", choices=["start", "stop"])
    sensors.add_argument("names", nargs="*", metavar="SENSOR", help="default: all of them")
    dev = sub.add_parser(
        "dev",
        help="open the Dagster UI (dg dev) on this project's instance, with a daemon and a warm Spark",
        description="Runs `dg dev` (the UI and the daemon) and, unless GROUPS_SPARK_MASTER is an "
        "sc:// URL already, a Spark Connect server that every run of the UI and the sensors uses.",
    )
    dev.add_argument("--port", default="3000")
    dev.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    dev.add_argument(
        "--spark-port", type=int, default=DEFAULT_SPARK_PORT, help="the Spark Connect server's port"
    )
    server = sub.add_parser(
        "spark-server",
        help="keep one Spark JVM up for many runs (a Spark Connect server); Ctrl-C stops it",
        description="Starts a Spark Connect server with this project's Spark settings on "
        "GROUPS_SPARK_MASTER (default local[*]). Runs of the same GROUPS_HOME with no "
        "GROUPS_SPARK_MASTER of their own use it, as do runs with GROUPS_SPARK_MASTER=sc://HOST:PORT, "
        "and skip the JVM's start-up and cold code. No authentication: it binds loopback by default.",
    )
    server.add_argument("--port", type=int, default=DEFAULT_SPARK_PORT)
    server.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    server.add_argument(
        "--cold",
        action="store_true",
        help="do not warm the server with synthetic days once it listens (the first run is then slower)",
    )
    return parser


def _resources(overrides: dict | None = None, say=None) -> dict:
    """The resources of this process's environment (and the flags' `overrides`); a bad value ends
    the command (exit 2) with a message naming the variable (on `say`, default stderr)."""
    from groups_assets.settings import BadSetting, build_resources

    try:
        return build_resources(overrides=overrides)
    except BadSetting as err:
        print(f"groups-pipeline: {err}", file=say or sys.stderr, flush=True)
        sys.exit(EXIT_USAGE)


def _home(resources: dict) -> Path:
    """The project's folder (GROUPS_HOME): run logs, the embedded database, Dagster homes."""
    return Path(resources["postgres"].home)


def _dagster_home(resources: dict, say=None) -> Path:
    """The Dagster home of the run's tables, prepared (created once, under its lock); a home of
    other tables ends the command (TargetMismatch, exit 2)."""
    from groups_assets import dagster_home

    postgres = resources["postgres"]
    try:
        return dagster_home.prepare(dagster_home.home_of(postgres), dagster_home.target(postgres))
    except dagster_home.TargetMismatch as err:
        print(f"groups-pipeline: {err}", file=say or sys.stderr, flush=True)
        sys.exit(EXIT_USAGE)


def _list_days(home: Path, source) -> None:
    """The complete days of the source root as partitions of the home (none runs), so that the
    UI's launch dialog lists them."""
    from groups_assets import dagster_home
    from groups_assets.partitions import list_days

    with dagster_home.open_instance(home) as instance:
        list_days(instance, Path(source.root), source.settle_seconds)


def _run_days(home: Path, resources: dict, days: list[str], log_path: Path | None) -> int:
    from groups_assets import dagster_home
    from groups_assets.cli.summary import summarize
    from groups_assets.definitions import defs
    from groups_assets.errors import restore_tracebacks
    from groups_assets.names import SYNC_DAY_JOB
    from groups_assets.partitions import list_days, sync_days

    job = defs().resolve_job_def(SYNC_DAY_JOB)
    # The step's log goes to the process's stderr: the run's log file (the terminal with -v).
    # The terminal gets the summary.
    postgres = resources["postgres"]
    server_log = None if postgres.url else postgres.embedded_pgdata / "log"
    source = resources["source"]
    with dagster_home.open_instance(home) as instance:
        # The complete days of the source root, listed for the UI's launch dialog (none runs).
        list_days(instance, Path(source.root), source.settle_seconds)
        for day in days:
            if not instance.has_dynamic_partition(sync_days.name, day):
                instance.add_dynamic_partitions(sync_days.name, [day])
            started = time.monotonic()
            server_from = server_log.stat().st_size if server_log and server_log.exists() else 0
            result = job.execute_in_process(
                partition_key=day,
                instance=instance,
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "DEBUG"}}}},
                resources=resources,
            )
            restore_tracebacks()
            print(summarize(day, result, time.monotonic() - started), flush=True)
            _log_the_end(result, server_log, server_from)
            if not result.success:
                if log_path is not None:
                    print(f"  details: {log_path} (or -v); run {result.run_id} in the UI", flush=True)
                return EXIT_FAILED
    return EXIT_OK


def _log_the_end(result, server_log: Path | None, server_from: int) -> None:
    """Into the run's log (the process's stderr): each failed step's error with its causes and
    where they were raised, and what the embedded PostgreSQL wrote during the run."""
    from groups_assets.redact import redact

    with os.fdopen(os.dup(2), "w") as log:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
                log.write(f"\n=== step {event.step_key} failed:\n")
                log.write(redact(event.step_failure_data.error.to_string()))
        if server_log is not None and server_log.exists():
            with server_log.open("rb") as f:
                f.seek(server_from)
                written = f.read().decode("utf-8", "replace")
            if written.strip():
                log.write(f"\n=== PostgreSQL's log ({server_log}) during the run:\n{written}")


@contextmanager
def _output_to(log_path: Path | None) -> Iterator:
    """Everything written to the process's stderr (the step's log, Spark's JVM, libraries) goes
    to `log_path`; the summary, on stdout, still reaches the terminal, and so do the messages
    written to the stream it yields (the terminal's stderr). None: change nothing (-v)."""
    if log_path is None:
        yield sys.stderr
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    terminal = os.dup(2)
    with log_path.open("ab") as log:
        os.dup2(log.fileno(), 2)
    try:
        with os.fdopen(os.dup(terminal), "w") as say:
            yield say
    finally:
        sys.stderr.flush()
        os.dup2(terminal, 2)
        os.close(terminal)


def _pending_days(home: Path, source_root: Path) -> list[str]:
    from dagster import AssetKey

    from groups_assets import dagster_home
    from groups_assets.names import INACTIVE_FLAGS

    with dagster_home.open_instance(home) as instance:
        done = instance.get_materialized_partitions(AssetKey(INACTIVE_FLAGS))
    return [d for d in list_days(source_root) if d not in done]


def _early_spark(fmt, root: Path, days: list[str], home: Path) -> None:
    """Start the run's Spark JVM in the background before Dagster is imported (it takes seconds),
    on the master and with the class archive the run's resources name, sized for its days."""
    from groups_assets.runtime import spark_server, spark_session

    master = spark_server.target(variables.given("spark.master") or spark_session.AUTO_MASTER, home)
    cache_dir = variables.given("spark.cache_dir")
    cache = spark_session.cache_folder(str(Path(cache_dir).resolve()) if cache_dir else "")
    size = max((day_bytes(root, day, fmt.folders) for day in days), default=0)
    spark_session.start_in_background(master, cache, size)


def _format_and_root(args: argparse.Namespace) -> tuple[Format, Path] | str:
    """The format and the source root of `run` and `fetch` (their flags, else their variables),
    read without Dagster; what is wrong with them, as the message of an exit 2."""
    try:
        fmt = formats.get(args.format or variables.given("source.format") or formats.DEFAULT)
    except ValueError as err:
        return f"{'--format' if args.format else 'GROUPS_SOURCE_FORMAT'}: {err}"
    root = Path(args.source_root or variables.given("source.root") or variables.DEFAULT_SOURCE_ROOT).resolve()
    if not root.is_dir():
        return f"source root {root} is not a folder. Pass --source-root or set GROUPS_SOURCE_ROOT."
    return fmt, root


def run(args: argparse.Namespace) -> int:
    # What the command line alone can refuse is refused before anything starts (exit 2).
    found = _format_and_root(args)
    if isinstance(found, str):
        return _refuse(found)
    fmt, root = found
    if not args.all:
        try:
            day_folder(root, args.day)
        except BadDayKey as err:
            return _refuse(str(err))
    home = Path(variables.given("postgres.home") or variables.DEFAULT_HOME).resolve()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log_path = None if args.verbose else home / "logs" / f"run-{args.day or 'all'}-{stamp}.log"
    # Everything but the summary goes to the log file from here, the JVM's own output included.
    with _output_to(log_path) as terminal:
        if not args.all:  # --all starts Spark once it knows which days are left
            _early_spark(fmt, root, [args.day], home)
        resources = _resources({"source.root": str(root), "source.format": fmt.name}, terminal)
        dagster_home = _dagster_home(resources, terminal)  # refuses a home of other tables
        if args.all:
            days = _pending_days(dagster_home, root)
            if not days:
                print(f"nothing to do: every day under {root} is loaded")
                return EXIT_OK
            _early_spark(fmt, root, days, home)  # sized for the largest day left
        else:
            days = [args.day]
        # The project's own log lines (the day's statements, PostgreSQL's notices) go where the
        # step's log goes: the run's log file, or the terminal with -v.
        handler = logging.StreamHandler(os.fdopen(os.dup(2), "w", buffering=1))
        handler.setFormatter(logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s"))
        logging.getLogger("groups_assets").addHandler(handler)
        logging.getLogger("groups_assets").setLevel(logging.INFO)
        return _run_days(dagster_home, resources, days, log_path)


def fetch(args: argparse.Namespace) -> int:
    """One day from a system's API (fetching/), with the settings of the API resource."""
    from groups_assets.fetching import FetchFailed, MissingSetting
    from groups_assets.settings import BadSetting, build_resources

    found = _format_and_root(args)
    if isinstance(found, str):
        return _refuse(found)
    fmt, root = found
    if fmt.fetch is None:
        systems = " or ".join(f.name for f in formats.FORMATS.values() if f.fetch)
        return _refuse(f"the {fmt.name} format has no API to fetch from: pass --format {systems}")
    try:
        check_key(args.day)
    except BadDayKey as err:
        return _refuse(str(err))
    try:
        api = build_resources(overrides={"source.root": str(root), "source.format": fmt.name})["api"]
    except BadSetting as err:
        return _refuse(str(err))
    started = time.monotonic()
    try:
        fetched = fmt.fetch(api.settings(), root, args.day, force=args.force, bounds=api.bounds())
    except MissingSetting as err:
        return _refuse(str(err))
    except FetchFailed as err:
        print(f"groups-pipeline fetch: {err}", file=sys.stderr)
        return EXIT_FAILED
    folder = root / f"sync-{args.day}"
    print(f"day {args.day}: fetched from {fmt.name} into {folder} in {time.monotonic() - started:.1f} s")
    width = max(len(table.name) for table in fetched)
    for table in fetched:
        into = f" (into {table.folder}/)" if table.folder != table.name else ""
        print(f"  {table.name:<{width}} {table.records} record(s) in {table.pages} page(s){into}")
    return EXIT_OK


def _refuse(message: str) -> int:
    """A bad argument or setting: said on stderr, exit 2."""
    print(f"groups-pipeline: {message}", file=sys.stderr)
    return EXIT_USAGE


def dev(args: argparse.Namespace) -> int:
    """The Dagster UI and daemon (`dg dev`) with a warm Spark for their runs. The Spark server and
    the UI start at once; the terminal shows what is starting, where the UI and the logs are, and
    errors; everything the processes print goes to the log file."""
    started = time.monotonic()
    resources = _resources()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    log_path = _home(resources) / "logs" / f"dev-{stamp}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    address = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    ui_url = f"http://{address}:{args.port}"
    home = _dagster_home(resources)
    _list_days(home, resources["source"])
    env = os.environ | {
        "DAGSTER_HOME": str(home),
        # The alerts' run links point at this UI, unless told otherwise.
        "GROUPS_UI_BASE_URL": os.environ.get("GROUPS_UI_BASE_URL") or ui_url,
        # dg compares the active virtual environment with the project's: this one is.
        "VIRTUAL_ENV": sys.prefix,
    }
    # The Dagster UI (`dg dev` of this project, from this interpreter's environment: no activated
    # venv needed); loopback only unless told otherwise.
    dg = str(Path(sys.executable).parent / "dg")
    command = [dg, "dev", "--host", args.host, "--port", args.port]
    # dg shuts down on SIGINT: make sure it can (a shell's background job starts with it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # A SIGTERM before dg is up (the Spark server starting) stops dev as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    print(f"logs: {log_path}", flush=True)
    try:
        with (
            log_path.open("ab") as log,
            _spark_server(args.spark_port, resources["spark"].master, log) as (spark_url, warming),
        ):
            env |= {"GROUPS_SPARK_MASTER": spark_url}
            print("Dagster: starting the UI, the daemon and the code location ...", flush=True)
            ui = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log)  # noqa: S603
            # A service stop: dg first (it shuts down on SIGINT, as on Ctrl-C), then the Spark server.
            signal.signal(signal.SIGTERM, lambda *_: ui.send_signal(signal.SIGINT))
            answers = _answers(args.host, int(args.port), ui)
            warming.join()  # the first run is as fast as the next once the server is warm
            if warming.failed:
                ui.send_signal(signal.SIGINT)
                _wait(ui)
                print(f"groups-pipeline dev: {warming.failed}", file=sys.stderr)
                return EXIT_FAILED
            if answers:
                print(
                    f"Dagster UI at {ui_url} (ready in {time.monotonic() - started:.0f} s; Ctrl-C stops it)",
                    flush=True,
                )
            code = _wait(ui)
    except KeyboardInterrupt:  # Ctrl-C before dg was up
        return EXIT_OK
    if code not in (0, -signal.SIGINT, -signal.SIGTERM):
        tail = log_path.read_text(errors="replace").splitlines()[-15:]
        print(
            f"groups-pipeline dev: dg stopped with exit code {code}; the end of {log_path}:", file=sys.stderr
        )
        print("\n".join(f"  {line}" for line in tail), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _wait(process: subprocess.Popen) -> int:
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:  # Ctrl-C reached dg as well: let it shut down
            continue


def _answers(host: str, port: int, process: subprocess.Popen, timeout: float = 300) -> bool:
    """True once the UI's port answers; False when its process ended first."""
    from groups_assets.runtime.spark_server import listening

    address = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if listening(address, port):
            return True
        time.sleep(0.5)
    return False


class _Warming(threading.Thread):
    """Follows a starting Spark server: says when it is up and when it is warm; `failed` holds why
    it did not start, if it did not."""

    def __init__(self, server: subprocess.Popen, log) -> None:
        super().__init__(daemon=True)
        self.server, self.log, self.failed = server, log, ""

    def run(self) -> None:
        if self.server is None:  # a server of the user's: up and warm already
            return
        started = time.monotonic()
        line = self.server.stdout.readline()  # its first line: the URL, or nothing if it failed
        if not line.startswith("sc://"):
            self.server.wait()
            self.failed = (
                f"the Spark Connect server did not start (exit {self.server.returncode}); see {self.log.name}"
            )
            return
        print(f"Spark: {line.strip()} is up ({time.monotonic() - started:.0f} s); warming it ...", flush=True)
        warmed = self.server.stdout.readline().strip()  # its second line: the warm-up, in words
        print(f"Spark: {warmed.removeprefix('warm: ')}", flush=True)
        # Whatever else it writes there (its JVM and Python workers share the pipe) goes to the
        # log, so that a full pipe never blocks it.
        threading.Thread(
            target=shutil.copyfileobj, args=(self.server.stdout, _text(self.log)), daemon=True
        ).start()


@contextmanager
def _spark_server(port: int, master: str, log) -> Iterator[tuple[str, threading.Thread]]:
    """A warm Spark for every run the UI and the daemon launch (they inherit GROUPS_SPARK_MASTER):
    the Spark Connect server of GROUPS_SPARK_MASTER when it is one, else a `spark-server` child
    on 127.0.0.1:`port` while the block runs. Yields its URL at once (the UI starts meanwhile), and
    a thread that ends when the server is warm, or did not start."""
    from groups_assets.runtime.spark_session import is_remote

    if is_remote(master):
        from groups_assets.redact import redact

        print(f"Spark: the Spark Connect server at {redact(master)}", flush=True)
        done = _Warming(None, log)
        done.start()
        yield master, done
        return
    command = [sys.executable, "-m", "groups_assets", "spark-server", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)  # noqa: S603
    print(f"Spark: starting a Connect server on 127.0.0.1:{port} ...", flush=True)
    warming = _Warming(server, log)
    warming.start()
    try:
        yield f"sc://127.0.0.1:{port}", warming
    finally:
        server.terminate()
        server.wait(timeout=120)


def _text(binary):
    import io

    return io.TextIOWrapper(binary, write_through=True)


def spark_server(args: argparse.Namespace) -> int:
    from groups_assets.runtime.spark_server import ServerNotStarted, serve
    from groups_assets.runtime.spark_session import AUTO_MASTER, LOCAL_MASTER

    resources = _resources()
    spark = resources["spark"]

    def ready(url: str) -> None:
        print(url, flush=True)  # the first line, for `dev` and scripts
        print(
            f"  runs of {spark.home} use it, and any with GROUPS_SPARK_MASTER={url}; Ctrl-C stops it",
            file=sys.stderr,
            flush=True,
        )

    def warmed(what: str) -> None:
        print(f"warm: {what}", flush=True)  # the second line, for `dev`
        print(f"  {what}", file=sys.stderr, flush=True)

    try:
        master = LOCAL_MASTER if spark.master == AUTO_MASTER else spark.master
        serve(
            master,
            spark.cache(),
            Path(spark.home),
            args.host,
            args.port,
            ready,
            warm_with=None if args.cold else resources["source"].format,
            log=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
            warmed=warmed,
        )
    except ServerNotStarted as err:
        print(f"groups-pipeline spark-server: {err}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def sensors(args: argparse.Namespace) -> int:
    from groups_assets.definitions import defs

    env = os.environ | {"DAGSTER_HOME": str(_dagster_home(_resources()))}
    workspace = str(PROJECT_ROOT / "workspace.yaml")
    shipped = [sensor.name for sensor in defs().sensors]
    if unknown := [n for n in args.names if n not in shipped]:
        known = ", ".join(shipped)
        print(f"groups-pipeline: no sensor {', '.join(unknown)}; the sensors are {known}", file=sys.stderr)
        return EXIT_USAGE
    # One Dagster process loads the code location: all sensors at once where Dagster can.
    if args.action == "start" and not args.names:
        batches = [(shipped, ["--start-all"])]
    else:
        batches = [([name], [name]) for name in args.names or shipped]
    for names, selection in batches:
        command = [sys.executable, "-m", "dagster", "sensor", args.action, *selection, "-w", workspace]
        done = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603 - fixed program
        if done.returncode != 0:
            why = done.stderr.strip()[-800:]
            print(f"groups-pipeline: could not {args.action} {', '.join(names)}: {why}", file=sys.stderr)
            return EXIT_FAILED
        for name in names:
            print(f"{name}: {'started' if args.action == 'start' else 'stopped'}")
    return EXIT_OK


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] not in COMMANDS and argv[0] not in ("-h", "--help"):
        argv = ["run", *argv]  # python -m groups_assets --day day1
    args = _parser().parse_args(argv)
    commands = {"run": run, "fetch": fetch, "dev": dev, "spark-server": spark_server, "sensors": sensors}
    if args.command in ("run", "fetch"):
        # A SIGTERM (a service manager's stop, `kill`) ends a run as Ctrl-C does: the day's
        # transaction rolls back, and the exit handlers still run (Spark's scratch folder goes);
        # a fetch removes the pages it wrote.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = (commands | {"generate": generate.command})[args.command](args)
    except KeyboardInterrupt:
        if args.command == "fetch":
            print("groups-pipeline: stopped; no day was written", file=sys.stderr)
        else:
            print("groups-pipeline: stopped; the day's tables are as they were before it", file=sys.stderr)
        code = EXIT_FAILED
        _bound_clean_up(code)
    else:
        # The work is done: spare the interpreter's last collections over everything Dagster
        # and Spark loaded (about a second at exit). Exit handlers still run.
        gc.freeze()
    _keep_exit_status()
    return code


# After a stop, the exit handlers (the JVM ended, its scratch folder removed) get this long.
STOP_CLEAN_UP_SECONDS = 30


def _bound_clean_up(code: int) -> None:
    """A stop ends the process within STOP_CLEAN_UP_SECONDS, whatever its clean-up waits for (a
    JVM still starting, a Spark job of a worker thread): then what is still running is told on
    stderr, the children are killed and the process exits. A scratch folder left behind is
    removed by the next run (it carries this process's id)."""

    def give_up() -> None:
        import faulthandler

        from groups_assets.runtime.spark_session import kill_children

        print(
            f"groups-pipeline: the clean-up after the stop took over {STOP_CLEAN_UP_SECONDS} s; "
            "ending now. Where it waited:",
            file=sys.stderr,
            flush=True,
        )
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        kill_children()
        os._exit(code)

    timer = threading.Timer(STOP_CLEAN_UP_SECONDS, give_up)
    timer.daemon = True
    timer.start()


def _keep_exit_status() -> None:
    """Make the status main returns the process's. CPython ends a process by SIGINT, after its
    exit handlers, once a KeyboardInterrupt has left code run by exec() of a string, even one
    caught later: Dagster builds its records' constructors that way, so a stop (Ctrl-C, SIGTERM)
    that lands in one would end the run by a signal instead of with status 1."""
    try:
        ctypes.c_int.in_dll(ctypes.pythonapi, "_Py_UnhandledKeyboardInterrupt").value = 0
    except (AttributeError, ValueError):  # an interpreter without the mark: nothing to clear
        pass


if __name__ == "__main__":
    sys.exit(main())
