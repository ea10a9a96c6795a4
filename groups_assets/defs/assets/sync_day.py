"""The asset graph of one sync day, materialized by one step in one process.

raw_* -> validated_* -> the tables -> inactive_flags -> the histories are the assets people see
and plot; they are produced together because a day is one unit (day/load.py: one Spark pass per
table, the blocking check on its counts, one transaction). Any *Materialize* (all assets, one
asset, a backfill, a sensor's run, the CLI) runs this one step with one Spark session, and a
retry starts from the source files, which are the truth. This step only turns the day's outcome
into materializations and check results; a blocked day materializes nothing.

No `from __future__ import annotations` here: Dagster reads the `context` annotation.
"""

from collections.abc import Iterator
from pathlib import Path

import psycopg
from dagster import (
    AssetCheckResult,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    RetryRequested,
    multi_asset,
)

from groups_assets import graph, names
from groups_assets import metadata as meta
from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS
from groups_assets.day.load import load_day, retry_reason
from groups_assets.day.outcome import DayOutcome, DayRefused
from groups_assets.day.source import SourceDay, source_day
from groups_assets.defs.check_results import check_result
from groups_assets.errors import expected_failure, restore_tracebacks
from groups_assets.fetching import FetchFailed, MissingSetting
from groups_assets.partitions import sync_days
from groups_assets.quality.evidence import markdown_table
from groups_assets.redact import redact
from groups_assets.resources.api import ApiResource
from groups_assets.resources.checks import ChecksResource
from groups_assets.resources.postgres import PostgresResource
from groups_assets.resources.source import SourceResource
from groups_assets.resources.spark import SparkResource
from groups_assets.warehouse.database import DatabaseUnavailable

# A database restart in the middle of a day: the transaction rolls back and the step runs again
# (2 + 4 + 8 + 16 s of waiting at most). What a retry cannot fix fails at once.
MAX_RETRIES = 4


@multi_asset(
    name=names.STEP,
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
    api: ApiResource,
) -> Iterator[MaterializeResult | AssetCheckResult]:
    restore_tracebacks()
    day = context.partition_key
    fmt = source.source_format()
    try:
        got = source_day(fmt, Path(source.root), day, api.settings(), api.bounds())
    except (FetchFailed, MissingSetting) as err:
        raise expected_failure(f"day {day}: {err}") from None
    if got.fetched:
        context.log.info(f"day {day}: fetched from {fmt.name} into {got.folder} in {got.seconds:.1f} s")
    try:
        outcome = load_day(
            day,
            fmt,
            Path(source.root),
            postgres.start(),
            spark,
            checks.max_reject_ratio,
            log=context.log,
        )
    except DayRefused as err:
        raise expected_failure(str(err)) from None
    except DatabaseUnavailable as err:
        if context.retry_number > 0:  # it answered a moment ago: a restart, most likely
            raise _retry(context, "the database does not answer", err) from None
        raise expected_failure(f"day {day}: {err}") from None
    except psycopg.Error as err:
        if why := retry_reason(err):
            raise _retry(context, why, err) from err
        if isinstance(err, psycopg.errors.InsufficientPrivilege):
            what = "grant the role the privileges in docs/deployment.md"
        else:
            what = "if the schema's tables were not changed by hand, report it with the run's log"
        raise expected_failure(
            f"day {day}: PostgreSQL refused a statement: {redact(str(err)).strip()} "
            f"(SQLSTATE {err.sqlstate}). Retrying would not help; {what}. The tables are as before the day."
        ) from None
    except Exception as err:
        if why := retry_reason(err):  # an executor's lost connection, or staging that disagrees
            raise _retry(context, why, err) from err
        raise
    if not outcome.blocked:
        yield _source(got)
        yield from _materializations(outcome)
    for verdict in outcome.verdicts:
        yield check_result(verdict.dated(day))
    if outcome.blocked:
        raise expected_failure(
            f"day {day}: {outcome.verdict(names.REJECT_RATIO).description}. The tables were left as they "
            "were; fix the export and run the day again (or raise GROUPS_MAX_REJECT_RATIO if the data "
            "is what it is)."
        )


def _retry(context: AssetExecutionContext, why: str, err: Exception) -> RetryRequested:
    wait = 2 * 2**context.retry_number
    context.log.warning(f"{why} ({type(err).__name__}); the day runs again in {wait} s.")
    return RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait)


def _source(got: SourceDay) -> MaterializeResult:
    """Where the day's files came from: its folder, and what a fetch wrote there."""
    metadata: dict = {meta.FOLDER: str(got.folder), meta.FETCHED: bool(got.fetched)}
    if got.fetched:
        metadata[meta.SECONDS] = round(got.seconds, 2)
        metadata |= {f"{t.name}_records": t.records for t in got.fetched}
        metadata[meta.TABLES] = MetadataValue.md(
            markdown_table(
                {"API table": t.name, "folder": t.folder, "records": t.records, "pages": t.pages}
                for t in got.fetched
            )
        )
    return MaterializeResult(asset_key=names.SOURCE_DAY, metadata=metadata)


def _materializations(outcome: DayOutcome) -> Iterator[MaterializeResult]:
    """Every asset of the day, with the numbers the UI plots across days."""
    fmt, counts, files, applied = outcome.format, outcome.counts, outcome.files, outcome.applied
    for kind in (GROUPS, MEMBERS, AGENTS):
        table = fmt.table(kind)
        if table is None:  # the contract format: memberships come inside the group records
            yield MaterializeResult(
                asset_key=names.RAW[kind], metadata={meta.RECORDS: 0, meta.SPARK: outcome.spark}
            )
            yield MaterializeResult(
                asset_key=names.VALIDATED[kind], metadata={meta.VALID: 0, meta.REJECTED: 0}
            )
            continue
        folder = table.folder
        yield MaterializeResult(
            asset_key=names.RAW[kind],
            metadata={
                meta.FOLDER: folder,
                meta.FILES: len(files.files[folder]),
                meta.BYTES: files.size(folder),
                meta.RECORDS: counts.read(folder),
                meta.SPARK: outcome.spark,
                meta.TASKS_RUN_AGAIN: counts.passes[folder].run_again,
            },
        )
        yield MaterializeResult(
            asset_key=names.VALIDATED[kind],
            metadata={meta.VALID: counts.valid(folder), meta.REJECTED: sum(counts.rejected(folder).values())},
        )
    members, agents = fmt.table(MEMBERS), fmt.table(AGENTS)
    # Pairs listed in the group records, or membership rows loaded.
    listed = (
        counts.valid(members.folder) - applied.unknown_group if members else counts.staged.get("members", 0)
    )
    yield MaterializeResult(
        asset_key=names.TABLE[GROUPS],
        metadata={
            meta.GROUPS_LOADED: counts.valid(fmt.table(GROUPS).folder),
            meta.GROUPS_WRITTEN: applied.groups_written,
            meta.GROUPS_NEW: applied.groups_new,
            meta.GROUPS_TOTAL: applied.groups_total,
            meta.REJECTS: sum(applied.rejected.values()),
        },
    )
    yield MaterializeResult(
        asset_key=names.TABLE[MEMBERS],
        metadata={
            meta.MEMBERSHIPS_LISTED: listed,
            meta.MEMBERSHIPS_ADDED: applied.memberships_added,
            meta.MEMBERSHIPS_REMOVED: applied.memberships_removed,
        },
    )
    yield MaterializeResult(
        asset_key=names.TABLE[AGENTS],
        metadata={
            meta.AGENTS_LOADED: counts.valid(agents.folder) - applied.users_skipped if agents else 0,
            meta.AGENTS_WRITTEN: applied.agents_written,
            meta.USERS_SKIPPED: applied.users_skipped,
        },
    )
    yield MaterializeResult(
        asset_key=names.INACTIVE_FLAGS,
        metadata={
            meta.BECAME_INACTIVE: applied.became_inactive,
            meta.BECAME_ACTIVE: applied.became_active,
            meta.GROUPS_FLIPPED: applied.became_inactive + applied.became_active,
            meta.INACTIVE_GROUPS: applied.inactive_groups,
            # One entry for the profile (the UI plots numbers; these are read, not plotted).
            meta.SECONDS: MetadataValue.json(
                {
                    "stages": outcome.seconds,
                    "statements": {k: round(v, 3) for k, v in applied.seconds.items()},
                }
            ),
        },
    )
    for kind, versions in (
        (GROUPS, applied.group_versions),
        (MEMBERS, applied.member_versions),
        (AGENTS, applied.agent_versions),
    ):
        yield MaterializeResult(
            asset_key=names.HISTORY[kind],
            metadata={meta.VERSIONS_OPENED: versions.opened, meta.VERSIONS_CLOSED: versions.closed},
        )
