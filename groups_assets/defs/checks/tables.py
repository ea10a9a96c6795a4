"""Table checks on the loaded tables: orphan memberships, orphan parents, hierarchy cycles,
history versions.

All are WARN: the contract keeps orphans and allows cycles; the checks say how many and which.
Each has a time budget (the checks resource's timeout_seconds): a check that would take longer
fails as WARN saying so, instead of holding the run.
"""

import warnings
from collections.abc import Callable

import psycopg
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    PreviewWarning,
)
from dagster import asset_check as dagster_asset_check

from groups_assets.partitions import sync_days
from groups_assets.quality.cycles import cycle_members
from groups_assets.quality.evidence import SAMPLE_ROWS, dated, markdown_table
from groups_assets.resources.checks import ChecksResource
from groups_assets.resources.postgres import PostgresResource
from groups_assets.warehouse.statements import sample_rows, statement


def asset_check(**kwargs):
    """Dagster's asset_check, partitioned by day like the assets: a result carries its day (the
    UI shows it as the check's partition). A partitions definition on a check is stable in use,
    "preview" in name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return dagster_asset_check(partitions_def=sync_days, **kwargs)


def _within_budget(
    postgres: PostgresResource,
    checks: ChecksResource,
    what: str,
    check: Callable[[psycopg.Connection], AssetCheckResult],
) -> AssetCheckResult:
    budget = checks.timeout_seconds
    try:
        with postgres.connect(statement_timeout=budget) as conn:
            return check(conn)
    except psycopg.errors.QueryCanceled:
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"the {what} check did not finish within {budget:g} s "
            "(GROUPS_CHECK_TIMEOUT_SECONDS); it was stopped so that the day is not held. The tables "
            "are loaded; run the check again from the UI, or raise the budget.",
            metadata={"timed_out_after_seconds": budget},
        )


def _found(
    postgres: PostgresResource, checks: ChecksResource, query: str, what: str, **params
) -> AssetCheckResult:
    def check(conn: psycopg.Connection) -> AssetCheckResult:
        return _counted(*sample_rows(conn, query, SAMPLE_ROWS, **params), what)

    return _within_budget(postgres, checks, what, check)


def _counted(total: int, rows: list[dict], what: str) -> AssetCheckResult:
    return AssetCheckResult(
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        description=f"{total} {what}" if total else f"no {what}",
        metadata={"count": total, "sample": MetadataValue.md(markdown_table(rows))},
    )


@asset_check(
    asset="membership_table",
    description="Memberships whose agent is in no agents row (kept; not counted as active).",
)
def orphan_memberships(
    context: AssetCheckExecutionContext, postgres: PostgresResource, checks: ChecksResource
) -> AssetCheckResult:
    return dated(
        _found(postgres, checks, "checks/orphan_memberships", "membership(s) of unknown agents"),
        context.partition_key,
    )


@asset_check(
    asset="groups_table",
    description="Groups whose parent_group_id names no group (the walk upward ends there).",
)
def orphan_parents(
    context: AssetCheckExecutionContext, postgres: PostgresResource, checks: ChecksResource
) -> AssetCheckResult:
    return dated(
        _found(postgres, checks, "checks/orphan_parents", "group(s) with an unknown parent"),
        context.partition_key,
    )


@asset_check(
    asset="groups_table",
    description="Groups on a parent_group_id cycle (allowed; each is an ancestor of the others).",
)
def hierarchy_cycles(
    context: AssetCheckExecutionContext, postgres: PostgresResource, checks: ChecksResource
) -> AssetCheckResult:
    def check(conn: psycopg.Connection) -> AssetCheckResult:
        on_cycles = cycle_members(conn.execute(statement("checks/hierarchy_cycles_links")).fetchall())
        first = sorted(on_cycles)[:SAMPLE_ROWS]
        cur = conn.execute(statement("checks/hierarchy_cycles_sample"), {"ids": first})
        rows = [dict(zip([d.name for d in cur.description], row, strict=True)) for row in cur.fetchall()]
        return _counted(len(on_cycles), rows, "group(s) on a hierarchy cycle")

    return dated(_within_budget(postgres, checks, "hierarchy_cycles", check), context.partition_key)


@asset_check(
    asset="group_history",
    description="Every group has exactly one open version, and each version ends where the next begins "
    "(no overlap, no gap).",
)
def history_versions(
    context: AssetCheckExecutionContext, postgres: PostgresResource, checks: ChecksResource
) -> AssetCheckResult:
    return dated(
        _found(postgres, checks, "checks/history_versions", "group(s) whose history versions are broken"),
        context.partition_key,
    )


@asset_check(
    asset="membership_history",
    description="The memberships whose versions the day wrote: each member has exactly one open "
    "version, no other pair has one, and a pair's versions never overlap (a pair removed and added "
    "again may leave a gap).",
)
def membership_history_versions(
    context: AssetCheckExecutionContext, postgres: PostgresResource, checks: ChecksResource
) -> AssetCheckResult:
    what = "membership(s) whose history versions are broken"
    day = context.partition_key
    return dated(_found(postgres, checks, "checks/membership_history_versions", what, day=day), day)


@asset_check(
    asset="agent_history",
    description="The agents the day changed: each has exactly one open version, and each version ends "
    "where the next begins (no overlap, no gap).",
)
def agent_history_versions(
    context: AssetCheckExecutionContext, postgres: PostgresResource, checks: ChecksResource
) -> AssetCheckResult:
    what, day = "agent(s) whose history versions are broken", context.partition_key
    return dated(_found(postgres, checks, "checks/agent_history_versions", what, day=day), day)
