"""Asset checks: malformed records, orphans, cycles and record accounting, with evidence.

All are WARN: a day with bad rows still loads; the check shows how many and which.
"""

from collections.abc import Iterable

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

from groups_assets import database
from groups_assets.reasons import AGENT_REASONS, GROUP_REASONS
from groups_assets.resources.postgres import PostgresResource

SAMPLE_ROWS = 10
_CELL_MAX = 120


def markdown_table(rows: Iterable[dict]) -> str:
    rows = list(rows)
    if not rows:
        return "(none)"
    columns = list(rows[0])

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
        return text if len(text) <= _CELL_MAX else text[: _CELL_MAX - 1] + "…"

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r[c]) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


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


def _found(postgres: PostgresResource, query: str, what: str) -> AssetCheckResult:
    with postgres.connect() as conn:
        total, rows = database.sample_rows(conn, query, SAMPLE_ROWS)
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
        rejected = database.count_rejects(conn, day)
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


def reject_ratio_check(max_ratio: float):
    """A blocking ERROR check on the validated day: when more than `max_ratio` of its records
    are rejected, or no group is valid, nothing of the day is written to the tables."""

    @asset_check(
        asset="validated_groups",
        name="reject_ratio",
        blocking=True,
        description=f"Blocks the day before anything is written when more than {max_ratio:.0%} of "
        "its records (groups and agents) are rejected or no group record is valid "
        "(GROUPS_MAX_REJECT_RATIO).",
        additional_ins={"validated_agents": AssetIn("validated_agents")},
    )
    def reject_ratio(
        context: AssetCheckExecutionContext, validated_groups: DataFrame, validated_agents: DataFrame
    ) -> AssetCheckResult:
        day = context.run.tags.get("dagster/partition", "?")
        reasons: dict[str, int] = {}
        totals = {"records": 0, "rejected": 0, "valid_groups": 0}
        for source, frame in (("admin_groups", validated_groups), ("agents", validated_agents)):
            counts = frame.groupBy("reason").agg(F.count("*").alias("n")).collect()
            for row in counts:
                totals["records"] += row["n"]
                if row["reason"] is None:
                    totals["valid_groups"] += row["n"] if source == "admin_groups" else 0
                else:
                    totals["rejected"] += row["n"]
                    reasons[f"{source}:{row['reason']}"] = row["n"]
        ratio = totals["rejected"] / totals["records"] if totals["records"] else 0.0
        top = ", ".join(f"{k} {n}" for k, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:5])
        if totals["valid_groups"] == 0:
            verdict = (
                f"day {day}: no valid group record ({totals['records']} records read); "
                f"top reasons: {top or 'none'}"
            )
        elif ratio > max_ratio:
            verdict = (
                f"day {day}: {ratio:.1%} of {totals['records']} records rejected, above the limit of "
                f"{max_ratio:.0%} (GROUPS_MAX_REJECT_RATIO); top reasons: {top}"
            )
        else:
            verdict = ""
        if verdict:
            context.log.error(
                verdict + ". The tables were left as they were; fix the export and re-run the day."
            )
        return AssetCheckResult(
            passed=not verdict,
            severity=AssetCheckSeverity.ERROR,
            description=verdict or f"{ratio:.1%} rejected (limit {max_ratio:.0%})",
            metadata={**totals, "reject_ratio": ratio, "max_reject_ratio": max_ratio},
        )

    return reject_ratio


ALL_CHECKS = [
    malformed_groups,
    malformed_agents,
    orphan_memberships,
    orphan_parents,
    hierarchy_cycles,
    records_accounted,
]
