"""Record checks: malformed records per reason (from the validated day), and every record read
accounted for (read = loaded + rejected)."""

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetIn,
    MetadataValue,
    asset_check,
)
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from groups_assets.contract.reasons import AGENT_REASONS, GROUP_REASONS
from groups_assets.defs.checks.evidence import SAMPLE_ROWS, markdown_table
from groups_assets.resources.postgres import PostgresResource
from groups_assets.warehouse import transaction


def _malformed(validated: DataFrame, reasons: tuple[str, ...], what: str) -> AssetCheckResult:
    rejected = validated.where(F.col("reason").isNotNull())
    counts = {r["reason"]: r["n"] for r in rejected.groupBy("reason").agg(F.count("*").alias("n")).collect()}
    sample = (
        rejected.orderBy("source_file", "record_no")
        .select("source_file", "record_no", "reason", "raw")
        .limit(SAMPLE_ROWS)
        .collect()
    )
    total = sum(counts.values())
    return AssetCheckResult(
        passed=total == 0,
        severity=AssetCheckSeverity.WARN,
        description=f"{total} malformed {what} record(s)" if total else f"no malformed {what} record",
        metadata={
            "rejected": total,
            **{reason: counts.get(reason, 0) for reason in reasons},
            "sample": MetadataValue.md(markdown_table(r.asDict() for r in sample)),
        },
    )


@asset_check(
    asset="validated_groups",
    description="Group records that break the contract, counted per reject reason.",
)
def malformed_groups(validated_groups: DataFrame) -> AssetCheckResult:
    return _malformed(validated_groups, GROUP_REASONS, "group")


@asset_check(
    asset="validated_agents",
    description="Agent records that break the contract, counted per reject reason.",
)
def malformed_agents(validated_agents: DataFrame) -> AssetCheckResult:
    return _malformed(validated_agents, AGENT_REASONS, "agent")


@asset_check(
    asset="groups_table",
    description="Every record read that day is accounted for: read = loaded + rejected, for "
    "admin_groups and agents alike.",
    additional_ins={
        "raw_groups": AssetIn("raw_groups"),
        "validated_groups": AssetIn("validated_groups"),
        "raw_agents": AssetIn("raw_agents"),
        "validated_agents": AssetIn("validated_agents"),
    },
)
def records_accounted(
    context: AssetCheckExecutionContext,
    postgres: PostgresResource,
    raw_groups: DataFrame,
    validated_groups: DataFrame,
    raw_agents: DataFrame,
    validated_agents: DataFrame,
) -> AssetCheckResult:
    day = context.run.tags.get("dagster/partition") or context.partition_key
    with postgres.connect() as conn:
        rejected = transaction.count_rejects(conn, day)
    metadata: dict[str, int] = {}
    balanced = True
    for source, raw, validated in (
        ("admin_groups", raw_groups, validated_groups),
        ("agents", raw_agents, validated_agents),
    ):
        read = raw.count()
        loaded = validated.where(F.col("reason").isNull()).count()
        rejects = sum(n for (s, _), n in rejected.items() if s == source)
        metadata.update({f"{source}_read": read, f"{source}_loaded": loaded, f"{source}_rejected": rejects})
        balanced &= read == loaded + rejects
    return AssetCheckResult(
        passed=balanced,
        severity=AssetCheckSeverity.WARN,
        description="read = loaded + rejected" if balanced else "records unaccounted for",
        metadata=metadata,
    )
