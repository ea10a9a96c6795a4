"""The blocking check: a day that is mostly garbage is stopped before anything is written."""

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetIn, asset_check
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from groups_assets.settings import load_settings


@asset_check(
    asset="validated_groups",
    name="reject_ratio",
    blocking=True,
    description="Blocks the day before anything is written when more than GROUPS_MAX_REJECT_RATIO "
    "(default 20%) of its records (groups and agents) are rejected or no group record is valid.",
    additional_ins={"validated_agents": AssetIn("validated_agents")},
)
def reject_ratio(
    context: AssetCheckExecutionContext, validated_groups: DataFrame, validated_agents: DataFrame
) -> AssetCheckResult:
    day = context.run.tags.get("dagster/partition", "?")
    max_ratio = load_settings().max_reject_ratio
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
