"""Apply the contract's record rules to a day's records: each record gets its parsed fields or
exactly one reject reason (CONTRACT.md section 2).

Fields are extracted once into plain columns (value and JSON type), then the rules are small
expressions over those columns: that keeps Spark's plans small and fast to build.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from groups_assets.contract.rules import (
    as_string,
    element_id,
    first_reason,
    id_value,
    is_missing,
    mark_duplicates,
    typed,
    with_timestamp_micros,
)


def _c(name: str) -> tuple[Column, Column]:
    return F.col(name), F.col(f"{name}_t")


def _not_object() -> Column:
    return ~F.coalesce(F.col("doc_t").startswith("OBJECT"), F.lit(False))


def _text(name: str) -> Column:
    """An optional free-text field: the string, a non-string as its JSON text, NUL replaced."""
    value, kind = _c(name)
    text = F.when(is_missing(value, kind), F.lit(None)).otherwise(
        F.coalesce(as_string(value, kind), F.to_json(value))
    )
    return F.replace(text, F.lit("\u0000"), F.lit("\ufffd"))


def _extract(records: DataFrame, fields: list[str]) -> DataFrame:
    doc = F.col("doc")
    columns = [c for name in fields for c in typed(doc, name)]
    return records.select(
        "source_file", "record_no", "raw", "parsed", F.schema_of_variant(doc).alias("doc_t"), *columns
    )


def _finish(checked: DataFrame, id_col: str, duplicate_reason: str, columns: list[str]) -> DataFrame:
    """Resolve duplicates among the valid records; keep raw text only for rejects."""
    out = mark_duplicates(checked, id_col, duplicate_reason)
    kept = [F.when(F.col("reason").isNull(), F.col(c)).alias(c) for c in columns]
    return out.select(
        "source_file",
        "record_no",
        F.when(F.col("reason").isNotNull(), F.col("raw")).alias("raw"),
        "reason",
        *kept,
    )


def _members() -> Column:
    """agent_ids as array<bigint>, an element NULL where it breaks the id rule; NULL when
    agent_ids is not an array. An array of JSON integers only (the usual case) is read in one
    step; any other array element by element (slower: a lambda per element)."""
    only_integers = F.col("agent_ids_t") == "ARRAY<BIGINT>"
    return F.when(only_integers, F.try_variant_get(F.col("agent_ids"), "$", "array<bigint>")).otherwise(
        F.transform(F.try_variant_get(F.col("agent_ids"), "$", "array<variant>"), element_id)
    )


def _has_bad_member(members: Column) -> Column:
    """An element NULL (breaks the id rule) or below 1."""
    return F.coalesce(F.array_min(members) < 1, F.lit(False)) | (
        F.array_size(members) != F.array_size(F.array_compact(members))
    )


def validate_groups(records: DataFrame) -> DataFrame:
    fields = ["group_id", "name", "parent_group_id", "created_at", "updated_at", "agent_ids", "deleted"]
    x = _extract(records, fields)
    x = x.select(
        "*",
        id_value(*_c("group_id")).alias("gid"),
        as_string(*_c("name")).alias("name_s"),
        id_value(*_c("parent_group_id")).alias("pid"),
        as_string(*_c("created_at")).alias("created_s"),
        as_string(*_c("updated_at")).alias("updated_s"),
        _members().alias("members"),
    )
    x = with_timestamp_micros(x, "created_s", "created_micros")
    x = with_timestamp_micros(x, "updated_s", "updated_micros")
    name = F.col("name_s")
    agents_missing = is_missing(*_c("agent_ids"))
    reason = first_reason(
        [
            ("invalid_json", ~F.col("parsed")),
            ("not_an_object", _not_object()),
            ("missing_group_id", is_missing(*_c("group_id"))),
            ("invalid_group_id", F.col("gid").isNull()),
            ("missing_name", is_missing(*_c("name")) | F.coalesce(name.rlike(r"(?U)^\s*\z"), F.lit(False))),
            ("invalid_name", name.isNull() | (F.instr(name, "\u0000") > 0)),
            ("invalid_timestamp", F.col("created_micros").isNull() | F.col("updated_micros").isNull()),
            ("invalid_parent_group_id", ~is_missing(*_c("parent_group_id")) & F.col("pid").isNull()),
            ("self_parent", F.coalesce(F.col("pid") == F.col("gid"), F.lit(False))),
            (
                "invalid_agent_ids",
                ~agents_missing & (F.col("members").isNull() | _has_bad_member(F.col("members"))),
            ),
            ("invalid_deleted", ~is_missing(*_c("deleted")) & (F.col("deleted_t") != "BOOLEAN")),
        ]
    )
    checked = x.select(
        "source_file",
        "record_no",
        "raw",
        reason.alias("reason"),
        F.col("gid").alias("group_id"),
        name.alias("name"),
        F.col("pid").alias("parent_group_id"),
        "created_micros",
        "updated_micros",
        F.coalesce(F.array_distinct("members"), F.array().cast("array<bigint>")).alias("agent_ids"),
        F.coalesce(F.try_variant_get(F.col("deleted"), "$", "boolean"), F.lit(False)).alias("deleted"),
    )
    return _finish(
        checked,
        "group_id",
        "duplicate_group_id",
        ["group_id", "name", "parent_group_id", "created_micros", "updated_micros", "agent_ids", "deleted"],
    )


def validate_agents(records: DataFrame) -> DataFrame:
    x = _extract(records, ["agent_id", "active", "updated_at", "name", "email"])
    x = x.select(
        "*",
        id_value(*_c("agent_id")).alias("aid"),
        as_string(*_c("updated_at")).alias("updated_s"),
    )
    x = with_timestamp_micros(x, "updated_s", "updated_micros")
    reason = first_reason(
        [
            ("invalid_json", ~F.col("parsed")),
            ("not_an_object", _not_object()),
            ("missing_agent_id", is_missing(*_c("agent_id"))),
            ("invalid_agent_id", F.col("aid").isNull()),
            ("invalid_active", F.coalesce(F.col("active_t") != "BOOLEAN", F.lit(True))),
            ("invalid_timestamp", ~is_missing(*_c("updated_at")) & F.col("updated_micros").isNull()),
        ]
    )
    checked = x.select(
        "source_file",
        "record_no",
        "raw",
        reason.alias("reason"),
        F.col("aid").alias("agent_id"),
        _text("name").alias("name"),
        _text("email").alias("email"),
        F.try_variant_get(F.col("active"), "$", "boolean").alias("active"),
        "updated_micros",
    )
    return _finish(
        checked,
        "agent_id",
        "duplicate_agent_id",
        ["agent_id", "name", "email", "active", "updated_micros"],
    )
