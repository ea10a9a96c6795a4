"""The one Definitions object of the `groups_assets` code location."""

from __future__ import annotations

from dagster import AssetSelection, Definitions, define_asset_job, in_process_executor

from groups_assets.alerts import alert_webhook_from_env
from groups_assets.assets.ingest import raw_agents, raw_groups
from groups_assets.assets.load import apply_day
from groups_assets.assets.validate import validated_agents, validated_groups
from groups_assets.checks import ALL_CHECKS, reject_ratio_check
from groups_assets.io_manager import SparkParquetIOManager
from groups_assets.partitions import sync_days
from groups_assets.resources.postgres import PostgresResource
from groups_assets.resources.source import SourceResource
from groups_assets.resources.spark import spark_resource
from groups_assets.sensors import ALERT_SENSORS, build_new_day_sensor
from groups_assets.settings import Settings, load_settings

ASSETS = [raw_groups, raw_agents, validated_groups, validated_agents, apply_day]
JOB_NAME = "sync_day_job"

# One Spark session serves every step: the in-process executor runs them in this process.
sync_day_job = define_asset_job(
    JOB_NAME,
    selection=AssetSelection.all(),
    partitions_def=sync_days,
    executor_def=in_process_executor,
    description="Load one sync day end to end: read, validate, apply to PostgreSQL, inactive flags, checks.",
)


def build_definitions(settings: Settings) -> Definitions:
    spark = spark_resource(settings.spark_master)
    return Definitions(
        assets=ASSETS,
        asset_checks=[*ALL_CHECKS, reject_ratio_check(settings.max_reject_ratio)],
        jobs=[sync_day_job],
        sensors=[build_new_day_sensor(JOB_NAME), *ALERT_SENSORS],
        resources={
            "spark": spark,
            "parquet_io": SparkParquetIOManager(spark=spark, base_dir=settings.staging_dir),
            "postgres": PostgresResource(
                url=settings.database_url,
                schema_name=settings.db_schema,
                embedded_pgdata=str(settings.embedded_pgdata),
            ),
            "source": SourceResource(root=str(settings.source_root)),
            "alerts": alert_webhook_from_env(),
        },
    )


defs = build_definitions(load_settings())
