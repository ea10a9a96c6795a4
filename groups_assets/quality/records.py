"""The step's checks on the day's records: malformed records per reason, and every record read
accounted for.

Their evidence comes from the one Spark pass that stages the day (counts.DayCounts) and from SQL
on the staging and final tables; nothing is read again.
"""

from __future__ import annotations

import psycopg
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from groups_assets.contract.reasons import AGENT_REASONS, GROUP_REASONS
from groups_assets.counts import DayCounts
from groups_assets.quality.evidence import SAMPLE_ROWS, markdown_table
from groups_assets.warehouse.staging import Stage
from groups_assets.warehouse.statements import statement
from groups_assets.warehouse.transaction import count_rejects

REASONS = {"admin_groups": GROUP_REASONS, "agents": AGENT_REASONS}
ASSETS = {"admin_groups": "validated_groups", "agents": "validated_agents"}
WHAT = {"admin_groups": "group", "agents": "agent"}


def malformed(conn: psycopg.Connection, stage: Stage, counts: DayCounts, source: str) -> AssetCheckResult:
    """The malformed-records check of one source, with a sample of its rejects from staging."""
    rejected = counts.rejected(source)
    query = statement("sample_stage_rejects", **stage.names())
    cur = conn.execute(query, {"source": source, "sample": SAMPLE_ROWS})
    sample = [dict(zip([d.name for d in cur.description], row, strict=True)) for row in cur.fetchall()]
    total, what = sum(rejected.values()), WHAT[source]
    return AssetCheckResult(
        asset_key=ASSETS[source],
        check_name=f"malformed_{what}s",
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        description=f"{total} malformed {what} record(s)" if total else f"no malformed {what} record",
        metadata={
            "rejected": total,
            **{reason: rejected.get(reason, 0) for reason in REASONS[source]},
            "sample": MetadataValue.md(markdown_table(sample)),
        },
    )


def records_accounted(conn: psycopg.Connection, counts: DayCounts, day: str) -> AssetCheckResult:
    """read (counted by Spark) = loaded (rows in staging) + rejected (rows in `rejects`)."""
    stored = count_rejects(conn, day)
    metadata: dict[str, int] = {}
    balanced = True
    for source, table in (("admin_groups", "groups"), ("agents", "agents")):
        read, loaded = counts.read(source), counts.staged.get(table, 0)
        rejected = sum(n for (s, _), n in stored.items() if s == source)
        metadata |= {f"{source}_read": read, f"{source}_loaded": loaded, f"{source}_rejected": rejected}
        balanced &= read == loaded + rejected
    return AssetCheckResult(
        asset_key="groups_table",
        check_name="records_accounted",
        passed=balanced,
        severity=AssetCheckSeverity.WARN,
        description="read = loaded + rejected" if balanced else "records unaccounted for",
        metadata=metadata,
    )
