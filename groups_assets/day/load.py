"""Load one sync day: the whole flow, in the order it runs.

1. Before any work, what would make the day fail anyway: the database answers, the schema holds
   this format's days, the day's folders and files are there and complete.
2. One Spark pass per source table reads its files, applies the contract's rules and COPYs the
   rows into staging tables of this run, counting every record by reject reason. The tables'
   passes run at once (the driver's work for one overlaps the others' Spark jobs); membership
   rows wait for the day's validated groups.
3. The step's checks on the records: malformed records per table, and the blocking reject ratio.
   A blocked day stops here, with nothing written.
4. One PostgreSQL transaction applies the day, then reads the tables back (records_accounted).

Nothing here knows Dagster: the asset (defs/assets/sync_day.py) calls `load_day` and reports its
outcome. Errors a retry can fix (a lost connection, a serialization failure) are raised as they
are (`retry_reason` says which, and why); a day that cannot load as it is raises DayRefused.
"""

from __future__ import annotations

import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import psycopg
from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS, Format, Table
from groups_assets.contract.reader import MAX_RECORD_BYTES, oversized_pages, read_records
from groups_assets.contract.validation import validate
from groups_assets.counts import DayCounts
from groups_assets.day.outcome import DayOutcome, DayRefused
from groups_assets.days import BadDayKey, DayFiles, day_files
from groups_assets.quality import blocking, records
from groups_assets.quality.evidence import SAMPLE_ROWS
from groups_assets.quality.verdict import Verdict
from groups_assets.runtime.spark_session import SparkUnavailable
from groups_assets.warehouse import schema
from groups_assets.warehouse.database import Database
from groups_assets.warehouse.staging import Stage, StagingMismatch, stage_day, stage_rows
from groups_assets.warehouse.statements import statement
from groups_assets.warehouse.transaction import DayPlan, apply_day

log = logging.getLogger(__name__)

# Below this much input (on a local master), the staged rows come to the driver in one Arrow
# collect instead of being written by executor tasks: no Python workers to start. Above it, the
# collect would hold too much of the day in the driver's memory.
DRIVER_COPY_BYTES = 160 << 20
_IN_DRIVER = re.compile(r"local(\[[^\]]*\])?$")  # the masters whose executors run in the driver
# Errors a retry can fix, and how a retry's warning names them. The server asked for one (a
# serialization failure, a deadlock), or the connection was lost (a restart, a network cut). A
# missing privilege, a bad password or a wrong statement fails the same way every time.
# Executors report theirs inside Spark's error text, by their class's name.
_SERVER_ASKED = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)
_ASKED_NAMES = ("SerializationFailure", "DeadlockDetected")
_LOST_NAMES = ("OperationalError", "AdminShutdown")
_ASKED = "PostgreSQL asked for the day's transaction to be tried again"
_LOST = "database connection lost"


class Spark(Protocol):
    """What the day needs of its Spark: a session for a day of so many bytes, and its name."""

    def session(self, input_bytes: int) -> SparkSession: ...
    def describe(self) -> str: ...


class Log(Protocol):
    def info(self, msg: str) -> object: ...


def retry_reason(err: BaseException) -> str | None:
    """Why a retry of the day can fix `err`, in words for the retry's warning; None when it
    cannot. Staging that disagrees with Spark's counts most likely had an executor lost as it
    wrote: its own sentence says so."""
    if isinstance(err, StagingMismatch):
        return str(err)
    if isinstance(err, _SERVER_ASKED):  # before OperationalError, their base class
        return _ASKED
    if isinstance(err, psycopg.OperationalError):
        return _LOST
    if isinstance(err, Py4JJavaError | PySparkException):  # an executor's error, in a Java trace
        text = str(err)
        if any(name in text for name in _ASKED_NAMES):
            return _ASKED
        if any(name in text for name in _LOST_NAMES):
            return _LOST
    return None


class _Stopwatch:
    """Seconds per stage, in the order they ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, stage: str) -> None:
        now = time.monotonic()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self._last, 3)
        self._last = now


def load_day(
    day: str,
    fmt: Format,
    source_root: Path,
    database: Database,
    spark: Spark,
    max_reject_ratio: float,
    log: Log = log,
) -> DayOutcome:
    """Read, validate, stage and apply one day of `fmt` under `source_root` to `database`."""
    watch = _Stopwatch()
    files = _preflight(day, fmt, source_root, database)
    watch.lap("database_and_files")
    try:
        session = spark.session(files.size())
    except SparkUnavailable as err:
        raise DayRefused(f"day {day}: {err}") from None
    used = spark.describe()
    log.info(f"day {day}: {fmt.name} format; Spark is {used}")
    watch.lap("spark_start")
    stage = Stage.new()
    persisted: list = []  # this run's cached frames (a Spark Connect server's cache is shared)
    with database.connect() as conn:
        try:
            schema.ensure_schema(conn, database.schema)
        except schema.SchemaNewer as err:
            raise DayRefused(f"day {day}: {err}") from None
        if swept := stage.create(conn):
            log.info(f"swept the staging tables of {len(swept)} killed run(s): {swept}")
        try:
            counts = _passes(session, fmt, files, database, stage, persisted)
            watch.lap("read_validate_stage")
            _refuse_foreign(fmt, counts, day)
            verdict = blocking.reject_ratio(counts, max_reject_ratio, fmt)
            if not verdict.passed:
                found = _malformed(conn, stage, fmt, counts, 0)
                watch.lap("record_checks")
                return DayOutcome(day, fmt, used, files, counts, (*found, verdict), None, watch.seconds)
            members = fmt.table(MEMBERS)
            plan = DayPlan(
                day, fmt, database.first_load, members is not None and members.folder in files.present
            )
            applied = apply_day(conn, database.schema, stage, plan)
            watch.lap("apply_transaction")
            verdicts = (
                *_malformed(conn, stage, fmt, counts, applied.unknown_group),
                verdict,
                records.records_accounted(fmt, counts, applied),
            )
            watch.lap("record_checks")
        finally:
            stage.drop(conn)
            for frame in persisted:
                frame.unpersist()
    log.info(f"day {day}: seconds per stage {watch.seconds}; statements {applied.seconds}")
    return DayOutcome(day, fmt, used, files, counts, verdicts, applied, watch.seconds)


def _preflight(day: str, fmt: Format, source_root: Path, database: Database) -> DayFiles:
    """What would make the day fail anyway, before any work: the database (DatabaseUnavailable),
    the schema's format, the day's files (DayRefused). Reads only: a day refused leaves even the
    schema alone."""
    try:
        database.ping()  # first: a run that could only fail at its last stage fails now
        with database.connect() as conn:
            schema.check_format(conn, database.schema, fmt)
        files = day_files(source_root, day, fmt.folders)
    except schema.FormatMismatch as err:
        raise DayRefused(f"day {day}: {err}") from None
    except BadDayKey as err:
        raise DayRefused(str(err)) from None
    for table in fmt.tables:
        found = files.files[table.folder]
        if table.complete and (incomplete := table.complete(found)):
            raise DayRefused(f"day {day}: {incomplete} Nothing was written.")
        if too_large := oversized_pages(found, table.pages):
            raise DayRefused(
                f"day {day}: {', '.join(p.name for p in too_large)} in {table.folder}/ is a page of "
                f"more than {MAX_RECORD_BYTES >> 20} MiB, which is read as one record: export it in "
                "pages (ServiceNow's sysparm_limit) or as JSON Lines. Nothing was written."
            )
    return files


def _passes(
    session: SparkSession, fmt: Format, files: DayFiles, database: Database, stage: Stage, persisted: list
) -> DayCounts:
    """Every table of the day read, validated and staged: one Spark pass over each, at once."""
    # Small local days: the staged rows come to this process (no Python workers to start). The
    # master is the session's (a Spark Connect server's own, behind an sc:// URL); local-cluster
    # runs executors of their own, as a cluster does.
    master = session.conf.get("spark.master")
    on_driver = files.size() < DRIVER_COPY_BYTES and _IN_DRIVER.match(master) is not None
    connect_kwargs = database.connect_kwargs()

    def read(table: Table):
        return read_records(session, files.files[table.folder], table.folder, table.pages)

    def one_pass(table: Table, day_groups=None):
        if table.kind == GROUPS:
            validated = day_groups.result()
        else:
            groups = day_groups.result() if day_groups else None
            validated = validate(table, fmt, read(table), persisted, groups)
        return stage_day(stage_rows(table, validated), table.folder, connect_kwargs, stage, on_driver)

    groups = fmt.table(GROUPS)
    with ThreadPoolExecutor(max_workers=len(fmt.tables) + 1, thread_name_prefix="source") as pool:
        validated_groups = pool.submit(validate, groups, fmt, read(groups), persisted)
        passes = {
            table.folder: pool.submit(one_pass, table, validated_groups if table.kind != AGENTS else None)
            for table in fmt.tables
        }
        return DayCounts({folder: found.result() for folder, found in passes.items()})


def _refuse_foreign(fmt: Format, counts: DayCounts, day: str) -> None:
    """A folder most of whose records look like another table's holds the wrong export."""
    for table in fmt.tables:
        foreign, read = counts.passes[table.folder].foreign, counts.read(table.folder)
        if foreign and 2 * foreign > read:
            raise DayRefused(
                f"day {day}: {foreign} of the {read} record(s) in {table.folder}/ look like another "
                f"table's: they have {table.foreign_hint}. Is the wrong export in this folder? "
                "Nothing was written; put each table's export in its own folder and run the day again."
            )


def _malformed(
    conn: psycopg.Connection, stage: Stage, fmt: Format, counts: DayCounts, unknown_group: int
) -> tuple[Verdict, ...]:
    """The malformed-records check of every table, with a sample of its rejects from staging.
    Membership rows of a group neither in the day nor stored (`unknown_group`) are judged in the
    day's transaction: a blocked day has none."""
    found = []
    query = statement("staging/rejects_sample", **stage.names())
    for table in fmt.tables:
        cur = conn.execute(query, {"source": table.folder, "sample": SAMPLE_ROWS})
        sample = [dict(zip([d.name for d in cur.description], row, strict=True)) for row in cur.fetchall()]
        extra = unknown_group if table.kind == MEMBERS else 0
        found.append(records.malformed(table, counts, sample, extra))
    if fmt.table(MEMBERS) is None:
        found.append(records.no_members())
    return tuple(found)
