"""Apply the contract's record rules to a day's records: each record gets its parsed fields or
exactly one reject reason (CONTRACT.md section 2).

Fields are extracted once into plain columns (value and JSON type), then the rules are small
SQL expressions over those columns: that keeps Spark's plans small and fast to build.
"""

from __future__ import annotations

from pyspark import StorageLevel
from pyspark.sql import DataFrame

from groups_assets.contract.reasons import AGENT_REASONS, GROUP_REASONS
from groups_assets.contract.rules import (
    add,
    as_string,
    element_id,
    first_reason,
    id_value,
    is_missing,
    q,
    resolve_duplicates,
    vtype,
    with_timestamp_micros,
)

GROUP_FIELDS = [
    "group_id",
    "name",
    "parent_group_id",
    "created_micros",
    "updated_micros",
    "agent_ids",
    "deleted",
]
AGENT_FIELDS = ["agent_id", "name", "email", "active", "updated_micros"]


def _c(name: str) -> tuple[str, str]:
    return name, f"{name}_t"


_BLANK_RE = r"(?U)^\s*\z"  # not empty after trimming (Unicode White_Space)
_NOT_OBJECT = "_fields IS NULL"  # the record is not a JSON object (see _extract)


def _text(name: str) -> str:
    """An optional free-text field: the string, a non-string as its JSON text, NUL replaced."""
    value, kind = _c(name)
    text = (
        f"CASE WHEN {is_missing(value, kind)} THEN NULL "
        f"ELSE coalesce({as_string(value, kind)}, to_json({value})) END"
    )
    return f"replace({text}, {q(chr(0))}, {q(chr(0xFFFD))})"


def _extract(records: DataFrame, fields: list[str]) -> DataFrame:
    """The record's `fields` as columns `<name>` (VARIANT, NULL when absent) and `<name>_t` (its
    type, rules.vtype), and `_fields`, NULL when the record is not a JSON object.

    One cast of the record to a struct of VARIANTs finds every field in one walk over the
    object (names match case-sensitively, as a path does). Not a path lookup per field
    (`$.name`): Spark's lookup of an absent field throws and catches an exception, and most
    records omit some optional field."""
    struct = ", ".join(f"`{name}`: variant" for name in fields)
    fields_expr = f"try_variant_get(doc, '$', 'struct<{struct}>') AS _fields"
    kept = records.selectExpr("source_file", "record_no", "raw", "parsed", fields_expr)
    columns = {}
    for name in fields:
        columns[name] = f"_fields.`{name}`"
        columns[f"{name}_t"] = vtype(f"_fields.`{name}`")
    return add(kept, columns)


def _finish(
    checked: DataFrame, id_col: str, duplicate_reason: str, columns: list[str], persisted: list | None
) -> DataFrame:
    """Resolve duplicates among the valid records; keep raw text only for rejects.

    The checked records are persisted (MEMORY_AND_DISK) so that the rules run once per record
    whatever reads the result; the persisted frame is added to `persisted`, for the caller to
    unpersist when done (a Spark Connect server's cache is shared by all its runs: a run releases
    only its own)."""
    checked = checked.persist(StorageLevel.MEMORY_AND_DISK)
    if persisted is not None:
        persisted.append(checked)
    out = resolve_duplicates(checked, id_col, duplicate_reason)
    kept = [f"CASE WHEN reason IS NULL THEN `{c}` END AS `{c}`" for c in columns]
    return out.selectExpr(
        "source_file", "record_no", "CASE WHEN reason IS NOT NULL THEN raw END AS raw", "reason", *kept
    )


# agent_ids as array<bigint>, an element NULL where it breaks the id rule; NULL when agent_ids is
# not an array. An array of JSON integers only (the usual case) is read in one step; any other
# array element by element (slower: a lambda per element).
_MEMBERS = (
    "CASE WHEN agent_ids_t = 'ARRAY<BIGINT>' THEN try_variant_get(agent_ids, '$', 'array<bigint>') "
    f"ELSE transform(try_variant_get(agent_ids, '$', 'array<variant>'), e -> {element_id('e')}) END"
)
# An element NULL (breaks the id rule) or below 1.
_BAD_MEMBER = (
    "(coalesce(array_min(members) < 1, false) OR array_size(members) != array_size(array_compact(members)))"
)


def validate_groups(records: DataFrame, persisted: list | None = None) -> DataFrame:
    fields = ["group_id", "name", "parent_group_id", "created_at", "updated_at", "agent_ids", "deleted"]
    x = add(
        _extract(records, fields),
        {
            "gid": id_value(*_c("group_id")),
            "name_s": as_string(*_c("name")),
            "pid": id_value(*_c("parent_group_id")),
            "created_s": as_string(*_c("created_at")),
            "updated_s": as_string(*_c("updated_at")),
            "members": _MEMBERS,
        },
    )
    x = with_timestamp_micros(x, "created_s", "created_micros")
    x = with_timestamp_micros(x, "updated_s", "updated_micros")
    reason = first_reason(
        GROUP_REASONS,
        {
            "invalid_json": "NOT parsed",
            "not_an_object": _NOT_OBJECT,
            "missing_group_id": is_missing(*_c("group_id")),
            "invalid_group_id": "gid IS NULL",
            "missing_name": f"{is_missing(*_c('name'))} OR coalesce(name_s RLIKE {q(_BLANK_RE)}, false)",
            "invalid_name": f"name_s IS NULL OR instr(name_s, {q(chr(0))}) > 0",
            "invalid_timestamp": "created_micros IS NULL OR updated_micros IS NULL",
            "invalid_parent_group_id": f"NOT {is_missing(*_c('parent_group_id'))} AND pid IS NULL",
            "self_parent": "coalesce(pid = gid, false)",
            "invalid_agent_ids": f"NOT {is_missing(*_c('agent_ids'))} AND (members IS NULL OR {_BAD_MEMBER})",
            "invalid_deleted": f"NOT {is_missing(*_c('deleted'))} AND deleted_t != 'BOOLEAN'",
        },
    )
    checked = x.selectExpr(
        "source_file",
        "record_no",
        "raw",
        f"{reason} AS reason",
        "gid AS group_id",
        "name_s AS name",
        "pid AS parent_group_id",
        "created_micros",
        "updated_micros",
        "coalesce(array_distinct(members), CAST(array() AS array<bigint>)) AS agent_ids",
        "coalesce(try_variant_get(deleted, '$', 'boolean'), false) AS deleted",
    )
    return _finish(checked, "group_id", GROUP_REASONS[-1], GROUP_FIELDS, persisted)


def validate_agents(records: DataFrame, persisted: list | None = None) -> DataFrame:
    x = add(
        _extract(records, ["agent_id", "active", "updated_at", "name", "email"]),
        {"aid": id_value(*_c("agent_id")), "updated_s": as_string(*_c("updated_at"))},
    )
    x = with_timestamp_micros(x, "updated_s", "updated_micros")
    reason = first_reason(
        AGENT_REASONS,
        {
            "invalid_json": "NOT parsed",
            "not_an_object": _NOT_OBJECT,
            "missing_agent_id": is_missing(*_c("agent_id")),
            "invalid_agent_id": "aid IS NULL",
            "invalid_active": "coalesce(active_t != 'BOOLEAN', true)",
            "invalid_timestamp": f"NOT {is_missing(*_c('updated_at'))} AND updated_micros IS NULL",
        },
    )
    checked = x.selectExpr(
        "source_file",
        "record_no",
        "raw",
        f"{reason} AS reason",
        "aid AS agent_id",
        f"{_text('name')} AS name",
        f"{_text('email')} AS email",
        "try_variant_get(active, '$', 'boolean') AS active",
        "updated_micros",
    )
    return _finish(checked, "agent_id", AGENT_REASONS[-1], AGENT_FIELDS, persisted)


def validate(source: str, records: DataFrame, persisted: list[DataFrame]) -> DataFrame:
    """The validated records of one source folder. Runs the duplicate search (one Spark job); the
    rest stays lazy until the staging COPY reads it. What it persists is added to `persisted`."""
    check = validate_groups if source == "admin_groups" else validate_agents
    return check(records, persisted)
