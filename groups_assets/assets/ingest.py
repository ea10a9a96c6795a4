"""raw_groups, raw_agents: one sync day's JSON read by Spark, each record with its raw text."""

from dagster import AssetExecutionContext, Failure, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame

from groups_assets.partitions import sync_days
from groups_assets.reader import json_files, read_records
from groups_assets.resources.postgres import DatabaseUnavailable, PostgresResource
from groups_assets.resources.source import SourceResource

KINDS = {"spark", "json"}


@asset(
    partitions_def=sync_days,
    io_manager_key="parquet_io",
    kinds=KINDS,
    group_name="groups",
    description="Every record of the day's admin_groups/*.json (JSON Lines or arrays), with its "
    "file, line and raw text, parsed as JSON where it parses.",
)
def raw_groups(
    context: AssetExecutionContext,
    spark: LazyPySparkResource,
    source: SourceResource,
    postgres: PostgresResource,
) -> DataFrame:
    # Fail fast, before any work, when the target database is unreachable: a run that could
    # only fail at its last step would waste the read and validation.
    try:
        postgres.ping()
    except DatabaseUnavailable as err:
        raise Failure(f"day {context.partition_key}: {err}", allow_retries=False) from None
    folder = source.day_folder(context.partition_key) / "admin_groups"
    if not folder.is_dir():
        raise Failure(
            f"day {context.partition_key}: {folder} is missing. Every sync day needs an "
            "admin_groups/ folder of *.json files; nothing was written for this day."
        )
    files = json_files(folder)
    context.add_output_metadata({"files": len(files)})
    return read_records(spark.spark_session, folder, "admin_groups")


@asset(
    partitions_def=sync_days,
    io_manager_key="parquet_io",
    kinds=KINDS,
    group_name="agents",
    description="Every record of the day's agents/*.json (optional folder: absent means no "
    "agent changes that day).",
)
def raw_agents(
    context: AssetExecutionContext, spark: LazyPySparkResource, source: SourceResource
) -> DataFrame:
    folder = source.day_folder(context.partition_key) / "agents"
    files = json_files(folder) if folder.is_dir() else []
    context.add_output_metadata({"files": len(files)})
    return read_records(spark.spark_session, folder, "agents")
