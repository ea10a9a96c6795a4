"""validated_groups, validated_agents: each record with its fields, or its one reject reason."""

from __future__ import annotations

from dagster import AssetSpec
from pyspark.sql import DataFrame

from groups_assets.contract.validation import validate_agents, validate_groups

SPECS = (
    AssetSpec(
        "validated_groups",
        deps=["raw_groups"],
        kinds={"spark"},
        group_name="groups",
        description="The day's group records checked against the contract: valid ones with typed "
        "fields (duplicates resolved by updated_at), the rest with the first reason that applies.",
    ),
    AssetSpec(
        "validated_agents",
        deps=["raw_agents"],
        kinds={"spark"},
        group_name="agents",
        description="The day's agent records checked against the contract.",
    ),
)


def validate(source: str, records: DataFrame, persisted: list[DataFrame]) -> DataFrame:
    """The validated records of one source. Runs the duplicate search (one Spark job); the rest
    stays lazy until the staging COPY reads it. What it persists is added to `persisted`."""
    check = validate_groups if source == "admin_groups" else validate_agents
    return check(records, persisted)
