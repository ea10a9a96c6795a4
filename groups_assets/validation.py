"""Apply the contract's record rules to a day's records: each record gets its parsed fields or
exactly one reject reason (CONTRACT.md section 2)."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from groups_assets.rules import (
    as_string,
    field,
    first_reason,
    id_value,
    is_missing,
    mark_duplicates,
    timestamp_micros,
    vtype,
)


def _not_object(doc: Column) -> Column:
    return ~F.coalesce(vtype(doc).startswith("OBJECT"), F.lit(False))


def _invalid_id(value: Column) -> Column:
    return id_value(value).isNull()


def _text(value: Column) -> Column:
    """An optional free-text field: the string, a non-string as its JSON text, NUL replaced."""
    text = F.when(is_missing(value), F.lit(None)).otherwise(
        F.coalesce(as_string(value), F.to_json(value))
    )
    return F.replace(text, F.lit("\u0000"), F.lit("\ufffd"))


def _finish(checked: DataFrame, id_col: str, duplicate_reason: str, columns: list[str]) -> DataFrame:
    """Resolve duplicates among the valid records; keep raw text only for rejects."""
    valid = mark_duplicates(checked.where(F.col("reason").isNull()), id_col, duplicate_reason)
    rejected = checked.where(F.col("reason").isNotNull())
    out = valid.unionByName(rejected)
    kept = [F.when(F.col("reason").isNull(), F.col(c)).alias(c) for c in columns]
    return out.select(
        "source_file",
        "record_no",
        F.when(F.col("reason").isNotNull(), F.col("raw")).alias("raw"),
        "reason",
        *kept,
    )


def validate_groups(records: DataFrame) -> DataFrame:
    doc = F.col("doc")
    gid, name, parent = field(doc, "group_id"), field(doc, "name"), field(doc, "parent_group_id")
    agents, deleted = field(doc, "agent_ids"), field(doc, "deleted")
    name_text = as_string(name)
    agent_list = F.try_variant_get(agents, "$", "array<variant>")
    created, updated = timestamp_micros(field(doc, "created_at")), timestamp_micros(field(doc, "updated_at"))

    reason = first_reason(
        [
            ("invalid_json", ~F.col("parsed")),
            ("not_an_object", _not_object(doc)),
            ("missing_group_id", is_missing(gid)),
            ("invalid_group_id", _invalid_id(gid)),
            ("missing_name", is_missing(name) | F.coalesce(name_text.rlike(r"(?U)^\s*$"), F.lit(False))),
            ("invalid_name", name_text.isNull() | (F.instr(name_text, "\u0000") > 0)),
            ("invalid_timestamp", created.isNull() | updated.isNull()),
            ("invalid_parent_group_id", ~is_missing(parent) & _invalid_id(parent)),
            ("self_parent", F.coalesce(id_value(parent) == id_value(gid), F.lit(False))),
            (
                "invalid_agent_ids",
                ~is_missing(agents)
                & (agent_list.isNull() | F.exists(agent_list, lambda x: id_value(x).isNull())),
            ),
            ("invalid_deleted", ~is_missing(deleted) & (vtype(deleted) != "BOOLEAN")),
        ]
    )
    checked = records.select(
        "source_file",
        "record_no",
        "raw",
        reason.alias("reason"),
        id_value(gid).alias("group_id"),
        name_text.alias("name"),
        id_value(parent).alias("parent_group_id"),
        created.alias("created_micros"),
        updated.alias("updated_micros"),
        F.coalesce(
            F.array_distinct(F.transform(agent_list, id_value)),
            F.array().cast("array<bigint>"),
        ).alias("agent_ids"),
        F.coalesce(F.try_variant_get(deleted, "$", "boolean"), F.lit(False)).alias("deleted"),
    )
    return _finish(
        checked,
        "group_id",
        "duplicate_group_id",
        ["group_id", "name", "parent_group_id", "created_micros", "updated_micros", "agent_ids", "deleted"],
    )


def validate_agents(records: DataFrame) -> DataFrame:
    doc = F.col("doc")
    aid, active, updated = field(doc, "agent_id"), field(doc, "active"), field(doc, "updated_at")
    updated_micros = timestamp_micros(updated)
    reason = first_reason(
        [
            ("invalid_json", ~F.col("parsed")),
            ("not_an_object", _not_object(doc)),
            ("missing_agent_id", is_missing(aid)),
            ("invalid_agent_id", _invalid_id(aid)),
            ("invalid_active", F.coalesce(vtype(active) != "BOOLEAN", F.lit(True))),
            ("invalid_timestamp", ~is_missing(updated) & updated_micros.isNull()),
        ]
    )
    checked = records.select(
        "source_file",
        "record_no",
        "raw",
        reason.alias("reason"),
        id_value(aid).alias("agent_id"),
        _text(field(doc, "name")).alias("name"),
        _text(field(doc, "email")).alias("email"),
        F.try_variant_get(active, "$", "boolean").alias("active"),
        updated_micros.alias("updated_micros"),
    )
    return _finish(
        checked,
        "agent_id",
        "duplicate_agent_id",
        ["agent_id", "name", "email", "active", "updated_micros"],
    )
