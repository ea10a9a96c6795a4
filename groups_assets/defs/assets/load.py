"""groups_table, membership_table, agents_table, inactive_flags: one day applied to PostgreSQL.

Spark executors COPY the day's valid rows and rejects into staging tables; one transaction then
upserts each table with a set-based statement and recomputes `inactive`, so a day lands whole
or not at all. The four tables are one step for that reason.
"""

import time
from collections.abc import Iterator

from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetSpec,
    Backoff,
    MaterializeResult,
    RetryPolicy,
    multi_asset,
)
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from groups_assets.partitions import sync_days
from groups_assets.resources.postgres import PostgresResource
from groups_assets.warehouse import transaction
from groups_assets.warehouse.staging import Stage, copy_into
from groups_assets.warehouse.statements import statement


def _valid(df: DataFrame) -> DataFrame:
    return df.where(F.col("reason").isNull())


def _rejects(df: DataFrame, source: str) -> DataFrame:
    # PostgreSQL text cannot hold NUL: keep it visible as the JSON escape.
    raw = F.replace(F.col("raw"), F.lit("\u0000"), F.lit("\\u0000"))
    return df.where(F.col("reason").isNotNull()).select(
        F.lit(source).alias("source"), "source_file", "record_no", raw.alias("raw_record"), "reason"
    )


# A database restart in the middle of a day: the transaction rolls back and the step runs
# again from the staged Parquet (about 2 + 4 + 8 + 16 s of waiting at most).
DATABASE_RETRY = RetryPolicy(max_retries=4, delay=2, backoff=Backoff.EXPONENTIAL)


@multi_asset(
    name="apply_day",
    partitions_def=sync_days,
    retry_policy=DATABASE_RETRY,
    ins={"validated_groups": AssetIn(), "validated_agents": AssetIn()},
    specs=[
        AssetSpec(
            "groups_table",
            deps=["validated_groups"],
            kinds={"postgres"},
            group_name="groups",
            description="PostgreSQL `groups`: upserted on group_id; a record never replaces a "
            "row with a newer updated_at; deletes are soft.",
        ),
        AssetSpec(
            "membership_table",
            deps=["validated_groups"],
            kinds={"postgres"},
            group_name="groups",
            description="PostgreSQL `group_membership`: an applied group's members become "
            "exactly its agent_ids.",
        ),
        AssetSpec(
            "agents_table",
            deps=["validated_agents"],
            kinds={"postgres"},
            group_name="agents",
            description="PostgreSQL `agents`: upserted on agent_id with the updated_at guard.",
        ),
        AssetSpec(
            "inactive_flags",
            deps=["groups_table", "membership_table", "agents_table"],
            kinds={"postgres"},
            group_name="groups",
            description="`groups.inactive`: true unless the group or a group below it, at any "
            "depth, has an active agent.",
        ),
    ],
)
def apply_day(
    context: AssetExecutionContext,
    validated_groups: DataFrame,
    validated_agents: DataFrame,
    postgres: PostgresResource,
) -> Iterator[MaterializeResult]:
    day = context.partition_key
    groups = _valid(validated_groups).select(
        "group_id",
        "name",
        "parent_group_id",
        F.col("created_micros").alias("created_at"),
        F.col("updated_micros").alias("updated_at"),
        "deleted",
    )
    members = _valid(validated_groups).select("group_id", F.explode("agent_ids").alias("agent_id"))
    agents = _valid(validated_agents).select(
        "agent_id", "name", "email", "active", F.col("updated_micros").alias("updated_at")
    )
    rejects = _rejects(validated_groups, "admin_groups").unionByName(_rejects(validated_agents, "agents"))

    schema = postgres.schema
    connect_kwargs = postgres.connect_kwargs()
    stage = Stage.new()
    with postgres.connect() as conn:
        transaction.ensure_schema(conn, schema)
        stage.create(conn)
        try:
            started = time.monotonic()
            staged = {
                "groups": copy_into(groups, connect_kwargs, stage, "groups"),
                "memberships": copy_into(members, connect_kwargs, stage, "members"),
                "agents": copy_into(agents, connect_kwargs, stage, "agents"),
                "rejects": copy_into(rejects, connect_kwargs, stage, "rejects"),
            }
            copy_seconds = time.monotonic() - started
            context.log.info(f"day {day}: staged {staged} in {copy_seconds:.1f} s")
            started = time.monotonic()
            counts = transaction.apply_day(conn, schema, stage, day)
            apply_seconds = time.monotonic() - started
        finally:
            stage.drop(conn)
        inactive_total, groups_total = conn.execute(statement("count_inactive")).fetchone()
    context.log.info(f"day {day}: applied {counts}")

    yield MaterializeResult(
        asset_key="groups_table",
        metadata={
            "groups_loaded": staged["groups"],
            "groups_written": counts["groups_written"],
            "groups_new": counts["groups_new"],
            "rejects": staged["rejects"],
            "groups_total": groups_total,
        },
    )
    yield MaterializeResult(
        asset_key="membership_table",
        metadata={
            "memberships_listed": staged["memberships"],
            "memberships_added": counts["memberships_added"],
            "memberships_removed": counts["memberships_removed"],
        },
    )
    yield MaterializeResult(
        asset_key="agents_table",
        metadata={"agents_loaded": staged["agents"], "agents_written": counts["agents_written"]},
    )
    yield MaterializeResult(
        asset_key="inactive_flags",
        metadata={
            "became_inactive": counts["became_inactive"],
            "became_active": counts["became_active"],
            "groups_flipped": counts["became_inactive"] + counts["became_active"],
            "inactive_groups": inactive_total,
            "seconds_staging_copy": round(copy_seconds, 2),
            "seconds_apply_transaction": round(apply_seconds, 2),
            **{k: round(v, 2) for k, v in counts.items() if k.startswith("seconds_")},
        },
    )
