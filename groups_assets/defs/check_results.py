"""A check's verdict (quality/verdict.py) as Dagster's AssetCheckResult: the one place the checks'
outcomes become Dagster's."""

from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue

from groups_assets.quality.verdict import Markdown, Verdict


def check_result(verdict: Verdict) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=verdict.asset,
        check_name=verdict.check,
        passed=verdict.passed,
        severity=AssetCheckSeverity(verdict.severity),
        description=verdict.description,
        metadata={
            key: MetadataValue.md(value) if isinstance(value, Markdown) else value
            for key, value in verdict.metadata.items()
        },
    )
