"""raw_groups, raw_agents: one sync day's JSON read by Spark, each record with its raw text."""

from pathlib import Path

from dagster import AssetExecutionContext, Failure, asset
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame

from groups_assets.contract.reader import read_records
from groups_assets.partitions import BadDayKey, sync_days
from groups_assets.resources.postgres import DatabaseUnavailable, PostgresResource
from groups_assets.resources.source import SourceResource

KINDS = {"spark", "json"}


def _require_database(context: AssetExecutionContext, postgres: PostgresResource) -> None:
    """Fail fast, before any work, when the target database is unreachable: a run that could
    only fail at its last step would waste the read and the validation."""
    try:
        postgres.ping()
    except DatabaseUnavailable as err:
        raise Failure(f"day {context.partition_key}: {err}", allow_retries=False) from None


def _day_folder(source: SourceResource, day: str) -> Path:
    try:
        return source.day_folder(day)
    except BadDayKey as err:
        raise Failure(str(err), allow_retries=False) from None


def _day_files(source: SourceResource, day: str, kind: str) -> list[Path]:
    try:
        return source.day_files(day, kind)
    except BadDayKey as err:
        raise Failure(str(err), allow_retries=False) from None


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
    _require_database(context, postgres)
    folder = _day_folder(source, context.partition_key) / "admin_groups"
    if not folder.is_dir():
        raise Failure(
            f"day {context.partition_key}: {folder} is missing. Every sync day needs an "
            "admin_groups/ folder of *.json files; nothing was written for this day."
        )
    files = _day_files(source, context.partition_key, "admin_groups")
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
    context: AssetExecutionContext,
    spark: LazyPySparkResource,
    source: SourceResource,
    postgres: PostgresResource,
) -> DataFrame:
    _require_database(context, postgres)
    folder = _day_folder(source, context.partition_key) / "agents"
    files = _day_files(source, context.partition_key, "agents")
    context.add_output_metadata({"files": len(files)})
    return read_records(spark.spark_session, folder, "agents")
