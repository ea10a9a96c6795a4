"""The table checks (quality/tables.py) as Dagster asset checks, partitioned by day like the assets:
each result carries its day, which the UI shows as the check's partition."""

import warnings

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    PreviewWarning,
    asset_check,
)

from groups_assets.defs.check_results import check_result
from groups_assets.errors import restore_tracebacks
from groups_assets.partitions import sync_days
from groups_assets.quality.tables import TABLE_CHECKS, TableCheck, evaluate
from groups_assets.resources.checks import ChecksResource
from groups_assets.resources.postgres import PostgresResource


def _definition(check: TableCheck) -> AssetChecksDefinition:
    # A partitions definition on a check is stable in use, "preview" in name.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)

        @asset_check(
            name=check.name, asset=check.asset, description=check.description, partitions_def=sync_days
        )
        def run(
            context: AssetCheckExecutionContext, postgres: PostgresResource, checks: ChecksResource
        ) -> AssetCheckResult:
            restore_tracebacks()
            database = postgres.start()
            return check_result(evaluate(check, database, context.partition_key, checks.timeout_seconds))

    return run


table_checks = [_definition(check) for check in TABLE_CHECKS]
