"""Table checks (SQL on the loaded tables): orphan memberships, orphan parents, hierarchy cycles.

All are WARN: the contract keeps orphans and allows cycles; the checks say how many and which.
"""

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from groups_assets.defs.checks.evidence import SAMPLE_ROWS, markdown_table
from groups_assets.resources.postgres import PostgresResource
from groups_assets.warehouse.statements import sample_rows


def _found(postgres: PostgresResource, query: str, what: str) -> AssetCheckResult:
    with postgres.connect() as conn:
        total, rows = sample_rows(conn, query, SAMPLE_ROWS)
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
def orphan_memberships(postgres: PostgresResource) -> AssetCheckResult:
    return _found(postgres, "check_orphan_memberships", "membership(s) of unknown agents")


@asset_check(
    asset="groups_table",
    description="Groups whose parent_group_id names no group (the walk upward ends there).",
)
def orphan_parents(postgres: PostgresResource) -> AssetCheckResult:
    return _found(postgres, "check_orphan_parents", "group(s) with an unknown parent")


@asset_check(
    asset="groups_table",
    description="Groups on a parent_group_id cycle (allowed; each is an ancestor of the others).",
)
def hierarchy_cycles(postgres: PostgresResource) -> AssetCheckResult:
    return _found(postgres, "check_cycles", "group(s) on a hierarchy cycle")
