"""validated_groups, validated_agents: each record with its fields, or its one reject reason."""

from dagster import asset
from pyspark.sql import DataFrame

from groups_assets.contract.validation import validate_agents, validate_groups
from groups_assets.partitions import sync_days


@asset(
    partitions_def=sync_days,
    io_manager_key="parquet_io",
    kinds={"spark"},
    group_name="groups",
    description="The day's group records checked against the contract: valid ones with typed "
    "fields (duplicates resolved by updated_at), the rest with the first reason that applies.",
)
def validated_groups(raw_groups: DataFrame) -> DataFrame:
    return validate_groups(raw_groups)


@asset(
    partitions_def=sync_days,
    io_manager_key="parquet_io",
    kinds={"spark"},
    group_name="agents",
    description="The day's agent records checked against the contract.",
)
def validated_agents(raw_agents: DataFrame) -> DataFrame:
    return validate_agents(raw_agents)
