"""The blocking check: a day that is mostly garbage is stopped before anything is written."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec

from groups_assets.defs.checks.records import DayCounts

SPEC = AssetCheckSpec(
    "reject_ratio",
    asset="validated_groups",
    blocking=True,
    description="Blocks the day before anything is written when more than GROUPS_MAX_REJECT_RATIO "
    "(default 20%) of its records (groups and agents) are rejected, or no group record is valid.",
)


def reject_ratio(counts: DayCounts, day: str, max_ratio: float) -> AssetCheckResult:
    """Passed, or failed (ERROR) with a description that says why the day is blocked."""
    records = sum(counts.read.values())
    rejected = sum(sum(c.values()) for c in counts.rejected.values())
    valid_groups = counts.valid("admin_groups")
    ratio = rejected / records if records else 0.0
    reasons = {f"{s}:{r}": n for s, c in counts.rejected.items() for r, n in c.items()}
    top = ", ".join(f"{k} {n}" for k, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:5])
    if valid_groups == 0:
        verdict = f"day {day}: no valid group record ({records} records read); top reasons: {top or 'none'}"
    elif ratio > max_ratio:
        verdict = (
            f"day {day}: {ratio:.1%} of {records} records rejected, above the limit of "
            f"{max_ratio:.0%} (GROUPS_MAX_REJECT_RATIO); top reasons: {top}"
        )
    else:
        verdict = ""
    return AssetCheckResult(
        asset_key="validated_groups",
        check_name="reject_ratio",
        passed=not verdict,
        severity=AssetCheckSeverity.ERROR,
        description=verdict or f"{ratio:.1%} rejected (limit {max_ratio:.0%})",
        metadata={
            "records": records,
            "rejected": rejected,
            "valid_groups": valid_groups,
            "reject_ratio": ratio,
            "max_reject_ratio": max_ratio,
        },
    )
