"""groups_table, membership_table, agents_table, inactive_flags: the day in PostgreSQL.

The validated records become CSV text for the staging tables in the same Spark pass that reads
them (warehouse/staging.py); one transaction then upserts each table with a set-based statement
and recomputes `inactive` (warehouse/transaction.py), so a day lands whole or not at all.
"""

from __future__ import annotations

from dagster import AssetSpec
from pyspark.sql import DataFrame

from groups_assets.contract.rules import q
from groups_assets.warehouse.staging import STAGE_COLUMNS, csv_line, routed

SPECS = (
    AssetSpec(
        "groups_table",
        deps=["validated_groups"],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `groups`: upserted on group_id; a record never replaces a row with "
        "a newer updated_at; deletes are soft.",
    ),
    AssetSpec(
        "membership_table",
        deps=["validated_groups"],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `group_membership`: an applied group's members become exactly its agent_ids.",
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
        description="`groups.inactive`: true unless the group or a group below it, at any depth, has "
        "an active agent; `groups.inactive_since`: when it last became inactive.",
    ),
    AssetSpec(
        "group_history",
        deps=["inactive_flags"],
        kinds={"postgres"},
        group_name="groups",
        description="PostgreSQL `group_history`: every version of every group (name, parent, deleted, "
        "inactive) with valid_from/valid_to in transaction time and the sync_day that caused it.",
    ),
)


_NUL_ESCAPED = q("\\u0000")  # the six characters \u0000


def stage_rows(source: str, validated: DataFrame) -> DataFrame:
    """The source's records as rows for the staging COPY: a valid group gives its groups line
    and its membership lines, a valid agent its agents line, a reject its rejects line; each row
    is tallied under "<source>:<reason>" (the reason empty for a valid record)."""
    # PostgreSQL text cannot hold NUL: a reject keeps it visible as the JSON escape.
    rows = validated.selectExpr(
        "*", f"{q(source)} AS source", f"replace(raw, {q(chr(0))}, {_NUL_ESCAPED}) AS raw_record"
    )
    lines = {"rejects": f"CASE WHEN reason IS NOT NULL THEN {csv_line(STAGE_COLUMNS['rejects'])} END"}
    if source == "admin_groups":
        rows = rows.selectExpr("*", "created_micros AS created_at", "updated_micros AS updated_at")
        lines["groups"] = f"CASE WHEN reason IS NULL THEN {csv_line(STAGE_COLUMNS['groups'])} END"
        member = "concat(CAST(group_id AS STRING), ',', CAST(a AS STRING))"
        lines["members"] = (
            "CASE WHEN reason IS NULL AND size(agent_ids) > 0 "
            f"THEN concat(concat_ws(char(10), transform(agent_ids, a -> {member})), char(10)) END"
        )
    else:
        rows = rows.selectExpr("*", "updated_micros AS updated_at")
        lines["agents"] = f"CASE WHEN reason IS NULL THEN {csv_line(STAGE_COLUMNS['agents'])} END"
    return routed(rows, lines, f"concat({q(source + ':')}, coalesce(reason, ''))")
