"""The step's checks on the day's records: malformed records per reason, and every record read
accounted for.

Their evidence comes from the one Spark pass that stages each table (counts.DayCounts) and from
SQL on the staging and final tables; nothing is read again. They name the format's own folders
(`sys_user_grmember: 88 malformed record(s)`).
"""

from __future__ import annotations

import psycopg
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from groups_assets.contract.format import AGENTS, GROUPS, MEMBERS, Format, Table
from groups_assets.counts import UNKNOWN_GROUP, DayCounts
from groups_assets.quality.evidence import SAMPLE_ROWS, markdown_table
from groups_assets.warehouse.staging import Stage
from groups_assets.warehouse.statements import statement
from groups_assets.warehouse.transaction import count_rejects

# The asset, the check and the staging table of each kind of table.
STAGED = {GROUPS: "groups", AGENTS: "agents", MEMBERS: "member_rows"}
ASSETS = {GROUPS: "validated_groups", AGENTS: "validated_agents", MEMBERS: "validated_memberships"}
CHECKS = {GROUPS: "malformed_groups", AGENTS: "malformed_agents", MEMBERS: "malformed_memberships"}


def malformed(conn: psycopg.Connection, stage: Stage, counts: DayCounts, table: Table) -> AssetCheckResult:
    """The malformed-records check of one table, with a sample of its rejects from staging."""
    rejected = counts.rejected(table.folder)
    query = statement("staging/rejects_sample", **stage.names())
    cur = conn.execute(query, {"source": table.folder, "sample": SAMPLE_ROWS})
    sample = [dict(zip([d.name for d in cur.description], row, strict=True)) for row in cur.fetchall()]
    total = sum(rejected.values())
    return AssetCheckResult(
        asset_key=ASSETS[table.kind],
        check_name=CHECKS[table.kind],
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        description=f"{total} malformed {table.folder} record(s)"
        if total
        else f"no malformed {table.folder} record",
        metadata={
            "folder": table.folder,
            "rejected": total,
            **{reason: rejected.get(reason, 0) for reason in table.reasons},
            "sample": MetadataValue.md(markdown_table(sample)),
        },
    )


def no_members() -> AssetCheckResult:
    """The membership check of a format without a membership table (the contract's)."""
    return AssetCheckResult(
        asset_key=ASSETS[MEMBERS],
        check_name=CHECKS[MEMBERS],
        passed=True,
        severity=AssetCheckSeverity.WARN,
        description="no membership table in this format: members come with the group records",
        metadata={"rejected": 0},
    )


def records_accounted(conn: psycopg.Connection, counts: DayCounts, day: str, fmt: Format) -> AssetCheckResult:
    """read (counted by Spark) = loaded (rows the staging tables received, less those the day's
    transaction took out) + rejected (rows in `rejects`) + skipped (users that are not agents),
    for every table of the day."""
    stored = count_rejects(conn, day)
    metadata: dict[str, int] = {}
    balanced = True
    for table in fmt.tables:
        folder = table.folder
        read, skipped = counts.read(folder), counts.skipped(folder)
        taken_out = skipped + counts.rejected(folder).get(UNKNOWN_GROUP, 0)
        loaded = counts.staged.get(STAGED[table.kind], 0) - taken_out
        rejected = sum(n for (s, _), n in stored.items() if s == folder)
        metadata |= {f"{folder}_read": read, f"{folder}_loaded": loaded, f"{folder}_rejected": rejected}
        if skipped:
            metadata[f"{folder}_skipped"] = skipped
        balanced &= read == loaded + rejected + skipped
    any_skipped = any(counts.skipped(table.folder) for table in fmt.tables)
    return AssetCheckResult(
        asset_key="groups_table",
        check_name="records_accounted",
        passed=balanced,
        severity=AssetCheckSeverity.WARN,
        description=("read = loaded + rejected" + (" + skipped" if any_skipped else ""))
        if balanced
        else "records unaccounted for",
        metadata=metadata,
    )
