"""The asset graph of one sync day, materialized by one step in one process.

raw_* -> validated_* -> the tables -> inactive_flags are the assets people see and plot; they are
produced together because a day is one unit: Spark reads, validates and stages the day's
records in one pass (no intermediate files), the blocking check decides on the counts of that
pass, and one PostgreSQL transaction applies the day. Any *Materialize* (all assets, one asset,
a backfill, a sensor's run, the CLI) therefore runs this one step with one Spark session, and a
retry or re-execution starts from the source files, which are the truth.

No `from __future__ import annotations` here: Dagster reads the `context` annotation.
"""

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryRequested,
    multi_asset,
)
from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from groups_assets import graph
from groups_assets import metadata as meta
from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS, Format, Table
from groups_assets.contract.reader import MAX_RECORD_BYTES, oversized_pages, read_records
from groups_assets.contract.validation import validate
from groups_assets.counts import DayCounts
from groups_assets.days import BadDayKey, DayFiles
from groups_assets.partitions import sync_days
from groups_assets.quality import blocking, records
from groups_assets.quality.evidence import dated
from groups_assets.redact import redact
from groups_assets.resources.checks import ChecksResource
from groups_assets.resources.postgres import DatabaseUnavailable, PostgresResource
from groups_assets.resources.source import SourceResource
from groups_assets.resources.spark import SparkResource, SparkUnavailable
from groups_assets.warehouse import transaction
from groups_assets.warehouse.staging import Stage, stage_day, stage_rows

# A database restart in the middle of a day: the transaction rolls back and the step runs again
# (2 + 4 + 8 + 16 s of waiting at most). What a retry cannot fix fails at once.
MAX_RETRIES = 4
# Below this much input (on a local master), the staged rows come to the driver in one Arrow
# collect instead of being written by executor tasks: no Python workers to start. Above it, the
# collect would hold too much of the day in the driver's memory.
DRIVER_COPY_BYTES = 160 << 20
# Errors worth a retry: the connection was lost (a restart, a network cut) or the server asked
# for one (serialization failure, deadlock). A missing privilege, a bad password or a wrong
# statement fails the same way every time. Executors report theirs inside Spark's error text.
_TRANSIENT = (psycopg.OperationalError, psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)
_TRANSIENT_NAMES = ("OperationalError", "AdminShutdown", "SerializationFailure", "DeadlockDetected")


class Stopwatch:
    """Seconds per stage of the step, in the order they ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, stage: str) -> None:
        now = time.monotonic()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + now - self._last, 3)
        self._last = now


@multi_asset(
    name="sync_day",
    partitions_def=sync_days,
    specs=graph.ASSETS,
    check_specs=graph.STEP_CHECKS,
    description="One sync day end to end: read and validate the day's files (Spark), stage them "
    "in PostgreSQL, apply them in one transaction, recompute the inactive flags.",
)
def sync_day(
    context: AssetExecutionContext,
    spark: SparkResource,
    postgres: PostgresResource,
    source: SourceResource,
    checks: ChecksResource,
) -> Iterator[MaterializeResult | AssetCheckResult]:
    day = context.partition_key
    persisted: list = []  # this run's cached frames (a Spark Connect server's cache is shared)
    try:
        yield from _day(context, spark, postgres, source, checks, persisted)
    except psycopg.Error as err:
        if isinstance(err, _TRANSIENT):
            raise _retry(context, err) from err
        raise Failure(
            f"day {day}: PostgreSQL refused a statement: {redact(str(err)).strip()} "
            f"(SQLSTATE {err.sqlstate}). Retrying would not help; check the role's privileges "
            "(README: Pointing at a real PostgreSQL) and the schema. The tables are as before the day.",
            allow_retries=False,
        ) from None
    except transaction.FormatMismatch as err:
        raise Failure(f"day {day}: {err}", allow_retries=False) from None
    except (Py4JJavaError, PySparkException) as err:
        if any(name in str(err) for name in _TRANSIENT_NAMES):  # an executor lost its connection
            raise _retry(context, err) from err
        raise
    finally:
        for frame in persisted:
            frame.unpersist()


def _day(
    context: AssetExecutionContext,
    spark: SparkResource,
    postgres: PostgresResource,
    source: SourceResource,
    checks: ChecksResource,
    persisted: list,
) -> Iterator:
    """The day's checks before any work (the database, the files, the schema's format), then
    its Spark pass and its transaction."""
    day = context.partition_key
    fmt = source.source_format()
    watch = Stopwatch()
    try:
        postgres.ping()  # first: a run that could only fail at its last stage fails now
    except DatabaseUnavailable as err:
        raise Failure(f"day {day}: {err}", allow_retries=False) from None
    with postgres.connect() as conn:  # reads only: a day refused leaves even the schema alone
        transaction.check_format(conn, postgres.schema, fmt)
    try:
        files = source.day_files(day)
    except BadDayKey as err:
        raise Failure(str(err), allow_retries=False) from None
    for table in fmt.tables:
        found = files.files[table.folder]
        if table.complete and (incomplete := table.complete(found)):
            raise Failure(f"day {day}: {incomplete} Nothing was written.", allow_retries=False)
        if too_large := oversized_pages(found, table.pages):
            raise Failure(
                f"day {day}: {', '.join(p.name for p in too_large)} in {table.folder}/ is a page of "
                f"more than {MAX_RECORD_BYTES >> 20} MiB, which is read as one record: export it in "
                "pages (ServiceNow's sysparm_limit) or as JSON Lines. Nothing was written.",
                allow_retries=False,
            )
    watch.lap("database_and_files")
    try:
        session = spark.session(files.size())  # the size day_bytes gives the CLI
    except SparkUnavailable as err:
        raise Failure(f"day {day}: {err}", allow_retries=False) from None
    used = spark.describe()
    context.log.info(f"day {day}: {fmt.name} format; Spark is {used}")
    watch.lap("spark_start")
    yield from _stage_and_apply(context, session, used, postgres, checks, fmt, files, watch, persisted)


def _retry(context: AssetExecutionContext, err: Exception) -> RetryRequested:
    wait = 2 * 2**context.retry_number
    context.log.warning(f"database connection lost ({type(err).__name__}); the day runs again in {wait} s.")
    return RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait)


def _passes(session: SparkSession, fmt: Format, files: DayFiles, stage_one, persisted: list) -> DayCounts:
    """Every table of the day read, validated and staged: one Spark pass over each, at once (the
    driver's work for one overlaps the others' Spark jobs). Membership rows wait for the day's
    validated groups (they tell a row whose group is in the day)."""

    def read(table: Table):
        return read_records(session, files.files[table.folder], table.folder, table.pages)

    def one_pass(table: Table, day_groups=None):
        if table.kind == GROUPS:
            return stage_one(table, day_groups.result())
        groups = day_groups.result() if day_groups else None
        return stage_one(table, validate(table, fmt, read(table), persisted, groups))

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
            raise Failure(
                f"day {day}: {foreign} of the {read} record(s) in {table.folder}/ look like another "
                f"table's: they have {table.foreign_hint}. Is the wrong export in this folder? "
                "Nothing was written; put each table's export in its own folder and run the day again.",
                allow_retries=False,
            )


def _stage_and_apply(
    context: AssetExecutionContext,
    session: SparkSession,
    used: str,
    postgres: PostgresResource,
    checks: ChecksResource,
    fmt: Format,
    files: DayFiles,
    watch: Stopwatch,
    persisted: list,
) -> Iterator:
    day = files.day
    schema = postgres.schema
    stage = Stage.new()
    # Small local days: the staged rows come to this process (no Python workers to start). The
    # master is the session's (a Spark Connect server's own, behind an sc:// URL).
    on_driver = files.size() < DRIVER_COPY_BYTES and session.conf.get("spark.master").startswith("local")
    connect_kwargs = postgres.connect_kwargs()

    def stage_one(table: Table, validated):
        return stage_day(stage_rows(table, validated), connect_kwargs, stage, on_driver)

    members = fmt.table(MEMBERS)
    with postgres.connect() as conn:
        transaction.ensure_schema(conn, schema)
        if swept := stage.create(conn):
            context.log.info(f"swept the staging tables of {len(swept)} killed run(s): {swept}")
        try:
            counts = _passes(session, fmt, files, stage_one, persisted)
            watch.lap("read_validate_stage")
            _refuse_foreign(fmt, counts, day)
            yield from _read_and_validate_results(fmt, files, counts, used)
            for table in fmt.tables:
                if table.kind != MEMBERS:
                    yield dated(records.malformed(conn, stage, counts, table), day)
            verdict = dated(blocking.reject_ratio(counts, checks.max_reject_ratio, fmt), day)
            yield verdict
            watch.lap("record_checks")
            if not verdict.passed:
                raise Failure(
                    f"{verdict.description}. The tables were left as they were; fix the export and "
                    "run the day again (or raise GROUPS_MAX_REJECT_RATIO if the data is what it is).",
                    allow_retries=False,
                )
            plan = transaction.DayPlan(
                day, fmt, postgres.first_load, members is not None and members.folder in files.present
            )
            applied, statements = transaction.apply_day(conn, schema, stage, plan)
            watch.lap("apply_transaction")
            counts = counts.after_apply(fmt, applied["unknown_group"], applied["users_skipped"])
            # Membership rows are judged against the stored groups too (unknown_group).
            found = records.malformed(conn, stage, counts, members) if members else records.no_members()
            yield dated(found, day)
        finally:
            stage.drop(conn)
        yield from _table_results(fmt, counts, applied, watch, statements)
        yield dated(records.records_accounted(conn, counts, day, fmt), day)
    context.log.info(f"day {day}: seconds per stage {watch.seconds}; statements {statements}")


def _read_and_validate_results(fmt: Format, files: DayFiles, counts: DayCounts, spark: str) -> Iterator:
    for kind, raw, checked in (
        (GROUPS, "raw_groups", "validated_groups"),
        (MEMBERS, "raw_memberships", "validated_memberships"),
        (AGENTS, "raw_agents", "validated_agents"),
    ):
        table = fmt.table(kind)
        if table is None:  # the contract format: memberships come inside the group records
            yield MaterializeResult(asset_key=raw, metadata={meta.RECORDS: 0, meta.SPARK: spark})
            yield MaterializeResult(asset_key=checked, metadata={meta.VALID: 0, meta.REJECTED: 0})
            continue
        folder = table.folder
        yield MaterializeResult(
            asset_key=raw,
            metadata={
                meta.FOLDER: folder,
                meta.FILES: len(files.files[folder]),
                meta.BYTES: files.size(folder),
                meta.RECORDS: counts.read(folder),
                meta.SPARK: spark,
            },
        )
        yield MaterializeResult(
            asset_key=checked,
            metadata={meta.VALID: counts.valid(folder), meta.REJECTED: sum(counts.rejected(folder).values())},
        )


def _table_results(
    fmt: Format, counts: DayCounts, applied: dict, watch: Stopwatch, statements: dict
) -> Iterator:
    groups, agents, members = (fmt.table(kind) for kind in (GROUPS, AGENTS, MEMBERS))
    # Pairs listed in the group records, or membership rows loaded.
    listed = counts.valid(members.folder) if members else counts.staged.get("members", 0)
    yield MaterializeResult(
        asset_key="groups_table",
        metadata={
            meta.GROUPS_LOADED: counts.valid(groups.folder),
            meta.GROUPS_WRITTEN: applied["groups_written"],
            meta.GROUPS_NEW: applied["groups_new"],
            meta.GROUPS_TOTAL: applied["groups_total"],
            meta.REJECTS: counts.staged.get("rejects", 0) + applied["unknown_group"],
        },
    )
    yield MaterializeResult(
        asset_key="membership_table",
        metadata={
            meta.MEMBERSHIPS_LISTED: listed,
            meta.MEMBERSHIPS_ADDED: applied["memberships_added"],
            meta.MEMBERSHIPS_REMOVED: applied["memberships_removed"],
        },
    )
    yield MaterializeResult(
        asset_key="agents_table",
        metadata={
            meta.AGENTS_LOADED: counts.valid(agents.folder) if agents else 0,
            meta.AGENTS_WRITTEN: applied["agents_written"],
            meta.USERS_SKIPPED: applied["users_skipped"],
        },
    )
    yield MaterializeResult(
        asset_key="inactive_flags",
        metadata={
            meta.BECAME_INACTIVE: applied["became_inactive"],
            meta.BECAME_ACTIVE: applied["became_active"],
            meta.GROUPS_FLIPPED: applied["became_inactive"] + applied["became_active"],
            meta.INACTIVE_GROUPS: applied["inactive_groups"],
            # One entry for the profile (the UI plots numbers; these are read, not plotted).
            meta.SECONDS: MetadataValue.json(
                {"stages": watch.seconds, "statements": {k: round(v, 3) for k, v in statements.items()}}
            ),
        },
    )
    for asset, prefix in (
        ("group_history", ""),
        ("membership_history", "member_"),
        ("agent_history", "agent_"),
    ):
        yield MaterializeResult(
            asset_key=asset,
            metadata={
                meta.VERSIONS_OPENED: applied[f"{prefix}versions_opened"],
                meta.VERSIONS_CLOSED: applied[f"{prefix}versions_closed"],
            },
        )
